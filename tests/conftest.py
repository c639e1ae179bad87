"""Shared test helpers: paths of the examples and fixtures, and a replaying extractor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from factx.backends import Settings
from factx.pipeline import Extractor

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXCHANGES = ROOT / "fixtures" / "exchanges"


def seed(prefix: str) -> Path:
    """The example article whose name starts with ``prefix`` (e.g. "002")."""
    (path,) = EXAMPLES.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(scope="session")
def replayer() -> Extractor:
    """An extractor that answers only from the recorded exchanges: offline, deterministic."""
    return Extractor.from_settings(Settings(), cache_dir=EXCHANGES, store_mode="replay")


def chat_completion(content: str, finish_reason: str = "stop") -> ChatCompletion:
    """A chat completion as a server would send it, for fake backends."""
    return ChatCompletion.model_validate(
        {
            "id": "c1", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": finish_reason,
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14},
        }
    )


class Scripted:
    """A backend that answers from a script, and keeps what it was asked."""

    name = "fake/m"

    def __init__(self, *answers: ChatCompletion | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def create(self, **request: Any) -> ChatCompletion:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer
