"""Check records against the contract: the exported JSON Schema, then offsets.

The schema (``schemas/record.schema.json``) is what other tools read, so it
is the judge here rather than the pydantic models. Evidence offsets can only
be checked against the source text, when it can be found.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from factx.errors import InputError
from factx.models import FACT_TYPES, Record
from factx.reading import read_limited
from factx.resources import data_path
from factx.writing import write_atomic

#: The name of standard input in messages, when a record file is given as "-".
STDIN = "stdin"
#: Record files are read whole: a larger one (or an endless /dev/zero) is refused rather than read into memory.
MAX_RECORD_BYTES = 256 * 2**20


def schemas() -> dict[str, dict[str, Any]]:
    """Name -> JSON Schema of the output: the record and each fact type."""
    out = {"record": Record.model_json_schema(mode="serialization")}
    for name, model in FACT_TYPES.items():
        out[name] = model.model_json_schema(mode="serialization")
    return out


def write_schemas(folder: Path) -> list[Path]:
    """Export every schema as ``<name>.schema.json`` (how ``schemas/`` is made)."""
    written = []
    for name, schema in schemas().items():
        path = folder / f"{name}.schema.json"
        write_atomic(path, json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written


@cache
def _validator(lenient: bool = False) -> Any:
    """The record schema's validator; ``lenient``: every field optional but a fact's type."""
    from jsonschema import Draft202012Validator

    schema = json.loads(data_path("schemas", "record.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(_optional_fields(schema) if lenient else schema)


def _optional_fields(schema: Any) -> Any:
    """``schema`` without its ``required`` lists, but for a fact's ``type``, which says how to read the rest."""
    if isinstance(schema, list):
        return [_optional_fields(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _optional_fields(value) for key, value in schema.items() if key != "required"}
    if "type" in schema.get("required", ()):
        out["required"] = ["type"]
    return out


def load_records(path: Path) -> list[tuple[str, Any]]:
    """(where, parsed JSON) for each record of a file, or of stdin when ``path`` is "-".

    A JSON file holds one record (where: ``file:1``) or an array of them
    (``file[i]``, from 0); a JSON Lines file one per line (``file:line``). A line
    that is not JSON comes back as its ``JSONDecodeError``, for the caller to
    report with the others; a file that cannot be read or holds no record at all
    raises InputError, whose one line names the file and the reason.
    """
    name = shown_name(path)
    try:
        text = _read(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(name, "not UTF-8 text") from None
    found = list(_parse(text, name))
    if not found:
        raise InputError(name, "no records")
    if len(found) > 1 and all(isinstance(value, json.JSONDecodeError) for _where, value in found):
        raise InputError(name, "not JSON or JSON Lines")  # an article given by mistake: one line, not one per line
    return found


def shown_name(path: Path) -> str:
    """How a record file is named in messages: "-" is stdin."""
    return STDIN if str(path) == "-" else str(path)


def _read(path: Path) -> bytes:
    """The bytes of a record file, or of stdin for "-", up to ``MAX_RECORD_BYTES``."""
    name = shown_name(path)
    data = read_limited(sys.stdin.buffer if name == STDIN else path, name, MAX_RECORD_BYTES)
    if len(data) > MAX_RECORD_BYTES:
        raise InputError(name, f"larger than {MAX_RECORD_BYTES // 2**20} MiB")
    return data


def _parse(text: str, name: str) -> Iterator[tuple[str, Any]]:
    """The records of one file's text: a whole JSON value first, else JSON Lines."""
    whole = _loads(text)
    if isinstance(whole, list):
        yield from ((f"{name}[{i}]", item) for i, item in enumerate(whole))
    elif not isinstance(whole, json.JSONDecodeError):
        yield f"{name}:1", whole
    else:
        yield from ((f"{name}:{n}", _loads(line)) for n, line in enumerate(text.splitlines(), 1) if line.strip())


def _loads(text: str) -> Any:
    """Parsed JSON, or the ``JSONDecodeError`` that says why it is not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        return err
    except RecursionError:  # the C parser's limit on nesting
        return json.JSONDecodeError("nested too deeply", text, 0)


def names_file(record: Any, source: Path) -> bool:
    """Whether ``record`` was extracted from the file ``source``, by its ``source`` field.

    The same path once resolved from the current folder; a relative path that is
    not found from here (the record was made elsewhere) matches by file name alone.
    """
    named = record.get("source") if isinstance(record, dict) else None
    if not isinstance(named, str) or named == "-":
        return False
    path = Path(named)
    try:
        if path.resolve() == source.resolve():
            return True
        return not path.is_absolute() and not path.exists() and path.name == source.name
    except (OSError, ValueError):  # a name no file can have: a NUL byte, too long
        return False


def summary(found: list[str]) -> str:
    """The first problem, and how many more: one line for an error message."""
    return found[0] + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")


def _explain(err: Any) -> list[Any]:
    """The errors inside a oneOf/anyOf that say what is really wrong.

    "is not valid under any of the given schemas" helps nobody: descend into
    the branch the record meant, named by its discriminator (a fact's ``type``)
    or else the first whose ``type`` did match.
    """
    if not err.context:
        return [err]
    branches: dict[Any, list[Any]] = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if "discriminator" in err.schema:
        return _explain_tagged(err, branches)
    for subs in branches.values():
        if not any(list(sub.absolute_path)[-1:] == ["type"] for sub in subs):
            return [leaf for sub in subs for leaf in _explain(sub)]
    return [err]


def _explain_tagged(err: Any, branches: dict[Any, list[Any]]) -> list[Any]:
    """The errors of the branch a tagged union's tag names, or that the tag is unknown."""
    from jsonschema import ValidationError

    tag = err.schema["discriminator"]["propertyName"]
    mapping: dict[str, str] = err.schema["discriminator"]["mapping"]
    value = err.instance.get(tag) if isinstance(err.instance, dict) else None
    refs = [branch.get("$ref") for branch in err.schema[err.validator]]
    if isinstance(value, str) and mapping.get(value) in refs:
        return [leaf for sub in branches.get(refs.index(mapping[value]), []) for leaf in _explain(sub)] or [err]
    if not isinstance(err.instance, dict):
        return [ValidationError(f"{err.instance!r} is not of type 'object'", path=err.absolute_path)]
    if tag not in err.instance:
        return [ValidationError(f"{tag!r} is a required property", path=err.absolute_path)]
    return [ValidationError(f"{value!r} is not one of {', '.join(mapping)}", path=[*err.absolute_path, tag])]


def problems(record: Any, source_text: str | None = None, *, lenient: bool = False) -> list[str]:
    """Every way ``record`` breaks the contract; empty when it is valid.

    ``lenient`` lets any field be missing (gold files and other tools' records
    hold only some), while still refusing values of the wrong shape.
    """
    if isinstance(record, json.JSONDecodeError):
        return [f"not JSON: {record.msg} (column {record.colno})"]
    errors = [leaf for err in _validator(lenient).iter_errors(record) for leaf in _explain(err)]
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
