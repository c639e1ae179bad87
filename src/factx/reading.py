"""Read input: paths to documents, bytes to text, bad input to a one-line error.

Evidence offsets index into the decoded text, so decoding keeps every character as it is
(only a leading BOM goes). Encodings other than UTF-8 are detected with charset-normalizer,
nudged towards the cp1252 that older Italian sites still serve.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from charset_normalizer import from_bytes

from factx.errors import InputError

#: Suffixes picked up when a folder is walked; a file named explicitly is always read.
TEXT_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".text"})

#: How much more "mess" than the best guess cp1252 may show and still win: charset-normalizer
#: rates cp1250, cp1257 and cp1252 (nearly) alike on short texts; "città" must not become "cittŕ".
_CP1252_SLACK = 0.1


@dataclass(frozen=True)
class Document:
    """One input: where it came from, its text, and the hash of its exact bytes."""

    source: str
    text: str
    sha256: str


def decode(data: bytes, source: str) -> Document:
    """Bytes to a Document, refusing empty, binary and blank input (nothing to extract)."""
    if not data:
        raise InputError(source, "empty file")
    text = _text_of(data)
    if text is None or "\x00" in text:  # NULs also catch UTF-32, whose BOM starts like UTF-16's
        raise InputError(source, "binary file, not text")
    if not text.strip():
        raise InputError(source, "file holds only whitespace")
    return Document(source=source, text=text, sha256=hashlib.sha256(data).hexdigest())


def _text_of(data: bytes) -> str | None:
    """UTF-16 with BOM, UTF-8 (BOM or not), else what charset-normalizer finds; None if binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")  # the codec drops the BOM
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:  # no encoding accepted without a BOM puts NUL bytes in text
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    close = [m for m in matches if m.chaos <= best.chaos + _CP1252_SLACK and m.coherence >= best.coherence]
    return data.decode("cp1252") if any("cp1252" in m.could_be_from_charset for m in close) else str(best)


def os_reason(err: OSError | ValueError) -> str:
    """A short, lower-case reason for a failed open, in the words the CLI prints."""
    if isinstance(err, FileNotFoundError):
        return "no such file"
    if isinstance(err, IsADirectoryError):
        return "is a directory"
    if isinstance(err, PermissionError):
        return "permission denied"
    if isinstance(err, ValueError):  # e.g. a NUL byte in the path
        return "invalid path"
    return (err.strerror or str(err)).lower()


def read_path(path: str | os.PathLike[str]) -> Document:
    """Read one file, naming it and the reason in any error."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError) as err:
        raise InputError(str(path), os_reason(err)) from None
    return decode(data, str(path))


def read_stdin(stream: BinaryIO | None = None) -> Document:
    """The whole of standard input as one document named "-"."""
    return decode((stream if stream is not None else sys.stdin.buffer).read(), "-")


def expand_paths(args: Sequence[str]) -> list[str]:
    """Files and "-" as given, folders walked for text files; a path met again is dropped."""
    found: dict[str, str] = {}  # the same file (via "./", a link, a folder) -> first name given
    for arg in args:
        for name in _names(arg):
            found.setdefault(name if name == "-" else os.path.realpath(name), name)
    return list(found.values())


def _names(arg: str) -> list[str]:
    """The inputs one argument stands for: itself, or the visible text files under a folder.

    Hidden entries (.git, editor backups) never hold articles; an unreadable subfolder is
    an error rather than silently missing input.
    """
    if arg == "-":
        return [arg]
    try:
        if not stat.S_ISDIR(os.stat(arg).st_mode):
            return [arg]
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(arg, "no such file or directory") from None
    except (OSError, ValueError) as err:
        raise InputError(arg, os_reason(err)) from None

    def fail(err: OSError) -> None:
        raise InputError(str(err.filename or arg), os_reason(err))

    names: list[str] = []
    for folder, subfolders, files in os.walk(arg, onerror=fail):
        subfolders[:] = [sub for sub in subfolders if not sub.startswith(".")]
        for file in files:
            path = os.path.join(folder, file)
            suffix = os.path.splitext(file)[1].lower()
            if not file.startswith(".") and suffix in TEXT_SUFFIXES and os.path.isfile(path):
                names.append(path)
    return sorted(names, key=lambda path: os.path.relpath(path, arg).split(os.sep))  # folder by folder
