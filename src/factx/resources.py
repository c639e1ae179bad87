"""Find the data files (prompts, schemas) the program reads at run time.

They live at the top of the repository (``prompts/``, ``schemas/``) and are
copied into the wheel under ``factx/_data``; one lookup serves both an
installed wheel and a source checkout.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGED = Path(__file__).parent / "_data"


def data_path(*parts: str) -> Path:
    """Path of a data file, preferring the copy shipped inside the wheel."""
    root = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2]
    return root.joinpath(*parts)


@cache
def prompt_table(name: str) -> dict[str, Any]:
    """A JSON table of ``prompts/`` (trigger words, body words, sectors, offices), read once per process."""
    return json.loads(data_path("prompts", name).read_text(encoding="utf-8"))
