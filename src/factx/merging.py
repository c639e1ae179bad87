"""Merge facts that report the same thing twice.

A fact comes back twice when a model repeats itself, and when a long document
is read in overlapping windows. Two facts of one type are the same fact when
their evidence spans overlap in the source; the fuller one is kept, with the
evidence of both.
"""

from __future__ import annotations

from typing import Any

from factx.models import Fact

_NOT_CONTENT = {"type", "evidence", "grounded"}


def merge_duplicates(facts: list[Fact]) -> list[Fact]:
    """``facts`` with each group of same-type, overlapping-evidence facts made one, order kept."""
    kept: list[Fact] = []
    for fact in facts:
        i = next((i for i, k in enumerate(kept) if _same(k, fact)), None)
        if i is None:
            kept.append(fact)
        else:
            kept[i] = _combine(kept[i], fact)
    return kept


def _spans(fact: Fact) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in fact.evidence if e.start is not None and e.end is not None]


def _same(a: Fact, b: Fact) -> bool:
    return a.type == b.type and any(s < f and t < e for s, e in _spans(a) for t, f in _spans(b))


def _filled(value: Any) -> int:
    """How many leaf values are known (not null, not empty) in a dumped fact."""
    if isinstance(value, dict):
        return sum(_filled(v) for v in value.values())
    if isinstance(value, list):
        return sum(_filled(v) for v in value)
    return value is not None and value != ""


def _combine(a: Fact, b: Fact) -> Fact:
    """The fuller of two facts (the first on a tie), carrying both facts' evidence in text order."""
    richer, other = (b, a) if _filled(b.model_dump(exclude=_NOT_CONTENT)) > _filled(
        a.model_dump(exclude=_NOT_CONTENT)
    ) else (a, b)
    evidence = {(e.start, e.end, e.quote): e for e in [*richer.evidence, *other.evidence]}
    ordered = sorted(evidence.values(), key=lambda e: (e.start is None, e.start or 0))
    return richer.model_copy(update={"evidence": ordered})
