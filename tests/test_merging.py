"""Merging facts that report the same thing twice (repeats, overlapping windows)."""

from __future__ import annotations

from factx.merging import Mention, merge_duplicates, settle_types
from factx.models import Agreement, Evidence, Federation, Mou, Party


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


def test_a_passage_reported_under_two_types_keeps_the_type_the_triage_named():
    federation = Federation(name="Cluster Adriatico", evidence=[_ev(10, 60)])
    agreement = Agreement(title="Cluster founding", evidence=[_ev(20, 60)])
    elsewhere = Agreement(title="Port deal", evidence=[_ev(100, 140)])
    named = [Mention("federation", 0, 70), Mention("agreement", 100, 140)]
    assert settle_types([federation, agreement, elsewhere], named) == [federation, elsewhere]


def test_without_a_clear_triage_reading_both_types_stay():
    mou = Mou(title="Memorandum", evidence=[_ev(10, 60)])
    agreement = Agreement(title="Accordo", evidence=[_ev(10, 60)])
    assert settle_types([mou, agreement], []) == [mou, agreement]  # no reading of the passage
    both = [Mention("mou", 0, 30), Mention("agreement", 30, 70)]
    assert settle_types([mou, agreement], both) == [mou, agreement]  # the triage named both
    other = [Mention("mission", 0, 70)]
    assert settle_types([mou, agreement], other) == [mou, agreement]  # named neither
