"""Output sinks: appended lines kept on interruption, atomic files with the usual modes, devices in place."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from factx.errors import OutputError
from factx.models import Record
from factx.writing import LinesFile, RecordDir, RecordFile, Stream, open_sink, write_atomic


def record(source: str) -> Record:
    return Record(source=source, sha256="0" * 64, model="fake/m")


def line(source: str) -> str:
    return record(source).model_dump_json() + "\n"


def test_lines_file_is_made_with_the_first_record_and_appended_to(tmp_path):
    out = tmp_path / "sub" / "all.jsonl"
    with open_sink(["a.txt", "b.txt"], ["a.txt", "b.txt"], out=out) as sink:
        assert isinstance(sink, LinesFile) and not out.exists()
        sink.write(record("a.txt"))
        assert out.read_text() == line("a.txt")  # on disk before the next document starts
        sink.write(record("b.txt"))
    assert out.read_text() == line("a.txt") + line("b.txt")


def test_interrupted_batch_keeps_what_was_written_and_no_temp_file(tmp_path):
    out = tmp_path / "all.jsonl"
    with pytest.raises(KeyboardInterrupt), open_sink(["in"], ["a.txt"], out=out) as sink:
        sink.write(record("a.txt"))
        raise KeyboardInterrupt
    assert out.read_text() == line("a.txt")
    assert os.listdir(tmp_path) == ["all.jsonl"]


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), OSError(errno.EIO, os.strerror(errno.EIO))])
def test_a_write_stopped_halfway_is_cut_back_to_the_last_whole_record(tmp_path, monkeypatch, stop):
    out = tmp_path / "all.jsonl"
    out.write_text(line("old.txt"))
    real_write = os.write

    def half_then_stop(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise stop

    with open_sink(["in"], ["a.txt"], out=out) as sink:
        monkeypatch.setattr(os, "write", half_then_stop)
        with pytest.raises(type(stop) if isinstance(stop, KeyboardInterrupt) else OutputError) as caught:
            sink.write(record("a.txt"))
        monkeypatch.undo()
    if isinstance(stop, OSError):
        assert str(caught.value) == f"{out}: input/output error"
    assert out.read_text() == line("old.txt") and sink.written == 0


def test_an_interruption_while_syncing_a_whole_line_keeps_it_and_counts_it(tmp_path, monkeypatch):
    out = tmp_path / "all.jsonl"

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), open_sink(["in"], ["a.txt"], out=out) as sink:
        monkeypatch.setattr(os, "fsync", interrupted)
        sink.write(record("a.txt"))
    assert out.read_text() == line("a.txt") and sink.written == 1


def test_appending_first_makes_a_pretty_document_or_a_last_line_without_newline_clean_lines(tmp_path):
    pretty, unterminated = tmp_path / "pretty.json", tmp_path / "cut.jsonl"
    pretty.write_text(record("old.txt").model_dump_json(indent=2))
    unterminated.write_text("\n" + line("old.txt").rstrip("\n"))
    for out in (pretty, unterminated):
        with open_sink(["in"], ["a.txt"], out=out, jsonl=True) as sink:
            sink.write(record("a.txt"))
        assert out.read_text() == line("old.txt") + line("a.txt")


def test_one_document_file_is_replaced_only_when_its_record_exists(tmp_path):
    out = tmp_path / "one.json"
    out.write_text(line("old.txt"))
    with open_sink(["a.txt"], ["a.txt"], out=out) as sink:
        assert isinstance(sink, RecordFile) and out.read_text() == line("old.txt")
        sink.write(record("a.txt"))
    assert out.read_text() == record("a.txt").model_dump_json(indent=2) + "\n"


def test_a_file_holding_a_batch_is_added_to_even_for_one_document(tmp_path):
    out = tmp_path / "one.json"
    out.write_text(line("x.txt") + line("y.txt"))
    with open_sink(["a.txt"], ["a.txt"], out=out) as sink:
        assert isinstance(sink, LinesFile)
        sink.write(record("a.txt"))
    assert out.read_text() == line("x.txt") + line("y.txt") + line("a.txt")


def test_closing_drops_the_older_records_of_this_runs_inputs_only(tmp_path):
    out = tmp_path / "all.jsonl"
    out.write_text(line("a.txt") + line("other.txt") + line("other.txt"))
    with open_sink(["in"], ["a.txt"], out=out) as sink:
        sink.write(record("a.txt"))
        assert out.read_text().count("a.txt") == 2  # both, until the new one is safely written
    assert out.read_text() == line("other.txt") + line("other.txt") + line("a.txt")


def test_out_dir_names_files_by_stem_and_keeps_them_apart(tmp_path):
    inputs = ["x/article.txt", "y/article.txt", "-"]
    with open_sink(inputs, inputs, out_dir=tmp_path / "out") as sink:
        assert isinstance(sink, RecordDir)
        for source in reversed(inputs):
            sink.write(record(source))
    assert sorted(os.listdir(tmp_path / "out")) == ["article-2.json", "article.json", "stdin.json"]
    assert json.loads((tmp_path / "out" / "article-2.json").read_text())["source"] == "y/article.txt"


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(target, 123)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["r.json"]


@pytest.mark.parametrize(("make", "reason"), [(os.mkdir, "is a directory"), (None, "not a directory")])
def test_write_atomic_failing_is_an_output_error_and_leaves_no_temp_file(tmp_path, make, reason):
    if make is None:
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / "r.json"
    else:
        target = tmp_path / "r.json"
        make(target)
    with pytest.raises(OutputError) as caught:
        write_atomic(target, "new")
    assert str(caught.value) == f"{target}: {reason}"
    assert len(os.listdir(tmp_path)) == 1


def test_write_atomic_gives_the_usual_mode_and_keeps_a_replaced_files(tmp_path):
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.json", "x")
    finally:
        os.umask(previous)
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    kept.chmod(0o640)
    write_atomic(kept, "new")
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == "new"


def test_write_atomic_through_a_link_replaces_the_file_and_keeps_the_link(tmp_path):
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to("real.json")
    write_atomic(tmp_path / "link.json", "new")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_text() == "new"


def test_pretty_output_for_a_single_record(capsys):
    with open_sink(["a.txt"], ["a.txt"]) as sink:
        assert isinstance(sink, Stream)
        sink.write(record("a.txt"))
    assert capsys.readouterr().out == record("a.txt").model_dump_json(indent=2) + "\n"


def test_out_to_a_fifo_writes_in_place_and_never_replaces_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    with open_sink(["a.txt", "b.txt"], ["a.txt", "b.txt"], out=fifo) as sink:
        assert isinstance(sink, Stream)
        sink.write(record("a.txt"))
    assert os.read(reader, 65536).decode() == line("a.txt")
    os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


def test_an_input_left_twice_by_a_killed_run_ends_once_though_this_run_only_adds_another(tmp_path):
    out = tmp_path / "all.jsonl"
    older, newer = record("a.txt").model_copy(update={"sha256": "1" * 64}), record("a.txt")
    out.write_text("".join(r.model_dump_json() + "\n" for r in (older, newer)))
    with open_sink(["a.txt", "b.txt"], ["a.txt", "b.txt"], out=out) as sink:
        sink.write(record("b.txt"))
    assert [(r["source"], r["sha256"]) for r in map(json.loads, out.read_text().splitlines())] == [
        ("a.txt", "0" * 64), ("b.txt", "0" * 64)]


def test_a_file_whose_lines_are_each_of_one_source_is_not_read_again_on_closing(tmp_path, monkeypatch):
    out = tmp_path / "all.jsonl"
    out.write_text(record("a.txt").model_dump_json() + "\n")
    with open_sink(["a.txt", "b.txt"], ["a.txt", "b.txt"], out=out) as sink:
        sink.write(record("b.txt"))
        monkeypatch.setattr("factx.writing._held_records", lambda path: pytest.fail("read again on closing"))
    assert [json.loads(line)["source"] for line in out.read_text().splitlines()] == ["a.txt", "b.txt"]
