"""What a person reads on stderr during a batch: errors, warnings, progress, a summary.

stdout belongs to the records, so nothing here ever writes to it (a Rich
live display would capture stdout when stderr is a terminal, and the JSON
meant for ``| jq`` would be drawn on the screen instead).
"""

from __future__ import annotations

from rich.console import Console

from factx.errors import FactxError, InputError
from factx.models import Record


class Reporter:
    """Reports each document of a batch as it finishes."""

    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
        self.failed = 0

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def document(self, path: str, result: Record | FactxError) -> None:
        """One document finished: its record, or the error it met."""
        if isinstance(result, FactxError):
            self.failed += 1
            line = str(result) if isinstance(result, InputError) else f"{path}: {result}"
            self.console.print(f"[bold red]error[/]: {line}", soft_wrap=True, markup=True, highlight=False)
            return
        for warning in result.warnings:
            self.console.print(f"[yellow]warning[/]: {path}: {warning}", soft_wrap=True)
        s = result.stats
        self.console.print(
            f"[green]done[/] {path}: {len(result.facts)} facts, {s.seconds:.1f} s, "
            f"{s.model_calls} calls ({s.cached_calls} cached)",
            soft_wrap=True,
        )

    def summary(self) -> None:
        """The batch's last line."""
        if self.failed:
            self.console.print(f"{self.failed} of {self.total} inputs failed")
