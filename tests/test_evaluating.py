"""Scoring predictions against gold: fact matching, field rules, document pairing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from factx.errors import InputError
from factx.evaluating import Counts, document_key, evaluate, load_gold, load_predictions, render
from helpers import ROOT

#: The shared gold corpus, beside the project's checkout when it is on this machine.
GOLD_DIR = ROOT.parent / "shared" / "corpus" / "gold"
SOURCE = "corpus/seeds/002_abc.txt"


def federation(**changes: Any) -> dict[str, Any]:
    fact = {
        "type": "federation", "name": "Made in Italy Film Export", "acronym": "MIFE", "founded_on": "2025-12-19",
        "founded_in": {"city": "Rome", "country": "IT", "venue": None},
        "affiliation": {"name": "Confimpreseitalia", "kind": "association", "country": "IT"},
        "leaders": [{"name": "Andrea Iervolino", "role": "President", "organization": "MIFE"}],
        "sector": "film export", "goals": ["help Italian producers reach foreign markets"],
        "evidence": [{"quote": "È nata oggi a Roma la nuova Federazione MIFE"}],
    }
    return fact | changes


def agreement(**changes: Any) -> dict[str, Any]:
    fact = {
        "type": "agreement", "title": "Italpress - CGTN media cooperation agreement", "kind": "cooperation",
        "status": "signed",
        "parties": [
            {"name": "Italpress", "kind": "media", "country": "IT"},
            {"name": "CGTN", "kind": "media", "country": "CN"},
        ],
        "signatories": [], "date": "2025-05", "place": None, "sectors": ["media", "television"],
        "summary": "Italpress and CGTN agree to cooperate on news and television co-productions.",
        "evidence": [{"quote": "l'accordo siglato lo scorso maggio"}],
    }
    return fact | changes


def mission(**changes: Any) -> dict[str, Any]:
    fact = {
        "type": "mission", "title": "Visit of the Italian Prime Minister to South Korea",
        "leader": {"name": "Giorgia Meloni", "role": "Prime Minister of Italy", "organization": None},
        "delegation": [], "organizations": [{"name": "Italy", "kind": "government", "country": "IT"}],
        "origin_country": "IT", "destination": {"city": "Seoul", "country": "KR", "venue": None},
        "start_date": "2026-02-02", "end_date": None,
        "counterparts": [{"name": "Lee Jae Myung", "role": "President of South Korea", "organization": None}],
        "counterpart_organizations": [], "purpose": "Strengthen bilateral relations.", "sectors": ["semiconductors"],
        "outcomes": [], "funding": None,
        "evidence": [{"quote": "la prima visita di un Primo Ministro italiano in Corea del Sud"}],
    }
    return fact | changes


def gold(*facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"002_abc": {"source": SOURCE, "publication_date": "2025-12-19", "facts": list(facts)}}


def record(facts: list[dict[str, Any]], source: str = "examples/002_abc.txt") -> dict[str, Any]:
    """A record as factx writes it: offsets and ``grounded`` added (source folder differs from gold's)."""
    facts = copy.deepcopy(facts)
    for fact in facts:
        fact["grounded"] = True
        for item in fact["evidence"]:
            item |= {"start": 0, "end": len(item["quote"])}
    return {"source": source, "sha256": "0" * 64, "model": "test", "facts": facts, "warnings": []}


def predicted(*facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"002_abc": record(list(facts))}


def counts(c: Counts) -> tuple[int, int, int]:
    return c.tp, c.fp, c.fn


def test_perfect_prediction_scores_one() -> None:
    report = evaluate(gold(federation(), agreement(), mission()), predicted(federation(), agreement(), mission()))
    assert counts(report.facts["all"]) == (3, 0, 0)
    assert report.facts["all"].f1 == 1.0
    assert report.fields_matched["all"].f1 == 1.0
    assert report.fields_matched["all"].tp > 30
    assert report.documents[0].matched == {0: 0, 1: 1, 2: 2}


def test_missing_and_extra_facts() -> None:
    report = evaluate(gold(federation(), agreement()), predicted(agreement(), mission()))
    assert counts(report.facts["federation"]) == (0, 0, 1)
    assert counts(report.facts["mission"]) == (0, 1, 0)
    assert counts(report.facts["agreement"]) == (1, 0, 0)
    assert counts(report.facts["all"]) == (1, 1, 1)
    doc = report.documents[0]
    assert doc.missed == ["federation: Made in Italy Film Export"]
    assert doc.extra == ["mission: Visit of the Italian Prime Minister to South Korea"]
    assert report.facts["all"].f1 == pytest.approx(0.5)


def test_wrong_type_is_not_matched() -> None:
    """An MoU with exactly the agreement's content is still not the agreement."""
    report = evaluate(gold(agreement()), predicted(agreement(type="mou")))
    assert counts(report.facts["agreement"]) == (0, 0, 1)
    assert counts(report.facts["mou"]) == (0, 1, 0)
    assert report.documents[0].matched == {}
    assert counts(report.fields_matched["all"]) == (0, 0, 0)


def test_optional_gold_fact() -> None:
    optional = mission(optional=True)
    matched = evaluate(gold(agreement(), optional), predicted(agreement(), mission()))
    assert counts(matched.facts["all"]) == (1, 0, 0)
    assert not any(name.startswith("mission.") for name in matched.fields_matched)
    unmatched = evaluate(gold(agreement(), optional), predicted(agreement()))
    assert counts(unmatched.facts["all"]) == (1, 0, 0)
    assert unmatched.documents[0].missed == []


@pytest.mark.parametrize(
    ("gold_date", "pred_date", "expected"),
    [
        ("2025-05", "2025-05-14", (1, 0, 0)),
        ("2025-05", "2025-05", (1, 0, 0)),
        ("2025-05", "2025", (0, 1, 1)),
        ("2025-12-19", "2025-12", (0, 1, 1)),
        ("2025-12-19", "2025-12-19", (1, 0, 0)),
        ("2025-12-19", None, (0, 0, 1)),
        (None, "2025-12-19", (0, 1, 0)),
        (None, None, (0, 0, 0)),
    ],
)
def test_dates_at_gold_precision(gold_date: str | None, pred_date: str | None, expected: tuple[int, int, int]) -> None:
    report = evaluate(gold(federation(founded_on=gold_date)), predicted(federation(founded_on=pred_date)))
    assert counts(report.facts["all"]) == (1, 0, 0)
    assert counts(report.fields_matched.get("federation.founded_on", Counts())) == expected


def test_names_are_normalised() -> None:
    pred = federation(
        name="MADE IN ITALY FILM-EXPORT",
        affiliation={"name": "CONFIMPRESEITALIA", "kind": "association", "country": "it"},
        founded_in={"city": "Róme", "country": "IT", "venue": None},
        leaders=[{"name": "Andrea  Iervolino", "role": "president", "organization": "M.I.F.E."}],
    )
    report = evaluate(gold(federation()), predicted(pred))
    assert report.fields_matched["all"].f1 == 1.0
    assert counts(report.fields_matched["federation.affiliation.name"]) == (1, 0, 0)


def test_names_accept_a_longer_form_but_not_another_name() -> None:
    pred = agreement(parties=[
        {"name": "Ital-Press", "kind": "media", "country": "IT"},  # a near spelling
        {"name": "CGTN (China Global Television Network)", "kind": "media", "country": "CN"},
    ])
    report = evaluate(gold(agreement()), predicted(pred))
    assert counts(report.fields_matched["agreement.parties.name"]) == (2, 0, 0)
    wrong = evaluate(gold(federation()), predicted(federation(affiliation={"name": "Confindustria"})))
    assert counts(wrong.fields_matched["federation.affiliation.name"]) == (0, 1, 1)


def test_party_list_with_a_missed_and_an_extra_party() -> None:
    pred = agreement(parties=[
        {"name": "Italpress", "kind": "company", "country": "IT"},
        {"name": "Xinhua", "kind": "media", "country": "CN"},
    ])
    report = evaluate(gold(agreement()), predicted(pred))
    assert counts(report.facts["all"]) == (1, 0, 0)
    assert counts(report.fields_matched["agreement.parties.name"]) == (1, 1, 1)
    # only the matched Italpress item scores its sub-fields
    assert counts(report.fields_matched["agreement.parties.kind"]) == (0, 1, 1)
    assert counts(report.fields_matched["agreement.parties.country"]) == (1, 0, 0)


def test_lists_of_phrases_and_null_objects() -> None:
    pred = agreement(sectors=["Television", "sports"], place={"city": "Rome", "country": "IT", "venue": None})
    report = evaluate(gold(agreement()), predicted(pred))
    assert counts(report.fields_matched["agreement.sectors"]) == (1, 1, 1)
    assert counts(report.fields_matched["agreement.place.city"]) == (0, 1, 0)
    assert counts(report.fields_matched["agreement.place.country"]) == (0, 1, 0)
    assert "agreement.place.venue" not in report.fields_matched  # null on both sides: not counted
    assert "agreement.grounded" not in report.fields_matched and "agreement.evidence" not in report.fields_matched


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("Italpress and CGTN will cooperate on news and TV co-productions.", (1, 0, 0)),  # a paraphrase
        ("Fincantieri will build two cruise ships for a US operator.", (0, 1, 1)),
    ],
)
def test_free_text_is_lenient(summary: str, expected: tuple[int, int, int]) -> None:
    report = evaluate(gold(agreement()), predicted(agreement(summary=summary)))
    assert counts(report.fields_matched["agreement.summary"]) == expected


def test_threshold_keeps_a_different_fact_of_the_same_type_apart() -> None:
    """Same type and kind (similarity 1/5), nothing else in common: not a find."""
    other = agreement(
        title="Fincantieri shipbuilding supply contract", date="2024-03-01",
        parties=[{"name": "Fincantieri", "kind": "company", "country": "IT"}],
        evidence=[{"quote": "Fincantieri ha firmato un contratto di fornitura"}],
    )
    report = evaluate(gold(agreement()), predicted(other))
    assert report.documents[0].matched == {}
    assert counts(report.facts["agreement"]) == (0, 1, 1)
    # a quote containing the gold's makes it 2/5: close enough to count
    quoted = other | {"evidence": [{"quote": "Con l'accordo siglato lo scorso maggio, Italpress"}]}
    assert evaluate(gold(agreement()), predicted(quoted)).documents[0].matched == {0: 0}


def test_greedy_matching_pairs_the_most_similar_facts() -> None:
    second = agreement(title="Italpress - Xinhua news exchange agreement", date="2025-11",
                       parties=[{"name": "Italpress", "kind": "media", "country": "IT"},
                                {"name": "Xinhua", "kind": "media", "country": "CN"}],
                       evidence=[{"quote": "intesa con l'agenzia Xinhua"}])
    report = evaluate(gold(agreement(), second), predicted(second, agreement()))
    assert report.documents[0].matched == {0: 1, 1: 0}
    assert report.fields_matched["all"].f1 == 1.0


def test_document_pairing_by_stem(tmp_path: Path) -> None:
    assert document_key("corpus/seeds/002_4b9ee3161bb7e212.txt") == "002_4b9ee3161bb7e212"
    assert document_key("examples/002_4b9ee3161bb7e212.txt") == "002_4b9ee3161bb7e212"
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "a.json").write_text(json.dumps(gold(federation())["002_abc"]), encoding="utf-8")
    lines = [record([federation()]), record([], "elsewhere/999_zzz.txt")]
    (tmp_path / "pred.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "002_abc.json").write_text(json.dumps(lines[0], indent=2), encoding="utf-8")
    golds = load_gold(tmp_path / "gold")
    assert list(golds) == ["002_abc"]
    assert load_predictions(tmp_path / "out").keys() == {"002_abc"}
    report = evaluate(golds, load_predictions(tmp_path / "pred.jsonl"))
    assert counts(report.facts["all"]) == (1, 0, 0)
    assert report.unscored == ["999_zzz"]


def test_duplicate_documents_are_refused(tmp_path: Path) -> None:
    line = json.dumps(record([federation()]))
    (tmp_path / "pred.jsonl").write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError, match="002_abc"):
        load_predictions(tmp_path / "pred.jsonl")


def test_gold_document_without_prediction() -> None:
    golds = gold(federation(), agreement(), mission(optional=True))
    report = evaluate(golds, {})
    assert counts(report.facts["all"]) == (0, 0, 2)
    doc = report.documents[0]
    assert not doc.predicted and len(doc.missed) == 2
    assert report.facts["all"].f1 == 0.0
    out = report.to_json()
    assert out["facts"]["all"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 2}
    assert out["documents"][0]["predicted"] is False
    console = Console(record=True, width=100)
    render(report, console)
    assert "no prediction for: 002_abc" in console.export_text()


def test_counts_arithmetic() -> None:
    total = Counts(1, 2, 3) + Counts(3, 0, 1)
    assert counts(total) == (4, 2, 4)
    assert total.precision == pytest.approx(4 / 6) and total.recall == pytest.approx(0.5)
    assert total.f1 == pytest.approx(8 / 14)
    total += Counts(tp=1)
    assert counts(total) == (5, 2, 4)
    assert Counts().f1 == Counts().precision == Counts().recall == 0.0


@pytest.mark.skipif(not GOLD_DIR.is_dir(), reason=f"no shared gold corpus at {GOLD_DIR} (a sibling of the checkout)")
def test_real_gold_against_itself() -> None:
    golds = load_gold(GOLD_DIR)
    preds = {key: record(doc["facts"], doc["source"]) for key, doc in golds.items()}
    report = evaluate(golds, preds)
    assert report.facts["all"].tp > 0 and report.fields_matched["all"].tp > 100
    assert report.facts["all"].f1 == report.fields_matched["all"].f1 == 1.0
    assert all(c.f1 == 1.0 for c in [*report.facts.values(), *report.fields_matched.values()] if c.tp or c.fp or c.fn)
    assert all(doc.predicted and not doc.missed and not doc.extra for doc in report.documents)


def test_end_to_end_fields_count_missed_facts_as_missed_and_invented_ones_as_false() -> None:
    invented = {"type": "mou", "title": "An MoU nobody signed", "date": "2026-01",
                "evidence": [{"quote": "un protocollo"}]}
    report = evaluate(gold(federation(), agreement()), predicted(federation(), invented))
    # federation matched and right; agreement missed; the MoU invented
    # name, acronym, founded_on, founded_in city+country, affiliation ×3, leader ×3, sector, goals
    assert counts(report.fields_matched["all"]) == (13, 0, 0)
    # title, kind, status, 2 party names, date, 2 sectors, summary (null place and no signatories: nothing)
    assert counts(evaluate(gold(agreement()), {}).fields["all"]) == (0, 0, 9)
    assert counts(report.fields["agreement.parties.name"]) == (0, 0, 2)
    assert counts(report.fields["mou.title"]) == (0, 1, 0) and counts(report.fields["mou.date"]) == (0, 1, 0)
    assert counts(report.fields["all"]) == (13, 2, 9)
    assert report.fields["all"].f1 < report.fields_matched["all"].f1 == 1.0
    assert report.documents[0].fields == report.fields["all"]
