"""Free-text values copied from an article in another language, put into English by one call."""

from __future__ import annotations

import json

from factx import translating
from factx.models import Evidence, Mission, Mou, Person
from factx.pipeline import Extractor
from helpers import Scripted, chat_completion

TEXT = (
    "TRENTO – L'assessore Mario Rossi ha firmato oggi un protocollo d'intesa con la Baviera "
    "per la promozione del turismo."
)


def _mou(**fields) -> Mou:
    return Mou(title="Tourism MoU", evidence=[Evidence(quote="x", start=0, end=1)], **fields)


def test_the_english_fields_come_from_the_models_marks():
    assert translating.english_fields() == {
        "title", "summary", "aims", "context", "purpose", "outcomes", "funding", "sectors", "sector", "goals", "role"
    }


def test_a_value_is_in_the_articles_language_when_half_its_lower_case_words_are():
    facts = [_mou(signatories=[Person(name="Mario Rossi", role="assessore")],
                  sectors=["turismo", "tourism", "film"], aims=["promozione del turismo", "promote tourism in Bavaria"])]
    assert translating.untranslated(facts, "it") == ["assessore", "turismo", "promozione del turismo"]
    assert translating.untranslated([_mou(aims=["Trento", "Baviera 2026"])], "it") == []  # names: nothing to translate
    assert translating.untranslated(facts, "xx") == []  # a language wordfreq does not know


def test_translated_values_replace_the_phrases_everywhere_and_are_validated_again():
    facts = [_mou(signatories=[Person(name="Mario Rossi", role="assessore")], sectors=["turismo", "sport"]),
             Mission(title="Visit", leader=Person(name="Mario Rossi", role="assessore"), evidence=[])]
    asked: list[list[str]] = []

    def ask(values: list[str]) -> list[str]:
        asked.append(values)
        return ["Provincial Councillor", "Tourism "]

    (mou, mission), changed = translating.translate(facts, "it", ask)
    assert asked == [["assessore", "turismo"]] and changed == 2
    assert mou.signatories[0].role == mission.leader.role == "Provincial Councillor"
    assert mou.sectors == ["tourism", "sport"]  # lower case again, as every sector
    assert mou.evidence == facts[0].evidence


def test_nothing_to_translate_asks_nothing_and_a_phrase_given_back_is_no_change():
    facts = [_mou(sectors=["tourism"])]
    assert translating.translate(facts, "it", lambda values: 1 / 0) == (facts, 0)
    facts = [_mou(aims=["promozione del turismo"])]
    assert translating.translate(facts, "it", lambda values: values) == (facts, 0)


def _answer(**fields) -> str:
    fact = {"evidence": ["ha firmato oggi un protocollo d'intesa con la Baviera"], "title": "Protocollo d'intesa",
            "parties": [], "signatories": [{"name": "Mario Rossi", "role": "assessore", "organization": None}],
            "date": None, "place": None, "sectors": ["turismo"], "aims": [], "context": None, **fields}
    return json.dumps({"facts": [fact]})


def test_an_italian_article_gets_one_more_call_that_shows_only_the_phrases():
    backend = Scripted(chat_completion(_answer()),
                       chat_completion('{"english": ["Memorandum of understanding", "Councillor", "tourism"]}'))
    record = Extractor(backend, types=("mou",)).extract(TEXT)
    (mou,) = record.facts
    assert (mou.title, mou.signatories[0].role, mou.sectors) == ("Memorandum of understanding", "Councillor", ["tourism"])
    question, translation = backend.requests
    assert translation["messages"][0] == question["messages"][0]  # the system prompt the model keeps read
    asked = translation["messages"][1]["content"]
    assert TEXT not in asked and "each Italian phrase" in asked
    assert asked.endswith("\n1. Protocollo d'intesa\n2. assessore\n3. turismo")
    assert (record.stats.model_calls, record.stats.translated, record.warnings) == (2, 3, [])


def test_an_answer_that_stays_invalid_leaves_the_phrases_with_a_warning():
    backend = Scripted(chat_completion(_answer()), chat_completion('{"english": ["one"]}'),
                       chat_completion('{"english": ["still one"]}'))
    record = Extractor(backend, types=("mou",)).extract(TEXT)
    assert record.facts[0].signatories[0].role == "assessore"
    assert len(record.warnings) == 1 and record.warnings[0].startswith("translation: invalid answer")
    assert record.stats.failed_calls == 0  # the facts are all there


def test_an_english_article_is_never_translated():
    text = "The Minister signed a memorandum of understanding with Bavaria on tourism promotion."
    answer = json.dumps({"facts": [{"evidence": ["signed a memorandum of understanding with Bavaria"],
                                    "title": "MoU", "parties": [], "signatories": [], "date": None, "place": None,
                                    "sectors": ["tourism"], "aims": ["tourism promotion"], "context": None}]})
    backend = Scripted(chat_completion(answer))
    record = Extractor(backend, types=("mou",)).extract(text)
    assert len(backend.requests) == 1 and record.facts[0].aims == ["tourism promotion"]
