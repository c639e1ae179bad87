"""Backends behind one registry (``settings.PROVIDERS``): provider name -> how to build it.

Each provider lives in its own module and is imported only when used, so the
CLI starts fast and a user without llama.cpp can still use a remote server.
"""

from __future__ import annotations

from importlib import import_module

from factx.backends.base import Backend
from factx.errors import BackendError
from factx.settings import PROVIDERS, Settings


def create_backend(settings: Settings) -> Backend:
    """Build the backend a user asked for (``Settings`` has already checked the provider)."""
    module, factory = PROVIDERS[settings.provider].backend.split(":")
    return getattr(import_module(module), factory)(settings)


__all__ = ["Backend", "BackendError", "PROVIDERS", "Settings", "create_backend"]
