"""The Ray Data path (``factx.distributed``, ``factx ray``) gives what the plain extractor gives.

One local Ray instance serves the module (started once: its start-up is most of the time).
Answers are replayed from the recorded exchanges, or come from the fake server on loopback,
so every record can be compared with what ``Extractor`` makes of the same text in this process.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from functools import partial
from hashlib import sha256
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray
from fault_server import FaultServer
from helpers import EXAMPLES, EXCHANGES
from typer.testing import CliRunner

from factx import distributed
from factx.cli import app
from factx.errors import FactxError, InputError, OutputError
from factx.models import Record
from factx.pipeline import Extractor
from factx.reading import expand_paths
from factx.settings import Settings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")  # Ray's own, at start-up
REPLAYED = distributed.Options(Settings(cache_dir=EXCHANGES), store_mode="replay")
HOW: dict[str, Any] = {"workers": 2, "cpus_per_worker": 0.5, "batch_size": 2}  # two actors share the work


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield
    ray.shutdown()


@pytest.fixture
def served(fault_server: FaultServer, tmp_path: Path) -> distributed.Options:
    """Options for the fake server on loopback, which answers every call validly (no facts)."""
    settings = Settings(provider="compatible", base_url=fault_server.url, cache_dir=tmp_path / "cache")
    return distributed.Options(settings, store_mode="off")


def comparable(record: Record | dict[str, Any]) -> dict[str, Any]:
    """A record as JSON, less the seconds it took (the only part that differs between two runs)."""
    data = record.model_dump(mode="json") if isinstance(record, Record) else dict(record)
    return {**data, "stats": {k: v for k, v in data["stats"].items() if k != "seconds"}}


def plain(options: distributed.Options, texts: dict[str, str]) -> dict[str, dict[str, Any] | str]:
    """What the extractor outside Ray makes of each text: its record, or the row's error message."""
    extractor: Extractor = options.extractor()
    made: dict[str, dict[str, Any] | str] = {}
    for source, text in texts.items():
        try:
            made[source] = comparable(extractor.extract(text, source=source))
        except InputError as err:
            made[source] = err.reason
        except FactxError as err:
            made[source] = str(err)
    return made


def parquet_rows(path: Path) -> dict[str, dict[str, Any] | str]:
    """A Parquet output by source: the record, or the error."""
    rows = pq.read_table(path).to_pylist()
    assert all((row["record"] is None) != (row["error"] is None) for row in rows)
    return {row["source"]: comparable(json.loads(row["record"])) if row["record"] else row["error"] for row in rows}


def jsonl_records(path: Path) -> dict[str, dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len({r["source"] for r in records}) == len(records)
    return {record["source"]: comparable(record) for record in records}


def seed_texts() -> dict[str, str]:
    return {name: Path(name).read_text(encoding="utf-8") for name in expand_paths([str(EXAMPLES)])}


def accords(folder: Path, numbers: range) -> Path:
    """Short texts ``<n>.txt`` in ``folder``, each a different one."""
    folder.mkdir(exist_ok=True)
    for n in numbers:
        (folder / f"{n}.txt").write_text(f"Il ministro ha firmato {n} accordi con la Francia a Roma.", encoding="utf-8")
    return folder


def test_a_folder_of_seeds_to_jsonl_gives_the_plain_records(tmp_path: Path) -> None:
    out = tmp_path / "facts.jsonl"
    tally = distributed.run(EXAMPLES, out, settings=REPLAYED.settings, store_mode="replay", **HOW)
    expected = plain(REPLAYED, seed_texts())
    records = {source: made for source, made in expected.items() if isinstance(made, dict)}
    assert jsonl_records(out) == records
    assert tally == distributed.Outcome(records=len(records), errors=len(expected) - len(records))


def test_a_jsonl_of_texts_to_parquet_keeps_a_bad_row_as_its_error(tmp_path: Path) -> None:
    texts = {Path(name).stem: text for name, text in seed_texts().items()}
    rows = [{"id": name, "text": text} for name, text in texts.items()] + [{"id": "blank", "text": "  \n"}]
    source = tmp_path / "texts.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = tmp_path / "facts.parquet"
    distributed.run(source, out, settings=REPLAYED.settings, store_mode="replay", **HOW)
    assert parquet_rows(out) == {**plain(REPLAYED, texts), "blank": "file holds only whitespace"}


def test_records_made_on_ray_workers_equal_the_plain_ones(served: distributed.Options, tmp_path: Path) -> None:
    texts = {f"doc{n}": f"Il {n} marzo il ministro ha firmato un accordo con la Francia a Roma." for n in range(6)}
    table = pa.table({"source": [*texts, "missing"], "text": [*texts.values(), None]})
    pq.write_table(table, tmp_path / "texts.parquet")
    out = tmp_path / "facts.parquet"
    assert distributed.run(
        tmp_path / "texts.parquet", out, settings=served.settings, store_mode="off", **HOW) == distributed.Outcome(6, 1)
    expected = plain(served, texts)
    assert all(isinstance(made, dict) for made in expected.values())  # records, not errors, are compared
    assert parquet_rows(out) == {**expected, "missing": "no text and no path"}


def test_extract_batch_turns_each_bad_document_into_its_error_row(served: distributed.Options, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("La delegazione italiana è arrivata a Tokyo lunedì per una missione.", encoding="utf-8")
    batch = {"path": [str(good), str(tmp_path / "nope.txt")], "source": [None, "named"]}
    rows = distributed.ExtractBatch(served)(batch).to_pylist()
    assert [(row["source"], row["error"]) for row in rows] == [(str(good), None), ("named", "no such file")]
    assert comparable(json.loads(rows[0]["record"])) == plain(served, {str(good): good.read_text()})[str(good)]


def test_the_command_writes_jsonl_and_reports_on_stderr(served: distributed.Options, tmp_path: Path) -> None:
    folder, out = accords(tmp_path / "news", range(3)), tmp_path / "facts.jsonl"
    done = CliRunner().invoke(app, [
        "ray", str(folder), "-o", str(out), "--workers", "2", "--cpus-per-worker", "0.5", "-q",
        "--provider", "compatible", "--base-url", served.settings.base_url or "", "--no-cache",
    ])
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "")
    assert sorted(jsonl_records(out)) == sorted(str(path) for path in folder.iterdir())


def test_a_failed_or_recordless_run_leaves_the_earlier_output(served: distributed.Options, tmp_path: Path) -> None:
    out = tmp_path / "facts.jsonl"
    distributed.run(accords(tmp_path / "news", range(2)), out, settings=served.settings, store_mode="off", **HOW)
    earlier = out.read_bytes()
    wrong, blank = tmp_path / "wrong.jsonl", tmp_path / "blank.jsonl"
    wrong.write_text('{"body": "no text column here"}\n', encoding="utf-8")
    blank.write_text('{"id": "a", "text": " "}\n{"id": "b", "text": ""}\n{"id": "c", "text": "\\t"}\n')
    with pytest.raises(InputError) as failed:
        distributed.run(wrong, out, settings=REPLAYED.settings, store_mode="replay", **HOW)
    assert str(failed.value) == f"{wrong}: has no text column (columns: body)"
    tally = distributed.run(blank, out, settings=REPLAYED.settings, store_mode="replay", **HOW)
    assert tally == distributed.Outcome(0, 3)
    assert out.read_bytes() == earlier
    assert sorted(path.name for path in tmp_path.iterdir()) == ["blank.jsonl", "facts.jsonl", "news", "wrong.jsonl"]


def test_an_output_that_holds_no_records_is_refused_before_ray_runs(
    served: distributed.Options, tmp_path: Path
) -> None:
    out = tmp_path / "facts.parquet"
    pq.write_table(pa.table({"name": ["x"]}), out)
    other = tmp_path / "facts.jsonl"
    other.write_bytes(b'{"earlier": true}\n')
    for target in (out, other):
        kept = target.read_bytes()
        with pytest.raises(OutputError) as refused:
            distributed.run(accords(tmp_path / "news", range(2)), target, settings=served.settings, **HOW)
        assert str(refused.value) == f"{target}: does not hold factx records; refusing to write to it"
        assert target.read_bytes() == kept


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_run_again_does_only_the_documents_left(served: distributed.Options, tmp_path: Path, suffix: str) -> None:
    news, out = accords(tmp_path / "news", range(3)), tmp_path / f"facts{suffix}"
    run = partial(distributed.run, news, out, settings=served.settings, store_mode="off", **HOW)
    assert run() == distributed.Outcome(3, 0, 0)
    first = out.read_bytes()
    assert run() == distributed.Outcome(0, 0, 3)
    assert out.read_bytes() == first  # nothing new: the file is not even rewritten
    accords(news, range(3, 5))
    (news / "0.txt").write_text("Il ministro ha firmato un altro accordo.", encoding="utf-8")  # changed: redone
    assert run() == distributed.Outcome(3, 0, 2)
    rows = output_records(out)
    assert sorted(rows) == sorted(str(path) for path in news.iterdir())
    assert rows[str(news / "0.txt")]["sha256"] == sha256(b"Il ministro ha firmato un altro accordo.").hexdigest()
    assert run(force=True) == distributed.Outcome(5, 0, 0)
    assert sorted(output_records(out)) == sorted(rows)


def test_an_interrupted_run_keeps_its_records_and_a_run_again_finishes(
    served: distributed.Options, tmp_path: Path
) -> None:
    news, out = accords(tmp_path / "news", range(8)), tmp_path / "facts.jsonl"
    with pytest.raises(KeyboardInterrupt), distributed.start(news, out, served, **HOW) as job:
        for _source, result in job:
            assert isinstance(result, Record)
            raise KeyboardInterrupt  # as Ctrl-C raises it, after the first record
    kept = jsonl_records(out)
    assert 1 <= len(kept) == job.records() < 8
    tally = distributed.run(news, out, settings=served.settings, store_mode="off", **HOW)
    assert tally == distributed.Outcome(8 - len(kept), 0, len(kept))
    assert sorted(jsonl_records(out)) == sorted(str(path) for path in news.iterdir())


def test_texts_without_a_source_are_resumed_by_their_text(served: distributed.Options, tmp_path: Path) -> None:
    texts, out = tmp_path / "texts.jsonl", tmp_path / "facts.jsonl"
    lines = [json.dumps({"text": f"Il ministro ha firmato {n} accordi."}) + "\n" for n in range(4)]
    texts.write_text("".join(lines[:3]), encoding="utf-8")
    run = partial(distributed.run, texts, out, settings=served.settings, store_mode="off", **HOW)
    assert run() == distributed.Outcome(3, 0, 0)
    texts.write_text("".join(lines), encoding="utf-8")
    assert run() == distributed.Outcome(1, 0, 3)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {record["source"] for record in records} == {"<text>"}
    expected = {sha256(json.loads(line)["text"].encode()).hexdigest() for line in lines}
    assert sorted(record["sha256"] for record in records) == sorted(expected)


def output_records(path: Path) -> dict[str, dict[str, Any]]:
    """The records of a JSON Lines or Parquet output, by source, each once."""
    if path.suffix == ".parquet":
        lines = [row["record"] for row in pq.read_table(path).to_pylist() if row["record"]]
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len({r["source"] for r in records}) == len(records)
    return {record["source"]: record for record in records}


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "-o", "x.jsonl"], "nope: no such file or directory"),
    (["examples", "-o", "x.csv"], "x.csv: expected a .jsonl or .parquet file name"),
    (["README.md", "-o", "x.jsonl"],
     "README.md: expected a folder of text files, a .jsonl or a .parquet file of texts"),
    (["examples", "-o", "x.jsonl", "-t", "treaty"],
     "unknown fact type treaty; choose from agreement, mou, mission, federation"),
])
def test_the_command_refuses_a_bad_run_in_one_line(args: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    done = CliRunner().invoke(app, ["ray", *[str(tmp_path / a) if a.startswith("x.") else a for a in args]])
    shown = message.replace("x.", f"{tmp_path}/x.")
    assert (done.exit_code, done.stderr) == (2, f"error: {shown}\n")


def test_without_ray_the_command_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as where the extra is not installed
    done = CliRunner().invoke(app, ["ray", str(EXAMPLES), "-o", str(tmp_path / "x.jsonl"), "--replay",
                                    "--cache-dir", str(EXCHANGES)])
    assert (done.exit_code, done.stderr) == (2, "error: Ray Data is not installed; install factx[ray]\n")


def test_a_driver_that_dies_leaves_the_jsonl_records_it_had(served: distributed.Options, tmp_path: Path) -> None:
    news, out = accords(tmp_path / "news", range(8)), tmp_path / "facts.jsonl"
    with pytest.raises(RuntimeError), distributed.start(news, out, served, **HOW) as job:
        for _source, result in job:
            assert isinstance(result, Record)
            raise RuntimeError("the driver dies")  # no commit, as when it is killed
    assert 1 <= len(jsonl_records(out)) == job.records() < 8  # appended as they came, not at the end
    tally = distributed.run(news, out, settings=served.settings, store_mode="off", **HOW)
    assert tally.records == 8 - job.records()
    assert sorted(jsonl_records(out)) == sorted(str(path) for path in news.iterdir())
