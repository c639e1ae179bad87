"""The record/replay layer: keys, storage, replay misses, usage counters."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from helpers import chat_completion

from factx.backends import BackendError
from factx.recording import ExchangeStore, RecordingBackend


class CountingBackend:
    name = "fake/model"

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def create(self, **request: Any) -> ChatCompletion:
        self.requests.append(request)
        return chat_completion(f'{{"n": {len(self.requests)}}}')


REQUEST = {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.0}


def test_second_identical_request_is_served_from_the_store(tmp_path):
    inner = CountingBackend()
    backend = RecordingBackend(inner, ExchangeStore(tmp_path))
    first = backend.create(**REQUEST)
    second = backend.create(**REQUEST)
    assert len(inner.requests) == 1
    assert second.choices[0].message.content == first.choices[0].message.content == '{"n": 1}'
    assert (backend.usage.calls, backend.usage.cached) == (2, 1)
    assert (backend.usage.prompt_tokens, backend.usage.completion_tokens) == (11, 3)


def test_a_changed_prompt_misses_the_store(tmp_path):
    inner = CountingBackend()
    backend = RecordingBackend(inner, ExchangeStore(tmp_path))
    backend.create(**REQUEST)
    backend.create(messages=[{"role": "user", "content": "hi!"}], temperature=0.0)
    assert len(inner.requests) == 2


def test_the_model_name_is_part_of_the_key():
    assert ExchangeStore.key("a/m", REQUEST) != ExchangeStore.key("b/m", REQUEST)


def test_replay_never_calls_the_model(tmp_path):
    inner = CountingBackend()
    RecordingBackend(inner, ExchangeStore(tmp_path)).create(**REQUEST)
    replay = RecordingBackend(inner, ExchangeStore(tmp_path), "replay")
    assert replay.create(**REQUEST).choices[0].message.content == '{"n": 1}'
    with pytest.raises(BackendError, match="no recorded exchange"):
        replay.create(messages=[{"role": "user", "content": "new"}])
    assert len(inner.requests) == 1


def test_refresh_overwrites_the_stored_answer(tmp_path):
    inner = CountingBackend()
    RecordingBackend(inner, ExchangeStore(tmp_path)).create(**REQUEST)
    RecordingBackend(inner, ExchangeStore(tmp_path), "refresh").create(**REQUEST)
    again = RecordingBackend(inner, ExchangeStore(tmp_path), "replay").create(**REQUEST)
    assert again.choices[0].message.content == '{"n": 2}'


def test_a_damaged_entry_is_a_miss_not_a_crash(tmp_path):
    inner = CountingBackend()
    key = ExchangeStore.key(inner.name, REQUEST)
    (tmp_path / f"{key}.json").write_text("{not json")
    RecordingBackend(inner, ExchangeStore(tmp_path)).create(**REQUEST)
    assert len(inner.requests) == 1


def test_the_stored_request_is_a_snapshot(tmp_path):
    """instructor appends to its messages list on retry; the stored copy must not change."""
    messages = [{"role": "user", "content": "hi"}]
    store = ExchangeStore(tmp_path)
    RecordingBackend(CountingBackend(), store).create(messages=messages)
    messages.append({"role": "user", "content": "again"})
    (entry,) = tmp_path.glob("*.json")
    assert '"again"' not in entry.read_text()
