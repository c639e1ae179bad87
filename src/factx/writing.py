"""Write records: JSON for one input, JSON Lines for several, never half a file.

Files are written to a temporary sibling and renamed into place, so an
interrupted or failing run leaves either the previous file or a complete new
one, never a truncated mix. In a batch written to one file, each record is
flushed as soon as it exists, and what was written is kept on interruption.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from factx.models import Record


def to_json(record: Record, *, pretty: bool) -> str:
    """A record as JSON text: indented for one document, one line for JSON Lines."""
    return record.model_dump_json(indent=2 if pretty else None)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a device or FIFO is written in place)."""
    if _is_special(path):
        path.write_text(text, encoding="utf-8")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RecordSink:
    """Where records go: stdout, one file, or one file per input in a folder."""

    def __init__(self, *, out: Path | None = None, out_dir: Path | None = None, pretty: bool = False) -> None:
        self.out, self.out_dir, self.pretty = out, out_dir, pretty
        self._names: set[str] = set()
        self._stream: IO[str] | None = None
        self._tmp: str | None = None

    def __enter__(self) -> RecordSink:
        if self.out is not None and _is_special(self.out):
            self._stream = self.out.open("w", encoding="utf-8")  # /dev/null, a FIFO: no renaming onto it
        elif self.out is not None:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(dir=self.out.parent, prefix=f".{self.out.name}.", suffix=".tmp")
            self._stream = os.fdopen(fd, "w", encoding="utf-8")
        return self

    def write(self, record: Record) -> Path | None:
        """Emit one record; returns the file written for ``out_dir``."""
        text = to_json(record, pretty=self.pretty) + "\n"
        if self.out_dir is not None:
            target = self.out_dir / self._file_name(record.source)
            write_atomic(target, text)
            return target
        stream = self._stream or sys.stdout
        stream.write(text)
        stream.flush()
        return None

    def _file_name(self, source: str) -> str:
        """``<stem>.json``, made unique when two inputs share a stem."""
        stem = "stdin" if source == "-" else Path(source).stem
        name, n = f"{stem}.json", 1
        while name in self._names:
            n += 1
            name = f"{stem}-{n}.json"
        self._names.add(name)
        return name

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Keep every record written so far, even when the run was interrupted."""
        if self._stream is not None:
            self._stream.close()
        if self._tmp is not None and self.out is not None:
            os.replace(self._tmp, self.out)


def _is_special(path: Path) -> bool:
    """An existing target that is not a regular file (a device, a FIFO) is written in place."""
    return path.exists() and not path.is_file()
