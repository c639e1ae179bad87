"""Every setting and environment variable, read in one place.

The CLI and the library both build a ``Settings`` with ``Settings.from_env``:
what the caller gives explicitly wins, then the ``FACTX_*`` variables, then the
defaults. A provider's own settings win over foreign ones: ``OPENAI_BASE_URL``
and ``OPENAI_API_KEY`` are read only for ``--provider openai``, so a key meant
for OpenAI is never sent to another server, and an Ollama user's URL is not
replaced by OpenAI's. Nothing else in factx reads ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from factx.errors import ConfigError


class Provider(NamedTuple):
    """How factx talks to one kind of model server."""

    backend: str  # "module:factory", imported only when used
    url: str | None = None  # default server; None: the client's own (api.openai.com)
    model: str | None = None  # default model; None: ask the server which it serves
    form: str = "json_schema"  # structured-output form tried first (see backends.openai_compat)
    jobs: int = 8  # documents in flight together unless --jobs says otherwise
    parallel: bool = True  # False: one model in this process, which answers one request at a time


_REMOTE = "factx.backends.openai_compat:OpenAICompatBackend"
PROVIDERS: dict[str, Provider] = {
    "local": Provider("factx.backends.local:LocalBackend", form="json_object", jobs=1, parallel=False),
    "openai": Provider(_REMOTE, model="gpt-4o-mini"),
    "vllm": Provider(_REMOTE, "http://127.0.0.1:8000/v1"),
    "ollama": Provider(_REMOTE, "http://127.0.0.1:11434/v1"),
    "llamacpp": Provider(_REMOTE, "http://127.0.0.1:8080/v1", form="json_object"),
    "compatible": Provider(_REMOTE, "http://127.0.0.1:8000/v1"),
}

#: Seconds one request may take before it is abandoned. A CPU-only server
#: writing a long answer needs about two minutes; a hung one is given up on.
DEFAULT_TIMEOUT = 180.0

#: Retries of a request that timed out, lost its connection or got HTTP 408/409/429/5xx, made by the
#: openai client after its backoff or the server's Retry-After. Three ride out the 429s of a busy
#: server (5% of requests failing lose one in 160,000); a hung server costs four timeouts.
DEFAULT_RETRIES = 3

#: Whether a first call decides which fact types a text states before they are extracted
#: (see ``pipeline.Extractor``). Off: on the development set it found a third of the facts,
#: one call per type finds half (README, "Measured").
TRIAGE = False

#: setting -> its FACTX_* variable
ENV_VARS: dict[str, str] = {
    "provider": "FACTX_PROVIDER",
    "model": "FACTX_MODEL",
    "base_url": "FACTX_BASE_URL",
    "api_key": "FACTX_API_KEY",
    "model_path": "FACTX_MODEL_PATH",
    "cache_dir": "FACTX_CACHE_DIR",
    "timeout": "FACTX_TIMEOUT",
    "jobs": "FACTX_JOBS",
    "retries": "FACTX_RETRIES",
    "rate": "FACTX_RATE",
}


def default_cache_dir() -> Path:
    """The user cache directory for stored answers (platformdirs)."""
    return _user_cache() / "exchanges"


def default_state_dir() -> Path:
    """Where the embedded model's saved prompt states go: the user cache, never ``FACTX_CACHE_DIR``.

    A state belongs to the weights, not to an answer store: re-recording fixtures with
    ``--cache-dir fixtures/exchanges`` must not put 50 MB state files among them.
    """
    return _user_cache() / "states"


def default_table_dir() -> Path:
    """Where tables built from installed data (the GeoNames city index) are kept: the user cache.

    Never ``FACTX_CACHE_DIR``, for the reason the states stay out of it; the tables follow
    the installed packages, not the answers.
    """
    return _user_cache() / "tables"


def _user_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("factx"))


@dataclass(frozen=True)
class Settings:
    """What the user chose: on the command line, in the environment, or in Python."""

    provider: str = "local"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    model_path: str | None = None
    cache_dir: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    jobs: int | None = None  # None: the provider's default
    retries: int = DEFAULT_RETRIES
    rate: float | None = None  # most requests per second, over all documents in flight; None: no cap

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ConfigError(f"unknown provider {self.provider!r}; choose one of: {', '.join(PROVIDERS)}")
        if not self.timeout > 0:
            raise ConfigError(f"timeout must be a positive number of seconds, not {self.timeout}")
        if self.jobs is not None and self.jobs < 1:
            raise ConfigError(f"jobs must be a whole number of at least 1, not {self.jobs}")
        if self.retries < 0:
            raise ConfigError(f"retries must be a whole number of at least 0, not {self.retries}")
        if self.rate is not None and not self.rate > 0:
            raise ConfigError(f"rate must be a positive number of requests per second, not {self.rate}")
        if self.base_url is not None:
            _check_url(self.base_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **given: Any) -> Settings:
        """Settings from ``given`` (None means "not given"), else ``FACTX_*``, else defaults."""
        env = os.environ if env is None else env
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting {', '.join(sorted(unknown))}")
        chosen: dict[str, Any] = {}
        for name, var in ENV_VARS.items():
            value = given.get(name)
            if value is None and env.get(var):
                value = env[var]
            if value is not None:
                chosen[name] = value
        if chosen.get("provider", "local") == "openai":  # OpenAI's own variables, for OpenAI only
            chosen.setdefault("base_url", env.get("OPENAI_BASE_URL") or None)
            chosen.setdefault("api_key", env.get("OPENAI_API_KEY") or None)
        for name, convert, what in _NUMBERS:
            if name in chosen:
                chosen[name] = _number(chosen[name], convert, f"{name} must be {what}")
        if "cache_dir" in chosen:
            chosen["cache_dir"] = Path(chosen["cache_dir"])
        return cls(**{k: v for k, v in chosen.items() if v is not None})

    @property
    def server_url(self) -> str | None:
        """The URL requests go to: the one chosen, else the provider's default."""
        return self.base_url or PROVIDERS[self.provider].url

    @property
    def workers(self) -> int:
        """Documents in flight together: the number chosen, else the provider's; always 1 in process."""
        provider = PROVIDERS[self.provider]
        return (self.jobs or provider.jobs) if provider.parallel else 1

    @property
    def store_dir(self) -> Path:
        """Where answers are stored: the chosen cache dir, else the user cache directory."""
        return self.cache_dir or default_cache_dir()


#: settings given as text in the environment: name, conversion, what the error says it must be
_NUMBERS: tuple[tuple[str, Callable[[Any], Any], str], ...] = (
    ("timeout", float, "a number of seconds"),
    ("jobs", int, "a whole number"),
    ("retries", int, "a whole number"),
    ("rate", float, "a number of requests per second"),
)


def _number(value: Any, convert: Callable[[Any], Any], message: str) -> Any:
    try:
        return convert(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{message}, not {value!r}") from None


def _check_url(url: str) -> None:
    """Refuse a server URL that could never be reached, before any request."""
    if not url.isprintable():
        raise ConfigError(f"invalid server URL {url!r}: it holds control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as err:
        raise ConfigError(f"invalid server URL {url!r}: {err}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"invalid server URL {url!r}: expected http(s)://host[:port]/path")
