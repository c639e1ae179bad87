"""Calling the model: validation and retries through instructor, errors as one line."""

from __future__ import annotations

from datetime import date

import pytest

from factx.backends import BackendError
from factx.calling import MAX_TOKENS, ModelAnswerError, ask
from factx.prompting import answer_model
from helpers import Scripted, chat_completion

MESSAGES = [{"role": "user", "content": "Article: ..."}]


FEDERATION = '{"facts": [{"evidence": ["È nata oggi"], "acronym": "AIVI", "name": "Associazione", "founded_on": "oggi"}]}'


def test_a_valid_answer_is_parsed_with_relative_dates_resolved():
    backend = Scripted(chat_completion(FEDERATION))
    answer = ask(backend, MESSAGES, answer_model("federation"), published=date(2026, 5, 5))
    assert answer.facts[0].founded_on == "2026-05-05"
    (request,) = backend.requests
    assert request["response_format"]["type"] == "json_schema"
    assert request["temperature"] == 0.0 and request["max_tokens"] == MAX_TOKENS


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


def test_a_backend_failure_surfaces_as_itself_not_as_a_bad_answer():
    backend = Scripted(BackendError("cannot reach the model server at http://x"))
    with pytest.raises(BackendError, match="^cannot reach the model server at http://x$"):
        ask(backend, MESSAGES, answer_model("mou"))
