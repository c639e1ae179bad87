"""Merging facts that report the same thing twice (repeats, overlapping windows)."""

from __future__ import annotations

from factx.merging import merge_duplicates
from factx.models import Agreement, Evidence, Mou, Party


def _ev(start: int, end: int) -> Evidence:
    return Evidence(quote="x" * (end - start), start=start, end=end)


def test_same_type_with_overlapping_evidence_becomes_the_fuller_fact_with_both_quotes():
    thin = Agreement(title="Deal", evidence=[_ev(10, 50)])
    full = Agreement(title="Italy-Kenya deal", parties=[Party(name="Italia", country="IT")], evidence=[_ev(40, 90), _ev(0, 5)])
    other = Agreement(title="Another deal", evidence=[_ev(200, 240)])
    merged = merge_duplicates([thin, other, full])
    assert [f.title for f in merged] == ["Italy-Kenya deal", "Another deal"]
    assert [(e.start, e.end) for e in merged[0].evidence] == [(0, 5), (10, 50), (40, 90)]


def test_a_tie_keeps_the_first_and_the_same_span_is_not_repeated():
    first, second = Agreement(title="A", evidence=[_ev(10, 50)]), Agreement(title="B", evidence=[_ev(10, 50)])
    (merged,) = merge_duplicates([first, second])
    assert merged.title == "A" and len(merged.evidence) == 1


def test_touching_spans_other_types_and_ungrounded_facts_stay_apart():
    facts = [
        Agreement(title="A", evidence=[_ev(10, 50)]),
        Agreement(title="B", evidence=[_ev(50, 80)]),  # touches, does not overlap
        Mou(title="C", evidence=[_ev(10, 50)]),  # another type: not merged here
        Agreement(title="D", evidence=[Evidence(quote="nowhere")], grounded=False),
        Agreement(title="E", evidence=[Evidence(quote="nowhere")], grounded=False),
    ]
    assert [f.title for f in merge_duplicates(facts)] == ["A", "B", "C", "D", "E"]
