"""The record/replay layer: keys, storage of valid answers only, replay misses, usage counters, an unusable store."""

from __future__ import annotations

import os
import re
from pathlib import Path
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


def ask(backend: RecordingBackend, request: dict[str, Any]) -> str | None:
    """One call whose answer the caller found valid, as ``calling.ask`` does."""
    answer = backend.create(**request)
    backend.commit()
    return answer.choices[0].message.content


REQUEST = {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.0}


def test_second_identical_request_is_served_from_the_store(tmp_path):
    inner = CountingBackend()
    backend = RecordingBackend(inner, ExchangeStore(tmp_path))
    assert ask(backend, REQUEST) == ask(backend, REQUEST) == '{"n": 1}'
    assert len(inner.requests) == 1
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
    ask(RecordingBackend(inner, ExchangeStore(tmp_path)), REQUEST)
    replay = RecordingBackend(inner, ExchangeStore(tmp_path), "replay")
    assert ask(replay, REQUEST) == '{"n": 1}'
    with pytest.raises(BackendError, match="no recorded exchange"):
        replay.create(messages=[{"role": "user", "content": "new"}])
    assert len(inner.requests) == 1


def test_refresh_overwrites_the_stored_answer(tmp_path):
    inner = CountingBackend()
    ask(RecordingBackend(inner, ExchangeStore(tmp_path)), REQUEST)
    ask(RecordingBackend(inner, ExchangeStore(tmp_path), "refresh"), REQUEST)
    assert ask(RecordingBackend(inner, ExchangeStore(tmp_path), "replay"), REQUEST) == '{"n": 2}'


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"response": {}}', '{"request": {}}'])
def test_a_damaged_entry_is_a_miss_not_a_crash(tmp_path, damage):
    inner = CountingBackend()
    key = ExchangeStore.key(inner.name, REQUEST)
    (tmp_path / f"{key}.json").write_text(damage)
    assert ask(RecordingBackend(inner, ExchangeStore(tmp_path)), REQUEST) == '{"n": 1}'
    assert len(inner.requests) == 1


def test_the_stored_request_is_a_snapshot(tmp_path):
    """instructor appends to its messages list on retry; the stored copy must not change."""
    messages = [{"role": "user", "content": "hi"}]
    store = ExchangeStore(tmp_path)
    ask(RecordingBackend(CountingBackend(), store), {"messages": messages})
    messages.append({"role": "user", "content": "again"})
    (entry,) = tmp_path.glob("*.json")
    assert '"again"' not in entry.read_text()


def test_an_answer_never_committed_is_never_stored(tmp_path):
    """An answer the caller found invalid is not committed: a later run asks the model again."""
    inner = CountingBackend()
    backend = RecordingBackend(inner, ExchangeStore(tmp_path))
    backend.create(**REQUEST)  # invalid: no commit
    assert list(tmp_path.iterdir()) == []
    assert ask(backend, REQUEST) == '{"n": 2}'
    assert [p.name for p in tmp_path.iterdir()] == [f"{ExchangeStore.key(inner.name, REQUEST)}.json"]


def test_commit_stores_the_last_answer_only(tmp_path):
    """On instructor's retry the first answer was invalid; only the retry's answer is stored."""
    inner = CountingBackend()
    backend = RecordingBackend(inner, ExchangeStore(tmp_path))
    retry = {"messages": [*REQUEST["messages"], {"role": "user", "content": "fix it"}]}
    backend.create(**REQUEST)
    assert ask(backend, retry) == '{"n": 2}'
    assert [p.name for p in tmp_path.iterdir()] == [f"{ExchangeStore.key(inner.name, retry)}.json"]
    backend.commit()  # a second commit stores nothing more
    assert len(list(tmp_path.iterdir())) == 1


def test_an_answer_from_the_store_is_not_stored_again(tmp_path):
    inner = CountingBackend()
    ask(RecordingBackend(inner, ExchangeStore(tmp_path)), REQUEST)
    entry = next(tmp_path.iterdir())
    entry.chmod(0o400)
    backend = RecordingBackend(inner, ExchangeStore(tmp_path))
    assert ask(backend, REQUEST) == '{"n": 1}'
    assert backend.warnings == [] and (backend.usage.calls, backend.usage.cached) == (1, 1)


def test_replay_and_off_store_nothing(tmp_path):
    inner = CountingBackend()
    ask(RecordingBackend(inner, None, "off"), REQUEST)
    with pytest.raises(BackendError):
        RecordingBackend(inner, ExchangeStore(tmp_path), "replay").create(**REQUEST)
    assert list(tmp_path.iterdir()) == []


def _file_in_the_way(tmp_path: Path) -> Path:
    (tmp_path / "cache").write_text("not a folder")
    return tmp_path / "cache"


def _read_only_folder(tmp_path: Path) -> Path:
    (tmp_path / "cache").mkdir(mode=0o500)
    return tmp_path / "cache"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_store_switches_storing_off_with_one_warning(tmp_path):
    _unusable_store_switches_storing_off(_read_only_folder(tmp_path), "permission denied")


def test_a_file_in_place_of_the_store_switches_storing_off_with_one_warning(tmp_path):
    # writing.write_atomic says "file exists" for a file where a folder should be; "not a directory" is clearer
    _unusable_store_switches_storing_off(_file_in_the_way(tmp_path), "(file exists|not a directory)")


def _unusable_store_switches_storing_off(root: Path, reason: str) -> None:
    inner = CountingBackend()
    backend = RecordingBackend(inner, ExchangeStore(root))
    answers = [ask(backend, {"messages": [{"role": "user", "content": str(n)}]}) for n in range(3)]
    assert answers == ['{"n": 1}', '{"n": 2}', '{"n": 3}']  # every answer is still used
    (warning,) = backend.take_warnings()
    assert re.fullmatch(f"cannot store answers in {re.escape(str(root))}: {reason}; answers are not cached", warning)
    assert backend.take_warnings() == []
    assert backend.storing is False


class Warming(CountingBackend):
    def __init__(self) -> None:
        super().__init__()
        self.warmed = 0

    def warm(self) -> None:
        self.warmed += 1


@pytest.mark.parametrize(("mode", "warmed"), [("cache", 1), ("off", 1), ("refresh", 1), ("replay", 0)])
def test_the_backend_is_warmed_unless_only_stored_answers_are_used(tmp_path, mode, warmed):
    inner = Warming()
    RecordingBackend(inner, ExchangeStore(tmp_path), mode).warm()
    RecordingBackend(CountingBackend(), ExchangeStore(tmp_path), mode).warm()  # a backend with nothing to warm
    assert inner.warmed == warmed
