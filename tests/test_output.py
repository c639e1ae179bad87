"""`factx extract` output: the form the user asked for, one-line errors before any work, modes, full disks."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from helpers import FACTX, REPLAY, ROOT, seed
from helpers import extract_in_process as extract


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder to run in, so names in messages are as short as a user types them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def article(name: str, prefix: str = "002") -> str:
    """A copy of a seed article under ``name`` (the recorded answers match its text, not its name)."""
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seed(prefix), name)
    return name


def pretty(text: str) -> str:
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def compact_lines(text: str) -> str:
    return "".join(json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":")) + "\n"
                   for line in text.splitlines())


# --- the form follows what was asked ---------------------------------------------------------------


def test_one_file_gives_one_pretty_document(work):
    done = extract(article("a.txt"), "-q")
    assert done.exit_code == 0
    assert done.stdout == pretty(done.stdout) and json.loads(done.stdout)["source"] == "a.txt"


@pytest.mark.parametrize("args", [["--jsonl"], ["-o", "out.jsonl"], ["-o", "OUT.JSONL"]])
def test_jsonl_flag_or_jsonl_file_gives_one_line_for_one_file(work, args):
    done = extract(article("a.txt"), *args, "-q")
    assert done.exit_code == 0
    text = done.stdout if args == ["--jsonl"] else Path(args[1]).read_text()
    assert text.count("\n") == 1 and text == compact_lines(text)


def test_folder_holding_one_file_gives_json_lines_even_into_a_json_file(work):
    article("news/a.txt")
    done = extract("news", "-o", "out.json", "-q")
    assert done.exit_code == 0
    text = Path("out.json").read_text()
    assert text == compact_lines(text) and json.loads(text)["source"] == os.path.join("news", "a.txt")


def test_two_files_give_json_lines_on_stdout(work):
    done = extract(article("a.txt"), article("b.txt", "004"), "-q")
    assert done.exit_code == 0
    assert done.stdout == compact_lines(done.stdout)
    assert [json.loads(line)["source"] for line in done.stdout.splitlines()] == ["a.txt", "b.txt"]


@pytest.mark.parametrize("out", [None, "one.json"])
def test_compact_puts_the_record_on_one_line(work, out):
    done = extract(article("a.txt"), "--compact", "-q", *(["-o", out] if out else []))
    assert done.exit_code == 0
    text = Path(out).read_text() if out else done.stdout
    assert text.count("\n") == 1 and text == compact_lines(text)


def test_out_dash_is_stdout_and_creates_no_file(work):
    done = extract(article("a.txt"), "-o", "-", "-q")
    assert done.exit_code == 0 and json.loads(done.stdout)["source"] == "a.txt"
    assert sorted(os.listdir()) == ["a.txt"]


def test_out_dir_holds_one_pretty_document_per_input(work):
    done = extract(article("a.txt"), article("x/a.txt", "004"), "--out-dir", "recs", "-q")
    assert done.exit_code == 0 and done.stdout == ""
    assert sorted(os.listdir("recs")) == ["a-2.json", "a.json"]
    text = Path("recs/a-2.json").read_text()
    assert text == pretty(text) and json.loads(text)["source"] == os.path.join("x", "a.txt")


# --- output errors: one line, exit 2, before any model call, nothing touched -----------------------


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (lambda: os.mkdir("d"), ["-o", "d"], "d: is a directory"),
        (lambda: Path("f").write_text("x"), ["-o", "f/x.json"], "f/x.json: not a directory"),
        (lambda: Path("f").write_text("x"), ["--out-dir", "f"], "f: not a directory"),
        (lambda: os.mkdir("recs/a.json"), ["--out-dir", "recs"], "recs/a.json: is a directory"),
        (lambda: None, ["-o", "a.txt"], "a.txt: is an input; refusing to write records over it"),
        (lambda: os.symlink("a.txt", "link.json"), ["-o", "link.json"],
         "link.json: is an input; refusing to write records over it"),
        (lambda: os.link("a.txt", "recs/a.json"), ["--out-dir", "recs"],
         "recs/a.json: is an input; refusing to write records over it"),
        (lambda: Path("notes.txt").write_text("my notes\n"), ["-o", "notes.txt"],
         "notes.txt: does not hold factx records; refusing to write to it"),
        (lambda: Path("list.json").write_text("[1, 2, 3]\n"), ["-o", "list.json"],
         "list.json: does not hold factx records; refusing to write to it"),
        (lambda: Path("bin.jsonl").write_bytes(b"\xff\xfe\x00"), ["-o", "bin.jsonl"],
         "bin.jsonl: does not hold factx records; refusing to write to it"),
    ],
    ids=["out-dir-is-folder", "parent-is-file", "out-dir-is-file", "out-dir-file-is-folder", "out-is-input",
         "out-links-to-input", "out-dir-file-is-input", "notes", "json-not-records", "binary"],
)
def test_unusable_output_is_one_line_and_exit_2_with_nothing_touched(work, setup, args, message):
    article("a.txt")
    os.mkdir("recs")
    setup()
    before = {path: path.read_bytes() if path.is_file() else None for path in Path().rglob("*")}
    done = extract("a.txt", *args)
    assert (done.exit_code, done.stderr, done.stdout) == (2, f"error: {message}\n", "")
    assert {path: path.read_bytes() if path.is_file() else None for path in Path().rglob("*")} == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_read_only_folder_is_refused_up_front(work):
    article("a.txt")
    os.mkdir("ro", 0o555)
    done = extract("a.txt", "-o", "ro/sub/out.json")
    assert (done.exit_code, done.stderr) == (2, "error: ro/sub/out.json: permission denied\n")


def test_failed_run_leaves_an_existing_file_byte_identical(work):
    assert extract(article("a.txt"), article("b.txt", "004"), "-o", "all.jsonl", "-q").exit_code == 0
    shutil.copyfile("all.jsonl", "keep.jsonl")
    Path("empty.txt").write_bytes(b"")
    done = extract("empty.txt", "-o", "keep.jsonl", "-q")
    assert done.exit_code == 1 and done.stderr.splitlines()[0] == "error: empty.txt: empty file"
    assert Path("keep.jsonl").read_bytes() == Path("all.jsonl").read_bytes()


def test_failed_run_creates_no_file(work):
    Path("empty.txt").write_bytes(b"")
    assert extract("empty.txt", "-o", "new/out.json", "-q").exit_code == 1
    assert sorted(os.listdir()) == ["empty.txt"]


# --- writes that fail mid-run --------------------------------------------------------------------------


def test_full_disk_mid_batch_keeps_every_complete_record(work, monkeypatch):
    assert extract(article("a.txt"), "-o", "out.jsonl", "-q").exit_code == 0
    before = Path("out.jsonl").read_bytes()
    real_write, records = os.write, []

    def fills_up(fd: int, data: bytes) -> int:
        if b'"source"' not in bytes(data):
            return real_write(fd, data)
        records.append(data)
        if len(records) < 2:
            return real_write(fd, data)
        real_write(fd, bytes(data[:40]))  # a torn line, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", fills_up)
    done = extract("a.txt", article("b.txt", "004"), article("c.txt", "003"), "-o", "out.jsonl", "-q")
    assert (done.exit_code, done.stderr) == (1, "error: out.jsonl: no space left on device\n")
    lines = Path("out.jsonl").read_bytes().splitlines(keepends=True)
    assert b"".join(lines[:1]) == before and len(lines) == 2
    assert json.loads(lines[1])["source"] == "b.txt"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_out_to_a_full_device_is_one_line_and_exit_1(work):
    done = extract(article("a.txt"), "-o", "/dev/full", "-q")
    assert (done.exit_code, done.stderr) == (1, "error: /dev/full: no space left on device\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_on_a_full_device_is_one_line_and_exit_1():
    with open("/dev/full", "w") as full:
        done = subprocess.run([*FACTX, "extract", str(seed("002")), *REPLAY, "-q"], stdout=full,
                              stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stderr) == (1, b"error: stdout: no space left on device\n")


# --- modes -----------------------------------------------------------------------------------------------


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield
    os.umask(previous)


@pytest.mark.parametrize("args", [["-o", "one.json"], ["-o", "all.jsonl"], ["--out-dir", "recs"]])
def test_new_files_get_0666_less_the_umask(work, umask_027, args):
    assert extract(article("a.txt"), *args, "-q").exit_code == 0
    written = Path(args[1], "a.json") if args[0] == "--out-dir" else Path(args[1])
    assert stat.S_IMODE(written.stat().st_mode) == 0o640


@pytest.mark.parametrize("name", ["one.json", "all.jsonl"])
def test_a_replaced_file_keeps_its_mode(work, name):
    assert extract(article("a.txt"), "-o", name, "-q").exit_code == 0
    os.chmod(name, 0o604)
    assert extract(article("b.txt", "004"), "-o", name, "-q").exit_code == 0  # one.json replaced, all.jsonl added to
    assert stat.S_IMODE(os.stat(name).st_mode) == 0o604
