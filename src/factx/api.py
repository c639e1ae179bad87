"""The library API: what ``import factx`` offers a Python user.

``extract`` and ``extract_many`` build (and keep) one ``Extractor`` per
configuration, so a loaded model is reused across calls in one process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

import platformdirs

from factx.backends import BackendError, Settings
from factx.models import Record
from factx.pipeline import Extractor
from factx.reading import InputError


def default_cache_dir() -> Path:
    """Where stored model answers live (``FACTX_CACHE_DIR`` overrides it in the CLI)."""
    return Path(platformdirs.user_cache_dir("factx")) / "exchanges"


@lru_cache(maxsize=4)
def _extractor(settings: Settings, types: tuple[str, ...] | None, strict: bool, cache: bool) -> Extractor:
    return Extractor.from_settings(
        settings, cache_dir=default_cache_dir() if cache else None, types=types, strict=strict
    )


def extract(
    text: str,
    *,
    types: Sequence[str] | None = None,
    provider: str = "local",
    model: str | None = None,
    base_url: str | None = None,
    published: date | None = None,
    strict: bool = False,
    cache: bool = True,
    source: str = "<text>",
) -> Record:
    """Extract the facts of one text; see the output contract for the record's shape."""
    settings = Settings(provider=provider, model=model, base_url=base_url)
    extractor = _extractor(settings, tuple(types) if types else None, strict, cache)
    return extractor.extract(text, source=source, published=published)


def extract_many(
    paths: Iterable[str | Path],
    *,
    types: Sequence[str] | None = None,
    provider: str = "local",
    model: str | None = None,
    base_url: str | None = None,
    published: date | None = None,
    strict: bool = False,
    cache: bool = True,
) -> Iterator[tuple[str, Record | InputError | BackendError]]:
    """Extract from many files; yields (path, record or the error that input met)."""
    settings = Settings(provider=provider, model=model, base_url=base_url)
    extractor = _extractor(settings, tuple(types) if types else None, strict, cache)
    return extractor.extract_paths([str(p) for p in paths], published=published)
