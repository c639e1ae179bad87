"""The library API: what ``import factx`` offers a Python user.

Settings come from ``Settings.from_env`` on every call, exactly as the CLI
reads them, so ``FACTX_PROVIDER`` and friends mean the same in both; options
are explicit keywords, so a misspelt one is a ``TypeError``, not ignored.
``extract`` and ``extract_many`` keep one ``Extractor`` per configuration, so
a loaded model is reused across calls in one process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

from factx.errors import FactxError
from factx.models import Record
from factx.pipeline import Extractor, parse_types
from factx.recording import StoreMode
from factx.settings import Settings


@lru_cache(maxsize=4)
def _cached_extractor(settings: Settings, types: tuple[str, ...], strict: bool, store_mode: StoreMode) -> Extractor:
    return Extractor.from_settings(settings, store_mode=store_mode, types=types, strict=strict)


def _extractor(
    settings: Settings | None,
    provider: str | None,
    model: str | None,
    types: str | Sequence[str] | None,
    strict: bool,
    cache: bool,
) -> Extractor:
    """One extractor (and so one loaded model) per distinct configuration."""
    chosen = settings or Settings.from_env(provider=provider, model=model)
    return _cached_extractor(chosen, parse_types(types), strict, "cache" if cache else "off")


def extract(
    text: str,
    *,
    types: str | Sequence[str] | None = None,
    published: date | None = None,
    source: str = "<text>",
    strict: bool = False,
    cache: bool = True,
    provider: str | None = None,
    model: str | None = None,
    settings: Settings | None = None,
) -> Record:
    """Extract the facts of one text; see the output contract for the record's shape.

    ``types``: fact types to extract (default all four); ``strict`` drops facts
    whose evidence is not in the text; ``cache`` reuses stored answers;
    ``provider``/``model`` override the environment, ``settings`` replaces it.
    """
    return _extractor(settings, provider, model, types, strict, cache).extract(
        text, source=source, published=published
    )


def extract_many(
    paths: Iterable[str | Path],
    *,
    types: str | Sequence[str] | None = None,
    published: date | None = None,
    strict: bool = False,
    cache: bool = True,
    provider: str | None = None,
    model: str | None = None,
    settings: Settings | None = None,
) -> Iterator[tuple[str, Record | FactxError]]:
    """Extract from many files; yields (path, record or the error that input met)."""
    extractor = _extractor(settings, provider, model, types, strict, cache)
    return extractor.extract_paths([str(p) for p in paths], published=published)
