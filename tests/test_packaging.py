"""The wheel carries everything the program reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from helpers import ROOT


def test_wheel_ships_prompts_and_schemas(tmp_path):
    for module in ("build", "hatchling"):  # the dev extra: --no-isolation builds with what is installed
        pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[dev]')")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("factx-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("prompts", "schemas"):
        for path in (ROOT / folder).iterdir():
            assert f"factx/_data/{folder}/{path.name}" in names
    assert "factx/cli.py" in names and "factx/backends/local.py" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt")))
    assert b"factx = factx.cli:main" in entry_points
