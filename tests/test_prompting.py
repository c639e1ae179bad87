"""Prompts come from files, put the article first, and ask for compact, bounded JSON."""

from __future__ import annotations

import json
import re

from factx.prompting import (
    MAX_FACTS_PER_TYPE,
    MAX_LIST_ITEMS,
    MAX_MENTIONS,
    MAX_QUOTES,
    MAX_SECTORS,
    MAX_STRING_CHARS,
    answer_model,
    fact_types,
    messages,
    system_prompt,
    triage_messages,
    triage_model,
)
from factx.normalizing import shown_sectors
from factx.resources import data_path

SEED_NAMES = re.compile(r"MIFE|Borgonzoni|Italpress|Basilicata Creativa|Iervolino|CJ E&M|Confimpreseitalia", re.I)


def test_every_call_on_a_document_shares_the_prefix_up_to_the_article():
    text = "Roma, 3 marzo 2026 – Un articolo."
    chats = [triage_messages(text)] + [messages(text, t) for t in ("agreement", "mou", "mission", "federation")]
    prefixes = {json.dumps(c[:-1]) + c[-1]["content"].split(text)[0] + text for c in chats}
    assert len(prefixes) == 1
    last = chats[0][-1]["content"]
    assert last.index(text) < last.index("agreement")


def test_the_answer_schema_opens_each_fact_with_evidence_and_requires_every_field():
    schema = answer_model("mission").model_json_schema()
    item = schema["$defs"]["MissionDraft"]
    assert list(item["properties"])[0] == "evidence"
    assert item["required"] == list(item["properties"])
    assert "type" not in item["properties"] and "grounded" not in item["properties"]
    assert schema["properties"]["facts"]["maxItems"] == MAX_FACTS_PER_TYPE
    assert item["properties"]["evidence"]["items"] == {"type": "string", "maxLength": MAX_STRING_CHARS}


def test_every_list_and_free_string_of_an_answer_is_bounded_so_a_loop_stops():
    schema = answer_model("federation").model_json_schema()
    draft, person = schema["$defs"]["FederationDraft"]["properties"], schema["$defs"]["Person"]["properties"]
    assert draft["goals"]["maxItems"] == MAX_LIST_ITEMS and draft["goals"]["items"]["maxLength"] == MAX_STRING_CHARS
    assert draft["evidence"]["maxItems"] == MAX_QUOTES  # a tighter bound of its own is kept
    assert {"type": "string", "maxLength": MAX_STRING_CHARS} in person["role"]["anyOf"]  # nested, nullable
    assert "maxLength" not in str(schema["$defs"]["Party"]["properties"]["kind"])  # enums need none
    triage = triage_model().model_json_schema()
    assert triage["$defs"]["Mention"]["properties"]["quote"]["maxLength"] == MAX_STRING_CHARS


def test_enums_reach_the_schema_so_the_grammar_enforces_them():
    schema = answer_model("agreement").model_json_schema()
    props = schema["$defs"]["AgreementDraft"]["properties"]
    assert props["status"]["enum"] == ["proposed", "negotiating", "signed", "expanded"]


def test_prompts_do_not_borrow_from_the_seed_articles():
    for path in data_path("prompts").iterdir():
        assert not SEED_NAMES.search(path.read_text(encoding="utf-8")), path.name


def test_fact_types_are_described_in_contract_order():
    assert list(fact_types()) == ["agreement", "mou", "mission", "federation"]


def test_the_triage_schema_asks_for_a_quote_before_its_type():
    schema = triage_model().model_json_schema()
    mention = schema["$defs"]["Mention"]
    assert list(mention["properties"]) == ["quote", "type"]
    assert mention["properties"]["type"]["enum"] == ["agreement", "mou", "mission", "federation"]
    assert schema["properties"]["mentions"]["maxItems"] == MAX_MENTIONS


def test_the_prompt_shows_the_sectors_grounding_knows_as_examples():
    assert shown_sectors() == ["film", "semiconductors", "artificial intelligence"]
    assert 'such as "film", "semiconductors", "artificial intelligence".' in system_prompt()
    assert "{" + "sector_examples}" not in system_prompt()


def test_a_field_named_in_several_ways_is_one_sector():
    from factx.models import Mission

    assert Mission(title="T", sectors=["Commercial", "commerce", "universities", "film"]).sectors == [
        "trade", "higher education", "film"]


def test_a_draft_keeps_its_first_sectors_and_a_record_all_of_its_own():
    from factx.models import Mission

    sectors = ["film", "international cooperation", "animation", "music", "tourism", "education"]
    draft = answer_model("mission").model_validate({"facts": [{"evidence": ["q"], "title": "T", "sectors": sectors}]})
    assert MAX_SECTORS == 3 and draft.facts[0].sectors == ["film", "animation", "music"]
    assert Mission(title="T", sectors=sectors).sectors == ["film", "animation", "music", "tourism", "education"]
