"""Record and replay model exchanges at the backend boundary.

One store serves two jobs: ``fixtures/exchanges`` holds real exchanges with
the embedded model so the test suite replays them offline and
deterministically, and the user cache directory holds the same kind of
entries so re-running an unchanged document with the same model and prompts
costs no model call. An entry is keyed by a hash of the backend's name and
the whole request (messages, schema, sampling), so any change of prompt,
schema or model misses the cache instead of returning a stale answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from factx.backends.base import Backend
from factx.errors import BackendError

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

#: "cache": answer from the store, else ask the model and store the answer.
#: "replay": answer from the store only (offline tests); a miss is an error.
#: "refresh": always ask the model, overwriting the stored answer (re-recording).
#: "off": no store at all.
StoreMode = Literal["cache", "replay", "refresh", "off"]


class ExchangeStore:
    """A folder of JSON files, one per exchange, named by the request's hash."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @staticmethod
    def key(model: str, request: dict[str, Any]) -> str:
        canonical = json.dumps({"model": model, "request": request}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.root / f"{key}.json").read_text(encoding="utf-8"))["response"]
        except (FileNotFoundError, KeyError, json.JSONDecodeError):
            return None  # a missing or damaged entry is a miss, never a crash

    def put(self, key: str, model: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Write atomically so an interrupted run never leaves half an entry."""
        self.root.mkdir(parents=True, exist_ok=True)
        entry = {"model": model, "request": request, "response": response}
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entry, out, ensure_ascii=False, indent=1)
        os.replace(tmp, self.root / f"{key}.json")


@dataclass
class Usage:
    """Counters a pipeline reads before and after a document to report its cost."""

    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def since(self, earlier: Usage) -> Usage:
        return Usage(*(a - b for a, b in zip(self._values(), earlier._values(), strict=True)))

    def _values(self) -> tuple[int, int, int, int]:
        return (self.calls, self.cached, self.prompt_tokens, self.completion_tokens)


class RecordingBackend:
    """Wraps a backend with an exchange store; itself a Backend."""

    def __init__(self, backend: Backend, store: ExchangeStore | None, mode: StoreMode = "cache") -> None:
        self.backend = backend
        self.store = store
        self.mode = mode
        self.usage = Usage()

    @property
    def name(self) -> str:
        return self.backend.name

    def create(self, **request: Any) -> ChatCompletion:
        from openai.types.chat import ChatCompletion

        # A JSON round trip freezes the request: instructor mutates its messages list.
        frozen = json.loads(json.dumps(request, default=str))
        key = ExchangeStore.key(self.name, frozen)
        stored = self.store.get(key) if self.store and self.mode != "refresh" else None
        self.usage.calls += 1
        if stored is not None:
            self.usage.cached += 1
            return ChatCompletion.model_validate(stored)
        if self.mode == "replay":
            raise BackendError(f"no recorded exchange {key} in {self.store and self.store.root} (re-record fixtures)")
        completion = self.backend.create(**request)
        if completion.usage:
            self.usage.prompt_tokens += completion.usage.prompt_tokens
            self.usage.completion_tokens += completion.usage.completion_tokens
        if self.store is not None:
            self.store.put(key, self.name, frozen, completion.model_dump(mode="json", exclude_none=True))
        return completion
