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

Documents run in threads of their own (``--jobs``) through one recorder, so
what a document's calls cost, the store's warnings and the answer awaiting
``commit`` are kept per thread, in the ``Tally`` that ``tally()`` opens.
Inside it a thread runs only in its turn, which it gives up while it waits
for the model: documents wait for servers side by side but run their Python
one at a time (the GIL would serialise it anyway), so the tables built on
first use (the language model, gazetteers, date parsers) are built once, not
once per thread, and no code but the backend's client need be thread-safe.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, fields
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
    """What calls cost: a document's, in its record's stats."""

    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __iadd__(self, other: Usage) -> Usage:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


@dataclass
class Tally:
    """One document's calls: their usage, what the user should hear about the store, the answer to commit."""

    usage: Usage = field(default_factory=Usage)
    warnings: list[str] = field(default_factory=list)
    unstored: tuple[str, dict[str, Any], dict[str, Any]] | None = None  # key, request, answer


class RecordingBackend:
    """Wraps a backend with an exchange store; itself a Backend.

    ``usage`` and ``warnings`` are those of the current thread's tally (see
    ``tally``), else of the calls made outside any.
    """

    def __init__(self, backend: Backend, store: ExchangeStore | None, mode: StoreMode = "cache") -> None:
        self.backend = backend
        self.store = store
        self.mode = mode
        self.storing = store is not None and mode in ("cache", "refresh")
        self._outside = Tally()  # calls made outside ``tally()``
        self._local = threading.local()
        self._turn = threading.Lock()  # held by the document running, given up while it waits for the model
        self.in_flight: threading.BoundedSemaphore | None = None  # bounds the requests out at once (``--jobs``)

    @property
    def name(self) -> str:
        return self.backend.name

    @contextmanager
    def tally(self) -> Iterator[Tally]:
        """Count this thread's calls apart from every other's until the block ends (one document), run in turn."""
        outer = self._current
        self._local.tally = Tally()
        self._turn.acquire()
        try:
            yield self._local.tally
        finally:
            self._local.tally = outer
            if self._turn.locked():  # not after Ctrl-C struck while the turn was given up (main thread only)
                self._turn.release()

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Let other documents run while this one waits for the model (or for its questions' threads)."""
        if self._current is self._outside:
            yield
            return
        self._turn.release()
        try:
            yield
        finally:
            self._turn.acquire()

    @property
    def _current(self) -> Tally:
        return getattr(self._local, "tally", self._outside)

    @property
    def usage(self) -> Usage:
        return self._current.usage

    @property
    def warnings(self) -> list[str]:
        return self._current.warnings

    def warm(self) -> None:
        """Let the backend start loading what its first call needs (the embedded model's weights), unless
        only stored answers are used. Optional for a backend: a server holds its model already."""
        start = getattr(self.backend, "warm", None)
        if start is not None and self.mode != "replay":
            start()

    def create(self, **request: Any) -> ChatCompletion:
        tally = self._current
        tally.usage.calls += 1
        tally.unstored = None
        if self.store is None:  # nothing to look up or keep: the request need not be frozen and hashed
            return self._ask(request, tally)
        # A JSON round trip freezes the request: instructor mutates its messages list.
        frozen = json.loads(json.dumps(request, default=str))
        key = ExchangeStore.key(self.name, frozen)
        stored = self.store.get(key) if self.mode != "refresh" else None
        if stored is not None:
            tally.usage.cached += 1
            return stored
        if self.mode == "replay":
            raise BackendError(f"no recorded exchange {key} in {self.store.root} (re-record fixtures)")
        completion = self._ask(request, tally)
        if self.storing:
            tally.unstored = (key, frozen, completion.model_dump(mode="json", exclude_none=True))
        return completion

    def _ask(self, request: dict[str, Any], tally: Tally) -> ChatCompletion:
        """The model's answer, its tokens counted; other documents run while this one waits for it.

        A slot of ``in_flight`` is held for the request only: not while the answer waits for the
        turn to be read, which at ``--jobs 32`` kept a tenth of the slots from the server.
        """
        with self.waiting(), self.in_flight or nullcontext():
            completion = self.backend.create(**request)
        if completion.usage:
            tally.usage.prompt_tokens += completion.usage.prompt_tokens
            tally.usage.completion_tokens += completion.usage.completion_tokens
        return completion

    def absorb(self, tally: Tally | None) -> None:
        """Count, in this thread's tally, the calls and warnings of ``tally`` (a question asked on another thread)."""
        if tally is None:
            return
        mine = self._current
        mine.usage += tally.usage
        mine.warnings += tally.warnings

    def take_warnings(self) -> list[str]:
        """This thread's warnings not yet reported, handed over once."""
        taken, self._current.warnings = self._current.warnings, []
        return taken

    def commit(self) -> None:
        """Store this thread's last answer from the model: the caller has found it valid."""
        tally = self._current
        if tally.unstored is None or not self.storing or self.store is None:
            return
        key, request, answer = tally.unstored
        tally.unstored = None
        try:
            self.store.put(key, self.name, request, answer)
        except OutputError as err:
            self.storing = False  # each document that met the failure says so; later ones do not try
            tally.warnings.append(
                f"cannot store answers in {one_line(self.store.root)}: {err.reason}; answers are not cached"
            )
