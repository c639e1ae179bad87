"""Output: JSON for one, JSON Lines for many, atomic files, kept on interruption."""

from __future__ import annotations

import json

import pytest

from factx.models import Record
from factx.writing import RecordSink, write_atomic


def record(source: str) -> Record:
    return Record(source=source, sha256="0" * 64, model="fake/m")


def test_out_file_holds_one_json_line_per_record(tmp_path):
    out = tmp_path / "all.jsonl"
    with RecordSink(out=out) as sink:
        sink.write(record("a.txt"))
        sink.write(record("b.txt"))
    lines = out.read_text().splitlines()
    assert [json.loads(line)["source"] for line in lines] == ["a.txt", "b.txt"]


def test_interrupted_batch_keeps_what_was_written_and_no_temp_file(tmp_path):
    out = tmp_path / "all.jsonl"
    with pytest.raises(KeyboardInterrupt), RecordSink(out=out) as sink:
        sink.write(record("a.txt"))
        raise KeyboardInterrupt
    assert json.loads(out.read_text())["source"] == "a.txt"
    assert [p.name for p in tmp_path.iterdir()] == ["all.jsonl"]


def test_out_dir_names_files_by_stem_and_keeps_them_apart(tmp_path):
    with RecordSink(out_dir=tmp_path / "out") as sink:
        first = sink.write(record("x/article.txt"))
        second = sink.write(record("y/article.txt"))
        third = sink.write(record("-"))
    assert [p.name for p in (first, second, third)] == ["article.json", "article-2.json", "stdin.json"]
    assert json.loads(second.read_text())["source"] == "y/article.txt"


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(target, 123)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_pretty_output_for_a_single_record(capsys):
    with RecordSink(pretty=True) as sink:
        sink.write(record("a.txt"))
    printed = capsys.readouterr().out
    assert printed.startswith("{\n  \"source\": \"a.txt\"")
    assert json.loads(printed)["facts"] == []


def test_out_to_a_device_writes_in_place_and_never_replaces_it(tmp_path):
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    with RecordSink(out=fifo) as sink:
        sink.write(record("a.txt"))
    assert json.loads(os.read(reader, 65536))["source"] == "a.txt"
    os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]
