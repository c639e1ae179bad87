"""The development sets' gold is usable: every quote is in its text, every value survives validation.

Two sets: ``benchmarks/devset`` (texts written for the project) and ``benchmarks/realset``
(real published texts under open licences); each must also keep the size its README documents.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from factx.models import FACT_TYPES
from helpers import ROOT

DEVSET = ROOT / "benchmarks" / "devset"
REALSET = ROOT / "benchmarks" / "realset"
GOLD = sorted((DEVSET / "gold").glob("*.json")) + sorted((REALSET / "gold").glob("*.json"))


def _changes(written: Any, validated: Any, path: str) -> list[str]:
    """Where validation would change a gold value: gold must already be in normal form."""
    if isinstance(written, dict):
        return [c for k, v in written.items() for c in _changes(v, (validated or {}).get(k), f"{path}.{k}")]
    if isinstance(written, list):
        if not isinstance(validated, list) or len(written) != len(validated):
            return [f"{path}: {written!r} -> {validated!r}"]
        return [c for i, (a, b) in enumerate(zip(written, validated, strict=True)) for c in _changes(a, b, f"{path}[{i}]")]
    return [] if written == validated else [f"{path}: {written!r} -> {validated!r}"]


def _set(folder: Path) -> tuple[list[str], list[list[dict[str, Any]]]]:
    """The texts of a set and the gold facts of each, checking that every text has its gold file."""
    texts = sorted((folder / "texts").glob("*.txt"))
    golds = sorted((folder / "gold").glob("*.json"))
    assert [t.stem for t in texts] == [g.stem for g in golds]
    return [t.read_text(encoding="utf-8") for t in texts], [json.loads(g.read_text(encoding="utf-8"))["facts"] for g in golds]


def test_every_text_has_gold_and_the_set_is_as_documented():
    texts, facts = _set(DEVSET)
    assert len(texts) >= 20
    assert sum(not f for f in facts) >= 3  # texts with no facts at all
    assert sum(len(t) > 8000 for t in texts) >= 3


def test_the_real_set_keeps_its_documented_size():
    import py3langid

    texts, facts = _set(REALSET)
    # Issue 10 asks for 25 texts (10 Italian, 4 with no facts, 4 over 6,000 characters) and 6
    # required facts of each type; the set holds only licence-verified texts (README).
    assert len(texts) >= 30
    assert sum(py3langid.classify(t)[0] == "it" for t in texts) >= 10
    assert sum(not f for f in facts) >= 5
    assert sum(len(t) > 6000 for t in texts) >= 4
    required = Counter(f["type"] for text_facts in facts for f in text_facts if not f.get("optional"))
    assert required["mission"] >= 13 and required["agreement"] >= 7
    assert required["mou"] >= 6 and required["federation"] >= 6


@pytest.mark.parametrize("gold_path", GOLD, ids=lambda p: f"{p.parents[1].name}/{p.stem}")
def test_gold_quotes_are_verbatim_and_values_are_normal(gold_path: Path):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = (ROOT / gold["source"]).read_text(encoding="utf-8")
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
