"""Re-running `factx extract` finishes what is left; --force redoes all; Ctrl-C and SIGTERM keep every record."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import pytest
from helpers import EXAMPLES, FACTX, REPLAY, Scripted, seed
from helpers import extract_in_process
from typer.testing import Result

from factx.pipeline import Extractor, Skipped


def extract(*args: str) -> Result:
    """``factx extract ARGS -q`` in this process, answering from the recorded exchanges."""
    return extract_in_process(*args, "-q")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name, prefix in [("news/a.txt", "002"), ("news/b.txt", "004"), ("news/c.txt", "003")]:
        Path(name).parent.mkdir(exist_ok=True)
        shutil.copyfile(seed(prefix), name)
    return tmp_path


def records(path: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def edit(path: str, source: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the record of ``source`` in a JSON Lines file, as another run could have left it."""
    lines = []
    for record in records(path):
        if record["source"] == source:
            change(record)
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    Path(path).write_text("".join(lines))


def mark(record: dict[str, Any]) -> None:
    record["warnings"] = ["left by an earlier run"]


A, B, C = (os.path.join("news", name) for name in ("a.txt", "b.txt", "c.txt"))


def test_rerun_skips_finished_documents_without_the_model_and_appends_the_rest(work):
    os.remove("news/c.txt")
    assert extract("news", "-o", "out.jsonl").exit_code == 0
    edit("out.jsonl", A, mark)  # a record redone would lose the mark
    before = Path("out.jsonl").read_bytes()
    shutil.copyfile(seed("003"), "news/c.txt")
    done = extract_in_process("news", "-o", "out.jsonl", "-v")
    assert done.exit_code == 0
    assert f"skipped {A}: its record is already written" in done.stderr.splitlines()
    assert Path("out.jsonl").read_bytes().startswith(before)
    assert [r["source"] for r in records("out.jsonl")] == [A, B, C]


def test_nothing_left_to_do_leaves_the_file_untouched(work):
    assert extract("news", "-o", "out.jsonl").exit_code == 0
    before = Path("out.jsonl").stat()
    assert extract("news", "-o", "out.jsonl").exit_code == 0
    after = Path("out.jsonl").stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.update(sha256="0" * 64),  # the text changed since
        lambda r: r.update(model="openai/gpt-4o-mini"),
        lambda r: r.update(prompt_version="0123456789ab"),
        lambda r: r["stats"].update(failed_calls=1),  # some answers were missing
        lambda r: r.update(types=["mou"]),  # fewer types than asked now
    ],
    ids=["text", "model", "prompts", "failed-calls", "types"],
)
def test_a_record_made_otherwise_is_redone_and_replaced(work, change):
    assert extract("news", "-o", "out.jsonl").exit_code == 0
    edit("out.jsonl", A, lambda r: (mark(r), change(r)))
    assert extract("news", "-o", "out.jsonl").exit_code == 0
    after = records("out.jsonl")
    assert [r["source"] for r in after] == [B, C, A]  # the redone record is the last line, its old one gone
    assert after[-1]["warnings"] != ["left by an earlier run"]


def test_a_record_covering_more_types_than_asked_is_kept(work):
    assert extract("news", "-o", "out.jsonl").exit_code == 0
    edit("out.jsonl", A, mark)
    before = Path("out.jsonl").read_bytes()
    assert extract("news", "-o", "out.jsonl", "-t", "mou").exit_code == 0
    assert Path("out.jsonl").read_bytes() == before


def test_force_redoes_every_document_and_keeps_one_record_each(work):
    Path("out.jsonl").write_text(json.dumps({"source": "other.txt", "sha256": "1" * 64, "model": "m"}) + "\n")
    assert extract("news", "-o", "out.jsonl").exit_code == 0
    edit("out.jsonl", A, mark)
    assert extract("news", "-o", "out.jsonl", "--force").exit_code == 0
    after = records("out.jsonl")
    assert [r["source"] for r in after] == ["other.txt", A, B, C]
    assert after[1]["warnings"] != ["left by an earlier run"]


def test_one_document_into_a_json_file_is_skipped_then_redone_with_force(work):
    assert extract(A, "-o", "a.json").exit_code == 0
    record = json.loads(Path("a.json").read_text())
    Path("a.json").write_text(json.dumps({**record, "warnings": ["kept"]}, indent=2) + "\n")
    before = Path("a.json").read_bytes()
    assert extract(A, "-o", "a.json").exit_code == 0
    assert Path("a.json").read_bytes() == before
    assert extract(A, "-o", "a.json", "--force").exit_code == 0
    assert json.loads(Path("a.json").read_text())["warnings"] != ["kept"]


def test_a_batch_adds_to_a_pretty_document_as_json_lines(work):
    assert extract(A, "-o", "out.json").exit_code == 0
    first = json.loads(Path("out.json").read_text())
    assert extract(A, B, "-o", "out.json").exit_code == 0
    lines = Path("out.json").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [first, *records("out.json")[1:]]
    assert [r["source"] for r in records("out.json")] == [A, B]


def test_out_dir_skips_inputs_whose_file_holds_their_record(work):
    assert extract(A, B, "--out-dir", "recs").exit_code == 0
    record = json.loads(Path("recs/a.json").read_text())
    Path("recs/a.json").write_text(json.dumps({**record, "warnings": ["kept"]}))
    os.remove("recs/b.json")
    assert extract(A, B, "--out-dir", "recs").exit_code == 0
    assert json.loads(Path("recs/a.json").read_text())["warnings"] == ["kept"]
    assert json.loads(Path("recs/b.json").read_text())["source"] == B


# --- a real batch, interrupted ----------------------------------------------------------------------


N = 20


@pytest.fixture
def batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """N inputs: copies of the five seeds under distinct names (the recorded answers match their texts)."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "in"
    folder.mkdir()
    seeds = sorted(EXAMPLES.glob("*.txt"))
    for n in range(N):
        shutil.copyfile(seeds[n % len(seeds)], folder / f"doc{n:02d}.txt")
    return tmp_path


def interrupt(cwd: Path, number: signal.Signals, *args: str, after: int = 1) -> subprocess.CompletedProcess[str]:
    """Run ``factx extract in -o out.jsonl ARGS`` and send it ``number`` once out.jsonl holds ``after`` lines."""
    out = cwd / "out.jsonl"
    process = subprocess.Popen([*FACTX, "extract", "in", "-o", "out.jsonl", *REPLAY, *args], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (out.exists() and out.read_bytes().count(b"\n") >= after) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    process.send_signal(number)
    stdout, stderr = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def sources(path: Path) -> Counter[str]:
    return Counter(json.loads(line)["source"] for line in path.read_text().splitlines())


EVERY_INPUT = Counter({os.path.join("in", f"doc{n:02d}.txt"): 1 for n in range(N)})
INTERRUPTED = re.compile(
    rf"interrupted: (\d+) of {N} documents written to out\.jsonl; run the same command again to finish"
)


@pytest.mark.parametrize(("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_batch_keeps_its_records_in_the_named_file_and_a_rerun_finishes(batch, number, code):
    stopped = interrupt(batch, number, "-q")
    assert stopped.returncode == code and stopped.stdout == ""
    message = INTERRUPTED.fullmatch(stopped.stderr.rstrip("\n"))
    assert message, stopped.stderr
    kept = (batch / "out.jsonl").read_text()
    assert 1 <= int(message[1]) == kept.count("\n") < N
    assert sorted(os.listdir(batch)) == ["in", "out.jsonl"]  # no hidden temporary file

    done = extract("in", "-o", "out.jsonl")  # the same command again
    assert (done.exit_code, done.stderr) == (0, "")
    assert (batch / "out.jsonl").read_text().startswith(kept)
    assert sources(batch / "out.jsonl") == EVERY_INPUT


def test_interrupted_force_run_leaves_every_input_exactly_once(batch):
    earlier = [{"source": source, "sha256": "0" * 64, "model": "m"} for source in EVERY_INPUT]
    (batch / "out.jsonl").write_text("".join(json.dumps(record) + "\n" for record in earlier))
    stopped = interrupt(batch, signal.SIGTERM, "--force", "-q", after=N + 2)  # two documents redone
    assert stopped.returncode == 143 and "Traceback" not in stopped.stderr
    assert sources(batch / "out.jsonl") == EVERY_INPUT
    assert sorted(os.listdir(batch)) == ["in", "out.jsonl"]



def test_extract_paths_skips_a_document_when_asked_before_any_model_call(tmp_path):
    path = tmp_path / "a.txt"
    shutil.copyfile(seed("002"), path)
    backend, seen = Scripted(), []  # no answers: any call would fail
    results = list(Extractor(backend).extract_paths([str(path)], skip=lambda doc: seen.append(doc) or True))
    assert results == [(str(path), Skipped(str(path)))]
    assert backend.requests == [] and seen[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_sigterm_a_finalizer_swallows_still_stops_the_batch_quietly(capsys):
    from factx import cli

    class Finalized:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # the handler runs here, inside the finalizer, whose exception Python ignores

    with pytest.raises(cli._Terminated), cli._sigterm_as_interrupt() as termination:
        Finalized()  # collected at once
        assert termination.received
        # the batch goes on to its next document: the check there stops it
        termination.check()
    assert capsys.readouterr().err == ""  # not "Exception ignored in ... _Terminated"
