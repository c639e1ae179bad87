"""Merge facts that report the same thing twice.

A fact comes back twice when a model repeats itself, and when a long document
is read in overlapping windows. Two facts of one type are the same fact when
their evidence spans overlap in the source, when they give one body the same
name or a short form of it on the same date, when the model gave them one title,
when they are one leader's visit to one country in one year, or when the later one
is quoted only as "this partnership"; the fuller one is kept, with the evidence of
both. A fact of one type told on the passage of a fact of another type, in words
that name only that other type, is the other fact told twice; an agreement whose
words name only a memorandum is that memorandum.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rapidfuzz import fuzz

from factx.models import (
    FACT_TYPES, Evidence, Fact, Federation, Mission, Party, led_by, officers, refers_to_body, unknown,
)
from factx.normalizing import country_code, name_key, same_person, written_in
from factx.splitting import sentences, whole_sentences
from factx.spotting import (
    chosen, founded, names, plural, proper_name, refers_back, renewed, spelled_out, stated_kind, tells, unnamed,
)

_NOT_CONTENT = {"type", "evidence", "grounded"}


def merge_duplicates(facts: list[Fact]) -> list[Fact]:
    """``facts`` with each group of same-type, overlapping-evidence facts made one, order kept."""
    kept: list[Fact] = []
    for fact in facts:
        i = next((i for i, k in enumerate(kept) if _same(k, fact)), None)
        if i is None:
            kept.append(fact)
        else:
            kept[i] = _combine(kept[i], fact)
    return kept


def retyped(facts: list[Fact]) -> list[Fact]:
    """``facts`` with each agreement whose quotes tell only a memorandum made that memorandum.

    Asked for agreements, the small model reports the "protocollo d'intesa" a sentence says
    will be signed, while its answer on memoranda quotes the visit around it; the agreement
    would then be dropped as untold (``drop_unmarked``) and the memorandum lost. The fields
    both types have are kept; a memorandum's own (aims, context) stay empty.
    """
    return [_as_mou(f) if _told_as_mou_only(f) else f for f in facts]


def _told_as_mou_only(fact: Fact) -> bool:
    return fact.type == "agreement" and not _told(fact) and any(  # _told: an ungrounded fact is not judged
        tells(e.quote, "mou") for e in fact.evidence)


def _as_mou(fact: Fact) -> Fact:
    mou = FACT_TYPES["mou"]
    shared = {name: getattr(fact, name) for name in mou.model_fields if name != "type" and name in type(fact).model_fields}
    return mou.model_validate(shared)


def worded(fact: Fact) -> Fact:
    """An agreement with the kind and status its own words state, whichever the model chose.

    The small model calls an "Audio-Visual Co-Production Agreement" a cooperation, and an
    accord "rinnovato per cinque anni" signed; a film-export analyst filters on the kind,
    and a renewal is no new accord.
    """
    if fact.type != "agreement":
        return fact
    told = [fact.title, *(e.quote for e in fact.evidence)]
    kind = next((kind for text in told if (kind := stated_kind(text))), fact.kind)
    status = "expanded" if fact.status == "signed" and any(renewed(text) for text in told) else fact.status
    return fact.model_copy(update={"kind": kind, "status": status})


def drop_nobody(facts: list[Fact]) -> list[Fact]:
    """``facts`` less each visit that names nobody who went (no leader, no member, no sending body)
    and is told only in words of travel, never as a mission or a delegation; and less each federation
    whose name is the model's word for none ("unknown"), a body it could not name.

    "In 2023, over 330,000 Peruvians traveled to the United States" is travel, not a
    delegation; the small model also makes a visit of a meeting it cannot place ("PAC-ADE
    members discussed this historic visit"). "La missione imprenditoriale partirà per Hanoi"
    names no one either, but it is a mission: an organiser's release leaves itself out.
    Judged once the visits are settled (a host taken for the leader is by then a person met).
    """
    return [f for f in facts if not (isinstance(f, Federation) and unknown(f.name)) and (
        not isinstance(f, Mission) or f.leader or f.delegation or f.organizations
        or any(names(e.quote, "mission", weak=False) for e in f.evidence))]


def leader_told(facts: list[Fact], text: str) -> list[Fact]:
    """``facts`` with the article's one sentence telling a mission led by someone ("la delegazione di
    imprenditori guidata dall'assessore ... Mirco Carloni"), or telling the mission of the sentence before
    it led ("La missione è promossa dai Ministeri ... L'iniziativa è guidata dal Vice ministro ..."), added
    to the quotes of its one visit, when they name no leader (``models.led`` then takes the leader from it).

    The model quotes a visit where it is described ("La missione a Dubai coinvolge oltre
    100 soggetti") and takes the official quoted most for its leader. With two visits, or
    two such sentences, whose leader is whose is not the program's to say.
    """
    visits = [f for f in facts if isinstance(f, Mission)]
    if len(visits) != 1 or any(led_by(e.quote) for e in visits[0].evidence):
        return facts
    said = list(dict.fromkeys(sentences(text)))
    named = [names(s, "mission", weak=False) for s in said]
    told = [s for i, s in enumerate(said) if led_by(s) and any(named[max(i - 1, 0):i + 1])]
    if len(told) != 1 or (start := text.find(told[0])) < 0:
        return facts
    quote = Evidence(quote=told[0], start=start, end=start + len(told[0]), alignment="exact")
    visit = visits[0]
    led = visit.model_copy(update={"evidence": sorted([*visit.evidence, quote], key=lambda e: e.start or 0)})
    return [led if f is visit else f for f in facts]


def officers_told(facts: list[Fact], text: str) -> list[Fact]:
    """``facts`` with each federation's officers that the article names after their office ("vicepresidenti
    Valter Caiumi ... e Riccardo Maiarelli", ``models.officers``) among its leaders, in the sentences that name
    it and no other federation, or name one of its leaders ("Weber is joined on the board by vice-presidents").

    Asked for a federation, the small model gives its president and leaves out the rest of its
    organs; a leader it gave with no role, or with another's name for one ("vicepresidente
    Riccardo Trigona"), takes the office written before it.
    """
    feds = [f for f in facts if isinstance(f, Federation)]
    said = list(dict.fromkeys(whole_sentences(text)))
    return [_officered(f, [s for s in said if _its_own(f, feds, s)], text) if isinstance(f, Federation) else f
            for f in facts]


def _its_own(fact: Federation, feds: list[Federation], sentence: str) -> bool:
    """Whether ``sentence`` speaks of ``fact`` and of no other federation: by name, by a leader's surname, or,
    the article's one federation, by words referring back to it ("the organization's general secretary")."""
    if any(written_in(f.name_keys(), sentence) for f in feds if f is not fact):
        return False
    surnames = [name_key(p.name.split()[-1]) for p in fact.leaders if len(p.name.split()) >= 2]
    return written_in([*fact.name_keys(), *surnames], sentence) or len(feds) == 1 and refers_to_body(sentence)


def _officered(fact: Federation, said: list[str], text: str) -> Federation:
    found = [(name, role) for s in said for name, role in officers(s, text, fact.is_self) if not fact.is_self(name)]
    given = [p.model_dump() for p in fact.leaders]
    leaders = [dict(p) for p in given]
    for name, role in found:
        if not any(same_person(p["name"], name) for p in leaders):
            leaders.append({"name": name, "role": role, "organization": fact.name})
    for person in leaders:
        office = next((role for name, role in found if same_person(person["name"], name)), None)
        if office and (not person["role"] or any(same_person(p["name"], person["role"]) for p in leaders)):
            person["role"] = office
    if leaders == given:
        return fact
    return type(fact).model_validate({**fact.model_dump(), "leaders": leaders})


def split_listed(facts: list[Fact]) -> list[Fact]:
    """``facts`` with each accord told in the plural between one body and several others made one
    accord with each of them.

    Shown "la firma di quattro nuovi accordi con importanti atenei nipponi", the small model
    reports one agreement whose parties are the Italian university and the three Japanese ones.
    An accord quoted in the plural ("accordi", "agreements": ``_plural`` in the triggers) whose
    parties are one body of a country and two or more bodies of one kind of another is split;
    one quoted in the singular ("una lettera di intenti tra le università di Trento, Bolzano e
    Innsbruck") is one accord among them all.
    """
    return [one for fact in facts for one in _each_partner(fact)]


def _each_partner(fact: Fact) -> list[Fact]:
    if fact.type not in _ONE_ACT or not any(plural(e.quote) for e in fact.evidence):
        return [fact]
    by_country: dict[str | None, list[Party]] = {}
    for party in fact.parties:
        by_country.setdefault(party.country, []).append(party)
    sides = sorted(by_country.values(), key=len)
    if len(sides) != 2 or len(sides[0]) != 1 or len({p.kind for p in sides[1]}) != 1 or None in by_country:
        return [fact]
    (subject,), partners = sides
    return [fact.model_copy(update={"parties": [subject, partner], "signatories": [
        p for p in fact.signatories if not (p.organization and _other_partner(p.organization, partner, partners))]})
        for partner in partners]


def _other_partner(organization: str, partner: Party, partners: list[Party]) -> bool:
    """Whether a signatory's ``organization`` is one of ``partners`` other than ``partner``."""
    return any(name_key(organization) == name_key(p.name) for p in partners if p is not partner)


def with_outcomes(facts: list[Fact]) -> list[Fact]:
    """``facts`` with each visit's outcomes holding the accords of the article made during it.

    A delegation's visit is told with the memorandum it signed, each a fact of its own; the
    small model gives the visit's aims as its outcomes and leaves the signing out. An agreement
    or memorandum is the visit's when they share a quote, or a body that is not a state (two
    states share many accords, a city hall and its guests one); one titled only "Agreement"
    makes no outcome that says anything.
    """
    acts = [f for f in facts if f.type in _ONE_ACT]
    return [_with_acts(f, [a for a in acts if _during(a, f)]) if isinstance(f, Mission) else f for f in facts]


def _during(act: Fact, visit: Mission) -> bool:
    bodies = {name_key(p.name) for p in [*visit.organizations, *visit.counterpart_organizations] if not _a_state(p)}
    return any(_overlaps(span, visit) for span in _spans(act)) or any(
        name_key(p.name) in bodies for p in act.parties if not _a_state(p))


def _with_acts(visit: Mission, acts: list[Fact]) -> Mission:
    made = [f"{act.title} {_DONE[getattr(act, 'status', 'signed')]}" for act in acts if _telling(act.title)]
    return visit.model_copy(update={"outcomes": list(dict.fromkeys([*made, *visit.outcomes]))}) if made else visit


#: How an accord's status reads as what came of a visit.
_DONE = {"signed": "signed", "expanded": "renewed", "proposed": "proposed", "negotiating": "under negotiation"}


def merge_mentions(facts: list[Fact]) -> list[Fact]:
    """``facts`` (in text order) with each one quoted only as "this partnership" merged into the one before.

    The model makes a fact of every sentence that names its type, and an article
    goes on about what it has told ("This new partnership presents...", "questo
    accordo prevede..."). A fact whose quotes name its type only in words that refer
    back is the last earlier fact of that type, told again; with none before, it stays.
    """
    kept: list[Fact] = []
    for fact in facts:
        earlier = next((i for i in reversed(range(len(kept))) if kept[i].type == fact.type), None)
        if earlier is not None and refers_back(" … ".join(e.quote for e in fact.evidence), fact.type):
            kept[earlier] = _combine(kept[earlier], fact)
        else:
            kept.append(fact)
    return kept


def drop_restated(facts: list[Fact]) -> list[Fact]:
    """``facts`` less each one whose evidence is another type's fact and names only that type.

    The model, asked for agreements, reports the MoU a sentence states ("signed a
    memorandum"); asked for missions, the alliance a sentence launches. Such a fact
    shares its evidence with the real one, and its quotes name the other type and
    not its own. A sentence that names both ("the delegation signed an agreement")
    states both, and both are kept. A fact the model titled as the other, in words naming
    only the other's type ("MoU between AICS and ADM" as an agreement), is that fact too, and so
    is an agreement titled only "Agreement" between a memorandum's bodies on its day.
    """
    return [f for f in facts if not any(_restates(f, other) or _loosely(f, other) for other in facts if other.type != f.type)]


def _loosely(fact: Fact, other: Fact) -> bool:
    """Whether an agreement titled only "Agreement" is a memorandum of the same bodies (one's among the
    other's), none a state, on its day (or undated), told in a loose word: an article calls its "protocollo
    d'intesa" an "accordo" too, and the model lists the guests of its ceremony among the parties."""
    if fact.type != "agreement" or other.type != "mou" or _telling(fact.title):
        return False
    bodies = _bodies(fact)
    days = {getattr(f, "date") for f in (fact, other)} - {None}
    states = any(_a_state(p) for p in fact.parties)  # two states sign many accords
    theirs = _bodies(other)
    return bool(bodies and theirs) and not states and (bodies <= theirs or theirs <= bodies) and len(days) <= 1


def drop_unmarked(facts: list[Fact], text: str) -> list[Fact]:
    """``facts`` less each one whose quotes hold no trigger word of its type, unless a federation
    the ``text`` names, by name or acronym, in a sentence telling it founded or its organs chosen.

    The model, shown a sentence with an agreement's word, reports as agreements the
    goals and programmes around it; asked for federations, the union a statement
    names. A fact the article states is told in words of its type (a delegation, a
    visit; an accord, signed; an alliance), and its evidence quotes them. A body
    that is a country ("Ukraine") is no federation, whatever its quotes say. A fact
    whose quotes are not in the article is already flagged ungrounded and is kept
    so (``--strict`` drops it): its quotes are not the article's words to judge. The model
    quotes a federation where it is first named ("the 10th World Congress of the World Federation
    of UNESCO Clubs was held in Seoul"); the article may tell its organs elsewhere ("Election of
    the new Executive Board of WFUCA"). A body's name is written with a capital: a name the text writes only
    in lower case is the model's word for something else ("mediation").
    """
    feds = [f for f in facts if isinstance(f, Federation)]
    return [f for f in facts if (_told(f) or _organs_told(f, text, feds)) and not _a_state(f) and not _unnamed(f, text)]


def _unnamed(fact: Fact, text: str) -> bool:
    """Whether a federation's name is words ``text`` writes only in lower case ("mediation"): no body's name."""
    if not isinstance(fact, Federation):
        return False
    written = [m.group() for m in re.finditer(rf"(?<!\w){re.escape(fact.name.strip())}(?!\w)", text, re.IGNORECASE)]
    return bool(written) and all(w[:1].islower() for w in written)


def _organs_told(fact: Fact, text: str, feds: list[Federation]) -> bool:
    """Whether ``text`` names federation ``fact`` in a sentence that tells it founded or its organs
    chosen, in words outside its name ("the Advisory Council" is no council chosen), or tells organs
    chosen in the sentence after one naming it, naming no federation, another of ``feds`` or a body they
    are of ("... hanno fatto il proprio ingresso in Uni-Italia. Il nuovo Consiglio di amministrazione, ...";
    not "the new Executive Board of the Congress")."""
    if not isinstance(fact, Federation):
        return False
    keys = fact.name_keys()
    others = [key for f in feds if f is not fact for key in f.name_keys()]
    named_before = False
    for sentence in sentences(text):
        plain = f" {name_key(sentence)} "
        blanked = _blanked(plain, keys)
        named = blanked != plain
        if chosen(blanked) and (named or named_before and _of_no_one(sentence, others)):
            return True
        named_before = named
    return False


def _of_no_one(sentence: str, others: list[str]) -> bool:
    """Whether ``sentence`` names no federation, none of the bodies ``others`` folds, and no body a thing is of."""
    return not (proper_name(sentence, "federation") or written_in(others, sentence) or _OF_NAMED.search(sentence))


#: A body named as what something is of ("Board of the Congress", "Consiglio della Regione").
_OF_NAMED = re.compile(r"\b(?:of|di|del|dello|della|dei|degli|delle|de|des|du)(?:\s+the)?\s+[A-ZÀ-Ý]")


def _blanked(plain: str, keys: list[str]) -> str:
    for key in keys:
        plain = plain.replace(f" {key} ", " … ")
    return plain


def founded_named(facts: list[Fact]) -> list[Fact]:
    """``facts`` with each federation named for the body its quote tells founding another ("USAID launched
    the Africa Tech for Trade Alliance") named for the one founded, less the founder's acronym and leaders.

    Asked for federations, the small model names the subject of the sentence. A name
    with a federation's word ("... Alliance") is the model's own reading and stays.
    """
    return [_as_founded(f) if isinstance(f, Federation) else f for f in facts]


def _as_founded(fact: Federation) -> Federation:
    if proper_name(fact.name, "federation"):
        return fact
    body = next((b for e in fact.evidence if (b := founded(e.quote))), None)
    if body is None or fact.is_self(body):
        return fact
    return type(fact).model_validate({**fact.model_dump(), "name": body, "acronym": None, "leaders": []})


def full_named(facts: list[Fact], text: str) -> list[Fact]:
    """``facts`` with each federation named by its short form ("Ita.C.A.") named in full as the article
    writes it beside that form ("Associazione Italiana Cinema e Audiovisivo, ovvero Ita.C.A."), the short
    form kept as its acronym. The contract asks for the full name; the small model copies the headline's."""
    return [_in_full(f, text) if isinstance(f, Federation) else f for f in facts]


def _in_full(fact: Federation, text: str) -> Federation:
    name = spelled_out(fact.name, text)
    if name is None:
        return fact
    return type(fact).model_validate({**fact.model_dump(), "name": name, "acronym": fact.acronym or fact.name})


def drop_recalled(facts: list[Fact], published: date | None) -> list[Fact]:
    """``facts`` less the events (visits, agreements, memoranda) dated ``RECALLED_YEARS`` or more before ``published``.

    News reports what happened now and recalls what happened long ago ("the first
    champions to visit the White House came in 1963"); the model reports both. A
    federation keeps its founding date, however old: a body described now is news.
    """
    if published is None:
        return facts
    return [f for f in facts if not ((d := _event_date(f)) and int(d[:4]) <= published.year - RECALLED_YEARS)]


#: How many years before the publication an event is history the article recalls.
RECALLED_YEARS = 5


def _event_date(fact: Fact) -> str | None:
    """When an event fact happened (a mission's start, an agreement's date); None for a federation."""
    return getattr(fact, "start_date", None) or getattr(fact, "date", None)


def _told(fact: Fact) -> bool:
    """Whether a grounded fact's quotes hold a word of its type (an ungrounded one is not judged)."""
    body = proper_name(getattr(fact, "name", None) or "", fact.type)  # "Associazione Italiana ...": a body by name
    return not fact.grounded or any(tells(e.quote, fact.type, named_body=body) for e in fact.evidence)


def _a_state(fact: Fact | Party) -> bool:
    """Whether a body (a federation, a party) is a country ("Ukraine"), which no federation,
    alliance or association is, and which shares too many accords to tie one to a visit."""
    name = getattr(fact, "name", None)
    return bool(name) and country_code(name) is not None


def _restates(fact: Fact, other: Fact) -> bool:
    """Whether ``fact``'s quotes on ``other``'s passage name ``other``'s type and not its own.

    A quote there that tells ``fact``'s type as well ("the accord was reached during the first
    visit of ..."), or a quote elsewhere that names it in so many words ("the Sichuan
    delegation"), makes it a fact of its own.
    """
    shared = [e.quote for e in fact.evidence if e.start is not None and e.end is not None
              and _overlaps((e.start, e.end), other)]
    own = any(names(q, fact.type) or tells(q, fact.type) for q in shared) or any(
        names(e.quote, fact.type, weak=False) for e in fact.evidence)
    return (bool(shared) and not own and any(names(q, other.type) for q in shared)) or _retitled(fact, other)


#: Types one act may be told as, whose words a text and the model use for each other ("the accord" for a memorandum).
_ONE_ACT = frozenset({"agreement", "mou"})


def _retitled(fact: Fact, other: Fact) -> bool:
    """Whether the model gave ``fact`` the title of ``other``, a fact of the other type of one act, and the title
    names only that type and says more ("MoU between AICS and ADM", reported as an agreement too). A title of
    the type's words alone ("Letter of Intent", given to the delegation that signed it) tells nothing; a
    visit titled as the accord it renewed is still a visit."""
    if {fact.type, other.type} != _ONE_ACT:
        return False
    title = getattr(fact, "title", None) or ""
    said = [w for w in name_key(unnamed(title, other.type)).split() if len(w) >= 3]
    return _one_title(fact, other) and names(title, other.type) and not names(title, fact.type) and len(said) >= 2


def _overlaps(span: tuple[int, int], fact: Fact) -> bool:
    return any(span[0] < e and s < span[1] for s, e in _spans(fact))


def _spans(fact: Fact) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in fact.evidence if e.start is not None and e.end is not None]


def _same(a: Fact, b: Fact) -> bool:
    if a.type != b.type:
        return False
    return (_one_body(a, b) or _one_title(a, b) or _one_visit(a, b) or _bare_twin(a, b) or _one_signing(a, b)
            or _among_the_same(a, b) or any(_overlaps(span, b) for span in _spans(a)))


def _one_signing(a: Fact, b: Fact) -> bool:
    """Whether two accords are one signing: one day (or neither dated), one signatory, and one's parties
    among the other's. The small model reports a memorandum again from the headline, with fewer parties;
    a rector signing accords with two universities that day signs two (neither's parties hold the other's)."""
    if a.type not in _ONE_ACT or not (_one_day(a, b) or not a.date and not b.date):
        return False
    bodies_a, bodies_b = _bodies(a), _bodies(b)
    shared = any(same_person(p.name, q.name) for p in a.signatories for q in b.signatories)
    return shared and bool(bodies_a and bodies_b) and (bodies_a <= bodies_b or bodies_b <= bodies_a)


def _bare_twin(a: Fact, b: Fact) -> bool:
    """Whether two accords tell one subject (one is titled only by its type, "Agreement", or one title's
    subject is among the other's) and both are between the same bodies, or were signed by the same people
    on one day: the small model reports an accord again under another title ("MOU with the Chamber", "X
    and the Chamber Sign MOU"), from another sentence, and splits a body's name ("Pessano con Bornago":
    "Pessano", "Bornago") in one telling and not in the other. Two countries' governments sign many
    accords: between two bodies, their names must be the same ("Government of Canada" and "Canada" may
    sign another)."""
    if a.type not in _ONE_ACT or _telling(a.title) and _telling(b.title) and not _one_subject(a, b):
        return False
    signed = _one_day(a, b) and len(a.signatories) >= 2 and _same_names(
        [p.name for p in a.signatories], [p.name for p in b.signatories])
    bodies = _bodies(a)
    return signed or (len(bodies) >= 2 and bodies == _bodies(b))


def _one_day(a: Fact, b: Fact) -> bool:
    """Whether two accords are dated the same day (a day, not "2022")."""
    day = getattr(a, "date", None)
    return bool(day) and len(day) >= 10 and day == getattr(b, "date", None)


def _among_the_same(a: Fact, b: Fact) -> bool:
    """Whether two accords are between the same three bodies or more, however each is titled: an article
    tells one accord among three towns (a twinning) from its headline, its body and its ceremony; two
    countries sign many (the same two bodies make no twins)."""
    return a.type in _ONE_ACT and len(a.parties) >= 3 and _same_bodies(a, b)


def _same_bodies(a: Fact, b: Fact) -> bool:
    return _same_names([p.name for p in a.parties], [p.name for p in b.parties])


def _same_names(names_a: list[str], names_b: list[str]) -> bool:
    """Whether two lists name the same bodies or people, each of one list as one of the other's (``_one_name``)."""
    return len(names_a) == len(names_b) and all(any(_one_name(x, y) for y in names_b) for x in names_a) and all(
        any(_one_name(x, y) for x in names_a) for y in names_b)


def _one_name(x: str, y: str) -> bool:
    """One body or person: one name's words among the other's (``same_person``: "Bracciano", "Comune
    Bracciano"), or a spelling apart ("Neusaess", "Neussaess")."""
    return same_person(x, y) or bool(name_key(x) and name_key(y)) and fuzz.ratio(name_key(x), name_key(y)) >= _SPELLING


#: How alike two spellings of one name are (``fuzz.ratio``): a doubled or dropped letter in a word of eight.
_SPELLING = 90


def _bodies(act: Fact) -> set[str]:
    """The parties of an agreement or memorandum, by ``name_key``."""
    return {name_key(p.name) for p in act.parties}


def _one_title(a: Fact, b: Fact) -> bool:
    """Whether the model gave two facts one title of three words or more ("MOU for Jordan"):
    it titles a fact the same each time it is told; a bare "Mission" says nothing."""
    title_a, title_b = getattr(a, "title", None), getattr(b, "title", None)
    return bool(title_a and title_b) and name_key(title_a) == name_key(title_b) and _telling(title_a)


def _telling(title: str) -> bool:
    """Whether a title says which fact it is: three words or more; a bare "Mission" or "Agreement" says nothing."""
    return len(name_key(title).split()) >= 3


def _one_subject(a: Fact, b: Fact) -> bool:
    """Whether one accord's subject is among the other's: ``_subject`` of one title within the other's."""
    subject_a, subject_b = _subject(a), _subject(b)
    return subject_a <= subject_b or subject_b <= subject_a


def _subject(act: Fact) -> set[str]:
    """What an accord's title tells besides its type and its parties: its words of five letters or more
    ("Agreement on Cultural Cooperation": cultural, cooperation; "MOU with the Chamber": none)."""
    parties = {word for party in act.parties for word in _words(party.name)}
    return {word for word in _words(unnamed(act.title, act.type)) - parties if len(word) >= 5}


def _one_visit(a: Fact, b: Fact) -> bool:
    """Whether two missions are one visit: one leader, to no two different countries, in no two different years."""
    if not (isinstance(a, Mission) and isinstance(b, Mission)):
        return False
    countries = {m.destination.country for m in (a, b) if m.destination.country}
    years = {d[:4] for d in (a.start_date, b.start_date) if d}
    return (_one_leader(a, b) or _one_city(a, b)) and len(countries) < 2 and len(years) < 2


def _one_city(a: Mission, b: Mission) -> bool:
    """Whether two visits titled only by their type go to one city, one of them led by no one named: the
    small model, asked twice about one trip's sentences, answers a bare "Mission" each time."""
    cities = {name_key(m.destination.city or "") for m in (a, b)}
    return len(cities) == 1 and "" not in cities and not (a.leader and b.leader) and not (
        _telling(a.title) or _telling(b.title))


def _one_leader(a: Mission, b: Mission) -> bool:
    """Whether two missions have one leader: one name the other's short form, or, when one names no leader,
    the other's leader among its members (a trip told again from another stop: "the mayor and the
    assessor visited Zhuhai too")."""
    if a.leader and b.leader:
        return same_person(a.leader.name, b.leader.name)
    led, unled = (a, b) if a.leader else (b, a)
    return led.leader is not None and any(same_person(led.leader.name, p.name) for p in unled.delegation)


def _one_body(a: Fact, b: Fact) -> bool:
    """Whether two facts name one body: the same name, or one name the short form of the other.

    An article names a body in full once and shortly elsewhere ("the European Solar
    Alliance" for "the European Solar Photovoltaic Industry Alliance"); a short form
    is two or more of the full name's words of four letters or more ("the Alliance" is
    none), and the two facts give no different dates.
    """
    name_a, name_b = getattr(a, "name", None), getattr(b, "name", None)
    if not (name_a and name_b):
        return False
    words_a, words_b = _words(name_a), _words(name_b)
    short, full = sorted((words_a, words_b), key=len)
    dates = {d for d in (getattr(a, "founded_on", None), getattr(b, "founded_on", None)) if d}
    return short == full or (sum(len(w) >= 4 for w in short) >= 2 and short < full and len(dates) < 2)


def _words(name: str) -> set[str]:
    """A name's words, blind to case, accents and punctuation: a short form's are among the full name's."""
    return set(name_key(name).split())


def _filled(value: Any) -> int:
    """How many leaf values are known (not null, not empty) in a dumped fact."""
    if isinstance(value, dict):
        return sum(_filled(v) for v in value.values())
    if isinstance(value, list):
        return sum(_filled(v) for v in value)
    return value is not None and value != ""


def _combine(a: Fact, b: Fact) -> Fact:
    """The fuller of two facts (the first on a tie), carrying both facts' evidence in text order.

    A body named twice keeps the longer name: the other is its short form.
    """
    richer, other = (b, a) if _filled(b.model_dump(exclude=_NOT_CONTENT)) > _filled(
        a.model_dump(exclude=_NOT_CONTENT)
    ) else (a, b)
    evidence = {(e.start, e.end, e.quote): e for e in [*richer.evidence, *other.evidence]}
    update: dict[str, Any] = {"evidence": sorted(evidence.values(), key=lambda e: (e.start is None, e.start or 0))}
    names = [n for n in (getattr(richer, "name", None), getattr(other, "name", None)) if n]
    if names:
        update["name"] = max(names, key=lambda n: len(n.split()))
    return richer.model_copy(update=update)
