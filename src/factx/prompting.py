"""Build the messages and the answer schema for each model call.

The article comes first and the per-type question last, so every call on the
same document shares one long prefix (system prompt + article) and llama.cpp
reads the article only once; each further call costs only its own question
and answer. Prompt wording lives in ``prompts/``, never in code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, model_validator

from factx import spotting
from factx.models import FACT_TYPES, AgreementFields, FederationFields, MissionFields, MouFields, Shape
from factx.normalizing import shown_sectors
from factx.resources import data_path

#: What the model fills for each type: the contract's content fields, without
#: what the program computes itself (type, offsets, grounding flags).
_CONTENT: dict[str, type[BaseModel]] = {
    "agreement": AgreementFields,
    "mou": MouFields,
    "mission": MissionFields,
    "federation": FederationFields,
}
#: Bounds that keep a small model from looping until its token budget runs out.
MAX_FACTS_PER_TYPE = 8
MAX_QUOTES = 2
MAX_MENTIONS = 8
#: Every other list and free string of an answer, bounded in the grammar: a model caught
#: repeating one phrase is stopped at the list's or the string's end, not at the token limit
#: (which loses the whole answer). A sentence-long quote fits; a longer one is cut, and a
#: cut quote is still a verbatim prefix the program finds.
MAX_LIST_ITEMS = 6
MAX_STRING_CHARS = 300
#: Types whose answer must hold a fact when a spotted sentence names one with a capital
#: ("the Alliance"): asked freely, the small model answers ``[]`` on articles that launch one.
NAMED_FIRST = frozenset({"federation"})


def _bound(schema: Any) -> Any:
    """Give every array a ``maxItems`` and every free string a ``maxLength``, in place, at any depth."""
    if isinstance(schema, list):
        for item in schema:
            _bound(item)
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "array":
        schema.setdefault("maxItems", MAX_LIST_ITEMS)
    if schema.get("type") == "string" and not {"enum", "pattern", "const"} & schema.keys():
        schema.setdefault("maxLength", MAX_STRING_CHARS)
    for value in schema.values():
        _bound(value)
    return schema


class Answer(Shape):
    """Base of the models a model call answers with (not of the output contract): every size bounded."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # bounded here, not in json_schema_extra, to reach the nested $defs too
        if args or kwargs:
            return _bound(super().model_json_schema(*args, **kwargs))
        return json.loads(_default_schema(cls))  # built once: instructor asks on every call, and may change it


@cache
def _default_schema(model: type[Answer]) -> str:
    """The bounded schema as JSON text: parsing it anew is a tenth of the cost of copying the dict."""
    return json.dumps(_bound(super(Answer, model).model_json_schema()))


@cache
def _prompt(name: str) -> str:
    return data_path("prompts", name).read_text(encoding="utf-8")


#: A fact's sectors kept from the model's draft, the first ones: the model names the main fields first
#: and goes on to ever more general ones ("development", "environment"); annotators gave three or
#: fewer to 83 % of facts. A record made elsewhere keeps all of its own.
MAX_SECTORS = 3


class _Draft(Shape):
    """Base of a model's draft of one fact: what the program keeps of it."""

    @model_validator(mode="after")
    def _main_sectors(self) -> _Draft:
        sectors = getattr(self, "sectors", None)
        if isinstance(sectors, list):
            self.sectors = sectors[:MAX_SECTORS]
        return self


@cache
def answer_model(fact_type: str, named: bool = False) -> type[BaseModel]:
    """``{"facts": [...]}`` for one type, each fact opening with its evidence quotes.

    Quotes come first so the model anchors each fact in the text before it
    fills the fields from it. ``named``: the spotted sentences name a fact of the
    type (an alliance, a memorandum), so the answer holds at least one: asked
    freely, the small model answers ``[]`` on articles that launch an alliance;
    what it then reports is checked by the program (``merging``). Only the grammar
    is told: an empty answer from a server that enforces none is still valid.
    """
    content = _CONTENT[fact_type]
    fields: dict[str, Any] = {
        "evidence": (list[str], Field(min_length=1, max_length=MAX_QUOTES)),
        **{name: (info.annotation, info) for name, info in content.model_fields.items()},
    }
    item = create_model(f"{content.__name__.removesuffix('Fields')}Draft", __base__=_Draft, **fields)
    at_least = {"minItems": 1} if named else None  # for the grammar only: a server without one may still send []
    return create_model(
        f"{fact_type.title()}Answer",
        __base__=Answer,
        facts=(  # type: ignore[valid-type]
            list[item],
            Field(default_factory=list, max_length=MAX_FACTS_PER_TYPE, json_schema_extra=at_least),
        ),
    )


def answer_model_for(fact_type: str, sentences: Sequence[str]) -> type[BaseModel]:
    """The answer schema of one question: ``named`` when a spotted sentence names a body of a ``NAMED_FIRST`` type."""
    named = fact_type in NAMED_FIRST and any(spotting.proper_name(s, fact_type) for s in sentences)
    return answer_model(fact_type, named)


@cache
def triage_model() -> type[BaseModel]:
    """``{"mentions": [{"quote", "type"}]}``: the sentences that state a fact, and its type.

    The quote comes first so the model picks a real sentence before naming its
    type; the program keeps a type only when its quote is found in the text.
    """
    mention = create_model(
        "Mention",
        __base__=Shape,
        quote=(str, ...),
        type=(Literal[tuple(FACT_TYPES)], ...),  # type: ignore[valid-type]
    )
    return create_model(
        "TriageAnswer",
        __base__=Answer,
        mentions=(list[mention], Field(default_factory=list, max_length=MAX_MENTIONS)),  # type: ignore[valid-type]
    )


@cache
def translation_model(count: int) -> type[BaseModel]:
    """``{"english": [...]}`` with exactly ``count`` entries: one per phrase asked, in order."""
    return create_model(
        "TranslationAnswer",
        __base__=Answer,
        english=(list[str], Field(min_length=count, max_length=count)),
    )


def translation_messages(phrases: Sequence[str], language: str) -> list[dict[str, str]]:
    """The chat that asks for ``phrases`` (in ``language``) in English.

    Without the article: shown it, the small model copies the phrases back as they are
    written there. With the same system prompt, whose state the model keeps, it reads only
    the question. Told the language by name ("Italian"), it translates.
    """
    import pycountry

    known = pycountry.languages.get(alpha_2=language)
    listed = "\n".join(f"{i}. {p}" for i, p in enumerate(phrases, 1))
    question = _prompt("translate.md").replace("{language}", known.name if known else "non-English")
    return [{"role": "system", "content": system_prompt()}, {"role": "user", "content": question.replace("{phrases}", listed).strip()}]


def _article_turn(text: str, question: str) -> dict[str, str]:
    return {"role": "user", "content": f'Article:\n"""\n{text}\n"""\n\n{question}'}


def _question(fact_type: str, sentences: Sequence[str]) -> str:
    label = json.loads(_prompt("types.json"))[fact_type]
    hint = _prompt("sentences.md").replace("{list}", "\n".join(f"- {s}" for s in sentences)) if sentences else ""
    return _prompt("task.md").replace("{type}", label).replace("{sentences}", hint.strip()).strip()


def messages(text: str, fact_type: str, sentences: Sequence[str] = ()) -> list[dict[str, str]]:
    """The chat for one fact type on one document, showing the sentences the program spotted for it."""
    return _chat(text, _question(fact_type, sentences))


def triage_messages(text: str) -> list[dict[str, str]]:
    """The chat that asks which fact types a document states, before any extraction."""
    return _chat(text, _prompt("triage.md").strip())


def system_prompt() -> str:
    """The system prompt: what each type is and how to write each field."""
    examples = ", ".join(f'"{sector}"' for sector in shown_sectors())  # the copies grounding looks for
    return _prompt("system.md").replace("{sector_examples}", examples)


def _chat(text: str, question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system_prompt()}, _article_turn(text, question)]


def fact_types() -> dict[str, str]:
    """Fact type -> one-line description, in the order the contract lists them."""
    labels = json.loads(_prompt("types.json"))
    return {name: labels[name] for name in FACT_TYPES}


@cache
def prompt_version() -> str:
    """A short hash of everything the model is shown: prompts, trigger words and answer schemas.

    Any change to them changes it, so a resumed run redoes records made with other prompts.
    """
    files = ("task.md", "sentences.md", "triage.md", "translate.md", "types.json", "triggers.json")
    parts = [system_prompt(), *(_prompt(name) for name in files)]
    parts += [json.dumps(answer_model(t).model_json_schema(), sort_keys=True) for t in FACT_TYPES]
    parts += [json.dumps(answer_model(t, True).model_json_schema(), sort_keys=True) for t in sorted(NAMED_FIRST)]
    parts.append(json.dumps(triage_model().model_json_schema(), sort_keys=True))
    parts.append(json.dumps(translation_model(1).model_json_schema(), sort_keys=True))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]

