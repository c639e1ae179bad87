"""OpenAI and every OpenAI-compatible server (vLLM, Ollama, llama.cpp) on one path.

Servers disagree on how structured output is asked for: OpenAI, vLLM and
Ollama take ``response_format={"type": "json_schema", ...}``; llama-cpp-python's
server refuses it and wants ``{"type": "json_object", "schema": ...}``, which
llama.cpp's own ``llama-server`` also honours. Each provider starts with the
form its server is known to take; a generic server is tried with
``json_schema`` first and, when it refuses, once more with ``json_object``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from factx.backends.base import as_json_object, schema_of
from factx.errors import BackendError, ConfigError
from factx.settings import PROVIDERS

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types.chat import ChatCompletion

    from factx.settings import Settings


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
        self._model = settings.model or provider.model
        self._timeout = settings.timeout
        self._api_key = api_key
        self._client: OpenAI | None = None

    @property
    def client(self) -> OpenAI:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(
                base_url=self.base_url, api_key=self._api_key, timeout=self._timeout, max_retries=1
            )
        return self._client

    @property
    def model(self) -> str:
        """The model to ask for; a server that serves one model is asked which."""
        if self._model is None:
            served = self._call(lambda: self.client.models.list().data)
            if not served:
                raise BackendError(f"{self.base_url}: the server lists no model; pass --model")
            self._model = served[0].id
        return self._model

    @property
    def name(self) -> str:
        return f"{self.provider}/{self.model}"

    def _call(self, fn: Any) -> Any:
        """Run one client call, turning transport and auth failures into one line."""
        import openai

        where = self.base_url or "api.openai.com"
        try:
            return fn()
        except openai.APIConnectionError:
            raise BackendError(f"cannot reach the model server at {where}") from None
        except openai.AuthenticationError:
            raise BackendError(f"{where} rejected the API key (check --api-key or FACTX_API_KEY)") from None
        except openai.NotFoundError as err:
            raise BackendError(f"{where}: {_message(err)} (check --model)") from None

    def create(self, **request: Any) -> ChatCompletion:
        import openai

        request = {**request, "model": self.model}
        if schema_of(request) is None:
            return self._call(lambda: self.client.chat.completions.create(**request))
        if self.form == "json_object":
            request = as_json_object(request)
        try:
            return self._call(lambda: self.client.chat.completions.create(**request))
        except openai.APIStatusError as err:
            if self.form != "json_schema" or err.status_code not in (400, 422, 500):
                raise BackendError(f"{self.base_url}: {_message(err)}") from None
        # The server refused json_schema: fall back to llama.cpp's form, and keep it.
        self.form = "json_object"
        try:
            return self._call(lambda: self.client.chat.completions.create(**as_json_object(request)))
        except openai.APIStatusError as err:
            raise BackendError(f"{self.base_url}: {_message(err)}") from None


def _message(err: Exception) -> str:
    """The first line of a server's error, short enough for a terminal."""
    text = str(getattr(err, "message", None) or err)
    return text.splitlines()[0][:300] if text else type(err).__name__
