"""Backends behind one registry: provider name -> how to build it.

Each provider lives in its own module and is imported only when used, so the
CLI starts fast and a user without llama.cpp can still use a remote server.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from factx.backends.base import Backend, BackendError


@dataclass(frozen=True)
class Settings:
    """What a user chose on the command line or in FACTX_* variables."""

    provider: str = "local"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    model_path: str | None = None
    timeout: float = 600.0


#: provider -> "module:factory". Remote providers share one module and differ
#: in the structured-output form their server honours (see openai_compat).
PROVIDERS: dict[str, str] = {
    "local": "factx.backends.local:LocalBackend",
    "openai": "factx.backends.openai_compat:OpenAICompatBackend",
    "vllm": "factx.backends.openai_compat:OpenAICompatBackend",
    "ollama": "factx.backends.openai_compat:OpenAICompatBackend",
    "llamacpp": "factx.backends.openai_compat:OpenAICompatBackend",
    "compatible": "factx.backends.openai_compat:OpenAICompatBackend",
}


def create_backend(settings: Settings) -> Backend:
    """Build the backend a user asked for, or raise BackendError naming the choices."""
    target = PROVIDERS.get(settings.provider)
    if target is None:
        raise BackendError(
            f"unknown provider {settings.provider!r}; choose one of: {', '.join(PROVIDERS)}"
        )
    module, factory = target.split(":")
    return getattr(import_module(module), factory)(settings)


__all__ = ["Backend", "BackendError", "PROVIDERS", "Settings", "create_backend"]
