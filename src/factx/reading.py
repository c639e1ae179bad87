"""Read input: paths to documents, bytes to text, bad input to a one-line error.

Evidence offsets index into the decoded text, so decoding keeps every
character as it is (only a leading BOM goes). Encodings other than UTF-8 are
detected with charset-normalizer, which handles the cp1252 and Latin-1 files
older Italian sites still serve.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: Suffixes picked up when a folder is walked; a file named explicitly is always read.
TEXT_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".text"})


@dataclass(frozen=True)
class Document:
    """One input: where it came from, its text, and the hash of its exact bytes."""

    source: str
    text: str
    sha256: str


class InputError(Exception):
    """One input could not be read; ``str()`` is ``"<source>: <reason>"`` on one line."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def decode(data: bytes, source: str) -> Document:
    """Bytes to a Document, refusing empty, blank and binary input."""
    digest = hashlib.sha256(data).hexdigest()
    if not data:
        raise InputError(source, "empty file")
    text = _text_of(data, source)
    if not text.strip():
        raise InputError(source, "file holds only whitespace")
    return Document(source=source, text=text, sha256=digest)


def _text_of(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else what charset-normalizer finds."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(source, "invalid UTF-16 text") from None
    if b"\x00" in data:
        raise InputError(source, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(source, "binary file, not text")
    return str(best)


def read_path(path: str | os.PathLike[str]) -> Document:
    """Read one file, naming it and the reason in any error."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except IsADirectoryError:
        raise InputError(source, "is a directory") from None
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as err:
        raise InputError(source, (err.strerror or type(err).__name__).lower()) from None
    return decode(data, source)


def read_stdin(stream: BinaryIO | None = None) -> Document:
    """The whole of standard input as one document named "-"."""
    return decode((stream or sys.stdin.buffer).read(), "-")


def expand_paths(args: Sequence[str]) -> list[str]:
    """Files as given, folders walked recursively (text files only), "-" kept.

    Hidden files and folders are skipped; a path named twice is read once.
    """
    found: list[str] = []
    seen: set[Path] = set()

    def add(path: Path, name: str) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(name)

    for arg in args:
        if arg == "-":
            found.append(arg)
            continue
        path = Path(arg)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and child.suffix.lower() in TEXT_SUFFIXES and not any(
                    part.startswith(".") for part in relative
                ):
                    add(child, str(child))
        elif path.exists():
            add(path, arg)
        else:
            raise InputError(arg, "no such file or directory")
    return found
