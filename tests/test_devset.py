"""The development set's gold is usable: every quote is in its text, every value survives validation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from factx.models import FACT_TYPES
from helpers import ROOT

DEVSET = ROOT / "benchmarks" / "devset"
GOLD = sorted((DEVSET / "gold").glob("*.json"))


def _changes(written: Any, validated: Any, path: str) -> list[str]:
    """Where validation would change a gold value: gold must already be in normal form."""
    if isinstance(written, dict):
        return [c for k, v in written.items() for c in _changes(v, (validated or {}).get(k), f"{path}.{k}")]
    if isinstance(written, list):
        if not isinstance(validated, list) or len(written) != len(validated):
            return [f"{path}: {written!r} -> {validated!r}"]
        return [c for i, (a, b) in enumerate(zip(written, validated, strict=True)) for c in _changes(a, b, f"{path}[{i}]")]
    return [] if written == validated else [f"{path}: {written!r} -> {validated!r}"]


def test_every_text_has_gold_and_the_set_is_as_documented():
    texts = sorted((DEVSET / "texts").glob("*.txt"))
    assert [t.stem for t in texts] == [g.stem for g in GOLD]
    assert len(texts) >= 20
    facts = [json.loads(g.read_text(encoding="utf-8"))["facts"] for g in GOLD]
    assert sum(not f for f in facts) >= 3  # texts with no facts at all
    assert sum(len(t.read_text(encoding="utf-8")) > 8000 for t in texts) >= 3


@pytest.mark.parametrize("gold_path", GOLD, ids=lambda p: p.stem)
def test_gold_quotes_are_verbatim_and_values_are_normal(gold_path: Path):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = (DEVSET.parents[1] / gold["source"]).read_text(encoding="utf-8")
    published = date.fromisoformat(gold["publication_date"]) if gold["publication_date"] else None
    for i, fact in enumerate(gold["facts"]):
        where = f"{gold_path.name}#{i}"
        assert fact["evidence"], where
        for evidence in fact["evidence"]:
            assert evidence["quote"] in text, f"{where}: {evidence['quote']!r}"
        data = {k: v for k, v in fact.items() if k != "optional"}
        model = FACT_TYPES[fact["type"]].model_validate(data, context={"published": published})
        assert next(iter(data)) == "type" and set(data) == set(model.model_dump()) - {"grounded"}, where
        assert _changes(data, model.model_dump(mode="json"), where) == []
