"""Merging facts that report the same thing twice (repeats, overlapping windows)."""

from __future__ import annotations

from factx.merging import drop_restated, merge_duplicates
from factx.models import Agreement, Evidence, Mission, Mou, Party


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


def _quoted(cls, quote: str, start: int, **fields):
    return cls(evidence=[Evidence(quote=quote, start=start, end=start + len(quote))], **fields)


def test_a_fact_told_on_another_types_passage_in_that_types_words_is_dropped():
    sentence = "ICE and AICEP signed a memorandum of understanding on wine"
    mou = _quoted(Mou, sentence, 0, title="ICE-AICEP MoU")
    agreement = _quoted(Agreement, sentence, 0, title="ICE-AICEP agreement")
    assert drop_restated([agreement, mou]) == [mou]


def test_a_passage_that_names_both_types_keeps_both():
    sentence = "The delegation led by the minister signed a trade agreement in Hanoi"
    mission = _quoted(Mission, sentence, 0, title="Mission to Vietnam")
    agreement = _quoted(Agreement, sentence, 0, title="Trade agreement")
    assert drop_restated([mission, agreement]) == [mission, agreement]


def test_facts_on_separate_passages_are_all_kept():
    mou = _quoted(Mou, "ICE and AICEP signed a memorandum", 0, title="MoU")
    agreement = _quoted(Agreement, "ICE and AICEP signed a memorandum", 100, title="Other")
    assert drop_restated([mou, agreement]) == [mou, agreement]
