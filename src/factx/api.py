"""The library API: what ``import factx`` offers a Python user.

Settings come from ``Settings.from_env`` on every call, exactly as the CLI
reads them, so ``FACTX_PROVIDER`` and friends mean the same in both; options
are explicit keywords, so a misspelt one is a ``TypeError``, not ignored.
``extract`` and ``extract_many`` keep one ``Extractor`` per configuration, so
a loaded model is reused across calls in one process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import cast

from factx.errors import FactxError
from factx.models import Record
from factx.pipeline import Extractor, parse_types
from factx.recording import StoreMode
from factx.settings import Settings


@lru_cache(maxsize=4)
def _cached_extractor(settings: Settings, types: tuple[str, ...], strict: bool, store_mode: StoreMode) -> Extractor:
    return Extractor.from_settings(settings, store_mode=store_mode, types=types, strict=strict)


def _settings(settings: Settings | None, provider: str | None, model: str | None, base_url: str | None) -> Settings:
    """The settings given, else the environment's with the keywords given winning."""
    return settings or Settings.from_env(provider=provider, model=model, base_url=base_url)


def _extractor(settings: Settings, types: str | Sequence[str] | None, strict: bool, cache: bool) -> Extractor:
    """One extractor (and so one loaded model) per distinct configuration."""
    return _cached_extractor(settings, parse_types(types), strict, "cache" if cache else "off")


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
    base_url: str | None = None,
    settings: Settings | None = None,
) -> Record:
    """Extract the facts of one text; see the output contract for the record's shape.

    ``types``: fact types to extract (default all four); ``strict`` drops facts
    whose evidence is not in the text; ``cache`` reuses stored answers;
    ``provider``/``model``/``base_url`` override the environment, ``settings`` replaces it.
    """
    return _extractor(_settings(settings, provider, model, base_url), types, strict, cache).extract(
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
    base_url: str | None = None,
    settings: Settings | None = None,
    jobs: int | None = None,
    ordered: bool = True,
) -> Iterator[tuple[str, Record | FactxError]]:
    """Extract from many files; yields (path, record or the error that input met), lazily.

    Options as in ``extract``. ``jobs`` documents are in flight together, on threads, as
    ``factx extract --jobs`` does, because a server answers many requests at once; None:
    ``FACTX_JOBS`` or ``settings.jobs``, else the provider's default (8 on a server). The
    local model always runs one. Results come in the order of ``paths``, or, not
    ``ordered``, as each document finishes.
    """
    chosen = _settings(settings, provider, model, base_url)
    workers = (chosen if jobs is None else replace(chosen, jobs=jobs)).workers  # replace checks jobs >= 1
    extractor = _extractor(chosen, types, strict, cache)
    batch = extractor.extract_paths([str(p) for p in paths], published=published, jobs=workers, ordered=ordered)
    return cast(Iterator[tuple[str, Record | FactxError]], batch)  # no Skipped: nothing is skipped without `skip`
