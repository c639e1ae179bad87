"""Split a document too long for one model call into overlapping windows.

Windows start at sentence boundaries and overlap by a few sentences, so a fact
stated across a cut is read whole in at least one window. Each window is a
range of the original text, so evidence found in it keeps true offsets.
"""

from __future__ import annotations

import re

#: Longest text read in one call by default: about 3,000 tokens of a European
#: language, which leaves an 8,192-token context room for the instructions, the
#: answer and one retry.
WINDOW_CHARS = 9_000

#: Where a new sentence may start: after end punctuation (and any closing
#: quote or bracket) plus whitespace, or after a blank line.
_SENTENCE_START = re.compile(r"(?<=[.!?…])[\"'’”»)\]]?\s+|\n\s*\n")
#: Pieces a trigger word is shown in: sentences, and also lines (a headline, a list item) and ";" clauses.
_PIECE_BREAK = re.compile(r"(?<=[.!?…;])[\"'’”»)\]]?\s+|\s*\n\s*")


#: A title, a name's initial or a saint cut short ("Mr. Michael Davis", "Prof. Federico Delfino", "Joseph R.
#: Biden", "St. Kitts"): the full stop after it ends no sentence. An initial follows a space, so "U.S." ends one.
_SHORTENED = re.compile(
    r"(?:^|[\s(])(?:Mr|Mrs|Ms|Dr|Prof|Profssa|Sig|Sigg|Sigra|Dott|Dottssa|Ing|Avv|Arch|On|Hon|Rev|Mons|Gen|Sen|Rep|Gov"
    r"|Jr|Sr|St|Ste|Mt|Ft|Mme|Mlle|Sra|Sres|Dra|Lic|[A-Z])\.$"
)


#: A day written as an ordinal before its month, as German writes dates ("am 10. März 2014").
_ORDINAL_DAY = re.compile(r"(?:^|\s)\d{1,2}\.$")
_MONTH_NEXT = re.compile(r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November"
                         r"|Dezember|Jan|Feb|Mär|Apr|Jun|Jul|Aug|Sept?|Okt|Nov|Dez)\b\.?")


def _ends(text: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """``pattern``'s cuts in ``text``, less those in a line right after a shortened word or a day
    written as an ordinal before its month."""
    return [m for m in pattern.finditer(text)
            if "\n" in m.group() or not (_SHORTENED.search(text, max(0, m.start() - 12), m.start())
                                         or _ORDINAL_DAY.search(text, max(0, m.start() - 4), m.start())
                                         and _MONTH_NEXT.match(text, m.end()))]


def sentence_starts(text: str) -> list[int]:
    """Offsets where a sentence begins, 0 included, in order."""
    return [0, *(m.end() for m in _ends(text, _SENTENCE_START) if m.end() < len(text))]


def whole_sentences(text: str) -> list[str]:
    """The text cut at sentence ends and blank lines only: a list of officers runs on past semicolons."""
    starts = sentence_starts(text)
    return [piece for a, b in zip(starts, [*starts[1:], len(text)]) if (piece := text[a:b].strip())]


def sentences(text: str) -> list[str]:
    """The text cut at sentence ends, line breaks and semicolons, blank pieces left out (for spotting)."""
    return [text[start:end] for start, end in pieces(text)]


def pieces(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each of ``sentences(text)`` in ``text``, in order."""
    spans, at = [], 0
    for cut in (*_ends(text, _PIECE_BREAK), None):
        start, end = at, cut.start() if cut else len(text)
        at = cut.end() if cut else len(text)
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
    return spans


def overlap_for(size: int) -> int:
    """How much consecutive windows share: a fifteenth of their size (600 by default)."""
    return size // 15


def windows(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    """``(start, end)`` ranges of at most ``size`` characters covering ``text``.

    Each window ends at a sentence boundary when one lies in its second half
    (else at a space, else exactly at ``size``) and the next one starts at the
    first sentence boundary at least ``overlap`` characters before that end.
    """
    if size <= overlap or overlap < 0:
        raise ValueError(f"window size {size} must exceed the overlap {overlap} (>= 0)")
    if len(text) <= size:
        return [(0, len(text))]
    starts = sentence_starts(text)
    out: list[tuple[int, int]] = []
    start = 0
    while True:
        limit = start + size
        if limit >= len(text):
            out.append((start, len(text)))
            return out
        end = max((s for s in starts if start + size // 2 < s <= limit), default=None)
        if end is None:
            space = text.rfind(" ", start + size // 2, limit)
            end = space + 1 if space >= 0 else limit
        out.append((start, end))
        start = min((s for s in starts if end - overlap <= s < end and s > start), default=end)
