"""End to end on the five example articles, replaying the embedded model's recorded answers.

These run the whole pipeline (read, prompt, call, validate, ground, normalise,
write) offline and deterministically: every model call is answered from
``fixtures/exchanges``, recorded from the embedded default (see the README).
"""

from __future__ import annotations

import hashlib
import json

import pytest

import factx
from factx import spotting, translating
from factx.models import FACT_TYPES
from factx.validating import problems
from helpers import EXAMPLES, EXCHANGES, run, seed

SEEDS = sorted(p.name[:3] for p in EXAMPLES.glob("*.txt"))
UNGROUNDED: dict[str, list[str]] = {}  # titles of facts flagged as not grounded, per seed


def calls(prefix: str, record: factx.Record) -> int:
    """One call per group of spotted sentences of each fact type (no triage: the default; seeds fit one
    window), and one more when phrases the model wrote in Italian were put into English."""
    text = seed(prefix).read_text(encoding="utf-8")
    questions = sum(len(spotting.groups(spotting.spot(text, fact_type))) for fact_type in FACT_TYPES)
    return questions + (record.stats.translated > 0)


@pytest.fixture(scope="module")
def records(replayer):
    return {prefix: replayer.extract_document(factx.reading.read_path(seed(prefix))) for prefix in SEEDS}


@pytest.mark.parametrize("prefix", SEEDS)
def test_each_seed_gives_a_contract_valid_record_of_grounded_facts(records, prefix):
    record = records[prefix]
    text = seed(prefix).read_text(encoding="utf-8")
    assert problems(record.model_dump(mode="json"), text) == []
    assert record.sha256 == hashlib.sha256(seed(prefix).read_bytes()).hexdigest()
    assert record.model == "local/qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert record.language == "it"
    assert record.stats.model_calls == record.stats.cached_calls == calls(prefix, record)
    assert [f.title for f in record.facts if not f.grounded] == UNGROUNDED.get(prefix, [])
    for fact in record.facts:
        assert all(text[e.start : e.end] == e.quote for e in fact.evidence if e.start is not None)


def test_strict_drops_exactly_the_ungrounded_facts(records, replayer):
    strict = factx.Extractor(replayer.backend, strict=True)
    for prefix, record in records.items():
        kept = strict.extract_document(factx.reading.read_path(seed(prefix))).facts
        assert [f.model_dump() for f in kept] == [f.model_dump() for f in record.facts if f.grounded]


def test_publication_dates_come_from_the_datelines(records):
    dates = {prefix: record.publication_date for prefix, record in records.items()}
    assert dates == {"000": "2025-12-01", "001": None, "002": "2025-12-19", "003": "2026-02-04", "004": None}


def test_facts_are_in_order_of_first_mention(records):
    for record in records.values():
        starts = [fact.evidence[0].start for fact in record.facts]
        located = [s for s in starts if s is not None]
        assert starts == located + [None] * (len(starts) - len(located))  # unlocated facts last
        assert located == sorted(located)


def test_cli_batch_prints_one_json_line_per_seed():
    done = run("extract", str(EXAMPLES), "--replay")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert [json.loads(line)["source"] for line in lines] == [str(p) for p in sorted(EXAMPLES.glob("*.txt"))]


def test_cli_reads_stdin_and_names_it_dash():
    done = run("extract", "-", "--replay", "--types", "federation", stdin=seed("002").read_bytes())
    record = json.loads(done.stdout)
    assert record["source"] == "-"
    assert record["sha256"] == hashlib.sha256(seed("002").read_bytes()).hexdigest()


def test_library_api_uses_the_cache_dir_from_the_environment(monkeypatch):
    monkeypatch.setenv("FACTX_CACHE_DIR", str(EXCHANGES))
    ((path, record),) = list(factx.extract_many([seed("002")]))
    assert path == str(seed("002"))
    assert isinstance(record, factx.Record) and record.stats.cached_calls == calls("002", record)


def test_seed_002_yields_the_mife_federation(records):
    (federation,) = [f for f in records["002"].facts if f.type == "federation"]
    assert federation.acronym == "MIFE"
    assert (federation.founded_in.city, federation.founded_in.country) == ("Rome", "IT")
    assert federation.affiliation.name == "Confimpreseitalia"
    text = seed("002").read_text(encoding="utf-8")
    assert federation.leaders and all(leader.name in text for leader in federation.leaders)


def test_seed_003_dates_the_agreement_on_the_weekday_its_quote_names(records):
    (agreement,) = [f for f in records["003"].facts if f.type == "agreement"]
    assert [p.country for p in agreement.parties] == ["KR", "IT"]
    assert agreement.date == "2026-02-02"  # "hanno concordato lunedì": the Monday before the dateline's Wednesday


def test_phrases_the_model_wrote_in_italian_are_put_into_english(records):
    assert [records[p].stats.translated for p in SEEDS] == [3, 0, 5, 5, 0]
    for record in records.values():
        assert translating.untranslated(record.facts, "it") in ([], ["Sottosegretario alla Cultura"])
