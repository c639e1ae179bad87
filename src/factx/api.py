"""The library API: what ``import factx`` offers a Python user.

``extract`` and ``extract_many`` build (and keep) one ``Extractor`` per
configuration, so a loaded model is reused across calls in one process.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TypedDict, Unpack

import platformdirs

from factx.backends import BackendError, Settings
from factx.models import Record
from factx.pipeline import Extractor
from factx.reading import InputError


def default_cache_dir() -> Path:
    """Where stored model answers live: ``FACTX_CACHE_DIR``, else the user cache directory."""
    chosen = os.environ.get("FACTX_CACHE_DIR")
    return Path(chosen) if chosen else Path(platformdirs.user_cache_dir("factx")) / "exchanges"


class Options(TypedDict, total=False):
    """What ``extract`` and ``extract_many`` accept besides their inputs."""

    types: Sequence[str] | None  # fact types to extract; default all four
    provider: str  # "local" (default), "openai", "vllm", "ollama", "llamacpp", "compatible"
    model: str | None
    base_url: str | None
    strict: bool  # drop facts whose evidence is not found in the text
    cache: bool  # reuse stored answers (default True)


@lru_cache(maxsize=4)
def _cached_extractor(settings: Settings, types: tuple[str, ...] | None, strict: bool, cache: bool) -> Extractor:
    return Extractor.from_settings(
        settings, cache_dir=default_cache_dir() if cache else None, types=types, strict=strict
    )


def _extractor(options: Options) -> Extractor:
    """One extractor (and so one loaded model) per distinct configuration."""
    settings = Settings(
        provider=options.get("provider", "local"), model=options.get("model"), base_url=options.get("base_url")
    )
    types = options.get("types")
    return _cached_extractor(
        settings, tuple(types) if types else None, options.get("strict", False), options.get("cache", True)
    )


def extract(text: str, *, published: date | None = None, source: str = "<text>", **options: Unpack[Options]) -> Record:
    """Extract the facts of one text; see the output contract for the record's shape."""
    return _extractor(options).extract(text, source=source, published=published)


def extract_many(
    paths: Iterable[str | Path], *, published: date | None = None, **options: Unpack[Options]
) -> Iterator[tuple[str, Record | InputError | BackendError]]:
    """Extract from many files; yields (path, record or the error that input met)."""
    return _extractor(options).extract_paths([str(p) for p in paths], published=published)
