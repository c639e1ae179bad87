"""Check records against the contract: the exported JSON Schema, then offsets.

The schema (``schemas/record.schema.json``) is what other tools read, so it
is the judge here rather than the pydantic models. Evidence offsets can only
be checked against the source text, when it can be found.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from factx.models import FACT_TYPES, Record
from factx.errors import InputError
from factx.reading import os_reason
from factx.resources import data_path


def schemas() -> dict[str, dict[str, Any]]:
    """Name -> JSON Schema of the output: the record and each fact type."""
    out = {"record": Record.model_json_schema(mode="serialization")}
    for name, model in FACT_TYPES.items():
        out[name] = model.model_json_schema(mode="serialization")
    return out


def write_schemas(folder: Path) -> list[Path]:
    """Export every schema as ``<name>.schema.json`` (how ``schemas/`` is made)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(data_path("schemas", "record.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def load_records(path: Path) -> list[tuple[int, Any]]:
    """(line number, parsed JSON) for a JSON file or each line of a JSON Lines file.

    A line that is not JSON comes back as its ``JSONDecodeError``, for the caller
    to report with the others; a file that cannot be read or holds no record at
    all raises InputError, whose one line names the file and the reason.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(str(path), os_reason(err)) from None
    except UnicodeDecodeError:
        raise InputError(str(path), "not UTF-8 text") from None
    try:
        return [(1, json.loads(text))]
    except json.JSONDecodeError:
        pass
    found: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                found.append((number, json.loads(line)))
            except json.JSONDecodeError as err:
                found.append((number, err))
    if not found:
        raise InputError(str(path), "no records")
    return found


def _explain(err: Any) -> list[Any]:
    """The errors inside a oneOf/anyOf that say what is really wrong.

    "is not valid under any of the given schemas" helps nobody: descend into
    the branch the record meant, i.e. the first whose ``type`` did match.
    """
    if not err.context:
        return [err]
    branches: dict[Any, list[Any]] = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    for subs in branches.values():
        if not any(list(sub.absolute_path)[-1:] == ["type"] for sub in subs):
            return [leaf for sub in subs for leaf in _explain(sub)]
    return [err]


def problems(record: Any, source_text: str | None = None) -> list[str]:
    """Every way ``record`` breaks the contract; empty when it is valid."""
    if isinstance(record, json.JSONDecodeError):
        return [f"not JSON: {record.msg} (column {record.colno})"]
    errors = [leaf for err in _validator().iter_errors(record) for leaf in _explain(err)]
    found = [
        f"{'/'.join(map(str, err.absolute_path)) or '(record)'}: {err.message}"
        for err in sorted(errors, key=lambda e: list(map(str, e.absolute_path)))
    ]
    if found or source_text is None:
        return found
    return offset_problems(record, source_text)


def offset_problems(record: Any, source_text: str) -> list[str]:
    """Evidence whose offsets do not pick its quote out of ``source_text`` (the record as JSON)."""
    found = []
    for i, fact in enumerate(record.get("facts", [])):
        for j, ev in enumerate(fact.get("evidence", [])):
            start, end = ev.get("start"), ev.get("end")
            if start is None:
                continue  # not found in the text, and flagged so
            if end is None or not 0 <= start <= end <= len(source_text) or source_text[start:end] != ev.get("quote"):
                found.append(f"facts/{i}/evidence/{j}: text[{start}:{end}] is not the quote")
    return found
