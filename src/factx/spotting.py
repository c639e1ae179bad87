"""Spot the sentences that may state each fact type, by words the program knows.

The small model answers ``{"facts": []}`` for a visit or an alliance the text
plainly states when it must find the passage on its own, and invents facts of
a type the text never mentions. So the program decides where to look: a type
is asked for only where one of its trigger words occurs (``prompts/triggers.json``,
generic vocabulary in the languages factx reads), and the question shows the
model those sentences. Recall first: a trigger may be loose; the model, shown
the sentence, says whether it states a fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from factx.resources import prompt_table
from factx.splitting import pieces, sentences

#: Sentences spotted per type and window: enough for a fact sheet's list.
MAX_SENTENCES = 8
#: Sentences shown in one question: shown eight, the model reports the first one or two.
PER_QUESTION = 4
#: A longer sentence is shown cut around its trigger (a list flattened into one "sentence").
MAX_SENTENCE_CHARS = 400


def _triggers() -> dict[str, Any]:
    """``prompts/triggers.json``."""
    return prompt_table("triggers.json")


#: The kinds of trigger word that name a fact: its names, and the weak ones ("partnership").
_NAMING = ("names", "weak")


def any_of(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of ``words`` at a word start, blind to case (none: one that never matches)."""
    return re.compile("|".join(rf"(?:\b{w})" for w in words) or "(?!)", re.IGNORECASE)


@cache
def _patterns(kinds: tuple[str, ...] = ("names", "weak", "cues", "picks")) -> dict[str, re.Pattern[str]]:
    """Fact type -> one pattern of its trigger words of the given kinds."""
    return {
        fact_type: any_of(w for kind in kinds for w in groups.get(kind, ()))
        for fact_type, groups in _triggers().items()
        if not fact_type.startswith("_")
    }


@cache
def _not() -> dict[str, re.Pattern[str]]:
    """Fact type -> its phrases that use one of its words for no fact ("accordo politico", "d'accordo")."""
    return {
        fact_type: any_of(groups["not"])
        for fact_type, groups in _triggers().items()
        if not fact_type.startswith("_") and groups.get("not")
    }


#: Typographic apostrophes as the plain one the triggers are written with ("lettera d’intenti"), one for one.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def _plain(text: str, fact_type: str) -> str:
    """``text`` with plain apostrophes and ``fact_type``'s 'not' phrases blanked, so their words trigger
    nothing (offsets kept)."""
    text = text.translate(_APOSTROPHES)
    pattern = _not().get(fact_type)
    return text if pattern is None else pattern.sub(lambda m: " " * len(m.group()), text)


def names(text: str, fact_type: str, *, weak: bool = True) -> bool:
    """Whether ``text`` names a fact of ``fact_type`` (a delegation, an agreement), not just a cue of one;
    not ``weak``: in a word that names nothing else ("delegation", not "partnership")."""
    return _patterns(_NAMING if weak else ("names",))[fact_type].search(_plain(text, fact_type)) is not None


def unnamed(text: str, fact_type: str) -> str:
    """``text`` with the words that name ``fact_type`` taken out: "Letter of Intent" leaves nothing."""
    return _patterns(_NAMING)[fact_type].sub(" ", _plain(text, fact_type))


@cache
def _back() -> re.Pattern[str]:
    """What ends the text just before a name that refers back: "this", "questo", "this new", "quest'"."""
    return re.compile(rf"\b(?:{'|'.join(_triggers()['_back']['words'])})(?:\s+[\w-]+)?\s*$", re.IGNORECASE)


def refers_back(text: str, fact_type: str) -> bool:
    """Whether ``text`` names ``fact_type`` and only in words that refer back ("this partnership", "questo accordo")."""
    plain = _plain(text, fact_type)
    found = list(_patterns(_NAMING)[fact_type].finditer(plain))
    return bool(found) and all(_back().search(plain, 0, m.start()) for m in found)


def proper_name(text: str, fact_type: str) -> bool:
    """Whether ``text`` names a fact of ``fact_type`` with a capital, as a body's name is written ("Alliance").

    "associations" and "alliances" in running text refer to bodies in general;
    "the Alliance" or "la Federazione" is one the article is about.
    """
    return any(m.group()[:1].isupper() for m in _patterns(_NAMING)[fact_type].finditer(_plain(text, fact_type)))


def tells(text: str, fact_type: str, *, named_body: bool = False) -> bool:
    """Whether ``text`` tells a fact of ``fact_type``: holds a name or a cue of it (a name only, for a
    type marked ``named``), or a weak name ("partnership") beside an act ("new", "launched", "signed"):
    "our long-standing partnership" is a relationship, "the new partnership" a fact. A fact whose own
    name is a body's (``named_body``: "Associazione Italiana ...") may be told in lower case ("l'associazione")."""
    text = _plain(text, fact_type)
    told = ("names",) if _triggers()[fact_type].get("named", False) else ("names", "cues")  # cues only pick
    if _patterns(told)[fact_type].search(text):
        return True
    proper = _triggers()[fact_type].get("proper", False) and not named_body  # "our alliances" is no body
    weak = (m.group() for m in _patterns(("weak",))[fact_type].finditer(text))
    return any(not proper or word[:1].isupper() for word in weak) and bool(_patterns(("acts",))[fact_type].search(text))


def states(sentence: str, fact_type: str) -> bool:
    """Whether ``sentence`` states a fact of ``fact_type`` outright, so an answer with none missed it: it
    tells one, or names a body beside its founding ("to launch a trade association, Film Export")."""
    return tells(sentence, fact_type) or (fact_type == "federation" and names(sentence, fact_type) and chosen(sentence))


def founded(quote: str) -> str | None:
    """The body ``quote`` tells founded or given its organs, by its name ("USAID launched the Africa Tech
    for Trade Alliance", "ha costituito l'Associazione Italiana Export"): the first capitalised name after
    the act that holds a federation's word with a capital and another word ("élu président de cette
    nouvelle Association." names none), or None. An act inside a name ("United Launch Alliance") is none."""
    plain = _plain(quote, "federation")
    act = next((m for m in _patterns(("chosen",))["federation"].finditer(plain) if not _in_a_name(plain, m)), None)
    if act is None:
        return None
    run = _CAPITALISED_RUN.search(plain, act.end())
    if run is None:
        return None
    name = run.group()
    name = name[:-1] if name.endswith(".") and "." not in name[:-1] else name  # the sentence's stop, not "Ita.C.A."'s
    return name if proper_name(name, "federation") and unnamed(name, "federation").strip() else None


def _in_a_name(text: str, word: re.Match[str]) -> bool:
    """Whether a word is part of a name: capitalised, right after another capitalised word ("United Launch Alliance")."""
    before = text[: word.start()].split()[-1:]
    return word.group()[:1].isupper() and bool(before) and before[0][:1].isupper() and not before[0].endswith((".", ":"))


#: A name as written in running text: capitalised words, small joining words between them.
_CAPITALISED_RUN = re.compile(
    r"\b[A-ZÀ-Ý][\w.&'-]*(?:\s+(?:(?:of|for|and|on|the|di|del|della|dei|degli|delle|per|e|de|des|du|la|et|y|da|do|dos"
    r"|das|der|für|zur|zum|von)\s+)*(?:[ld]['’])?[A-ZÀ-Ý][\w.&'-]*)*"
)


def spelled_out(short: str, text: str) -> str | None:
    """The full name ``text`` writes beside ``short``, a body's short form ("Associazione Italiana Cinema e
    Audiovisivo, ovvero Ita.C.A.", "... Network (GPDNET)", "CTEN (Clean-Tech Energy Network)"), when it holds a
    federation's word with a capital or whose initials are ``short``'s letters ("Fonds Panafricain du Cinéma et de
    l’Audiovisuel (FPCA)"); None when ``short`` is no short form (it has a space, or one capital) or the text
    writes none beside it."""
    if not short or " " in short.strip() or sum(c.isupper() for c in short) < 2:
        return None
    named = re.escape(short.strip())
    full = _CAPITALISED_RUN.pattern
    for pattern in (rf"(?P<full>{full})\s*(?:\(\s*|,\s*(?:(?:ovvero|ossia|cio[èe]|or|i\.e\.)\s+)?|[-–—]\s*){named}",
                    rf"{named}\s*\(\s*(?P<full>{full})\s*\)"):
        for match in re.finditer(pattern, text):
            name = _body_of(match.group("full"))
            if name != short and proper_name(name, "federation"):
                return name
            if (initialled := _initialled(name, short.strip())) is not None:
                return initialled
    return None


def _initialled(run: str, short: str) -> str | None:
    """The end of ``run`` whose capitalised words' first letters are ``short``, an elided article left out
    ("Constitutive du Fonds Panafricain du Cinéma et de l’Audiovisuel", FPCA: "Fonds ... l’Audiovisuel")."""
    starts = [m.start() for m in re.finditer(r"(?<!\S)[A-ZÀ-Ý]", run)]
    for start in starts:
        words = (re.sub(r"^[ld]['’]", "", w) for w in run[start:].split())
        if "".join(w[0] for w in words if w[:1].isupper()) == short.upper():
            return run[start:]
    return None


def _body_of(run: str) -> str:
    """``run`` less a lead that holds no federation's word ("An Inaugural Assembly of the Global ... Network":
    the network; "World Federation of UNESCO Clubs" stays whole)."""
    lead = _OF.search(run)
    if lead and not proper_name(run[:lead.start()], "federation") and proper_name(run[lead.end():], "federation"):
        return _body_of(run[lead.end():])
    return run


#: A joining word between a name's lead and the body it names ("... of the ...", "... della ...").
_OF = re.compile(r"\s+(?:of|di|del|della|dei|degli|delle|de|des|du)(?:\s+the)?\s+")


def plural(text: str) -> bool:
    """Whether ``text`` names several accords at once ("quattro nuovi accordi"): ``_plural`` of the triggers."""
    return _plural().search(text.translate(_APOSTROPHES)) is not None


@cache
def _plural() -> re.Pattern[str]:
    return any_of(_triggers()["_plural"]["words"])


def chosen(text: str) -> bool:
    """Whether ``text`` tells a body founded or its organs chosen ("established", "Election of the new
    Executive Board", "la nuova presidente"): ``chosen`` of the federation triggers."""
    return bool(_patterns(("chosen",))["federation"].search(_plain(text, "federation")))


@cache
def _kinds() -> dict[str, re.Pattern[str]]:
    """Agreement kind -> the words that state it (``kinds`` in ``prompts/triggers.json``)."""
    kinds = _triggers()["agreement"]["kinds"]
    return {kind: any_of(words) for kind, words in kinds.items() if not kind.startswith("_")}


def stated_kind(text: str) -> str | None:
    """The agreement kind ``text`` states in words ("co-production"), or None."""
    plain = _plain(text, "agreement")
    return next((kind for kind, words in _kinds().items() if words.search(plain)), None)


#: How near, in characters, a word of renewal stands to the agreement it renews ("accordo ... rinnovato").
_NEAR = 45


def renewed(text: str) -> bool:
    """Whether ``text`` tells an agreement renewed or widened: a word of renewal ("rinnovato", "addendum",
    "expanded") near a name of one, not anywhere in a sentence that renews a commitment beside it."""
    plain = _plain(text, "agreement")
    names_at = [m.start() for m in _patterns(_NAMING)["agreement"].finditer(plain)]
    return any(abs(m.start() - at) <= _NEAR for m in _renewal().finditer(plain) for at in names_at)


@cache
def _renewal() -> re.Pattern[str]:
    return any_of(_triggers()["agreement"]["renewed"])


def spot(text: str, fact_type: str) -> list[str]:
    """Up to ``MAX_SENTENCES`` sentences of ``text`` holding a trigger word of ``fact_type``, in text order."""
    pattern = _patterns()[fact_type]
    found: list[str] = []
    for sentence in sentences(text):
        match = pattern.search(_plain(sentence, fact_type))
        if match is None or sentence in found:
            continue
        found.append(_around(sentence, match.start()))
        if len(found) == MAX_SENTENCES:
            break
    return found


def unreported(text: str, fact_type: str, told: Sequence[tuple[int, int]], types: Iterable[str]) -> list[tuple[int, int]]:
    """The clauses of ``text``'s lists of facts that name a ``fact_type`` outside every ``told`` span.

    Shown a sentence that names several facts ("sono stati sottoscritti un Memorandum sulla pesca, un
    Accordo sul museo e un Memorandum sui beni culturali"), the small model reports the first. In a
    sentence naming two facts of one type or three facts (of the ``types`` asked), each name of ``fact_type`` that no
    reported fact's evidence (``told``, offsets in ``text``) covers gives its clause, as ``(start, end)``
    in ``text``: from the word after the list's last separator before it (a comma, "e", "and") to the
    next one's clause, at most ``MAX_SENTENCE_CHARS`` long.
    """
    clauses: list[tuple[int, int]] = []
    for start, end in pieces(text):
        piece = text[start:end]
        named = _listed(piece, tuple(types))
        if len(named) < 3 and len({t for _at, t in named}) == len(named):
            continue  # one fact, or two of two types: "the delegation signed an accord" tells both already
        cuts = [_clause_start(piece, at, named[i - 1][0] if i else 0) for i, (at, _t) in enumerate(named)]
        for i, (at, t) in enumerate(named):
            if t == fact_type and not any(s <= start + at < e for s, e in told):
                clause = piece[cuts[i] : cuts[i + 1] if i + 1 < len(cuts) else len(piece)]
                kept = len(_TRAILING.sub("", clause[:MAX_SENTENCE_CHARS]))
                clauses.append((start + cuts[i], start + cuts[i] + kept))
    return clauses


#: What parts the items of a list: punctuation, and "and" in the languages factx reads.
_SEPARATOR = re.compile(r"[,;:]|\s(?:e|ed|and|et|y|und)\s", re.IGNORECASE)
_TRAILING = re.compile(r"(?:[\s,;:]|\b(?:e|ed|and|et|y|und)\b)+$", re.IGNORECASE)


def _listed(piece: str, types: tuple[str, ...]) -> list[tuple[int, str]]:
    """``(offset, type)`` of each fact ``piece`` names, in order: its names, less those that refer back
    and those in the same item as the name before ("Accordo in materia di coproduzione" is one)."""
    found = sorted(
        (m.start(), t) for t in types for plain in (_plain(piece, t),)
        for m in _patterns(("names",))[t].finditer(plain) if not _back().search(plain, 0, m.start())
    )
    return [n for i, n in enumerate(found) if not i or _SEPARATOR.search(piece, found[i - 1][0], n[0])]


def _clause_start(piece: str, at: int, after: int) -> int:
    """Where the clause of the name at ``at`` starts: after the last separator since the previous
    name (at ``after``), and at most three words before the name."""
    stop = max((m.end() for m in _SEPARATOR.finditer(piece, after, at)), default=after)
    words = [m.start() for m in re.finditer(r"\S+", piece[stop:at])]
    return stop + words[-3] if len(words) >= 3 else stop + (words[0] if words else at - stop)


#: Topics whose texts state no cooperation fact of some types, however their words read.
_TOPICS = ("_sport", "_court")


def unasked(text: str) -> frozenset[str]:
    """The fact types not asked of ``text``: a mission, an agreement and a federation, in a text about a
    sport or a court case.

    A team's visit to the White House is no delegation's mission, a player's transfer
    "accordo" no cooperation agreement, and the "deal" a lawsuit disputes none either; the
    model, shown the sentence, reports them. A text is about a topic when its words are
    ``share`` of the text's words or more, and at least ``least`` (a short release may name a
    team or a court).
    """
    words = len(text.split())
    return frozenset(t for name in _TOPICS if _about(text, name, words) for t in _triggers()[name]["types"])


def _about(text: str, topic: str, words: int) -> bool:
    found = len(_topic_words(topic).findall(text))
    return found >= _triggers()[topic]["least"] and found >= _triggers()[topic]["share"] * words


@cache
def _topic_words(topic: str) -> re.Pattern[str]:
    return any_of(_triggers()[topic]["words"])


def groups(sentences: list[str]) -> list[list[str]]:
    """``sentences`` in questions of at most ``PER_QUESTION``, as evenly as that allows (5 -> 3 + 2)."""
    n = -(-len(sentences) // PER_QUESTION)  # how many questions
    return [sentences[i * len(sentences) // n : (i + 1) * len(sentences) // n] for i in range(n)]


def _around(sentence: str, at: int) -> str:
    """The sentence, or the ``MAX_SENTENCE_CHARS`` of it around position ``at`` cut at spaces."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    start = max(0, at - MAX_SENTENCE_CHARS // 3)
    start = sentence.find(" ", start) + 1 if start else 0
    end = sentence.rfind(" ", start, start + MAX_SENTENCE_CHARS)
    return sentence[start : end if end > start else start + MAX_SENTENCE_CHARS]
