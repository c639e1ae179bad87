"""The one small interface every model backend implements.

A backend takes an OpenAI chat-completions request (as keyword arguments) and
returns an OpenAI ``ChatCompletion``. Keeping the boundary in OpenAI's shape
lets instructor drive every backend the same way, and lets the record/replay
layer (``factx.recording``) store exchanges for any of them alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from factx.errors import BackendError

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

__all__ = ["Backend", "BackendError", "as_json_object", "schema_of"]


class Backend(Protocol):
    """A model that answers OpenAI-shaped chat requests."""

    #: "provider/model" as written in each record's ``model`` field.
    name: str

    def create(self, **request: Any) -> ChatCompletion:
        """Answer one chat-completions request.

        ``response_format`` arrives in OpenAI's ``json_schema`` form; each
        backend turns it into whatever form really constrains its server.
        """
        ...


def schema_of(request: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON Schema carried by an OpenAI ``json_schema`` response_format, if any."""
    fmt = request.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt.get("json_schema", {}).get("schema")
    return None


def as_json_object(request: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``json_schema`` into llama.cpp's ``json_object`` + ``schema`` form.

    llama-cpp-python (in process and as a server) builds its decoding grammar
    from this form only; it ignores or refuses OpenAI's ``json_schema``.
    """
    schema = schema_of(request)
    if schema is None:
        return request
    return {**request, "response_format": {"type": "json_object", "schema": schema}}
