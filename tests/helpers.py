"""Helpers shared by the tests: paths of the examples and fixtures, fake backends, the CLI as a subprocess.

Imported as ``helpers`` (pytest puts this folder on ``sys.path``), so both ``pytest`` and
``python -m pytest`` collect the suite; fixtures live in ``conftest.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion
from typer.testing import Result

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXCHANGES = ROOT / "fixtures" / "exchanges"
FACTX = [sys.executable, "-m", "factx"]
#: Options that make `factx extract` answer only from the recorded exchanges.
REPLAY = ["--replay", "--cache-dir", str(EXCHANGES)]


def seed(prefix: str) -> Path:
    """The example article whose name starts with ``prefix`` (e.g. "002")."""
    (path,) = EXAMPLES.glob(f"{prefix}_*.txt")
    return path


def extract_in_process(*args: str) -> Result:
    """``factx extract ARGS`` in this process (Typer's runner), answering from the recorded exchanges."""
    from typer.testing import CliRunner

    from factx.cli import app

    return CliRunner().invoke(app, ["extract", *args, *REPLAY])


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The installed command as a user runs it, replaying the recorded exchanges."""
    env = {**os.environ, "FACTX_CACHE_DIR": str(EXCHANGES), **(env or {})}
    return subprocess.run([*FACTX, *args], input=stdin, capture_output=True, env=env, cwd=ROOT, timeout=300)


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
