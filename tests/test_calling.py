"""Calling the model: validation and retries through instructor, errors as one line, only valid answers stored."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from helpers import Scripted, chat_completion

from factx.backends import BackendError
from factx.calling import MAX_TOKENS, ModelAnswerError, ask
from factx.errors import CutOffAnswer
from factx.pipeline import Extractor
from factx.prompting import _default_schema, answer_model
from factx.recording import ExchangeStore, RecordingBackend

MESSAGES = [{"role": "user", "content": "Article: ..."}]


FEDERATION = '{"facts": [{"evidence": ["È nata oggi"], "acronym": "AIVI", "name": "Associazione", "founded_on": "oggi"}]}'


def test_a_valid_answer_is_parsed_with_relative_dates_resolved():
    backend = Scripted(chat_completion(FEDERATION))
    answer = ask(backend, MESSAGES, answer_model("federation"), published=date(2026, 5, 5))
    assert answer.facts[0].founded_on == "2026-05-05"
    (request,) = backend.requests
    assert request["response_format"]["type"] == "json_schema"
    assert request["temperature"] == 0.0 and request["max_tokens"] == MAX_TOKENS


def test_the_answer_schema_is_built_once_not_for_every_request():
    """instructor wraps a plain model in a new class per call, which missed the schema cache every time."""
    backend = Scripted(chat_completion(FEDERATION), chat_completion(FEDERATION))
    ask(backend, MESSAGES, answer_model("federation"))
    built = _default_schema.cache_info().currsize
    ask(backend, MESSAGES, answer_model("federation"))
    assert _default_schema.cache_info().currsize == built
    assert backend.requests[0]["response_format"] == backend.requests[1]["response_format"]


def test_an_article_that_looks_like_a_template_reaches_the_model_verbatim():
    text = "  Indented {{ name }} and {% if x %} braces {# not a comment #}\n  kept as written"
    backend = Scripted(chat_completion(FEDERATION))
    answer = ask(backend, [{"role": "user", "content": text}], answer_model("federation"), published=date(2026, 5, 5))
    assert backend.requests[0]["messages"] == [{"role": "user", "content": text}]
    assert answer.facts[0].founded_on == "2026-05-05"  # dates still resolved, without instructor's templating


def test_an_invalid_answer_is_retried_with_the_error_then_accepted():
    backend = Scripted(chat_completion('{"facts": [{"evidence": []}]}'), chat_completion(FEDERATION))
    answer = ask(backend, MESSAGES, answer_model("federation"))
    assert answer.facts[0].acronym == "AIVI"
    retry = backend.requests[1]["messages"]
    assert retry[:1] == MESSAGES and "evidence" in retry[-1]["content"]  # same prefix: the KV cache holds


def test_an_answer_still_invalid_after_the_retry_is_a_one_line_error():
    backend = Scripted(chat_completion("not json"), chat_completion("still not json"))
    with pytest.raises(ModelAnswerError, match=r"^invalid answer after 2 tries: ") as caught:
        ask(backend, MESSAGES, answer_model("mou"))
    assert "\n" not in str(caught.value)


def test_an_answer_cut_off_by_the_token_limit_is_reported_as_such():
    backend = Scripted(chat_completion('{"facts": [{"evid', finish_reason="length"))
    with pytest.raises(ModelAnswerError, match=f"^answer cut off at the {MAX_TOKENS}-token limit$"):
        ask(backend, MESSAGES, answer_model("mou"))


def test_the_complete_facts_before_a_cut_are_kept_and_the_answer_stored(tmp_path):
    whole = {"evidence": ["Il protocollo d'intesa è stato firmato a Pavia."], "title": "Pavia MoU", "parties": [],
             "signatories": [], "date": "2026-03", "place": None, "aims": ["research"], "sectors": []}
    looping = '{"facts": [' + json.dumps(whole) + ', {"evidence": ["x"], "title": "Loop", "aims": ["a", "a", "a'
    store = ExchangeStore(tmp_path)
    backend = RecordingBackend(Scripted(chat_completion(looping, finish_reason="length")), store)
    with pytest.raises(CutOffAnswer, match=f"^answer cut off at the {MAX_TOKENS}-token limit; kept the 1 "
                                           "complete item\\(s\\) before the cut$") as caught:
        ask(backend, MESSAGES, answer_model("mou"))
    (fact,) = caught.value.partial.facts
    assert (fact.title, fact.date, fact.aims) == ("Pavia MoU", "2026-03", ["research"])
    assert len(list(tmp_path.iterdir())) == 1  # the kept part is valid, and a re-run would be cut the same way


def test_a_cut_answer_keeps_its_facts_in_the_record_with_a_warning():
    whole = {"evidence": ["La missione imprenditoriale partirà per Hanoi"], "title": "Trade mission to Hanoi"}
    cut = '{"facts": [' + json.dumps(whole) + ', {"evidence": ["La missione'
    record = Extractor(Scripted(chat_completion(cut, finish_reason="length")), types=("mission",), triage=False) \
        .extract("La missione imprenditoriale partirà per Hanoi il mese prossimo con venti aziende.")
    assert [fact.title for fact in record.facts] == ["Trade mission to Hanoi"]
    assert record.stats.failed_calls == 0
    assert record.warnings == [
        f"mission: answer cut off at the {MAX_TOKENS}-token limit; kept the 1 complete item(s) before the cut"]


def test_a_backend_failure_surfaces_as_itself_not_as_a_bad_answer():
    backend = Scripted(BackendError("cannot reach the model server at http://x"))
    with pytest.raises(BackendError, match="^cannot reach the model server at http://x$"):
        ask(backend, MESSAGES, answer_model("mou"))


# --- what a document gets when a call's answer stays invalid, and what is stored ---

TEXT = (
    "Roma, 3 marzo 2026 – Italia e Brasile hanno firmato un memorandum d'intesa sull'energia. "
    "Il ministro Luca Verdi ha guidato oggi una missione a Hanoi."
)
MOU_QUOTE = "Italia e Brasile hanno firmato un memorandum d'intesa sull'energia"
MISSION_QUOTE = "Il ministro Luca Verdi ha guidato oggi una missione a Hanoi"
TRIAGE = json.dumps({"mentions": [{"quote": MOU_QUOTE, "type": "mou"}, {"quote": MISSION_QUOTE, "type": "mission"}]})
MOU = json.dumps({"facts": [{"evidence": [MOU_QUOTE], "title": "Italy-Brazil energy MoU",
                             "parties": [{"name": "Italia", "kind": "government"},
                                         {"name": "Brasile", "kind": "government"}]}]})
PROSE = "Sure! The article describes a mission."
BAD_MISSION = "mission: invalid answer after 2 tries: Invalid JSON: expected value at line 1 column 1"


def test_a_call_whose_answer_stays_invalid_costs_its_facts_only():
    backend = Scripted(*map(chat_completion, (TRIAGE, MOU, PROSE, PROSE)))
    record = Extractor(backend, triage=True).extract(TEXT)
    assert [f.type for f in record.facts] == ["mou"]
    assert record.warnings == [BAD_MISSION]
    assert (record.stats.model_calls, record.stats.failed_calls) == (4, 1)


def test_a_document_whose_every_extraction_call_failed_fails_with_one_line():
    cut = chat_completion('{"facts": [{"evid', finish_reason="length")
    backend = Scripted(chat_completion(TRIAGE), cut, chat_completion(PROSE), chat_completion(PROSE))
    with pytest.raises(ModelAnswerError) as caught:
        Extractor(backend, triage=True).extract(TEXT)
    assert str(caught.value) == f"no valid answer in 2 call(s): mou: answer cut off at the {MAX_TOKENS}-token limit"


def test_an_invalid_triage_asks_every_type_and_is_not_a_failed_call():
    empty = chat_completion('{"facts": []}')
    backend = Scripted(chat_completion(PROSE), chat_completion(PROSE), empty, empty)
    record = Extractor(backend, types=("mou", "mission"), triage=True).extract(TEXT)
    assert record.warnings == ["triage: invalid answer after 2 tries: Invalid JSON: expected value at line 1 column 1; "
                               "asking for every type"]
    assert (record.stats.model_calls, record.stats.failed_calls) == (4, 0)


def test_only_answers_that_validated_are_stored(tmp_path):
    """A retry's valid answer is stored; an answer that stayed invalid, or was cut off, never is."""
    store = ExchangeStore(tmp_path)
    schema_breaking = chat_completion('{"facts": "none"}')
    cut = chat_completion('{"facts": [{"evid', finish_reason="length")
    backend = RecordingBackend(Scripted(schema_breaking, chat_completion(MOU), chat_completion(PROSE),
                                        chat_completion(PROSE), cut), store)
    ask(backend, MESSAGES, answer_model("mou"))
    (entry,) = tmp_path.iterdir()
    assert json.loads(entry.read_text())["response"]["choices"][0]["message"]["content"] == MOU
    for _ in range(2):
        with pytest.raises(ModelAnswerError):
            ask(backend, [{"role": "user", "content": "another article"}], answer_model("mou"))
    assert list(tmp_path.iterdir()) == [entry]


def test_a_failing_server_stores_nothing(tmp_path):
    backend = RecordingBackend(Scripted(BackendError("http://x: sent HTML, not a chat completion")),
                               ExchangeStore(tmp_path))
    with pytest.raises(BackendError):
        ask(backend, MESSAGES, answer_model("mou"))
    assert list(tmp_path.iterdir()) == []


def test_an_unusable_store_is_one_warning_in_the_record_made_and_answers_are_used(tmp_path):
    (tmp_path / "cache").write_text("a file, not a folder")
    answers = [chat_completion(TRIAGE), chat_completion(MOU), chat_completion('{"facts": []}')] * 2
    extractor = Extractor(RecordingBackend(Scripted(*answers), ExchangeStore(tmp_path / "cache")), triage=True)
    first, second = extractor.extract(TEXT), extractor.extract(TEXT + " ")
    assert [f.type for f in first.facts] == [f.type for f in second.facts] == ["mou"]
    (warning,) = first.warnings
    assert re.fullmatch(f"cannot store answers in {re.escape(str(tmp_path / 'cache'))}: "
                        "(file exists|not a directory); answers are not cached", warning)
    assert second.warnings == []


def test_a_raw_line_break_inside_an_answers_string_does_not_lose_the_answer():
    raw = '{"facts": [{"evidence": ["È nata oggi\nla federazione"], "acronym": "AIVI", "name": "Associazione"}]}'
    backend = Scripted(chat_completion(raw))
    answer = ask(backend, MESSAGES, answer_model("federation"))
    assert answer.facts[0].evidence == ["È nata oggi\nla federazione"] and len(backend.requests) == 1
