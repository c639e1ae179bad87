"""The output contract as pydantic models (see the spec, ``facts.md``).

Validators normalise what a model writes loosely (country names, date
spellings, enum variants) so every record leaves the program in one form.
Dates may be relative ("lunedì"): pass ``context={"published": date}`` to
``model_validate``, or validate inside ``published_on(date)``, to resolve them
against the article's publication date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from rapidfuzz import fuzz

from factx.normalizing import (
    body_country, body_kind, city_names, country_code, country_name, date_range, day_named, english_city, is_office, is_site,
    iso_date, known_city, name_key, office_s_body, region_of, same_person, same_sector, split_title, written_in,
)
from factx.resources import prompt_table
from factx.spotting import names

PartyKind = Literal[
    "government", "public_body", "company", "association", "media", "university", "research", "other"
]
AgreementKind = Literal[
    "cooperation", "co_production", "partnership", "trade", "intergovernmental", "distribution", "other"
]
AgreementStatus = Literal["proposed", "negotiating", "signed", "expanded"]


def _enum_spelling(value: Any) -> Any:
    """Accept "Co-production", "public body" and the like for enum values."""
    if isinstance(value, str):
        return re.sub(r"[\s\-]+", "_", value.strip().lower())
    return value


def _country(value: Any) -> str | None:
    """Any spelling of a country ("Corea del Sud", "kr", "ITA") to ISO alpha-2, or null."""
    return country_code(value) if isinstance(value, str) else None


#: The publication date dates are resolved against when validation is given no context.
_PUBLISHED: ContextVar[date | None] = ContextVar("published", default=None)


@contextmanager
def published_on(published: date | None) -> Iterator[None]:
    """Resolve relative dates against ``published`` in validations inside this block (this thread only).

    For validation run by a library that takes no plain pydantic context: instructor renders
    the messages as Jinja templates whenever it is given one, which would alter or break an
    article that contains "{{" or "{%".
    """
    token = _PUBLISHED.set(published)
    try:
        yield
    finally:
        _PUBLISHED.reset(token)


def _date(value: Any, handler: Any, info: ValidationInfo) -> str | None:
    """A date at the precision the text gives, relative ones resolved if we can."""
    if value is None or not isinstance(value, str):
        return None
    published = (info.context or {}).get("published", _PUBLISHED.get())
    return iso_date(value, published if isinstance(published, date) else None)


def _text(value: Any) -> Any:
    """Empty strings from a model mean "unknown", and so do the words for it ("Unknown", "N/A"): store them as null."""
    if isinstance(value, str):
        value = value.strip()
        return None if unknown(value) else value or None
    return value


def unknown(value: str) -> bool:
    """Whether ``value`` is a word a model writes for what the text does not give ("Unknown", "N/A"), or
    no word at all (" ],": the small model, looping, writes JSON's punctuation as a name)."""
    key = name_key(value)
    return not key or key in _UNKNOWN


#: What a model writes for a value the text does not give, folded as ``name_key`` folds it.
_UNKNOWN = frozenset({"unknown", "none", "n a", "na", "null", "not specified", "unspecified", "not mentioned",
                      "not available", "not stated", "sconosciuto", "non specificato", "nessuno"})


def _phrases(value: Any) -> Any:
    """Drop blank and repeated list entries a model sometimes emits."""
    if isinstance(value, list):
        seen: dict[str, None] = {}
        for item in value:
            if isinstance(item, str) and item.strip():
                seen.setdefault(item.strip(), None)
        return list(seen)
    return value


def _domains(sectors: list[str]) -> list[str]:
    """Sectors in lower case, one term per field, less the words that name the cooperation itself, not a field of it.

    Asked for sectors, the small model adds "international cooperation",
    "government" or "other" to every list, and the fact's own type; a sector is what
    the cooperation is about ("film", "semiconductors").
    """
    kept = (same_sector(s.lower()) for s in sectors)
    return list(dict.fromkeys(s for s in kept if name_key(s) not in _NOT_SECTORS and not _a_fact_type(s)))


def _a_fact_type(sector: str) -> bool:
    """Whether a "sector" names a fact type ("intergovernmental agreement", "federation", "trade
    mission"): the kind of act, not what it is about."""
    return any(names(sector, fact_type) for fact_type in FACT_TYPES)


_NOT_SECTORS = frozenset({
    "other", "government", "politics", "diplomacy", "business", "cooperation", "international cooperation",
    "international relations", "bilateral relations", "partnership", "partnerships", "alliance", "alliances",
})


# The patterns below describe output only (mode="serialization"): the model
# may write "Corea del Sud" or "lunedì" and the validators normalise them.
_NULLABLE = {"type": "null"}
Country = Annotated[
    str | None,
    BeforeValidator(_country),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": "^[A-Z]{2}$"}, _NULLABLE]}, mode="serialization"),
]


class _Dated:
    """Marks a date field, so ``date_fields`` finds them without a list kept by hand."""


_DATED = _Dated()
IsoDate = Annotated[
    str | None,
    _DATED,
    WrapValidator(_date),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}, _NULLABLE]}, mode="serialization"
    ),
]
OptText = Annotated[str | None, BeforeValidator(_text)]
Phrases = Annotated[list[str], BeforeValidator(_phrases)]


def date_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The names of ``model``'s date fields (ISO dates at the text's precision), in declaration order:
    the first is when the fact happened (a mission's start, an accord's date)."""
    return tuple(name for name, info in model.model_fields.items() if _DATED in info.metadata)


class _InEnglish:
    """Marks a free-text field the contract writes in English whatever the article's language."""


#: The mark itself: ``translating`` finds the fields that carry it, so none is listed by hand.
IN_ENGLISH = _InEnglish()
Title = Annotated[str, IN_ENGLISH]
EnglishText = Annotated[OptText, IN_ENGLISH]
EnglishPhrases = Annotated[Phrases, IN_ENGLISH]
Sectors = Annotated[Phrases, AfterValidator(_domains), IN_ENGLISH]
Sector = Annotated[OptText, AfterValidator(lambda s: (_domains([s]) or [None])[0] if s else None), IN_ENGLISH]


def _require_all(schema: dict[str, Any]) -> None:
    """Mark every property required in the JSON Schema.

    Output always carries every field (null or [] when unknown), and a decoding
    grammar built from this schema makes the model consider each field instead
    of skipping it. Validation still accepts missing keys, using the defaults.
    """
    if "properties" in schema:
        schema["required"] = list(schema["properties"])


class Shape(BaseModel):
    """Base of every contract model: tolerant on input, complete on output."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_require_all)


#: An Italian or French article opening a name ("La Camera di Commercio", "L'Agenzia", "Le Ministère").
_ARTICLE = re.compile(r"^(?:(?:La|Il|Lo|Gli|Le|I|Les)\s+|L['’]\s?)(?=[A-ZÀ-Ý])")
#: Two bodies in one name, joined by "and" and an article ("La Confindustria e la Confindustria Est Europa").
_TWO_BODIES = re.compile(r"\s+(?:e|ed|et)\s+(?:la|il|lo|gli|le|les|l['’]\s?)\s*(?=[A-ZÀ-Ý])")


def _one_each(parties: list[Party]) -> list[Party]:
    """``parties`` with a name that joins two bodies ("La Confindustria e la Confindustria Est Europa") made two,
    each named without its article. The small model copies a sentence's list of signers into one party."""
    split: list[Party] = []
    for party in parties:
        names = _TWO_BODIES.split(party.name)
        split += [party] if len(names) == 1 else [
            Party(name=_ARTICLE.sub("", n, count=1), kind=party.kind, country=party.country) for n in names]
    return split


#: A name with something in brackets after it ("Università di Blida 2 (Algeria)").
_BRACKETED = re.compile(r"(?P<name>.*\S)\s*\((?P<aside>[^()]+)\)")


class Party(Shape):
    """An organisation or state taking part in a fact."""

    name: str = Field(description="as written in the text, full form")
    kind: Annotated[PartyKind, BeforeValidator(_enum_spelling)] = "other"
    country: Country = Field(default=None, description="ISO 3166-1 alpha-2 or null")

    @model_validator(mode="after")
    def _no_article(self) -> Party:
        """A body's name without the article the sentence put before it ("La Camera di Commercio ..."),
        when what follows is a body by its words; "La Stampa" and "La Spezia" keep theirs."""
        bare = _ARTICLE.sub("", self.name, count=1)
        if bare != self.name and body_kind(bare) is not None and not known_city(self.name):
            self.name = bare
        return self

    @model_validator(mode="after")
    def _country_aside(self) -> Party:
        """A country written in brackets after a body's name ("Università di Blida 2 (Algeria)") is its
        country, not part of its name: the article says where the body is."""
        match = _BRACKETED.fullmatch(self.name)
        code = country_code(match.group("aside")) if match else None
        if match and code and self.country in (None, code):
            self.name, self.country = match.group("name").strip(), code
        return self

    @model_validator(mode="after")
    def _office_held(self) -> Party:
        """An office given as a party is the body that holds it ("Sindaco di Paliano": the town of
        Paliano, a government; ``normalizing.office_s_body``): a party is a body, not its officer."""
        if body := office_s_body(self.name):
            self.name, self.kind = body, "government" if body_kind(body) is None else self.kind
        return self

    @model_validator(mode="after")
    def _state_in_english(self) -> Party:
        """A state named as itself ("Corea del Sud", "USA") is named in English ("South Korea"), as
        its code says: one state, one name, whatever the article's language."""
        code = country_code(self.name)
        if code and self.country in (None, code):
            self.name, self.country = country_name(code) or self.name, code
        return self

    @model_validator(mode="after")
    def _kind_by_name(self) -> Party:
        """A body's kind as its name tells it ("Camera di Commercio ...": public_body), whatever the
        model gave; a state named as itself is a government (``normalizing.body_kind``)."""
        self.kind = "government" if country_code(self.name) else body_kind(self.name) or self.kind
        return self

    @model_validator(mode="after")
    def _city_s_country(self) -> Party:
        """A body named for its city ("Prefettura di Jiaxing") is in that city's country, which the
        program knows better than the model (``normalizing.body_country``)."""
        self.country = body_country(self.name, self.country)
        return self


class Person(Shape):
    name: str = Field(description="as written in the text")
    role: EnglishText = Field(default=None, description="title or office, in English")
    organization: OptText = None

    @model_validator(mode="after")
    def _own_name(self) -> Person:
        """A person's name is theirs alone: the office written before it ("President Biden") is the
        role when none is given, so one person is one name wherever the article titles them."""
        office, self.name = split_title(self.name)
        self.role = self.role or office
        return self


class Place(Shape):
    city: OptText = Field(default=None, description="English exonym: Seoul, Beijing, Rome")
    country: Country = Field(default=None, description="ISO 3166-1 alpha-2")
    venue: OptText = Field(default=None, description="building or site")

    @model_validator(mode="after")
    def _english_city(self) -> Place:
        """"Seul" -> "Seoul", and the city's country when the model left it out.

        A state is no city (unless it is also one: Singapore), and the place is that state whatever
        country the model gave ("Luxemburg", "DE"); a place is no
        venue: the small model writes "Angola" as a city and "Angola", "Hampton" or
        "Adige" (of "San Michele all'Adige") as the venue; a venue is a building or
        site within the city, named with a capital, not an event ("Paris 2024
        Paralympic Games", "inauguration"). A city written as the venue, with none as the city
        ("Maputo"), is the city, whose country the program knows; a building or an office written
        as the city ("Palazzo Murena", "Sindaco") is the venue, or nothing.
        """
        if self.venue and not self.city and known_city(self.venue):
            self.city, self.venue = self.venue, None
        if self.city and is_site(self.city):  # "Palazzo Murena" as the city
            self.city, self.venue = None, self.venue or self.city
        if self.city and is_office(self.city):  # "Sindaco" as the city
            self.city = None
        self.city, self.country = english_city(self.city, self.country)
        state = country_code(self.city) if self.city else None
        if state and not city_names(self.city or "", state):  # Singapore and Monaco are cities too
            # "Luxemburg" given with "DE": the state named is the place; "Georgia" with "US" is a state of it
            self.city, self.country = None, self.country if region_of(self.city or "", self.country) else state
        if self.venue and (country_code(self.venue) or _within(self.venue, self.city) or _an_event(self.venue)):
            self.venue = None
        return self


#: How the program found a quote (``grounding``): verbatim; equal once case, accents, typography
#: and whitespace are folded; with a few characters changed; or not looked for / not there; or
#: "shown": not the model's quote but the sentence it was shown that tells the fact (``shown_quoted``).
Alignment = Literal["exact", "normalised", "fuzzy", "too_short", "not_found", "shown"]


def _within(venue: str, city: str | None) -> bool:
    """Whether every word of ``venue`` is a word of ``city``'s name ("Adige" of "San Michele all'Adige")."""
    return bool(city) and set(name_key(venue).split()) <= set(name_key(city or "").split())


def _an_event(venue: str) -> bool:
    """Whether a venue is an occasion, not a site: it holds a year, or no word with a capital."""
    return re.search(r"\b(1[89]|20)\d\d\b", venue) is not None or not any(w[:1].isupper() for w in venue.split())


def _require_located(schema: dict[str, Any]) -> None:
    """Require every Evidence property but ``alignment``, which records made before it or by hand lack."""
    _require_all(schema)
    schema["required"].remove("alignment")


class Evidence(Shape):
    """A verbatim span of the input; offsets are computed by the program."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_require_located)

    quote: str
    start: int | None = Field(default=None, description="offset of the quote in the input, null when not found")
    end: int | None = None
    alignment: Alignment | None = Field(
        default=None, description="how the quote was found in the input; null in records not made by factx"
    )


class _Typed(Shape):
    """Puts ``type`` first in every fact's output; each subclass narrows it."""

    type: str


class _Fact(Shape):
    """Fields every fact carries after its content."""

    evidence: list[Evidence] = Field(default_factory=list)
    grounded: bool = Field(default=True, description="false when no evidence quote was found in the input")


#: Roles the small model gives a body it lists among the signatories.
_PARTY_ROLES = frozenset({"party", "parties", "signing party", "contracting party"})


def _signed_for(fact: Any) -> Any:
    """A party is a body: one named as a person who signed ("Michele Dallapiccola") is the body
    that person signed for, or no party when the fact does not say which; each body once.

    Asked for the parties of a letter two officials signed, the small model lists the two officials;
    asked for a memorandum between two companies, it lists the companies as signatories in the role
    "party", or two twin towns as signatories in the role "President", and gives no party: those are
    the parties. A state or a body among the signatories is no one who signed.
    """
    fact.parties = _one_each(fact.parties)
    marked = [p for p in fact.signatories
              if p.role and name_key(p.role) in _PARTY_ROLES or _a_body(p.name, places=not fact.parties)]
    if marked and not fact.parties:
        fact.parties = [Party(name=p.name, kind="other") for p in marked]
    fact.signatories = [p for p in fact.signatories if p not in marked]
    bodies: list[Party] = []
    for party in fact.parties:
        signer = next((p for p in fact.signatories if same_person(p.name, party.name)), None)
        if signer is not None and not signer.organization:
            continue
        bodies.append(party if signer is None else party.model_copy(update={"name": signer.organization}))
    fact.parties = _bodies_once(bodies)
    return fact


def _a_body(name: str, *, places: bool) -> bool:
    """Whether a name is a state's or a body's by its words ("Korea International Trade Association"), or,
    with ``places``, a known city's ("Rimini"), not a person's. A city is asked about only where the model
    gave no party: many people's names are a city's too ("Lula", "Yong Zhen")."""
    return country_code(name) is not None or body_kind(name) is not None or places and known_city(name)


class AgreementFields(Shape):
    title: Title = Field(description="short English name")
    kind: Annotated[AgreementKind, BeforeValidator(_enum_spelling)] = "other"
    status: Annotated[AgreementStatus, BeforeValidator(_enum_spelling)] = "signed"
    parties: list[Party] = Field(default_factory=list)
    signatories: list[Person] = Field(default_factory=list)
    date: IsoDate = Field(default=None, description="date concluded, or announced when proposed")
    place: Place | None = None
    sectors: Sectors = Field(default_factory=list, description="short lower-case English terms")
    summary: EnglishText = Field(default=None, description="one or two English sentences")

    _parties = model_validator(mode="after")(_signed_for)


class MouFields(Shape):
    title: Title = Field(description="short English name")
    parties: list[Party] = Field(default_factory=list)
    signatories: list[Person] = Field(default_factory=list)
    date: IsoDate = Field(default=None, description="date signed")
    place: Place | None = None
    sectors: Sectors = Field(default_factory=list)
    aims: EnglishPhrases = Field(default_factory=list, description="short English phrases")
    context: EnglishText = Field(default=None, description="e.g. signed on the sidelines of a summit")

    _parties = model_validator(mode="after")(_signed_for)


class MissionFields(Shape):
    title: Title = Field(description="short English name")
    leader: Person | None = None
    delegation: list[Person] = Field(default_factory=list, description="members other than the leader")
    organizations: list[Party] = Field(default_factory=list, description="who sent or took part")
    origin_country: Country = None
    destination: Place = Field(default_factory=Place)
    start_date: IsoDate = None
    end_date: IsoDate = None
    counterparts: list[Person] = Field(default_factory=list, description="people met")
    counterpart_organizations: list[Party] = Field(default_factory=list, description="organisations met or visited")
    purpose: EnglishText = Field(default=None, description="one English sentence")
    sectors: Sectors = Field(default_factory=list)
    outcomes: EnglishPhrases = Field(default_factory=list, description="short English phrases")
    funding: EnglishText = None

    @model_validator(mode="after")
    def _sides(self) -> MissionFields:
        """A body is on one side of a visit: who sent it, or who was met.

        The small model lists both states on both sides ("United States" and
        "Germany" as senders and as hosts). A body among the senders is not also met;
        a state named as itself is a sender when it is the origin and met when it is
        the destination, never the other way round. Each body is listed once (the small
        model repeats "Umbria" three times among the senders).
        """
        origin, there = self.origin_country, self.destination.country
        self.organizations = _bodies_once(self.organizations)
        if origin and there and origin != there:
            self.organizations = [p for p in self.organizations if _state_of(p) != there]
        senders = {name_key(p.name) for p in self.organizations}
        self.counterpart_organizations = [
            p for p in _bodies_once(self.counterpart_organizations)
            if name_key(p.name) not in senders and not (origin and origin != there and _state_of(p) == origin)
        ]
        return self

    @model_validator(mode="after")
    def _people(self) -> MissionFields:
        """A person is on one side of a visit, once: the leader is not also a member, a member is not also met.

        The small model lists the leader among the delegation (the contract's delegation
        is the members other than the leader) and copies the delegation into the people met.
        """
        leader = [self.leader] if self.leader else []
        self.delegation = _once([p for p in self.delegation if not _among(p, leader)])
        self.counterparts = _once([p for p in self.counterparts if not _among(p, leader + self.delegation)])
        return self

    @model_validator(mode="after")
    def _people_not_bodies(self) -> MissionFields:
        """A person is nobody the visit names as a body: the small model lists the senders among the
        delegation ("Emilia-Romagna", "Liguria International") and the hosts among the people met
        ("Trentino", "Peking University")."""
        people = [self.leader] if self.leader else []
        bodies = {name_key(p.name) for p in self.organizations + self.counterpart_organizations}
        bodies |= {name_key(p.organization) for p in people + self.delegation + self.counterparts if p.organization}
        if self.leader and name_key(self.leader.name) in bodies:
            self.leader = None
        self.delegation = [p for p in self.delegation if name_key(p.name) not in bodies]
        self.counterparts = [p for p in self.counterparts if name_key(p.name) not in bodies]
        return self

    @model_validator(mode="after")
    def _results(self) -> MissionFields:
        """Outcomes are what came of the visit, not what it was for.

        Asked for outcomes, the small model restates the purpose ("To support trade
        ...", or the purpose sentence itself) and the aims around it ("Promotion of
        Italian cinema", "Enhancement of cooperation"): an aim in the infinitive, a
        phrase opening with a word of aim, or a phrase that is the purpose's words, is no
        outcome. What came of a visit is a thing done: an office opened, an accord signed.
        """
        purpose = self.purpose or ""
        self.outcomes = [o for o in self.outcomes if not o.lower().startswith("to ") and not _AIM.match(o)
                         and not (purpose and fuzz.token_set_ratio(o, purpose) >= 90)]
        return self


#: The words an aim opens with, in English and Italian (the article's language, before translation).
_AIM = re.compile(
    r"(?:the\s+)?(?:promot|enhanc|strengthen|deepen|foster|boost|increas|improv|reinforc|encourag|facilitat"
    r"|promuov|promozion|rafforz|potenzi|favori|approfond|incentiv|valorizz|miglior|incrementa)",
    re.IGNORECASE,
)


def titled(fact: Fact) -> Fact:
    """A mission whose title only names the type ("Mission", "Visit") titled from who went where.

    The small model often titles a mission with its type word, which tells an analyst
    nothing; "Hao Ping delegation to Trento" is what the fields already say. Done once the
    facts are merged: two visits are not one because their made titles are alike.
    """
    if not isinstance(fact, Mission) or name_key(fact.title) not in _TYPE_WORDS:
        return fact
    who = (fact.leader.name if fact.leader else fact.organizations[0].name if fact.organizations
           else country_name(fact.origin_country))
    where = fact.destination.city or country_name(fact.destination.country) or fact.destination.venue
    return fact.model_copy(update={"title": f"{who} delegation to {where}"}) if who and where else fact


def led(fact: Fact) -> Fact:
    """A mission with the leader its quotes name after "led by" / "guidata da", when the model gave
    another person or none.

    The small model takes the official quoted most, or the host, for the leader; the
    article says who leads in so many words ("Guidata dal vice ministro allo Sviluppo
    economico Carlo Calenda", "led by KOTRA's Executive Vice President for Europe, Yoon
    Hye-jin"). The name is the capitalised words ending the phrase's first clause, or a
    clause that is only a name; what comes before it in that clause is the role.
    """
    if not isinstance(fact, Mission):
        return fact
    found = next((named for e in fact.evidence if (named := led_by(e.quote))), None)
    if found is None or (fact.leader and same_person(fact.leader.name, found[0])):
        return fact
    name, role = found
    return type(fact).model_validate({**fact.model_dump(exclude={"leader"}), "leader": {"name": name, "role": role}})


#: A word of receiving a guest: the host receives ("ha ricevuto", "welcomed", "empfängt"), the guest is
#: received by the host ("è stata ricevuta dal sindaco", "wurde ... von Minister X empfangen").
_RECEIVES = re.compile(r"\b(?:ricev|accols|accolt|accogl|receiv|welcom|hosted\b|hosts\b|empf[äa]ng|empfing|re[çc]oi|re[çc]u"
                       r"|accueill|receb|recib)\w*", re.IGNORECASE)
#: The word before the host of a reception told in the passive.
_BY_HOST = re.compile(r"\b(?:da|dal|dalla|dallo|dall['’]|dai|dagli|dalle|by|par|por|pelo|pela|von|vom)\b", re.IGNORECASE)


def received(fact: Fact) -> Fact:
    """A visit whose leader its quotes name as the host of a reception led by the guest they name, one of
    its people; the host joins the people met, and the visit comes from the guest's body's country.

    Told "Il Prof. Maurizio Oliviero ... ha ricevuto ... il Prof. Olivier Artus, Rettore dell'Université
    Catholique de Lyon" or "Kramp-Karrenbauer wurde ... von Minister Claude Meisch ... empfangen", the
    small model makes the host the leader and the guest a member. A leader the model's title names, but for
    receiving ("Sindaco Alberto Villa receives ..."), is its reading of the visit, kept ("President Biden's
    Visit to Angola" quoting "President Biden hosted President João Lourenço in the Oval Office").
    """
    if not isinstance(fact, Mission) or fact.leader is None or (
            _names_in(fact.leader.name, fact.title) and not _RECEIVES.search(fact.title)):
        return fact  # "President Biden's Visit to Angola": the host of an earlier reception the quote recalls
    guests = [p for p in [*fact.delegation, *fact.counterparts] if not same_person(p.name, fact.leader.name)]
    for evidence in fact.evidence:
        host, guest = _reception(evidence.quote)
        if host is None or not _names_in(fact.leader.name, host):
            continue
        found = next((p for p in guests if _names_in(p.name, guest) and not _names_in(p.name, host)), None)
        if found is not None:
            return _led_by_guest(fact, found)
    return fact


def _reception(quote: str) -> tuple[str | None, str]:
    """(where ``quote`` names the host of a reception, where the guest), or (None, "") without one."""
    verb = _RECEIVES.search(quote)
    if verb is None:
        return None, ""
    near = _BY_HOST.search(quote, verb.end(), verb.end() + 40)
    if near is not None:  # "è stata ricevuta a Palazzo dal sindaco ..."
        return quote[near.end(): near.end() + 80], quote[: verb.start()]
    before = [m for m in _BY_HOST.finditer(quote, max(0, verb.start() - 120), verb.start()) if m.group().lower() in ("von", "vom")]
    if before:  # "... wurde X von Minister Y empfangen"
        return quote[before[-1].end(): verb.start()], quote[: before[-1].start()]
    return quote[: verb.start()], quote[verb.end():]


def _names_in(name: str, span: str) -> bool:
    """Whether ``span`` writes the last word of a person's ``name`` (the first may be misspelt)."""
    last = name_key(name).split()[-1:]
    return bool(last) and last[0] in name_key(span).split()


def _led_by_guest(fact: Mission, guest: Person) -> Mission:
    """``fact`` led by ``guest``, its leader among the people met, and from the guest's body's country."""
    body = next((p for p in fact.organizations if guest.organization and name_key(p.name) == name_key(guest.organization)), None)
    return type(fact).model_validate({
        **fact.model_dump(),
        "leader": guest.model_dump(),
        "delegation": [p.model_dump() for p in fact.delegation if p is not guest],
        "counterparts": [p.model_dump() for p in [fact.leader, *fact.counterparts] if p is not guest],
        "origin_country": body.country if body and body.country else fact.origin_country,
    })


def dated(fact: Fact, published: date | None) -> Fact:
    """A fact dated by what its quotes state, when the model gave no date or the article's own: a
    visit by the span of days it states ("dal 6 all'8 maggio"), any fact by a day named from the
    article's ("firmato ieri", "on Tuesday signed").

    Asked for the dates of a visit announced for next month, the small model copies the
    dateline; asked when an accord was signed "on Tuesday", it leaves the date empty.
    """
    when = date_fields(type(fact))[0]
    if getattr(fact, when) not in (None, published and published.isoformat()):
        return fact
    span = isinstance(fact, Mission) and next((s for e in fact.evidence if (s := date_range(e.quote, published))), None)
    if span:
        return fact.model_copy(update={"start_date": span[0], "end_date": span[1]})
    day = next((d for e in fact.evidence if (d := day_named(e.quote, published))), None)
    return fact if day is None else fact.model_copy(update={when: day})


def bound(fact: Fact) -> Fact:
    """A mission with no destination given the country or city its quotes name right after a word of
    travel ("will travel to Germany", "the visit to Angola", "in missione in Cina", "in visita a Pechino").

    The small model leaves the destination empty, or gives only a venue ("Presidential
    Palace"), when the article names the country only in the sentence announcing the trip.
    """
    if not isinstance(fact, Mission) or fact.destination.country:
        return fact
    for evidence in fact.evidence:
        for match in _TRAVEL_TO.finditer(evidence.quote):
            place = match["place"]
            code = next((country_code(w) for w in (place, place.split()[0]) if len(w) > 3 or w.isupper()), None)
            if code is None and not known_city(place):
                continue
            city, code = (None, code) if code else english_city(place)
            update = {"city": fact.destination.city or city, "country": code}
            return fact.model_copy(update={"destination": Place.model_validate({**fact.destination.model_dump(), **update})})
    return fact


#: A word of travel, then where to: "travel to", "visit to", "trip to the", "missione in", "in visita a".
_TRAVEL_TO = re.compile(
    r"\b(?i:travel(?:s|l?ed|l?ing)?|trips?|visits?|missions?|delegations?|missione|visita|viaggio|delegazione"
    r"|besuch(?:es|s)?|reise|visite|voyage|viagem|viaje)"
    r"\s+(?:to|in|a|ad|nel|nella|negli|nach|à|en|au|aux|ao)\s+(?:the\s+)?"
    r"(?P<place>[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)?)")


def turned(fact: Fact, home: str | None) -> Fact:
    """A visit the model placed in one country at both ends, with a body of another country among
    its senders, turned to run between the two, when one of them is the article's ``home``.

    In an Italian article on a delegation from abroad ("la delegazione di Zhaoqing ricevuta dal
    sindaco di Macerata") the small model writes IT as origin and destination, lists the visitors
    beside their hosts as senders, and makes the host who received them the leader. A visit joins
    two countries: with both ends at home, the foreign body's country is where it came from; with
    both ends abroad and a home body among the senders, home is where it went. The senders of the
    destination's country are then the hosts (``hosted``, which the pipeline applies next).
    """
    if not isinstance(fact, Mission) or not home or fact.origin_country != fact.destination.country:
        return fact
    both = fact.origin_country
    other = next((p.country for p in fact.organizations if p.country and p.country != both), None)
    if both is None or other is None or home not in (both, other):
        return fact
    origin, there = (other, home) if both == home else (both, home)
    place = fact.destination if there == both else Place(country=there, venue=fact.destination.venue)
    return fact.model_copy(update={"origin_country": origin, "destination": place})


def hosted(fact: Fact) -> Fact:
    """A visit from one country to another with senders of the country it went to: those are its
    hosts, and their people (its leader too) the people met.

    Told "il Rettore ha ricevuto una delegazione del Sichuan", the small model lists the university
    that received the visitors among those who sent them, and its rector as the leader.
    """
    if not isinstance(fact, Mission) or not fact.origin_country or fact.destination.country in (None, fact.origin_country):
        return fact
    there = fact.destination.country
    hosts = [p for p in fact.organizations if p.country == there]
    if not hosts:
        return fact
    host_names = {name_key(p.name) for p in hosts}
    visitors = [p for p in [fact.leader, *fact.delegation] if p is not None]
    met = [p for p in visitors if p.organization and name_key(p.organization) in host_names]
    return type(fact).model_validate({
        **fact.model_dump(),
        "organizations": [p.model_dump() for p in fact.organizations if p.country != there],
        "counterpart_organizations": [p.model_dump() for p in [*hosts, *fact.counterpart_organizations]],
        "leader": None if fact.leader in met else fact.leader and fact.leader.model_dump(),
        "delegation": [p.model_dump() for p in fact.delegation if p not in met],
        "counterparts": [p.model_dump() for p in [*met, *fact.counterparts]],
    })


#: "guidata dal", "led by", "headed by": what comes before the leader of a delegation.
_LED_BY = re.compile(
    r"\b(?:guidat[oaie]|capeggiat[oaie]|led|headed)\s+(?:(?:by(?:\s+the)?|da|dal|dallo|dalla|dai|dalle)\s+|dall['’]\s*)",
    re.IGNORECASE,
)
#: Where a clause goes on about something else: "and" before a lower-case word ("Mario Rossi e contraddistinta da").
_GOES_ON = re.compile(r"\s(?:e|ed|and|et|y)\s+(?=[a-zà-ý])")
#: The words after which an office's object comes ("Minister for Trade", "ministro degli Affari Esteri"):
#: capitalised words there start with the office's, and the name is the last two (a particle between).
_ROLE_OBJECT = frozenset({"for", "of", "to", "per", "di", "del", "della", "dello", "dei", "degli", "delle",
                          "al", "allo", "alla", "agli", "alle", "dell'", "dell’"})
#: A person's name: two capitalised words or more, a particle ("de", "van") between them allowed.
_NAME_AT_END = re.compile(r"(?:[A-ZÀ-Ý][\w'’-]+\s+(?:(?:de|da|del|di|van|von|bin|al)\s+)?)+[A-ZÀ-Ý][\w'’-]+$")


def led_by(quote: str) -> tuple[str, str | None] | None:
    """(name, role) of the leader a quote names after "led by", or None."""
    match = _LED_BY.search(quote)
    if match is None:
        return None
    clauses = [c.strip() for c in _GOES_ON.split(re.split(r"[.;:()\n]", quote[match.end():])[0])[0].split(",")]
    end = _NAME_AT_END.search(clauses[0])
    whole = next((c for c in clauses if _NAME_AT_END.fullmatch(c) and c is not clauses[0]), None)
    if whole is not None and not (end and _a_name(end.group())):  # "the minister, Mario Rossi"; not the next named
        return (whole, clauses[0] or None) if _a_name(whole) else None
    if end is None:
        return None
    words = end.group().split()
    first = next((i for i, w in enumerate(words) if not w.isupper()), len(words))  # "ICE Stefano ...": a body's
    before = clauses[0][: end.start()].split()
    if before and before[-1] in _ROLE_OBJECT:  # "Minister for Trade Rachel ..."
        first = max(first, len(words) - (3 if words[-2][:1].islower() else 2))  # the office's words are not hers
    name = " ".join(words[first:])
    role = clauses[0][: len(clauses[0]) - len(name)].strip() or None
    return (name, role) if _a_name(name) else None


#: What may stand between an office and its holder's name: what it is for ("Vice-President for Europe
#: Region:"), a copula ("il presidente sarà"), an honorific ("Ms.").
_TO_HOLDER = re.compile(
    r"(?:\s+(?:for|per)\s[^:.;]{1,60}(?=:))?\s*[:,]?\s*"
    r"(?:(?:sarà|sara'|è|e'|is|will be|was|est|es|ist)\s+)?"
    r"(?:(?:Mr|Ms|Mrs|Dr|Prof|Sig|Dott|On)\.?\s+)?"
)
#: Names held in common by an office: a list after the office ("vice-presidents A (X), B and C").
_HOLDERS = re.compile(r",|\s(?:e|ed|and|et|y|und)\s")
#: A person's name: two to four capitalised words, a particle ("de", "van") between them allowed.
_PERSON = r"(?:[A-ZÀ-Ý][\w'’-]+\s+(?:(?:de|da|del|di|van|von|bin|al|dos|du)\s+)?){1,3}[A-ZÀ-Ý][\w'’-]+"
_NAME_AT_START = re.compile(_PERSON)


def officers(sentence: str, text: str, own: Callable[[str], bool]) -> list[tuple[str, str]]:
    """``(name, role)`` of each person ``sentence`` names right after an office of the body ``own`` tells
    ("vicepresidenti Valter Caiumi (Modena) e Riccardo Maiarelli"), or after "presieduta da", the role the
    office's English title.

    An office is another body's when a name other than its own comes before it ("GS Group
    Chairman Huh Tae-soo"), when it is the object of another ("Senior Advisor to the President"),
    or when the name it runs into starts with a word ``text`` writes without the next ("il
    presidente Asseprim Umberto Bellini").
    """
    found: list[tuple[str, str]] = []
    words, titles = _offices()
    for match in words.finditer(sentence):
        before = _BEFORE_OFFICE.search(sentence[: match.start()])
        body = " ".join(w for w in (before.group("body") or "").split() if w.lower() not in _OPENERS) if before else ""
        if before and (before.group("object") or (body and not own(body))):
            continue
        role = titles[str(match.lastgroup)]
        rest = re.sub(r"\([^()]*\)", "", sentence[match.end():])
        rest = re.split(r"[.;:()\n]", rest[_TO_HOLDER.match(rest).end():])[0]  # type: ignore[union-attr]
        items = _HOLDERS.split(rest) if _PLURAL.search(match.group()) else [rest]
        held = len(found)
        for item in items:
            name = _NAME_AT_START.match(item.strip())
            if name is None or not _a_name(name.group()) or _other_body(name.group(), text):
                break
            found.append((name.group(), role))
        if len(found) == held and (taker := _taker(sentence, match, own)):
            found.append((taker, role))
    return found


def _taker(sentence: str, office: re.Match[str], own: Callable[[str], bool]) -> str | None:
    """The person a clause names as taking ``office`` of the body ``own`` tells ("Marianne Gassner from the
    Stuttgart Region Film Commission was elected treasurer"; "Film France's Patrick Lamassoure will be the
    organization's general secretary"), or names before it, the office of that body set beside the name
    ("ha detto Yann Tonnar, presidente della Luxembourg Film Academy e presidente del consiglio di
    amministrazione della Federazione"), or None: the office must end its clause or be the body's own."""
    after = sentence[office.end():]
    of = _OF_BODY.match(after)
    body = _HOLDERS.split(of.group("body"))[0] if of else ""
    its = bool(body) and (own(body) or _BACK.search(body) is not None)
    clause = re.split(r"[;:]", sentence[: office.start()])[-1]
    taken = _TAKES.search(clause) if its or _CLAUSE_END.match(after) else None
    if taken is None and its:
        taken = _APPOSED.search(clause)
    if taken is None:
        return None
    name = re.split(r"\S+['’]s\s+", taken.group("name"))[-1]  # "Film France's Patrick ...": hers, not the body's
    return name if _a_name(name) else None


def refers_to_body(sentence: str) -> bool:
    """Whether ``sentence`` refers back to the body the article is about ("the organization", "la Federazione")."""
    return _BACK.search(sentence) is not None


#: Words that may come before an office's title ("the", "la nuova", "the organization's").
_LEAD = r"the|its|il|la|l'|new|nuov[oa]|\w+['’]s"
#: A clause naming someone, then the verb by which they take an office named next.
_TAKES = re.compile(
    rf"(?P<name>{_PERSON})"
    r"[^;:]{0,80}?\s(?:will be|will serve as|was elected|was appointed|was named|has been (?:elected|appointed|named)"
    r"|becomes|became|(?:è|e') stat[oa] (?:elett|nominat|designat)[oa]|sarà|diventa|diventerà)\s+"
    rf"(?:(?:{_LEAD}|first|prim[oa])\s+)*$"
)
#: A name, then what is set beside it up to an office named next ("Yann Tonnar, presidente della X e ").
_APPOSED = re.compile(
    rf"(?P<name>{_PERSON}),\s+(?:[^,;:]{{0,80}}?\s(?:e|ed|and)\s+)?(?:(?:{_LEAD})\s+)*$"
)
#: Where an office's clause ends: punctuation, the text's end, or "and" before the next.
_CLAUSE_END = re.compile(r"\s*(?:[,;.)]|$|(?:and|e|ed)\s)")
#: An office followed by the body it is of ("general secretary of the organization", "presidente della Federazione").
_OF_BODY = re.compile(r"\s+(?:of|di|del|della|dello|dell['’]\s?)\s*(?P<body>[^,;.]+)")
#: Words that refer back to the body an article is about ("the organization", "la nuova Federazione").
_BACK = re.compile(
    r"(?i:(?:the|its|il|la|lo|l['’]\s?)\s*(?:new\s+|nuov[oa]\s+)?(?:organi[sz]ation|group|body|association|federation"
    r"|network|alliance|consortium|associazione|federazione|rete|alleanza|consorzio|organismo)\b)"
)


#: What comes right before an office of another body: its name ("GS Group Chairman"), or an office
#: whose object it is ("Senior Advisor to the President").
_BEFORE_OFFICE = re.compile(
    r"(?:(?:^|(?<=\s))(?P<body>(?:[A-ZÀ-Ý][\w'’.&-]*\s+){1,5})|(?P<object>\b(?:to|of|for|al|allo|alla|del|dello|della)"
    r"\s+(?:the\s+)?))$"
)
#: Capitalised words that open a sentence, not a body's name ("Il presidente", "The Chair").
_OPENERS = frozenset({"il", "la", "lo", "i", "gli", "le", "the", "der", "die", "das", "el", "los", "las", "its", "their"})
#: The end of an office word in the plural ("vicepresidenti", "vice-presidents", "segretari generali"):
#: only then may a list of names follow it.
_PLURAL = re.compile(r"(?:[is]|en|people)$", re.IGNORECASE)


def _other_body(name: str, text: str) -> bool:
    """Whether a run of three names or more starts with a word ``text`` writes without the next: a body's."""
    first, second, *more = name.split()
    return bool(more) and re.search(rf"\b{re.escape(first)}\b(?!\s+{re.escape(second)})", text) is not None


#: The office whose holder "presieduta da", "chaired by" names.
_CHAIRED = "President"


@cache
def _offices() -> tuple[re.Pattern[str], dict[str, str]]:
    """The office words of ``prompts/offices.json`` as one pattern, a group per title in the table's order
    ("Vice President" before "President"), "chaired" last, and the title each group stands for."""
    table = prompt_table("offices.json")
    words = {f"o{i}": (title, said) for i, (title, said) in enumerate(table["offices"].items())}
    words["chaired"] = (_CHAIRED, table["chaired"])
    alternatives = "|".join(f"(?P<{group}>{'|'.join(said)})" for group, (_, said) in words.items())
    return re.compile(rf"\b(?:{alternatives})", re.IGNORECASE), {group: title for group, (title, _) in words.items()}


def _a_name(name: str) -> bool:
    """Whether capitalised words are a person's name rather than a state or a city."""
    return len(name.split()) >= 2 and country_code(name) is None and not known_city(name)


#: Titles that only name a mission's type, folded as ``name_key`` folds them.
_TYPE_WORDS = frozenset({"mission", "missione", "delegation", "delegazione", "visit", "visita", "trip",
                         "trade mission", "official visit", "visita ufficiale"})


def _among(person: Person, people: list[Person]) -> bool:
    """Whether ``person`` is one of ``people`` (``normalizing.same_person``)."""
    return any(same_person(person.name, p.name) for p in people)


def _once(people: list[Person]) -> list[Person]:
    """``people`` with each person once, the first telling kept (the small model repeats a name in a list)."""
    kept: list[Person] = []
    for person in people:
        if not _among(person, kept):
            kept.append(person)
    return kept


def _bodies_once(parties: list[Party]) -> list[Party]:
    """``parties`` with each body once, by name, the first telling kept."""
    kept: dict[str, Party] = {}
    for party in parties:
        kept.setdefault(name_key(party.name), party)
    return list(kept.values())


def _state_of(party: Party) -> str | None:
    """The country a party is, when it is a state named as itself ("Germany"), else None."""
    code = country_code(party.name)
    return code if code and code == party.country else None


class FederationFields(Shape):
    # The acronym comes first: asked for the name first, small models write the
    # acronym there, and once the acronym is written they give the full name.
    acronym: OptText = None
    name: str = Field(description="full name as written")
    founded_on: IsoDate = None
    founded_in: Place | None = None
    affiliation: Party | None = Field(default=None, description="the body it belongs to")
    leaders: list[Person] = Field(default_factory=list, description="president, secretary general, ...")
    sector: Sector = Field(default=None, description="English")
    goals: EnglishPhrases = Field(default_factory=list, description="short English phrases")

    @model_validator(mode="after")
    def _short_form(self) -> FederationFields:
        """An acronym is a short form: the name again ("SMR Alliance" twice) is none."""
        if self.acronym and name_key(self.acronym) == name_key(self.name):
            self.acronym = None
        return self

    @model_validator(mode="after")
    def _not_its_own(self) -> FederationFields:
        """A body does not belong to itself, nor to one of its organs: the small model gives the federation,
        or its own committee ("Comitato di Coordinamento del FAIM" for FAIM), as its affiliation."""
        body = self.affiliation.name if self.affiliation else ""
        if body and (self.is_self(body) or written_in(self.name_keys(), body)):
            self.affiliation = None
        return self

    def name_keys(self) -> list[str]:
        """Its name and acronym as ``name_key`` folds them, those of three characters or more: what a sentence
        naming it, or one of its organs ("Comitato di Coordinamento del FAIM"), writes."""
        return [k for k in (name_key(self.name), name_key(self.acronym or "")) if len(k) >= 3]

    @model_validator(mode="after")
    def _own_leaders(self) -> FederationFields:
        """A leader holds an office of this body: an officer of another ("Commissioner ..., European
        Commission", who launched the alliance) is none of its leaders, nor is the body itself (the
        small model lists "Film Export U.K." among Film Export U.K.'s leaders)."""
        self.leaders = [p for p in self.leaders
                        if (not p.organization or self.is_self(p.organization)) and not self.is_self(p.name)]
        return self

    def is_self(self, body: str) -> bool:
        """Whether ``body`` names this federation: its acronym, or its name (or a short form of it)."""
        return name_key(body) == name_key(self.acronym or "") or fuzz.token_set_ratio(
            name_key(body), name_key(self.name)) >= 90


class Agreement(_Fact, AgreementFields, _Typed):
    """A cooperation, partnership, co-production, trade or intergovernmental agreement."""

    type: Literal["agreement"] = "agreement"


class Mou(_Fact, MouFields, _Typed):
    """A memorandum of understanding (memorandum/protocollo d'intesa)."""

    type: Literal["mou"] = "mou"


class Mission(_Fact, MissionFields, _Typed):
    """An institutional, trade or business delegation travelling to another place."""

    type: Literal["mission"] = "mission"


class Federation(_Fact, FederationFields, _Typed):
    """A federation, association, consortium or cluster founded or described."""

    type: Literal["federation"] = "federation"


Fact = Annotated[Union[Agreement, Mou, Mission, Federation], Field(discriminator="type")]

#: fact type name -> contract model, in the order the spec lists them.
FACT_TYPES: dict[str, type[Agreement | Mou | Mission | Federation]] = {
    "agreement": Agreement,
    "mou": Mou,
    "mission": Mission,
    "federation": Federation,
}
#: The type names as a JSON Schema enum, derived from the table above.
FactTypeName = Literal[tuple(FACT_TYPES)]  # type: ignore[valid-type]


class Stats(BaseModel):
    """What producing a record cost; not part of the contract, useful to users."""

    model_config = ConfigDict(extra="ignore")

    seconds: float = 0.0
    model_calls: int = 0
    cached_calls: int = Field(default=0, description="calls answered from the response cache")
    failed_calls: int = Field(default=0, description="calls whose answer stayed invalid; their facts are missing")
    translated: int = Field(default=0, description="phrases the model wrote in the article's language, put into English")
    prompt_tokens: int = 0
    completion_tokens: int = 0


def _require_contract(schema: dict[str, Any]) -> None:
    """Require the contract's record fields; those factx adds stay optional for records made elsewhere."""
    _require_all(schema)
    schema["required"] = [name for name in schema["required"] if name not in _ADDED_TO_RECORD]


#: Record fields beyond the contract: always written by factx, not required of other records.
_ADDED_TO_RECORD = ("prompt_version", "types", "publication_date", "stats")


class Record(Shape):
    """One document in, one record out."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_require_contract)

    source: str
    sha256: str
    language: str | None = None
    model: str
    prompt_version: str | None = Field(
        default=None, description="hash of the prompts and answer schemas; with sha256 and model, what a resumed run compares"
    )
    types: list[FactTypeName] = Field(
        default_factory=list, description="the fact types asked for: an empty `facts` means none of these"
    )
    publication_date: str | None = Field(default=None, description="found in the text or given by the user")
    facts: list[Fact] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    stats: Stats = Field(default_factory=Stats)
