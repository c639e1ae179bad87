"""Record and replay model exchanges at the backend boundary.

One store serves two jobs: ``fixtures/exchanges`` holds real exchanges with
the embedded model so the test suite replays them offline and
deterministically, and the user cache directory holds the same kind of
entries so re-running an unchanged document with the same model and prompts
costs no model call. An entry is keyed by a hash of the backend's name and
the whole request (messages, schema, sampling), so any change of prompt,
schema or model misses the cache instead of returning a stale answer.

Only answers known to be valid are stored: the model's answer is held until
the caller, having validated it, calls ``commit``. A broken or refusing
server, prose or broken JSON never reaches the store, so a re-run after the
fault is fixed asks the model again. A store that cannot be written (a file
in its place, a read-only folder) is switched off for the run with one
warning; the answers are still used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from factx.backends.base import Backend
from factx.errors import BackendError, OutputError, one_line
from factx.writing import write_atomic

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

    def get(self, key: str) -> ChatCompletion | None:
        from openai.types.chat import ChatCompletion

        try:
            entry = json.loads((self.root / f"{key}.json").read_text(encoding="utf-8"))
            return ChatCompletion.model_validate(entry["response"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a missing, unreadable or damaged entry is a miss, never a crash

    def put(self, key: str, model: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Write atomically so an interrupted run never leaves half an entry; OutputError if it cannot."""
        entry = {"model": model, "request": request, "response": response}
        write_atomic(self.root / f"{key}.json", json.dumps(entry, ensure_ascii=False, indent=1))


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
    """Wraps a backend with an exchange store; itself a Backend.

    ``warnings`` collects what the user should hear about the store; the
    pipeline takes them into the record being made.
    """

    def __init__(self, backend: Backend, store: ExchangeStore | None, mode: StoreMode = "cache") -> None:
        self.backend = backend
        self.store = store
        self.mode = mode
        self.usage = Usage()
        self.warnings: list[str] = []
        self.storing = store is not None and mode in ("cache", "refresh")
        self._unstored: tuple[str, dict[str, Any], dict[str, Any]] | None = None  # key, request, answer

    @property
    def name(self) -> str:
        return self.backend.name

    def create(self, **request: Any) -> ChatCompletion:
        # A JSON round trip freezes the request: instructor mutates its messages list.
        frozen = json.loads(json.dumps(request, default=str))
        key = ExchangeStore.key(self.name, frozen)
        stored = self.store.get(key) if self.store and self.mode != "refresh" else None
        self.usage.calls += 1
        self._unstored = None
        if stored is not None:
            self.usage.cached += 1
            return stored
        if self.mode == "replay":
            raise BackendError(f"no recorded exchange {key} in {self.store and self.store.root} (re-record fixtures)")
        completion = self.backend.create(**request)
        if completion.usage:
            self.usage.prompt_tokens += completion.usage.prompt_tokens
            self.usage.completion_tokens += completion.usage.completion_tokens
        self._unstored = (key, frozen, completion.model_dump(mode="json", exclude_none=True))
        return completion

    def take_warnings(self) -> list[str]:
        """The warnings not yet reported, handed over once."""
        taken, self.warnings = self.warnings, []
        return taken

    def commit(self) -> None:
        """Store the model's last answer: the caller has found it valid."""
        if self._unstored is None or not self.storing or self.store is None:
            return
        key, request, answer = self._unstored
        self._unstored = None
        try:
            self.store.put(key, self.name, request, answer)
        except OutputError as err:
            self.storing = False
            self.warnings.append(
                f"cannot store answers in {one_line(self.store.root)}: {err.reason}; answers are not cached"
            )
