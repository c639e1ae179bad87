"""What a person reads on stderr during a batch: errors, warnings, a progress bar, one summary line.

stdout belongs to the records, so nothing here writes to it or captures it: Rich's live
display is started with ``redirect_stdout=False`` (a display that captured stdout drew the
JSON meant for ``| jq`` on the screen instead). The bar is drawn only when stderr is a
terminal and the records go to a file. When they go down a pipe, whatever reads it (jq)
most likely prints on the same terminal, at moments we do not know, and would tear a live
bar: progress is then one plain line per document. Records printed on the terminal
itself get no progress at all.
Every line printed is one line: names are escaped with ``errors.one_line`` and never read
as Rich markup.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections import Counter
from typing import Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from factx.errors import FactxError, InputError, one_line
from factx.models import FACT_TYPES, Record
from factx.pipeline import Skipped

Verbosity = Literal["quiet", "normal", "verbose"]


class Reporter:
    """Reports each document of a batch as it finishes, and the batch when it ends.

    ``output`` is where records go, as shown in the summary (None: stdout). ``quiet``
    prints errors only; ``verbose`` adds a ``done`` line per document. A document whose
    record was written but with some model answers invalid counts as failed: its facts
    are incomplete, and the exit code must say so.
    """

    def __init__(
        self, console: Console, total: int, *, output: str | None = None, verbosity: Verbosity = "normal"
    ) -> None:
        self.console, self.total, self.output, self.verbosity = console, total, output, verbosity
        self.done = self.failed = self.skipped = self.written = 0
        self.facts: Counter[str] = Counter()
        self._started = time.perf_counter()
        self._progress: Progress | None = None
        self._lines = False  # one progress line per document instead of a bar

    def __enter__(self) -> Reporter:
        shown = self._progress_shown()
        self._lines = shown == "lines"
        if shown == "bar":
            self._progress = Progress(
                TextColumn("documents"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=self.console, redirect_stdout=False, redirect_stderr=False,
                transient=True, refresh_per_second=4,  # the summary line takes the bar's place
            )
            self._progress.add_task("", total=self.total, failed=0)
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()  # also shows the cursor again, even on Ctrl-C

    def _progress_shown(self) -> Literal["bar", "lines", "none"]:
        """How progress is shown: a live bar, plain lines when records go down a pipe, or not at all."""
        if self.verbosity == "quiet" or not self.console.is_terminal or self.console.is_dumb_terminal:
            return "none"
        if self.output is not None:
            return "bar"
        stdout = _stdout_kind()
        if stdout == "pipe":
            return "lines" if self.total > 1 else "none"  # for one document the summary says it all
        return "none" if stdout == "terminal" else "bar"

    def document(self, path: str, result: Record | Skipped | FactxError) -> None:
        """One input finished: its record, the record it already had (a resumed run), or its error."""
        name = one_line(path)
        if isinstance(result, Skipped):
            self.skipped += 1
            self._say("verbose", f" {name}: its record is already written", ("skipped", "dim"))
        elif isinstance(result, FactxError):
            self._fail(str(result) if isinstance(result, InputError) else f"{name}: {result}")
        else:
            self._record(name, result)
        if self._progress is not None:
            self._progress.update(self._progress.task_ids[0], advance=1, failed=self.failed)
        elif self._lines:
            self._say("normal", f"{self._position()} {name}", ("", "dim"))

    def _position(self) -> str:
        """``[3/10 · 1 failed · 0:00:12 · ETA 0:00:28]``, the bar's figures as text."""
        seen = self.done + self.failed + self.skipped
        elapsed = time.perf_counter() - self._started
        left = elapsed / seen * (self.total - seen) if seen else 0.0
        return f"[{seen}/{self.total} · {self.failed} failed · {_clock(elapsed)} · ETA {_clock(left)}]"

    def _record(self, name: str, record: Record) -> None:
        """A written record: its warnings, and whether every model answer behind it was valid."""
        self.written += 1
        self.facts.update(fact.type for fact in record.facts)
        for warning in record.warnings:
            self._say("normal", f": {name}: {warning}", ("warning", "yellow"))
        s = record.stats
        if s.failed_calls:
            self._fail(f"{name}: {_count(s.failed_calls, 'model answer')} stayed invalid; "
                       "the facts asked for by it are missing (see warnings)")
            return
        self.done += 1
        self._say(
            "verbose",
            f" {name}: {_count(len(record.facts), 'fact')}, {s.seconds:.1f} s, {_count(s.model_calls, 'call')} "
            f"({s.cached_calls} cached), {_count(s.prompt_tokens + s.completion_tokens, 'token')}",
            ("done", "green"),
        )

    def _fail(self, message: str) -> None:
        self.failed += 1
        self._say("quiet", f": {message}", ("error", "bold red"))

    def _say(self, level: Verbosity, message: str, label: tuple[str, str] = ("", "")) -> None:
        """Print one line, ``label`` styled, if the verbosity asks for ``level`` (quiet < normal < verbose).

        The text is never read as markup, and a stray control character cannot break the line.
        """
        order: tuple[Verbosity, ...] = ("quiet", "normal", "verbose")
        if order.index(level) <= order.index(self.verbosity):
            self.console.print(Text.assemble(label, one_line(message)), soft_wrap=True, highlight=False)

    def summary(self) -> None:
        """The batch's last line: what was done, what it found, how long it took, where it went."""
        counts = ", ".join(f"{kind} {self.facts[kind]}" for kind in FACT_TYPES if self.facts[kind])
        facts = f"facts: {counts}" if counts else "no facts"
        where = "nothing written" if not self.written + self.skipped else (
            "records on stdout" if self.output is None else f"records in {self.output}"
        )
        self._say(
            "normal",
            f"{_count(self.total, 'document')}: {self.done} done, {self.failed} failed, {self.skipped} skipped"
            f" · {facts} · {time.perf_counter() - self._started:.1f} s · {where}",
        )


def _clock(seconds: float) -> str:
    """``0:01:05``, as Rich's bar shows time."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _stdout_kind() -> Literal["terminal", "pipe", "file"]:
    """Where stdout goes; a closed or replaced stdout counts as a file (nothing to tear)."""
    try:
        if sys.stdout.isatty():
            return "terminal"
        return "pipe" if stat.S_ISFIFO(os.fstat(sys.stdout.fileno()).st_mode) else "file"
    except (AttributeError, OSError, ValueError):
        return "file"


def _count(n: int, noun: str) -> str:
    """``1 fact``, ``3 facts``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
