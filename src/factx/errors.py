"""Every error factx raises on purpose, under one base class.

The CLI catches ``FactxError`` and prints ``str(error)``, which is always one
line; anything else escaping is a bug and shows its traceback. The subclasses
say what went wrong, and so which exit code it earns: a bad choice of the user
(``ConfigError``, exit 2) stops before any work, while a bad input, an
unreachable model or an unwritable output fails that document or that run.
"""

from __future__ import annotations


def one_line(name: object) -> str:
    """A name as it can be printed inside a one-line message.

    File names may hold newlines or other control characters; they are shown
    escaped (``a\\nb``) so one error stays one line and cannot forge another.
    """
    text = str(name)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class FactxError(Exception):
    """The base of every error factx reports; ``str()`` is one line."""


class ConfigError(FactxError):
    """A setting the user chose cannot work: unknown type or provider, bad URL, missing key."""


class InputError(FactxError):
    """One input could not be read; ``str()`` is ``"<source>: <reason>"``."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{one_line(source)}: {reason}")
        self.source = source
        self.reason = reason


class OutputError(FactxError):
    """Results could not be written where the user asked; ``str()`` is ``"<target>: <reason>"``."""

    def __init__(self, target: object, reason: str) -> None:
        super().__init__(f"{one_line(target)}: {reason}")
        self.target = str(target)
        self.reason = reason


class BackendError(FactxError):
    """The model could not be reached or refused the request."""


class ModelAnswerError(FactxError):
    """The model answered, but not with a valid answer, even after the retries."""


class CutOffAnswer(ModelAnswerError):
    """An answer cut off at the token limit whose complete items before the cut were kept.

    ``partial`` is the answer made of them, validated; what came after the cut is lost.
    """

    def __init__(self, message: str, partial: object) -> None:
        super().__init__(message)
        self.partial = partial


class OffsetError(FactxError):
    """Evidence offsets that do not pick their quotes out of the source text."""
