"""What a person sees at a terminal: stdout stays pure JSON, the bar and the summary go to stderr.

The CLI runs as a subprocess with stdin and stderr on a pseudo-terminal, as at a shell, and
stdout a pipe (``| jq``), a file (``> out.json``) or the terminal too. The Reporter's lines
are also checked in process, for each verbosity.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import termios
import threading
from dataclasses import dataclass
from typing import IO

import pytest
from helpers import EXCHANGES, FACTX, ROOT, run, seed
from rich.console import Console

from factx.errors import BackendError, InputError
from factx.models import Record, Stats
from factx.pipeline import Extractor, Skipped
from factx.reading import read_path
from factx.reporting import Reporter

#: What the recorded answers find in the seeds, as the summary line counts it.
SEED_004 = "agreement 1, mission 1"
SEEDS_003_004 = "agreement 2, mou 1, mission 2"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
LIVE = b"\x1b[?25l"  # a Rich live display hides the cursor while it draws
SECONDS = r"\d+\.\d s"


@dataclass
class Session:
    """One run at a terminal: the exit code, what reached stdout, what the terminal showed."""

    code: int
    stdout: bytes
    screen: bytes

    def lines(self, *, warnings: bool = True) -> list[str]:
        """The terminal's text without colours or cursor moves, one entry per line drawn.

        ``warnings=False`` leaves out the recorded answers' own warnings, where they are not the point.
        """
        drawn = [line for line in re.split(r"[\r\n]+", ANSI.sub(b"", self.screen).decode()) if line]
        return [line for line in drawn if warnings or not line.startswith("warning: ")]


def at_terminal(*args: str, stdout: IO[bytes] | int = subprocess.PIPE, stdout_on_terminal: bool = False) -> Session:
    """``factx ARGS`` with stdin and stderr on a 100x30 pseudo-terminal (answers from the recorded exchanges)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    unset = {"FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"}
    env = {k: v for k, v in os.environ.items() if k not in unset} | {"TERM": "xterm-256color"}
    env["FACTX_CACHE_DIR"] = str(EXCHANGES)
    child = subprocess.Popen(
        [*FACTX, *args], stdin=follower, stdout=follower if stdout_on_terminal else stdout,
        stderr=follower, env=env, cwd=ROOT,
    )
    os.close(follower)
    shown: list[bytes] = []

    def read_screen() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: every end of the terminal is closed
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=read_screen)
    reader.start()
    out, _ = child.communicate(timeout=60)
    reader.join(timeout=10)
    os.close(leader)
    return Session(child.returncode, out or b"", b"".join(shown))


def without_stats(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "stats"}


def test_pipe_gets_exactly_the_json_and_the_terminal_only_the_summary():
    # The headline bug: `factx extract X | jq -r .source` printed nothing at a terminal.
    article = "examples/004_116f35e501ef4f54.txt"
    session = at_terminal("extract", article, "--replay")
    assert session.code == 0
    record = json.loads(session.stdout)  # the whole of stdout is the one record, nothing else
    assert record["source"] == article
    assert without_stats(record) == without_stats(json.loads(run("extract", article, "--replay").stdout))
    assert b"\x1b" not in session.stdout
    assert LIVE not in session.screen and b'"source"' not in session.screen
    (summary,) = session.lines(warnings=False)
    assert re.fullmatch(
        rf"1 document: 1 done, 0 failed, 0 skipped · facts: {SEED_004} · {SECONDS} · records on stdout", summary
    )


def test_a_batch_down_a_pipe_shows_progress_as_plain_lines_that_jq_cannot_tear():
    session = at_terminal("extract", str(seed("003")), "nope.txt", str(seed("004")), "--replay")
    assert session.code == 1
    assert [json.loads(line)["source"] for line in session.stdout.splitlines()] == [str(seed("003")), str(seed("004"))]
    assert LIVE not in session.screen
    clock = r"\d:\d\d:\d\d"
    first, error, second, third, summary = session.lines(warnings=False)
    assert re.fullmatch(rf"\[1/3 · 0 failed · {clock} · ETA {clock}\] {seed('003')}", first)
    assert error == "error: nope.txt: no such file or directory"
    assert re.fullmatch(rf"\[2/3 · 1 failed · {clock} · ETA {clock}\] nope.txt", second)
    assert re.fullmatch(rf"\[3/3 · 1 failed · {clock} · ETA 0:00:00\] {seed('004')}", third)
    assert summary.startswith(f"3 documents: 2 done, 1 failed, 0 skipped · facts: {SEEDS_003_004} · ")


def test_redirect_to_a_file_gets_exactly_the_json(tmp_path):
    target = tmp_path / "out.json"
    with target.open("wb") as out:
        session = at_terminal("extract", str(seed("004")), "--replay", stdout=out)
    assert session.code == 0
    assert json.loads(target.read_bytes())["source"] == str(seed("004"))
    assert LIVE in session.screen and b'"source"' not in session.screen


def test_batch_bar_counts_documents_and_failures_and_one_summary_ends_it(tmp_path):
    target = tmp_path / "out.jsonl"
    with target.open("wb") as out:
        session = at_terminal("extract", str(seed("003")), "nope.txt", str(seed("004")), "--replay", stdout=out)
    assert session.code == 1
    assert [json.loads(line)["source"] for line in target.read_bytes().splitlines()] == [
        str(seed("003")), str(seed("004"))]
    assert LIVE in session.screen
    lines = session.lines()
    assert "error: nope.txt: no such file or directory" in lines
    assert any(re.match(r"documents .* 3/3 1 failed 0:00:0\d ETA", line) for line in lines)
    assert re.fullmatch(
        rf"3 documents: 2 done, 1 failed, 0 skipped · facts: {SEEDS_003_004} · {SECONDS} · records on stdout",
        lines[-1],
    )


def test_records_printed_on_the_terminal_get_no_bar_to_tear_them():
    session = at_terminal("extract", str(seed("004")), "--jsonl", "--replay", stdout_on_terminal=True)
    assert session.code == 0
    assert LIVE not in session.screen
    record, summary = session.lines(warnings=False)
    assert json.loads(record)["source"] == str(seed("004"))
    assert summary.startswith(f"1 document: 1 done, 0 failed, 0 skipped · facts: {SEED_004} · ")


def test_quiet_at_a_terminal_shows_errors_only():
    session = at_terminal("extract", "nope.txt", str(seed("004")), "-q", "--replay")
    assert session.code == 1
    assert LIVE not in session.screen
    assert session.lines() == ["error: nope.txt: no such file or directory"]


def test_stderr_not_a_terminal_gets_no_ansi_codes_and_plain_lines():
    done = run("extract", str(seed("001")), "nope.txt", "--replay")
    assert done.returncode == 1
    assert b"\x1b" not in done.stderr
    *lines, summary = done.stderr.decode().splitlines()
    warnings = json.loads(done.stdout)["warnings"]
    assert lines == [*(f"warning: {seed('001')}: {w}" for w in warnings), "error: nope.txt: no such file or directory"]
    assert re.fullmatch(
        rf"2 documents: 1 done, 1 failed, 0 skipped · facts: agreement 1 · {SECONDS} · records on stdout",
        summary,
    )


def test_types_is_a_table_only_on_a_terminal():
    piped = run("types")
    assert piped.stdout.decode().splitlines()[1] == (
        "mou\tmemorandum of understanding or letter of intent (memorandum d'intesa, protocollo d'intesa, lettera di intenti)"
    )
    assert len(piped.stdout.decode().splitlines()) == 4 and b"\x1b" not in piped.stdout
    shown = at_terminal("types", stdout_on_terminal=True)
    assert shown.code == 0 and "┃ type" in ANSI.sub(b"", shown.screen).decode()


# The Reporter in process: what each verbosity prints, and how a batch is counted.


@pytest.fixture(scope="module")
def records(replayer: Extractor) -> dict[str, Record]:
    return {prefix: replayer.extract_document(read_path(seed(prefix))) for prefix in ("001", "003")}


def report(verbosity: str, results: list[tuple[str, object]], output: str | None = None) -> tuple[Reporter, list[str]]:
    screen = io.StringIO()
    with Reporter(Console(file=screen, width=60), len(results), output=output, verbosity=verbosity) as reporter:
        for path, result in results:
            reporter.document(path, result)
    reporter.summary()
    return reporter, screen.getvalue().splitlines()


def batch(records: dict[str, Record]) -> list[tuple[str, object]]:
    return [
        ("a.txt", records["001"]),
        ("b\nc.txt", InputError("b\nc.txt", "empty file")),
        ("d.txt", records["003"]),
        ("e.txt", Skipped("e.txt")),
        ("f.txt", BackendError("cannot reach the model server at http://127.0.0.1:9/v1")),
    ]


def test_normal_prints_errors_warnings_and_the_summary(records):
    reporter, lines = report("normal", batch(records), output="facts.jsonl")
    assert (reporter.done, reporter.failed, reporter.skipped) == (2, 2, 1)
    assert lines[:-1] == [
        *(f"warning: a.txt: {w}" for w in records["001"].warnings),
        "error: b\\nc.txt: empty file",
        *(f"warning: d.txt: {w}" for w in records["003"].warnings),
        "error: f.txt: cannot reach the model server at http://127.0.0.1:9/v1",
    ]  # soft wrap: a long line is never cut at the console's width
    assert re.fullmatch(
        rf"5 documents: 2 done, 2 failed, 1 skipped · facts: agreement 2, mou 1, mission 1 · {SECONDS} · "
        r"records in facts\.jsonl",
        lines[-1],
    )


def test_verbose_adds_a_done_line_per_document(records):
    _, lines = report("verbose", batch(records))
    done = [line for line in lines if line.startswith(("done ", "skipped "))]
    # seed 001 names "China Global Television Network": asked for agreements and federations
    assert re.fullmatch(rf"done a\.txt: 1 fact, {SECONDS}, 2 calls \(2 cached\), 0 tokens", done[0])
    assert re.fullmatch(rf"done d\.txt: 3 facts, {SECONDS}, 6 calls \(6 cached\), 0 tokens", done[1])  # 5 questions, 1 translation
    assert done[2:] == ["skipped e.txt: its record is already written"]
    assert len(lines) == len(records["001"].warnings) + len(records["003"].warnings) + 6


def test_quiet_prints_errors_only(records):
    _, lines = report("quiet", batch(records))
    assert lines == [
        "error: b\\nc.txt: empty file",
        "error: f.txt: cannot reach the model server at http://127.0.0.1:9/v1",
    ]


def test_invalid_model_answers_fail_the_document_though_its_record_is_kept(records):
    partial = records["003"].model_copy(update={"stats": Stats(model_calls=3, failed_calls=1)})
    reporter, lines = report("normal", [("a.txt", partial)])
    assert (reporter.done, reporter.failed, reporter.written) == (0, 1, 1)
    error = lines[len(partial.warnings)]  # after the record's warnings
    assert error == "error: a.txt: 1 model answer stayed invalid; the facts asked for by it are missing (see warnings)"
    assert lines[-1].startswith("1 document: 0 done, 1 failed, 0 skipped · facts: agreement 1, mou 1, mission 1 · ")


def test_names_are_shown_on_one_line_and_never_read_as_markup(records):
    name = "[bold]x[/]\x1b[31m\ty.txt"
    warned = records["001"].model_copy(update={"warnings": ["a [red]warning[/]"]})
    _, lines = report("normal", [(name, InputError(name, "empty file")), (name, warned)], output="o\nut/")
    assert lines[:2] == [
        "error: [bold]x[/]\\x1b[31m\\ty.txt: empty file",
        "warning: [bold]x[/]\\x1b[31m\\ty.txt: a [red]warning[/]",
    ]
    assert lines[-1].endswith(" s · records in o\\nut/")


def test_nothing_written_is_said():
    _, lines = report("normal", [("a.txt", InputError("a.txt", "empty file"))])
    assert re.fullmatch(rf"1 document: 0 done, 1 failed, 0 skipped · no facts · {SECONDS} · nothing written",
                        lines[1])
