"""OpenAI and every OpenAI-compatible server (vLLM, Ollama, llama.cpp) on one path.

Servers disagree on how structured output is asked for: OpenAI, vLLM and
Ollama take ``response_format={"type": "json_schema", ...}``; llama-cpp-python's
server refuses it and wants ``{"type": "json_object", "schema": ...}``, which
llama.cpp's own ``llama-server`` also honours. Each provider starts with the
form its server is known to take; a generic server is tried with
``json_schema`` first and, when it refuses, once more with ``json_object``.

Whatever goes wrong on the way (no answer within the timeout, a refused key,
HTTP errors left after the client's retries, a body that is not a chat
completion) becomes one ``BackendError`` line naming the server and the reason.

One backend serves every document in flight (``--jobs``), so it is thread-safe:
the client and the model's name are made once, under a lock, and ``--rate``
is one limiter on the client's every HTTP request, retries included.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from factx.backends.base import as_json_object, schema_of
from factx.errors import BackendError, ConfigError, one_line
from factx.settings import PROVIDERS

if TYPE_CHECKING:
    from openai import APIConnectionError, APIStatusError, OpenAI
    from openai.types.chat import ChatCompletion

    from factx.settings import Settings

T = TypeVar("T")

#: Characters of answer text no request of factx warrants (its answers stay under ~10 kB).
MAX_ANSWER_CHARS = 1_000_000


class OpenAICompatBackend:
    """A chat-completions endpoint reached through the ``openai`` client."""

    def __init__(self, settings: Settings) -> None:
        provider = PROVIDERS[settings.provider]
        self.base_url = settings.server_url
        api_key = settings.api_key
        if not api_key:
            if settings.provider == "openai" and not settings.base_url:
                raise ConfigError("OPENAI_API_KEY is not set (export it, or use --provider local)")
            api_key = "not-needed"  # local servers accept any key
        self.provider = settings.provider
        self.form = provider.form
        self.where = one_line(self.base_url or "api.openai.com")
        self._model = settings.model or provider.model
        self._timeout = settings.timeout
        self._retries = settings.retries  # the openai client's own: after its backoff, or the Retry-After asked
        self._rate = settings.rate
        self._api_key = api_key
        self._client: OpenAI | None = None
        self._lock = threading.Lock()  # documents in flight all start by asking for the client and model

    @property
    def client(self) -> OpenAI:
        with self._lock:
            if self._client is None:
                from openai import DefaultHttpxClient, OpenAI

                limited = DefaultHttpxClient(event_hooks={"request": [_limiter(self._rate)]}) if self._rate else None
                self._client = OpenAI(
                    base_url=self.base_url, api_key=self._api_key, timeout=self._timeout,
                    max_retries=self._retries, http_client=limited,
                )
            return self._client

    @property
    def model(self) -> str:
        """The model to ask for; a server that serves one model is asked which."""
        if self._model is None:
            served = self._call(lambda: self.client.models.list().data)
            if not served:
                raise BackendError(f"{self.where}: the server lists no model; pass --model")
            self._model = served[0].id  # two threads asking at once get the same answer
        return self._model

    @property
    def name(self) -> str:
        return f"{self.provider}/{self.model}"

    def create(self, **request: Any) -> ChatCompletion:
        request = {**request, "model": self.model}
        return self._call(lambda: self._complete(request))

    def _complete(self, request: dict[str, Any]) -> ChatCompletion:
        """One chat completion, asked for in the structured-output form the server takes."""
        import openai

        create = self._post
        if self.form == "json_object" or schema_of(request) is None:
            return self._checked(create(**as_json_object(request)))
        try:
            return self._checked(create(**request))
        except openai.APIStatusError as err:
            if err.status_code not in (400, 422, 500):
                raise
        answer = self._checked(create(**as_json_object(request)))
        self.form = "json_object"  # the server refused json_schema but takes llama.cpp's form: keep it
        return answer

    def _post(self, **request: Any) -> object:
        """``chat.completions.create`` less its walk over the typed parameters: the request is already
        the JSON the server reads (instructor's), and that walk over its messages and schema held the
        GIL for about a millisecond a call. The client's retries, limits and errors are the same."""
        from openai.types.chat import ChatCompletion

        return self.client.post("/chat/completions", body=request, cast_to=ChatCompletion)

    def _checked(self, answer: object) -> ChatCompletion:
        """``answer`` if it is a chat completion holding text, else an error saying what came instead."""
        from openai.types.chat import ChatCompletion

        if isinstance(answer, str):  # the client hands a body that is not JSON back as text
            what = "HTML" if "<html" in answer[:1000].lower() else "text"
            raise BackendError(f"{self.where}: sent {what}, not a chat completion")
        choices = getattr(answer, "choices", None)
        message = getattr(choices[0], "message", None) if isinstance(choices, list) and choices else None
        if not isinstance(answer, ChatCompletion) or message is None:
            raise BackendError(f"{self.where}: sent JSON that is not a chat completion")
        content = getattr(message, "content", None)
        if not isinstance(content, str):
            raise BackendError(f"{self.where}: sent a chat completion without an answer (null content)")
        if len(content) > MAX_ANSWER_CHARS:
            raise BackendError(f"{self.where}: sent an answer of {len(content) / 1e6:.1f} MB, not a plausible answer")
        return answer

    def _call(self, fn: Callable[[], T]) -> T:
        """Run one client call, turning whatever the client raises into one line."""
        import openai

        try:
            return fn()
        except openai.APITimeoutError:
            raise BackendError(
                f"no answer from {self.where} within {self._timeout:g} s (tried {_times(self._retries + 1)})"
            ) from None
        except openai.APIConnectionError as err:
            raise BackendError(_connection_failure(self.where, err, self._retries + 1)) from None
        except openai.APIStatusError as err:
            reason = _status_reason(err, self._retries + 1)
            raise BackendError(f"{self.where}: HTTP {err.status_code}{reason}") from None
        except json.JSONDecodeError as err:  # a body announced as JSON that is not
            what = "an empty body" if not err.doc.strip() else "a body that is not JSON"
            raise BackendError(f"{self.where}: sent {what}, not a chat completion") from None
        except openai.OpenAIError as err:
            raise BackendError(f"{self.where}: {_first_line(err)}") from None
        except Exception as err:
            if type(err).__module__.split(".")[0] not in ("httpx", "httpx2"):
                raise  # not the server's fault but a bug: keep its traceback
            raise BackendError(f"{self.where}: {_first_line(err)}") from None  # e.g. a URL the client refuses


def _limiter(rate: float) -> Callable[[Any], None]:
    """An HTTP request hook that waits its turn: requests spaced evenly at ``rate`` per second, over all threads.

    pyrate-limiter's token bucket with a burst of 1 spaces them evenly (no burst at start),
    and waits exactly (no safety margin added to each wait).
    """
    from pyrate_limiter import limiter_factory

    limiter = limiter_factory.create_token_bucket_limiter(1, max(1, round(1000 / rate)), burst=1, buffer_ms=0)

    def wait(request: Any) -> None:
        limiter.try_acquire("factx")  # blocks until this request's turn

    return wait


def _connection_failure(where: str, err: APIConnectionError, tries: int) -> str:
    """Why no answer came: the server is not there, or it dropped the connection."""
    cause = err.__cause__
    if cause is None or type(cause).__name__ == "ConnectError":  # httpx's (or httpx2's) refused connection
        return f"cannot reach the model server at {where}"
    return f"{where}: the connection failed ({_first_line(cause).rstrip('.')}); tried {_times(tries)}"


def _status_reason(err: APIStatusError, tries: int) -> str:
    """What follows "HTTP <code>" in the error line: the likely cause, or what the server said."""
    code = err.status_code
    if code in (401, 403):
        return ", the server rejected the API key (check --api-key or FACTX_API_KEY)"
    said = err.body.get("message") if isinstance(err.body, dict) else err.body
    said = _first_line(said or err.response.reason_phrase)
    if code == 404:
        return f", {said} (check --model)"
    if code in (408, 409, 429) or code >= 500:  # the statuses the client retries
        return f" after {tries} {'try' if tries == 1 else 'tries'}, {said}"
    return f", {said}"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _first_line(value: object) -> str:
    """The first line of an error or message, short enough for a terminal."""
    text = str(value).strip()
    return one_line(text.splitlines()[0][:200]) if text else type(value).__name__
