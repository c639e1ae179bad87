"""Find the model's evidence quotes in the source text and compute their offsets.

The model only *claims* a quote is verbatim; small models fold typography,
reflow whitespace, drop accents, truncate with "..." or change a word. So the
program, never the model, locates each quote: exactly first, then on a
normalised copy of both strings that keeps a map back to the original
characters, then fuzzily with a length check so a short or paraphrased quote
cannot latch onto an unrelated fragment. Whatever is returned is a real slice
of the source: ``text[span.start:span.end] == span.quote`` always holds. A
quote too short to say anything ("di", "Roma") is not looked for at all. How
each quote was found is recorded on its Evidence (``alignment``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, get_args

from pydantic import BaseModel
from rapidfuzz import fuzz

from factx.errors import one_line
from factx.models import FACT_TYPES, Alignment, Evidence, Fact, Federation, Party, PartyKind, Person, Place, date_fields
from factx.normalizing import (
    as_written, city_names, country_code, country_names, english_city, is_office, name_key, named_country, same_person,
    sector_unsaid, written_as_person,
)
from factx.splitting import pieces
from factx.spotting import names as names_type, tells

#: Typographic variants a model may swap for their plain ASCII forms.
_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)
_QUOTE_CHARS = "\"'‘’‚‛“”„‟«»`"
_ELLIPSIS = "..."  # "…" becomes "..." under NFKD, so one form covers both
_NORMALISED_SCORE = 99.0
_LENGTH_RATIO = (0.75, 1.33)
#: Below this many words one changed word is a different claim ("il 2031" vs
#: "il 2030"), not a misquote, so such quotes must match after normalisation.
_MIN_FUZZY_WORDS = 4
#: The shortest quote that can support a fact: 3 words and 15 characters (normalised, so
#: wrapping quotes and "..." do not count). A word or two ("di", "Roma Milano", "il 2031")
#: occurs in almost any article, so finding it proves nothing; 3 words of 15 characters are
#: a phrase ("firmato un accordo"), the least that states something. Real quotes are whole
#: clauses (50-350 characters in the recorded answers), far above it.
MIN_QUOTE_WORDS = 3
MIN_QUOTE_CHARS = 15
#: Scripts written without spaces (Thai, Lao, Myanmar, Khmer, kana, CJK ideographs): each
#: character counts as a word, so their quotes are not all "one word".
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_UNSPACED}]|[^\W{_UNSPACED}]+")
_TOO_SHORT = f"too short to support a fact (under {MIN_QUOTE_WORDS} words or {MIN_QUOTE_CHARS} characters)"


@dataclass(frozen=True)
class Span:
    """Where a quote sits in the source; ``quote`` is the source's own characters."""

    start: int
    end: int
    quote: str
    score: float
    exact: bool

    @property
    def alignment(self) -> Alignment:
        """How the quote was found, as recorded on its Evidence."""
        if self.exact:
            return "exact"
        return "normalised" if self.score >= _NORMALISED_SCORE else "fuzzy"


@lru_cache(maxsize=16)
def _normalise(s: str) -> tuple[str, tuple[int, ...]]:
    """Fold ``s`` for comparison, with each output char's index in ``s``.

    Folding a folded string changes nothing: typography is folded again after
    decomposing (superscript "⁻" gives "−"), and spaces a decomposition yields ("¨" is a
    space and a diaeresis) join the whitespace runs. Cached because every
    quote of a fact is looked up in the same article.
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(s):
        for c in unicodedata.normalize("NFKD", ch.translate(_FOLD)).casefold().translate(_FOLD):
            if c.isspace():
                if out and out[-1] != " ":  # runs of whitespace count as one space
                    out.append(" ")
                    index.append(i)
            elif not unicodedata.combining(c) and unicodedata.category(c) != "Cf":
                out.append(c)
                index.append(i)
    return "".join(out), tuple(index)


def _clean_quote(quote: str) -> str:
    """The normalised quote without edge whitespace, wrapping quotes or "..." truncation marks."""
    q = _normalise(quote)[0].strip(" " + _QUOTE_CHARS)
    while q.startswith(_ELLIPSIS) or q.endswith(_ELLIPSIS):
        q = q.removeprefix(_ELLIPSIS).removesuffix(_ELLIPSIS).strip(" " + _QUOTE_CHARS)
    return q


def long_enough(quote: str) -> bool:
    """Whether ``quote`` is long enough to support a fact (see ``MIN_QUOTE_WORDS``)."""
    return _enough(_clean_quote(quote))


def _enough(q: str) -> bool:
    return len(q) >= MIN_QUOTE_CHARS and len(_WORD.findall(q)) >= MIN_QUOTE_WORDS


def _span(text: str, index: tuple[int, ...], a: int, b: int, score: float) -> Span | None:
    """Map the normalised range [a, b) back to ``text``, trimmed of surrounding whitespace.

    The end takes in the accents (combining marks) on its last letter, which folding dropped.
    """
    start, end = index[a], index[b - 1] + 1
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end], score, False) if end > start else None


def _word_edges(s: str, centre: int, slack: int) -> list[int]:
    """Positions within ``slack`` of ``centre`` that do not fall between two letters/digits."""
    lo, hi = max(0, centre - slack), min(len(s), centre + slack)
    return [p for p in range(lo, hi + 1) if p in (0, len(s)) or not (s[p - 1].isalnum() and s[p].isalnum())]


def _fuzzy(q: str, norm: str, min_score: float) -> tuple[float, int, int] | None:
    """Best word-aligned window of ``norm`` for ``q``: (score, start, end).

    partial_ratio only slides a window as long as the quote, so its edges can
    fall mid-word; nearby word boundaries are tried and the window re-scored
    as a whole, which also makes the score honest about length differences.
    """
    hit = fuzz.partial_ratio_alignment(q, norm, score_cutoff=min_score)
    if hit is None:
        return None
    # rapidfuzz may report a later copy of a repeated passage; document order must win
    start = norm.find(norm[hit.dest_start : hit.dest_end])
    end = start + hit.dest_end - hit.dest_start
    slack = min(40, max(10, len(q) // 10))
    starts = [p for p in _word_edges(norm, start, slack) if p < len(norm) and norm[p] != " "]
    ends = [p for p in _word_edges(norm, end, slack) if p > 0 and norm[p - 1] != " "]
    best: tuple[float, int, int] | None = None
    for a in starts:
        for b in ends:
            if not _LENGTH_RATIO[0] <= (b - a) / len(q) <= _LENGTH_RATIO[1]:
                continue
            score = fuzz.ratio(q, norm[a:b])
            if score >= min_score and (best is None or score > best[0]):
                best = (score, a, b)
    return best


def locate(quote: str, text: str, *, min_score: float = 85.0) -> Span | None:
    """Find ``quote`` in ``text`` (first occurrence), or None if it is not really there or too short."""
    stripped = quote.strip().strip(_QUOTE_CHARS).strip()
    q = _clean_quote(stripped)
    if not _enough(q):
        return None
    start = text.find(stripped)
    if start >= 0:
        return Span(start, start + len(stripped), stripped, 100.0, True)
    norm, index = _normalise(text)
    a = norm.find(q)
    if a >= 0:
        return _span(text, index, a, a + len(q), _NORMALISED_SCORE)
    found = _fuzzy(q, norm, min_score) if len(q.split()) >= _MIN_FUZZY_WORDS else None
    # a fuzzy match never outranks a normalised one, however close the ratio
    return _span(text, index, found[1], found[2], min(found[0], _NORMALISED_SCORE - 1)) if found else None


@dataclass(frozen=True)
class Caveat:
    """A warning about one fact, worded by ``told`` once the output is known.

    Merging, retyping and translating rename a fact after it is grounded, and may drop
    it: a warning under the draft's title names a fact the user never sees. ``quote``
    (as the fact's evidence keeps it) finds the output fact that carries it.
    """

    fact_type: str
    title: str
    quote: str | None  # one of the fact's kept evidence quotes, or None when it has none
    problem: str

    def __str__(self) -> str:
        return f"{self.fact_type} {_quoted(self.title)}: {self.problem}"

    def told(self, facts: Sequence[Fact]) -> str:
        """The warning under the output fact holding ``quote``; marked when no output fact does."""
        if self.quote is None:
            return str(self)
        holder = next((f for f in facts if any(e.quote == self.quote for e in f.evidence)), None)
        if holder is None:
            return f"{self}; the fact is not in the output"
        return str(Caveat(holder.type, _label(holder), self.quote, self.problem))


def ground(fact_type: str, draft: BaseModel, text: str, published: date | None) -> tuple[Fact, list[Caveat]]:
    """Turn a model's draft into a contract fact whose evidence offsets come from the text.

    Returns the fact and the warnings a user should see: quotes that were not
    verbatim, and facts with no quote found at all (``grounded`` false).
    """
    problems: list[str] = []
    spans: dict[tuple[int, int], Evidence] = {}
    missing: list[Evidence] = []
    quotes: list[str] = draft.evidence  # type: ignore[attr-defined]
    for quote in quotes:
        span = locate(quote, text)
        if span is None:
            short = not long_enough(quote)
            problems.append(f"quote {_TOO_SHORT if short else 'not found in the text'}: {_quoted(quote)}")
            missing.append(Evidence(quote=quote, alignment="too_short" if short else "not_found"))
            continue
        if span.alignment == "fuzzy":
            problems.append(f"quote aligned fuzzily (score {span.score:.0f}): {_quoted(quote)}")
        found = Evidence(quote=span.quote, start=span.start, end=span.end, alignment=span.alignment)
        spans.setdefault((span.start, span.end), found)
    evidence = list(spans.values()) or missing
    grounded = bool(spans)
    if not spans:
        problems.append("no evidence found in the text, fact flagged as ungrounded")
    elif (absent := _absent_names(draft, text)) is not None:
        grounded = False
        problems.append(f"none of its names occurs in the text ({absent}), fact flagged as ungrounded")
    kept = evidence[0].quote if evidence else None  # the output fact that carries it is this draft's
    warnings = [Caveat(fact_type, _label(draft), kept, problem) for problem in problems]
    content = _unstated_cleared(draft.model_dump(exclude={"evidence"}), text)
    data = {**content, "type": fact_type, "evidence": evidence, "grounded": grounded}
    fact = FACT_TYPES[fact_type].model_validate(data, context={"published": published})
    return _undated_cleared(fact, text, published), warnings


def shown_quoted(fact: Fact, shown: Sequence[str], text: str) -> Fact:
    """``fact`` with the first sentence it was asked on that tells its type and names two of its
    parties and people (its one, if it names one) added to its evidence, when no quote of its own
    tells its type.

    Shown "... unterschrieben Claude Meisch und Annegret Kramp-Karrenbauer eine
    Absichtserklärung", the small model quotes the headline naming the same two people.
    A fact is judged by its quotes (``merging.drop_unmarked``); this one's is where the text tells it. Not
    when its quotes, or that sentence, name a fact of another type ("hanno stipulato un memorandum d'intesa":
    that one told again), and states named in every sentence of a joint statement count as no names.
    """
    if not fact.grounded or isinstance(fact, Federation) or any(tells(e.quote, fact.type) for e in fact.evidence):
        return fact  # a federation is told by its founding or organs (``merging.drop_unmarked``), not a word beside it
    if any(_names_another(e.quote, fact.type) for e in fact.evidence):
        return fact  # quoted where the text tells another type's fact: that one told again
    said = (v if isinstance(v, str) else v.name for v in _named(fact))
    names = list({name_key(n): n for n in said if not country_code(n)}.values())  # not "United States", "Mongolia"
    whole = [(start, end) for start, end in pieces(text) if any(s in text[start:end] for s in shown)] if names else []
    for start, end in whole:  # a long sentence is shown cut around its word: the names may be in the rest
        sentence = text[start:end]
        if not _names_another(sentence, fact.type) and tells(sentence, fact.type) and sum(
                _mentions(n, sentence) for n in names) >= min(2, len(names)):
            added = Evidence(quote=sentence, start=start, end=end, alignment="shown")
            return fact.model_copy(update={"evidence": [*fact.evidence, added]})
    return fact


def _names_another(text: str, fact_type: str) -> bool:
    """Whether ``text`` names a fact of a type other than ``fact_type`` ("un memorandum d'intesa")."""
    return any(names_type(text, t, weak=False) for t in FACT_TYPES if t != fact_type)


def _undated_cleared(fact: Fact, text: str, published: date | None) -> Fact:
    """``fact`` less the dates in a year the article never writes, and the rest at the precision it
    writes them (``as_written``).

    The small model dates what it was not told the year of ("2023-10-17" for a trip
    the release dates "October 17-18"; "2023-07-01" for an MoU signed in 2024). A year
    is the article's when written in it, or next to the publication's (a "lunedì" or
    "last year" resolved against it).
    """
    years = set(re.findall(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)", text))
    if published:
        years |= {str(published.year + step) for step in (-1, 0, 1)}
    dates = {name: day for name in date_fields(type(fact)) if (day := getattr(fact, name))}
    said = {name: as_written(day, text, published) if day[:4] in years else None for name, day in dates.items()}
    changed = {name: day for name, day in said.items() if day != dates[name]}
    return fact.model_copy(update=changed) if changed else fact


def _unstated_cleared(value: Any, text: str) -> Any:
    """A draft's fields with null for what the article never says, at any depth.

    The small model fills a place from the examples it was shown ("Rome" for a
    visit to Trento; "IT", the first code it was shown, for a visit to Germany),
    an acronym of its own making, a person's office or body with a party kind
    ("Government") or a state ("United States": one works for a body, not a
    country), and a list of people with groups ("70 rappresentanti del settore"),
    places ("Angola") and offices ("Director of the Office of Public Engagement").
    """
    if isinstance(value, list):
        return [_unstated_cleared(v, text) for v in value if not _nameless(v) and not _dateline(v, text)]
    if not isinstance(value, dict):
        return value
    _signing_people(value, text)
    value = {k: None if _nameless(v) else _unstated_cleared(v, text) for k, v in value.items()}
    if value.keys() == set(Place.model_fields):
        _clear_place(value, text)
    elif value.keys() == set(Person.model_fields):
        _clear_person(value)
        value["name"] = _whole_name(value["name"], text)
    elif isinstance(value.get("acronym"), str) and not _mentions(value["acronym"], text):
        value["acronym"] = None
    _copied_sectors_cleared(value, text)
    return value


def _copied_sectors_cleared(value: dict[str, Any], text: str) -> None:
    """A fact's sectors less the prompt's examples the article never speaks of (``sector_unsaid``)."""
    if isinstance(value.get("sectors"), list):
        value["sectors"] = [s for s in value["sectors"] if not sector_unsaid(str(s), text)]
    if isinstance(value.get("sector"), str) and sector_unsaid(value["sector"], text):
        value["sector"] = None


def countries_said(fact: Fact, text: str, home: str | None) -> Fact:
    """``fact`` with each body's country, and a visit's origin, that the article never names and is not
    its ``home`` country put right: the country the body's name opens with, or null.

    The small model gives bodies the first code it was shown: "IT" for the Macau tourism
    office and the China Film Producers' Association's partner in an English release that
    never names Italy. A country is named by its name, a word made from it or one of its
    cities (``_country_said``); an article's home country often goes unnamed ("Comune di
    Paliano", in Italian), so it stays. Judged once facts are merged, when ``home`` is known.
    """
    def said(value: Any) -> Any:
        if isinstance(value, list):
            return [said(v) for v in value]
        if not isinstance(value, dict):
            return value
        value = {k: said(v) for k, v in value.items()}
        if _a_party(value) and _unsaid(value["country"], text, home):
            value["country"] = named_country(str(value["name"]))
        return value

    dumped = fact.model_dump(exclude={"evidence"})
    data = said(dumped)  # a new dict at every level: ``dumped`` stays as it was
    if _unsaid(data.get("origin_country"), text, home):
        data["origin_country"] = None
    if data == dumped:
        return fact
    return type(fact).model_validate({**data, "evidence": fact.evidence})


def _unsaid(code: str | None, text: str, home: str | None) -> bool:
    return bool(code) and code != home and not _country_said(str(code), text)


def _clear_place(place: dict[str, Any], text: str) -> None:
    """A city counts as said under any of its names ("Roma", "Rom"); a venue as written, in a
    few words; a country by its name, a word made from it ("italiano") or one of its cities."""
    if place["city"] and not _city_said(place["city"], place["country"], text):
        place["city"] = None
    if place["venue"] and (len(place["venue"].split()) > _VENUE_WORDS or not _mentions(place["venue"], text)):
        place["venue"] = None
    if place["country"] and not place["city"] and not _country_said(place["country"], text):
        place["country"] = None


def _clear_person(person: dict[str, Any]) -> None:
    """An office or body that is a party kind or a state is no office or body, nor is a body
    named in no capitalised word."""
    for field in ("role", "organization"):
        if isinstance(person[field], str) and name_key(person[field]).replace(" ", "_") in _KINDS:
            person[field] = None
    body = person["organization"]
    if isinstance(body, str) and (country_code(body) or not _has_capital(body)):
        person["organization"] = None  # a state, or no body's name ("amministrazione provinciale")


def _whole_name(name: Any, text: str) -> Any:
    """A name the small model cut after an initial ("President Joseph R.") with the surname the article
    writes after it ("Joseph R. Biden")."""
    if not isinstance(name, str) or not _CUT_AT_INITIAL.search(name):
        return name
    whole = re.search(re.escape(name.strip()) + r"\s+[A-ZÀ-Ý][\w'’-]+", text)
    return whole.group() if whole else name


#: A name ending with an initial: "Joseph R.", "Mario G".
_CUT_AT_INITIAL = re.compile(r"\s[A-Z]\.?$")
_KINDS = frozenset(get_args(PartyKind))
#: A building or site is named in a few words; more is a sentence copied into the field.
_VENUE_WORDS = 8


def _signing_people(value: dict[str, Any], text: str) -> None:
    """An accord's parties the text names as people (``_a_person``) among its signatories, where
    ``models._signed_for`` takes them for the bodies they signed for, or for none: the small model gives the
    ministers who signed as the parties ("Mohamed Benaissa, ministre des Affaires étrangères")."""
    parties, signatories = value.get("parties"), value.get("signatories")
    if isinstance(parties, list) and isinstance(signatories, list):
        names = [str(s.get("name")) for s in signatories if isinstance(s, dict)]
        signatories += [{"name": p["name"], "role": None, "organization": None} for p in parties
                        if _a_person(p, text) and not any(same_person(str(p["name"]), n) for n in names)]


def _dateline(value: Any, text: str) -> bool:
    """Whether ``value`` is a party named as the article's dateline, a place and its news agency opening the text
    before a dash ("PALERMO (ITALPRESS) –"): the small model lists it among an accord's parties."""
    if not (_a_party(value) and "(" in str(value["name"])):
        return False
    found = re.search(rf"{re.escape(str(value['name']).strip())}\s*[-–—]", text[:_DATELINE_CHARS], re.IGNORECASE)
    return found is not None


#: How far into a text its dateline may stand (after a headline and a lead).
_DATELINE_CHARS = 400


def _a_person(value: Any, text: str) -> bool:
    """Whether ``value`` is a party the text names as a person ("Giulio Frascatani, presidente della Camera")."""
    return _a_party(value) and written_as_person(str(value["name"]), text)


def _a_party(value: Any) -> bool:
    """Whether ``value`` is a party as a draft's dump holds it (a dict of ``Party``'s fields)."""
    return isinstance(value, dict) and value.keys() == set(Party.model_fields)


def _nameless(value: Any) -> bool:
    """Whether ``value`` is a person who is not somebody named: a group, an office or a place; or a
    body named in no capitalised word ("consorzi", "amministrazione provinciale").

    A name has a capitalised word and no lower-case joining word ("of", "della":
    "President of the Province" is an office, "esponenti della Regione" a group), no
    other lower-case word after its first capital but a name's particle ("German leaders"
    is a group, "Ludwig van Beethoven" and "viceministro Li Wei" are names), is not one word in
    capitals ("PAC-ADE" is a body), and
    is not a country ("Angola" met as if a person), nor only an office ("Secretary General").
    """
    if _a_party(value):
        return not _has_capital(str(value["name"]))  # "consorzi": no body's name
    if not (isinstance(value, dict) and value.keys() == set(Person.model_fields)):
        return False
    words = str(value["name"]).split()
    named = next((i for i, word in enumerate(words) if word[:1].isupper()), len(words))
    lower = {word for word in words[named:] if word[:1].islower()}  # a title may come before ("viceministro Li")
    return (not _has_capital(str(value["name"])) or bool(_JOINING.intersection(words))
            or not lower <= _PARTICLES or (len(words) == 1 and words[0].isupper())
            or country_code(value["name"]) is not None or is_office(str(value["name"])))


def _has_capital(name: str) -> bool:
    """Whether a word of ``name`` starts with a capital, as a name's words do ("amministrazione provinciale" has none)."""
    return any(word[:1].isupper() for word in name.split())


_JOINING = frozenset({"of", "to", "for", "the", "and", "di", "della", "delle", "dei", "degli", "per", "e"})
#: Lower-case words inside people's names ("van", "bin", "de"); any other makes a group or an office.
_PARTICLES = frozenset({"de", "da", "do", "dos", "das", "del", "van", "von", "der", "den", "ten", "la", "le", "du",
                        "bin", "ibn", "al", "el", "y", "zu", "af"})


def _city_said(city: str, country: str | None, text: str) -> bool:
    """Whether the text names ``city`` (already English: ``Place`` validated the draft) in any of its names."""
    return _mentions(city, text) or any(_mentions(name, text) for name in city_names(city, country))


@lru_cache(maxsize=64)
def _country_said(code: str, text: str) -> bool:
    """Whether the text names a country in any language, a word made from its name ("italiani",
    "German"), or one of its cities ("TRENTO –").

    Cached like ``_normalise``: every place of every fact of an article asks it of the
    same text, and the city lookup walks all its capitalised words.
    """
    folded = _normalise(text)[0]
    if any(city_names(english_city(name, code)[0] or "", code) for name in _capitalised(text)):
        return True
    for name in country_names(code):
        made = " " not in name and len(name) >= 6  # "italia" -> "itali\w*"; "italy", "peru" only as written
        pattern = re.escape(name[:-1]) + r"\w*" if made else re.escape(name)
        if re.search(rf"(?<!\w){pattern}(?!\w)", folded):
            return True
    return False


def _capitalised(text: str) -> set[str]:
    """Every capitalised word of ``text``, and every two in a row ("San Marino"): where place names are."""
    words = re.findall(r"\b[A-Z][\w'’-]+", text)
    pairs = re.findall(r"(?=\b([A-Z][\w'’-]+ [A-Z][\w'’-]+))", text)
    return {w for w in [*words, *pairs] if len(w) >= 4}


def _absent_names(draft: BaseModel, text: str) -> str | None:
    """The fact's names, when not one of them occurs in the text; None otherwise.

    A real quote can carry an invented fact: a small model fills a fact about
    someone the article never mentions. A fact is about its parties, people and named bodies, so at
    least one of them must be in the text. A state may be named in another
    language ("Italy" for "Italia"), so a party with a country code is found
    through any spelling of that country. Facts with no names are not judged.
    """
    names: list[str] = []
    found = False
    for value in _named(draft):
        if isinstance(value, Party) and value.kind == "government" and value.country:
            found = found or any(_mentions(n, text) for n in country_names(value.country))
        name = value if isinstance(value, str) else value.name
        names.append(one_line(" ".join(name.split())))
        found = found or _mentions(name, text)
        if found:
            return None
    return ", ".join(names) if names else None


def _mentions(name: str, text: str) -> bool:
    """Whether ``name`` occurs in ``text`` as whole words, blind to case, accents and typography.

    Whole words matter for acronyms: "FES" must not be found inside "professori".
    """
    wanted = _clean_quote(name)
    return bool(wanted) and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", _normalise(text)[0]) is not None


def _named(draft: BaseModel) -> list[str | Party | Person]:
    """The parties, people and names a fact is about (not its generated English prose)."""
    out: list[str | Party | Person] = []
    for field in ("name", "acronym"):
        if isinstance(value := getattr(draft, field, None), str) and value:
            out.append(value)
    for field in ("parties", "organizations", "signatories", "leaders", "delegation", "counterparts",
                  "counterpart_organizations", "leader", "affiliation"):
        value = getattr(draft, field, None)
        out.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, (Party, Person)))
    return out


def _label(draft: BaseModel) -> str:
    """What a warning calls a fact: its title, or a federation's name."""
    return str(getattr(draft, "title", None) or getattr(draft, "name", ""))


def _quoted(quote: str, limit: int = 80) -> str:
    """A quote as a warning shows it: one line, cut to ``limit`` characters, in quotes.

    Quotes span lines; a warning is one line, so whitespace runs become one space and
    ``repr`` escapes any other control character (a terminal escape, say).
    """
    flat = " ".join(quote.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
