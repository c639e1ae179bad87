"""Fixtures shared by the tests; plain helpers live in ``helpers.py``."""

from __future__ import annotations

import pytest
from helpers import EXCHANGES

from factx.pipeline import Extractor
from factx.settings import Settings


@pytest.fixture(scope="session")
def replayer() -> Extractor:
    """An extractor that answers only from the recorded exchanges: offline, deterministic."""
    return Extractor.from_settings(Settings(cache_dir=EXCHANGES), store_mode="replay")
