"""The library API's batch, ``factx.extract_many``, against the fake server of ``fault_server``.

Concurrency is seen from the server's side: with a fixed latency, the requests that arrive before
the first answer can have come back are the documents in flight together.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from pathlib import Path

import pytest
from fault_server import FaultServer
from helpers import EXAMPLES

import factx
from factx.errors import ConfigError, InputError

LATENCY = 0.5  # seconds per answer: documents one after the other would arrive this far apart, or more


@pytest.fixture
def server(fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    """The fake server answering every request validly after LATENCY; no FACTX_* or OPENAI_* from outside."""
    for name in [name for name in os.environ if name.startswith(("FACTX_", "OPENAI_"))]:
        monkeypatch.delenv(name)
    fault_server.mode, fault_server.latency = "fact", LATENCY
    return fault_server


@pytest.fixture
def paths(tmp_path: Path) -> list[str]:
    """Eight different short articles, and a missing file among them."""
    seeds = sorted(EXAMPLES.glob("*.txt"))
    made = []
    for n in range(8):
        path = tmp_path / f"doc{n}.txt"
        mission = f"\nNota {n}: una delegazione partirà per Tokyo."  # a mission word: one call each
        path.write_text(seeds[n % len(seeds)].read_text(encoding="utf-8")[:600] + mission, "utf-8")
        made.append(str(path))
    made.insert(3, str(tmp_path / "missing.txt"))
    return made


def test_extract_many_with_4_jobs_gives_every_path_once_in_input_order(server, paths):
    results = list(factx.extract_many(
        paths, jobs=4, types="mission", cache=False, provider="compatible", base_url=server.url, model="m"))
    assert [path for path, _ in results] == paths
    missing = dict(results)[paths[3]]
    assert isinstance(missing, InputError) and str(missing) == f"{paths[3]}: no such file"
    for path, record in results[:3] + results[4:]:  # each path has the record of its own text
        assert isinstance(record, factx.Record), record
        assert (record.source, record.sha256) == (path, hashlib.sha256(Path(path).read_bytes()).hexdigest())
    translated = sum(record.stats.translated > 0 for _, record in results[:3] + results[4:])
    assert 0 < translated < 8  # the fake answer copies the article's first sentence: Italian, or mostly names
    assert server.count == 8 + translated  # one call per article, one more to put Italian into English; none missing
    assert server.peak == 4  # never more than the jobs asked for, and that many at once


def test_extract_many_jobs_default_to_factx_jobs_and_unordered_still_gives_each_path_once(server, paths, monkeypatch):
    monkeypatch.setenv("FACTX_JOBS", "2")
    results = factx.extract_many(
        paths, ordered=False, types="mission", cache=False, provider="compatible", base_url=server.url, model="m")
    assert Counter(path for path, _ in results) == Counter(paths)
    assert server.peak == 2


def test_extract_many_refuses_jobs_below_1_before_any_request(server, paths):
    with pytest.raises(ConfigError) as refused:
        factx.extract_many(paths, jobs=0, provider="compatible", base_url=server.url, model="m")
    assert str(refused.value) == "jobs must be a whole number of at least 1, not 0"
    assert server.count == 0
