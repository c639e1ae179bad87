"""Put into English the free-text values the model wrote in the article's language.

The contract writes titles, offices, purposes, aims and sectors in English. Asked
about an Italian release, the small model copies a third of them from the article
("assessore", "Lettera di intenti", "agevolare i rapporti tra i due ministeri"),
however the prompt insists. The program finds those values by how common their
words are in the article's language and in English (wordfreq: "assessore" is
Italian; "film" and "media" are English too) and asks the model once per document
to write them in English. The fields are those the models mark ``IN_ENGLISH``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from factx.models import FACT_TYPES, IN_ENGLISH, Fact, Party, Person, Place

#: A word of three letters or more; those in lower case are what a translation changes (names keep capitals).
_WORD = re.compile(r"\b[^\W\d_]{3,}")
#: How much more common (in Zipf units: a factor of ten each) a word must be in the article's
#: language than in English to count as that language's: "turismo" is (by 2.0), "film" (0.3) is not.
FOREIGN_MARGIN = 1.0


@cache
def english_fields() -> frozenset[str]:
    """The names of the fields written in English, from the models' marks."""
    shapes = (*FACT_TYPES.values(), Party, Person, Place)
    return frozenset(n for m in shapes for n, f in m.model_fields.items() if IN_ENGLISH in f.metadata)


def untranslated(facts: list[Fact], language: str) -> list[str]:
    """The distinct English-field values of ``facts`` written in ``language``, in order of first use.

    A value is in the language when half or more of its lower-case words are that
    language's: "Commissario per l'agricoltura" is Italian; "Commissioner for
    Agriculture", "Trento" and "film" are not. A language wordfreq does not know has none.
    """
    if not facts or language not in _known_languages():  # no facts: wordfreq not even loaded
        return []
    found: dict[str, None] = {}

    def note(value: str) -> str:
        own = [w.lower() for w in _WORD.findall(value) if w[0].islower()]
        if own and 2 * sum(_foreign(w, language) for w in own) >= len(own):
            found.setdefault(value, None)
        return value

    for fact in facts:
        _through(fact.model_dump(exclude={"evidence"}), note)
    return list(found)


def translate(facts: list[Fact], language: str, ask: Callable[[list[str]], list[str]]) -> tuple[list[Fact], int]:
    """``facts`` with their values in ``language`` put into English by ``ask`` (phrases in, their English
    out), and how many phrases it changed."""
    values = untranslated(facts, language)
    if not values:
        return facts, 0
    answers = (out.strip() for out in ask(values))
    english = {value: out for value, out in zip(values, answers, strict=True) if out not in ("", value)}
    return to_english(facts, english), len(english)


def to_english(facts: list[Fact], english: dict[str, str]) -> list[Fact]:
    """``facts`` with each value that is a key of ``english`` replaced by its English (validated again)."""
    return [
        type(fact).model_validate(
            {**_through(fact.model_dump(exclude={"evidence"}), lambda v: english.get(v, v)), "evidence": fact.evidence}
        )
        for fact in facts
    ]


@cache
def _known_languages() -> frozenset[str]:
    from wordfreq import available_languages

    return frozenset(available_languages())


@cache
def _foreign(word: str, language: str) -> bool:
    from wordfreq import zipf_frequency  # its word lists load on first use: only for articles not in English

    return zipf_frequency(word, language) - zipf_frequency(word, "en") > FOREIGN_MARGIN


def _through(data: Any, change: Callable[[str], str], key: str | None = None) -> Any:
    """Dumped ``data`` with every string under an English field, at any depth, passed through ``change``."""
    if isinstance(data, dict):
        return {k: _through(x, change, k) for k, x in data.items()}
    if isinstance(data, list):
        return [_through(x, change, key) for x in data]
    if isinstance(data, str) and key in english_fields():
        return change(data)
    return data
