"""Read input: paths to documents, bytes to text, bad input to a one-line error.

Evidence offsets index into the decoded text, so decoding keeps every character as it is
(only a leading BOM goes). UTF-8 with a few bad bytes stays UTF-8, each bad byte becoming
one U+FFFD (so offsets still count characters one for one) and a warning on the record.
Data with no sign of UTF-8 is decoded with what charset-normalizer detects, nudged towards
the cp1252 that older Italian sites still serve.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

from charset_normalizer import from_bytes

from factx.errors import InputError

#: Suffixes picked up when a folder is walked; a file named explicitly is always read.
TEXT_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".text"})

#: The largest input read. An article is tens of kilobytes; anything near this is a
#: mistake (an archive, a log, /dev/zero) that would exhaust memory or cost hours of calls.
MAX_BYTES = 10 * 1024 * 1024
TOO_LARGE = f"larger than {MAX_BYTES // 2**20} MiB; factx reads articles, not archives"

#: How much more "mess" than the best guess cp1252 may show and still win: charset-normalizer
#: rates cp1250, cp1257 and cp1252 (nearly) alike on short texts; "città" must not become "cittŕ".
_CP1252_SLACK = 0.1
#: Below this share of bytes over 0x7f, data is Latin-script text with a few accents or curly
#: quotes, never CJK (two high bytes a character), which would read "It\x92s" as "It𠏋s".
_SPARSE_HIGH_BYTES = 0.2
_ASCII = bytes(range(0x80))
#: What ``surrogateescape`` decodes each byte that is not UTF-8 to: one lone surrogate per byte.
_BAD_BYTE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Document:
    """One input: where it came from, its text, the hash of its exact bytes, what decoding changed."""

    source: str
    text: str
    sha256: str
    warnings: tuple[str, ...] = ()


def decode(data: bytes, source: str) -> Document:
    """Bytes to a Document, refusing empty, oversized, binary and blank input (nothing to extract)."""
    if not data:
        raise InputError(source, "empty file")
    if len(data) > MAX_BYTES:
        raise InputError(source, TOO_LARGE)
    decoded = _text_of(data)
    if decoded is None or "\x00" in decoded[0]:  # NULs also catch UTF-32, whose BOM starts like UTF-16's
        raise InputError(source, "binary file, not text")
    text, warnings = decoded
    if not text.strip():
        raise InputError(source, "file holds only whitespace")
    return Document(source=source, text=text, sha256=hashlib.sha256(data).hexdigest(), warnings=warnings)


def _text_of(data: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(text, warnings) for UTF-16 with BOM, UTF-8 or a detected charset; None if binary.

    UTF-8 may have a BOM, and a few bad bytes, each replaced with U+FFFD and counted in a warning.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), ()  # the codec drops the BOM
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:  # no encoding accepted without a BOM puts NUL bytes in text
        return None
    bom = data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig", "surrogateescape")
    bad = len(_BAD_BYTE.findall(text))
    if not bad:
        return text, ()
    if bom or _utf8_with_bad_bytes(text, bad):  # a UTF-8 BOM says so too
        return _replaced(text, bom)
    detected = _detected(data)
    return None if detected is None else (detected, ())


def _utf8_with_bad_bytes(text: str, bad: int) -> bool:
    """Whether data decoded to ``text`` with ``bad`` bytes that are not UTF-8 is UTF-8 all the same.

    Valid multi-byte sequences are the sign: single-byte charsets (cp1252, latin-1) form them
    only by chance ("É" then "”"), while their accented letters are bad bytes. So UTF-8 wins when
    its multi-byte characters are at least as many as the bad bytes; ASCII with stray high bytes
    is what cp1252 looks like, and goes to detection.
    """
    multibyte = sum(1 for ch in text if ch > "\x7f") - bad
    return multibyte >= bad


def _replaced(text: str, bom: bool) -> tuple[str, tuple[str, ...]]:
    """``text`` with each byte that was not UTF-8 as U+FFFD, and a warning: how many, where the first was."""
    at = [match.start() for match in _BAD_BYTE.finditer(text)]
    first = len(text[: at[0]].encode("utf-8")) + (len(codecs.BOM_UTF8) if bom else 0)
    if len(at) == 1:
        warning = f"1 byte that is not UTF-8 replaced with U+FFFD (at byte {first})"
    else:
        warning = f"{len(at)} bytes that are not UTF-8 replaced with U+FFFD (first at byte {first})"
    return _BAD_BYTE.sub("\ufffd", text), (warning,)


def _detected(data: bytes) -> str | None:
    """``data`` decoded with the charset charset-normalizer finds (cp1252 on a near tie); None if binary."""
    sparse = len(data.translate(None, _ASCII)) < _SPARSE_HIGH_BYTES * len(data)
    matches = from_bytes(data, cp_exclusion=_multi_byte_charsets() if sparse else None)
    best = matches.best()
    if best is None:
        return None
    close = [m for m in matches if m.chaos <= best.chaos + _CP1252_SLACK and m.coherence >= best.coherence]
    return data.decode("cp1252") if any("cp1252" in m.could_be_from_charset for m in close) else str(best)


@cache
def _multi_byte_charsets() -> list[str]:
    """Every codec with characters of several bytes, as charset-normalizer tells them."""
    from encodings.aliases import aliases

    from charset_normalizer.utils import is_multi_byte_encoding

    return sorted({name for name in aliases.values() if is_multi_byte_encoding(name)})


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


def read_limited(source: str | os.PathLike[str] | BinaryIO, name: str, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of a file (or device, FIFO, ``<(...)``) or of a binary stream.

    The byte more tells the caller the input is over its limit, without reading an endless
    one (/dev/zero) into memory; errors are InputErrors naming ``name``.
    """
    try:
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as handle:
                return handle.read(limit + 1)
        return source.read(limit + 1)
    except (OSError, ValueError) as err:  # ValueError: a NUL byte in a path
        raise InputError(name, os_reason(err)) from None


def read_path(path: str | os.PathLike[str]) -> Document:
    """Read one file, naming it and the reason in any error."""
    return decode(read_limited(path, str(path), MAX_BYTES), str(path))


def read_stdin(stream: BinaryIO | None = None) -> Document:
    """Standard input, up to the size limit, as one document named "-"."""
    if stream is None and sys.stdin is None:  # started with stdin closed (<&-)
        raise InputError("-", "no standard input")
    return decode(read_limited(stream if stream is not None else sys.stdin.buffer, "-", MAX_BYTES), "-")


def expand_paths(args: Sequence[str]) -> list[str | InputError]:
    """Files and "-" as given, folders walked for text files; a path met again is dropped.

    A path that cannot be used is an InputError in its place, not a raised one: one typo
    among many inputs must cost that input, not the batch.
    """
    found: dict[object, str | InputError] = {}  # the same file (via "./", a link, a folder) -> first name given
    for arg in args:
        for name in _names(arg):
            key = name if isinstance(name, InputError) or name == "-" else os.path.realpath(name)
            found.setdefault(key, name)
    return list(found.values())


def _names(arg: str) -> list[str | InputError]:
    """The inputs one argument stands for: itself, or the visible text files under a folder.

    Hidden entries (.git, editor backups) never hold articles; an unreadable subfolder, or a
    folder without text files, is an error rather than silently missing input.
    """
    if arg == "-":
        return [arg]
    try:
        if not stat.S_ISDIR(os.stat(arg).st_mode):
            return [arg]
    except (FileNotFoundError, NotADirectoryError):
        return [InputError(arg, "no such file or directory")]
    except (OSError, ValueError) as err:
        return [InputError(arg, os_reason(err))]

    names: list[str | InputError] = []
    for folder, subfolders, files in os.walk(arg, onerror=lambda err: names.append(_walk_error(err, arg))):
        subfolders[:] = [sub for sub in subfolders if not sub.startswith(".")]
        for file in files:
            path = os.path.join(folder, file)
            suffix = os.path.splitext(file)[1].lower()
            if not file.startswith(".") and suffix in TEXT_SUFFIXES and os.path.isfile(path):
                names.append(path)
    if not names:
        return [InputError(arg, f"no text files ({', '.join(sorted(TEXT_SUFFIXES))}) in this folder")]
    return sorted(names, key=lambda name: os.path.relpath(_where(name), arg).split(os.sep))  # folder by folder


def _walk_error(err: OSError, top: str) -> InputError:
    """A folder the walk could not list, as that folder's error."""
    return InputError(str(err.filename or top), os_reason(err))


def _where(name: str | InputError) -> str:
    """The path an input or its error stands at, to sort them together."""
    return name.source if isinstance(name, InputError) else name
