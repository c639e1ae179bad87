"""Write records where the user asked, and never lose one already written.

The form follows what the user asked for, never the number of files found:
JSON Lines (one compact record per line) for ``--jsonl``, a ``.jsonl`` file,
several inputs or a folder; otherwise one pretty JSON document. ``--compact``
puts any record on one line.

A JSON Lines file is only appended to, one whole line per record, on disk as
soon as the record exists, so an interrupted batch leaves every finished record
in the named file, and a failed write is cut back to the last whole record.
A file holding one document is replaced atomically once its record exists.
Nothing is created or emptied before there is a record to write, and a file
that does not hold records is refused. What a file already holds lets a re-run
skip the documents that are done (``Sink.holds``).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
import uuid
from collections.abc import Container, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from factx.errors import OutputError, one_line
from factx.models import Record
from factx.reading import Document, os_reason

if TYPE_CHECKING:
    from factx.pipeline import Extractor

NOT_RECORDS = "does not hold factx records; refusing to write to it"
IS_INPUT = "is an input; refusing to write records over it"

Held = list[tuple[str, dict[str, Any]]]  # records already in a file, in order, each with its line of JSON


def to_json(record: Record, *, pretty: bool) -> str:
    """A record as JSON text: indented for one document, one line for JSON Lines."""
    return record.model_dump_json(indent=2 if pretty else None)


def wants_lines(args: Sequence[str], out: Path | None, *, jsonl: bool) -> bool:
    """JSON Lines when the user asked for a batch, even if a folder holds one file."""
    named = out is not None and out.suffix.lower() == ".jsonl"
    return jsonl or named or len(args) > 1 or any(arg != "-" and os.path.isdir(arg) for arg in args)


@contextmanager
def replacing(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """An open temporary sibling of ``path`` that replaces it, on disk, when the block ends without error.

    Readers see the old file or the new one, never a part of either; the temporary
    sibling never outlives a failure; a replaced file keeps its mode, a link stays a
    link to the new file. Safe from threads: a new file gets 0666 less the umask from
    the kernel, never by reading the umask (which means setting it, for every thread
    at once). OSError is the caller's to report.
    """
    real = Path(os.path.realpath(path))
    make_folder(real.parent)
    mode = stat.S_IMODE(real.stat().st_mode) if real.exists() else None
    tmp = real.parent / f".{real.name}.{uuid.uuid4().hex[:16]}.tmp"  # O_EXCL: never another's file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
            out.flush()
            if mode is not None:
                os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
        os.replace(tmp, real)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (``replacing``); a device or FIFO is written in place.

    OSError becomes OutputError.
    """
    try:
        real = Path(os.path.realpath(path))
        if _is_special(real):
            real.write_text(text, encoding="utf-8")
            return
        with replacing(real) as out:
            out.write(text)
    except OSError as err:
        raise OutputError(path, os_reason(err)) from None


@dataclass(frozen=True)
class Fingerprint:
    """How this run makes records; an earlier record made the same way need not be made again."""

    model: str
    prompt_version: str
    types: tuple[str, ...]

    @classmethod
    def of(cls, extractor: Extractor) -> Fingerprint:
        """How ``extractor`` makes records (a server may be asked its model's name)."""
        from factx.prompting import prompt_version

        return cls(extractor.backend.name, prompt_version(), extractor.types)

    def done(self, record: Mapping[str, Any], doc: Document) -> bool:
        """The record is this document's (same bytes), made the same way, complete, covering every type asked."""
        return record.get("source") == doc.source and record.get("sha256") == doc.sha256 and self.made(record)

    def made(self, record: Mapping[str, Any]) -> bool:
        """The record, whichever document it is of, was made the same way, complete, covering every type asked."""
        stats, types = record.get("stats"), record.get("types")
        return (
            record.get("model") == self.model
            and record.get("prompt_version") == self.prompt_version
            and isinstance(types, list)
            and set(self.types) <= set(types)
            and isinstance(stats, dict)
            and stats.get("failed_calls", 0) == 0
        )


class Sink:
    """Where records go; ``holds`` tells a resumed run which documents are already done."""

    where: str
    resumable = True
    written = 0  # records this run has put there

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def holds(self, doc: Document, want: Fingerprint) -> bool:
        return False

    def write(self, record: Record) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output, also after an interruption."""


class Stream(Sink):
    """stdout, or a device or FIFO named with ``-o``: written in place, nothing to resume from."""

    resumable = False

    def __init__(self, path: Path | None, *, pretty: bool) -> None:
        self.path, self.pretty = path, pretty
        self.where = "stdout" if path is None else one_line(path)
        self._stream: IO[str] | None = None

    def write(self, record: Record) -> None:
        try:
            if self._stream is None:
                self._stream = sys.stdout if self.path is None else self.path.open("w", encoding="utf-8")
            self._stream.write(to_json(record, pretty=self.pretty) + "\n")
            self._stream.flush()
            self.written += 1
        except BrokenPipeError:
            raise  # the reader left (``| head``): not an error of ours
        except OSError as err:
            if self._stream is sys.stdout:
                _discard_stdout()
            raise OutputError(self.where, os_reason(err)) from None

    def close(self) -> None:
        if self._stream is not None and self._stream is not sys.stdout:
            try:
                self._stream.close()
            except OSError:
                pass  # every record was flushed, or its failure already reported


class RecordFile(Sink):
    """``-o`` for one document: the file is replaced atomically once the record exists."""

    def __init__(self, path: Path, held: Held, *, pretty: bool) -> None:
        self.path, self.pretty, self.where = path, pretty, one_line(path)
        self._held = [record for _line, record in held]

    def holds(self, doc: Document, want: Fingerprint) -> bool:
        return any(want.done(record, doc) for record in self._held)

    def write(self, record: Record) -> None:
        write_atomic(self.path, to_json(record, pretty=self.pretty) + "\n")
        self.written += 1


class LinesFile(Sink):
    """``-o`` for a batch: one line appended per record, on disk before the next document starts.

    A document redone (with ``--force``, or because its record was not usable) gets a
    new line; on closing, also after an interruption, the older lines of this run's
    inputs are dropped in one atomic rewrite, so the file ends with one record per
    input. Even a kill leaves every record in the file: at worst twice, never none.
    """

    def __init__(self, path: Path, held: Held, inputs: Sequence[str]) -> None:
        self.path, self.where = path, one_line(path)
        self._inputs = set(inputs)
        self._latest = {record["source"]: record for _line, record in held}  # later lines supersede earlier
        self._fd: int | None = None
        # An older line to drop on closing: a killed run left an input twice, or this run redoes one.
        ours = [record["source"] for _line, record in held if record["source"] in self._inputs]
        self._redone = len(ours) != len(set(ours))

    def holds(self, doc: Document, want: Fingerprint) -> bool:
        record = self._latest.get(doc.source)
        return record is not None and want.done(record, doc)

    def write(self, record: Record) -> None:
        if self._fd is None:
            self._open()
        self._redone = self._redone or record.source in self._latest
        self._append((to_json(record, pretty=False) + "\n").encode("utf-8"))

    def _open(self) -> None:
        """Create the file, or first make an existing one a clean JSON Lines file to append to."""
        if self.path.exists():
            held, text = _held_records(self.path)
            if text != _lines_text(held):  # a pretty document, a missing last newline, blank lines
                write_atomic(self.path, _lines_text(held))
        try:
            make_folder(self.path.parent)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as err:
            raise OutputError(self.path, os_reason(err)) from None

    def _append(self, data: bytes) -> None:
        """Write one whole line and sync it (``append_whole``), counted once it is in the file."""
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        try:
            append_whole(self._fd, data, self.path)
        except OutputError:
            raise
        except BaseException:
            if os.fstat(self._fd).st_size > size:
                self.written += 1  # interrupted while syncing a whole line: it stays
            raise
        self.written += 1

    def close(self) -> None:
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        if not self._redone:
            return  # every line is the only one of its source: nothing to read again
        held, _text = _held_records(self.path)
        drop_older(self.path, [line for line, _record in held], [record["source"] for _line, record in held],
                   self._inputs)


def drop_older(path: Path, lines: Sequence[str], keys: Sequence[Hashable], ours: Container[Hashable]) -> None:
    """Rewrite the JSON Lines file at ``path``, which holds ``lines`` (each with its document's key),
    without the older lines of each document in ``ours``: one atomic rewrite, none when none is older."""
    last = {key: n for n, key in enumerate(keys)}
    older = {n for n, key in enumerate(keys) if key in ours and last[key] != n}
    if older:
        write_atomic(path, "".join(f"{line}\n" for n, line in enumerate(lines) if n not in older))


def append_whole(fd: int, data: bytes, path: Path) -> None:
    """Append ``data`` (whole lines) to the file open at ``fd`` and sync it; if it is not wholly written,
    by an OS error (then OutputError) or an interruption, the file is cut back to what it held."""
    size = os.fstat(fd).st_size
    rest = memoryview(data)
    try:
        while rest:
            rest = rest[os.write(fd, rest) :]
        os.fsync(fd)
    except OSError as err:
        os.ftruncate(fd, size)  # a torn line, or one the disk may not hold
        raise OutputError(path, os_reason(err)) from None
    except BaseException:
        if rest:  # interrupted between two parts of the line
            os.ftruncate(fd, size)
        raise


class RecordDir(Sink):
    """``--out-dir``: one ``<name>.json`` per input, each replaced atomically when its record exists."""

    def __init__(self, folder: Path, files: dict[str, Path], held: dict[str, Held], *, pretty: bool) -> None:
        self.where, self.pretty = one_line(folder), pretty
        self._files, self._held = files, held

    def holds(self, doc: Document, want: Fingerprint) -> bool:
        return any(want.done(record, doc) for _line, record in self._held.get(doc.source, []))

    def write(self, record: Record) -> None:
        write_atomic(self._files[record.source], to_json(record, pretty=self.pretty) + "\n")
        self.written += 1


def open_sink(
    args: Sequence[str],
    inputs: Sequence[str],
    *,
    out: Path | None = None,
    out_dir: Path | None = None,
    jsonl: bool = False,
    compact: bool = False,
) -> Sink:
    """The output the user asked for, checked up front so a doomed run fails before any model call.

    ``args`` are the paths as given (they decide the form), ``inputs`` the files they
    stand for. Raises OutputError naming the target and the reason.
    """
    if out_dir is not None:
        return _open_dir(out_dir, inputs, pretty=not (compact or jsonl))
    lines = wants_lines(args, out, jsonl=jsonl)
    if out is None or str(out) == "-":
        return Stream(None, pretty=not (lines or compact))
    found = check_target(out, inputs)
    if found is not None and not stat.S_ISREG(found.st_mode):
        return Stream(out, pretty=not (lines or compact))
    held = _held_records(out)[0] if found is not None else []
    if lines or len(held) > 1:  # a file already holding a batch is added to, never replaced
        return LinesFile(out, held, inputs)
    return RecordFile(out, held, pretty=not compact)


def _open_dir(folder: Path, inputs: Sequence[str], *, pretty: bool) -> RecordDir:
    """Check the folder and each file it will hold; remember the records already there."""
    try:
        if not stat.S_ISDIR(os.stat(folder).st_mode):
            raise OutputError(folder, "not a directory")
    except FileNotFoundError:
        pass  # made with the first record
    except (OSError, ValueError) as err:
        raise OutputError(folder, os_reason(err)) from None
    _check_creatable(folder / "x")
    files = {source: folder / name for source, name in _file_names(inputs).items()}
    held: dict[str, Held] = {}
    for source, path in files.items():
        found = check_target(path, inputs)
        if found is not None and stat.S_ISREG(found.st_mode):
            held[source] = _held_records(path)[0]
    return RecordDir(folder, files, held, pretty=pretty)


def _file_names(inputs: Sequence[str]) -> dict[str, str]:
    """``<stem>.json`` per input, made unique when two inputs share a stem, the same on every run."""
    names: dict[str, str] = {}
    for source in inputs:
        stem = "stdin" if source == "-" else Path(source).stem
        name, n = f"{stem}.json", 1
        while name in names.values():
            n += 1
            name = f"{stem}-{n}.json"
        names[source] = name
    return names


def check_target(path: Path, inputs: Sequence[str]) -> os.stat_result | None:
    """Refuse up front a target that cannot take records; its stat, or None when it is still to be made."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        _check_creatable(path)
        return None
    except (OSError, ValueError) as err:
        raise OutputError(path, os_reason(err)) from None
    if stat.S_ISDIR(found.st_mode):
        raise OutputError(path, "is a directory")
    if stat.S_ISREG(found.st_mode) and any(_same_file(found, source) for source in inputs):
        raise OutputError(path, IS_INPUT)
    if not os.access(path, os.W_OK):
        raise OutputError(path, "permission denied")
    return found


def _check_creatable(path: Path) -> None:
    """The nearest existing folder above ``path`` must let us create files (folders between are made)."""
    folder = Path(os.path.abspath(path)).parent
    while not folder.exists():
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(path, "permission denied")


def _held_records(path: Path) -> tuple[Held, str]:
    """The records in an existing output file, and its text; anything but records is refused.

    A file is records when each non-blank line is one (JSON Lines), or the whole is
    one (a pretty document); a record is an object with string source, sha256 and model.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise OutputError(path, NOT_RECORDS) from None
    except OSError as err:
        raise OutputError(path, os_reason(err)) from None
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        found = [(line, json.loads(line)) for line in lines]
    except json.JSONDecodeError:
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            raise OutputError(path, NOT_RECORDS) from None
        found = [(json.dumps(whole, ensure_ascii=False, separators=(",", ":")), whole)]
    if not all(is_record(record) for _line, record in found):
        raise OutputError(path, NOT_RECORDS)
    return found, text


def is_record(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(key), str) for key in ("source", "sha256", "model"))


def _lines_text(held: Held) -> str:
    return "".join(line + "\n" for line, _record in held)


def _same_file(found: os.stat_result, source: str) -> bool:
    """``source`` is the very file ``found`` describes (by a link, another spelling, a hard link)."""
    if source == "-":
        return False
    try:
        other = os.stat(source)
    except (OSError, ValueError):
        return False
    return (other.st_dev, other.st_ino) == (found.st_dev, found.st_ino)


def _is_special(path: Path) -> bool:
    """An existing target that is not a regular file (a device, a FIFO) is written in place."""
    return path.exists() and not path.is_file()


def drop_oldest(paths: Iterable[Path], keep: int) -> None:
    """Delete all but the ``keep`` most recently modified of ``paths``: a cache's files, one per version.

    Another process deleting them too is its loss, not an error.
    """
    with suppress(OSError):
        by_age = sorted(paths, key=lambda path: path.stat().st_mtime, reverse=True)
        for stale in by_age[keep:]:
            stale.unlink(missing_ok=True)


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents; a file in the way is "not a directory", not "file exists"."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder)) from None


def _discard_stdout() -> None:
    """Point a failed stdout at /dev/null, so the flush at exit cannot fail again with a traceback."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a file descriptor (a test's capture): nothing is flushed at exit
