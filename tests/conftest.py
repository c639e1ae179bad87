"""Fixtures shared by the tests; plain helpers live in ``helpers.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fault_server import FaultServer
from helpers import EXCHANGES

from factx.pipeline import Extractor
from factx.settings import Settings


@pytest.fixture(scope="session")
def replayer() -> Extractor:
    """An extractor that answers only from the recorded exchanges: offline, deterministic."""
    return Extractor.from_settings(Settings(cache_dir=EXCHANGES), store_mode="replay")


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """An OpenAI-compatible server on 127.0.0.1 that answers well, or fails as the test sets."""
    server = FaultServer().start()
    yield server
    server.stop()
