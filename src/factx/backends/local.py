"""The embedded default: llama.cpp in process, no server and no API key.

The decoding grammar comes from the request's JSON Schema, so the output
always parses. llama-cpp-python builds that grammar only from its own
``json_object`` + ``schema`` form (OpenAI's ``json_schema`` form is silently
ignored in process), hence the rewrite in ``create``.
"""

from __future__ import annotations

import atexit
import signal
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from factx.backends.base import BackendError, as_json_object
from factx.backends.prefix_state import StateStore, default_threads, file_identity, from_prefix, prime
from factx.settings import default_state_dir
from factx.weights import MODEL_FILE, MODEL_SHA256, model_path

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

    from factx.settings import Settings

#: The context window we ask for: articles of ~8k characters (~3k tokens) plus
#: instructions and answers fit; longer texts are split by the pipeline.
CONTEXT_TOKENS = 8192
#: Request keys llama-cpp-python's chat API understands; others are dropped.
_ACCEPTED = {
    "messages", "response_format", "temperature", "top_p", "max_tokens", "seed",
    "stop", "tools", "tool_choice", "repeat_penalty", "top_k", "min_p",
}


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the model is loaded, then act on them.

    While llama.cpp loads weights, the only Python code it runs is its log callback;
    an interrupt raised there is printed as a traceback and lost, and the run goes on.
    Loading takes seconds, so the signal waits for it instead.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    watched = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, lambda signum, _frame: held.append(signum)) for signum in watched}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if held:
        signal.raise_signal(held[0])  # now handled as it would have been


def _close_if_alive(model: weakref.ref[Any]) -> None:
    """Free a model still held at exit (by a cached extractor) while llama-cpp-python still stands: freed
    by its ``__del__`` during the interpreter's teardown, it prints "Exception ignored"."""
    llama = model()
    if llama is not None:
        llama.close()


class LocalBackend:
    """A GGUF model loaded with llama-cpp-python, kept in memory across calls.

    One model, one document at a time, threads = physical cores: llama.cpp already
    spreads one evaluation over every core, so a second model or request in parallel
    would only split the same cores (and memory bandwidth) and double the memory.
    """

    def __init__(self, settings: Settings, state_dir: Path | None = None) -> None:
        # The record's model name (and with it the cache key) names the file actually loaded.
        self._model_path = settings.model_path
        stem = Path(self._model_path or MODEL_FILE).stem
        self.name = f"local/{settings.model or stem}"
        self._states = StateStore(state_dir or default_state_dir())
        self._llama: Any = None
        self._model_id = ""
        self._primed = False
        self._fixed = 0  # tokens of the instructions' saved state
        self._lock = threading.Lock()  # held while the model loads or answers
        self._warming: threading.Thread | None = None
        self._warm_once = threading.Lock()

    def warm(self) -> None:
        """Start loading the weights on a thread of their own, and return at once.

        Loading takes ~1.7 s of llama.cpp's C code (the interpreter is free meanwhile); a
        one-file run spends as long before its first call (reading and spotting the text,
        importing the request layer). The first call waits for the load, holding the lock.
        """
        with self._warm_once:
            if self._warming is None and self._llama is None:
                # not a daemon: the process waits for the load to end rather than exit while llama.cpp's C code runs
                self._warming = threading.Thread(target=self._load_ahead, name="factx-load")
                self._warming.start()

    def _load_ahead(self) -> None:
        if hasattr(signal, "pthread_sigmask"):  # Ctrl-C goes to the main thread, which may be waiting for this one
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        with self._lock:
            try:
                self._load()
            except Exception:  # met again, and reported, by the call that needs the model
                return

    def _load(self) -> Any:
        """Load the weights on first use; reusing one Llama keeps its KV cache warm."""
        if self._llama is None:
            path = model_path(self._model_path)  # a missing file is named even without llama.cpp
            try:
                from factx.backends.greedy import Greedy  # llama_cpp.Llama, sampling as llama.cpp's own tools do
            except ImportError:
                raise BackendError(
                    "llama-cpp-python is not installed: run ./install.sh, or use --provider with a server"
                ) from None
            threads = default_threads()
            with _signals_held():
                self._llama = Greedy(
                    model_path=str(path), n_ctx=CONTEXT_TOKENS, n_threads=threads, n_threads_batch=threads,
                    verbose=False,
                )
            self._model_id = file_identity(path) if self._model_path else MODEL_SHA256
            atexit.register(_close_if_alive, weakref.ref(self._llama))
        return self._llama

    def create(self, **request: Any) -> ChatCompletion:
        from openai.types.chat import ChatCompletion

        kwargs = {k: v for k, v in as_json_object(request).items() if k in _ACCEPTED}
        with self._lock:  # one model, one call at a time, even when documents run side by side
            try:
                answer = self._answer(kwargs)
            except ValueError as err:  # e.g. the prompt exceeds the context window
                raise BackendError(f"local model: {err}") from None
        answer.setdefault("object", "chat.completion")
        return ChatCompletion.model_validate(answer)

    def _answer(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        llama = self._load()
        if not self._primed:  # the first call of a process: the instructions' state from disk
            self._primed = True
            self._fixed = prime(llama, kwargs["messages"], self._states, self._model_id)
        else:
            from_prefix(llama, kwargs["messages"], self._fixed)
        answer: dict[str, Any] = llama.create_chat_completion(**kwargs)
        return answer
