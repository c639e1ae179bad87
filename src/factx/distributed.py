"""Past one machine: extraction as a Ray Data map over a dataset of texts or paths.

Ray Data spreads the documents over workers, on one machine or a cluster; factx gives it
``ExtractBatch``, a callable class that ``map_batches`` constructs once per worker, so
each worker holds one ``Extractor`` (one backend: one loaded model or one HTTP client)
for all its documents. A bad document is an error value in its row, never a failed
batch, so one unreadable file cannot cost a million others.

``start``/``run`` are what ``factx ray`` calls: a folder of text files, or a JSON Lines
or Parquet file of texts, in; a JSON Lines file of records (as ``factx extract -o
x.jsonl`` writes) or a Parquet table (``source``, ``record``, ``error``) out. A run
again resumes: the workers skip every document whose record the output already holds,
made as this run would make it (``writing.Fingerprint``). A JSON Lines output gets each
batch's records appended and synced as they come, so a killed driver leaves every record
it had (a document made again replaces its older line when the run ends or is
interrupted). A Parquet output is written to a temporary sibling and renamed over the
target, with the earlier rows this run did not make again, when the run ends or is
interrupted, and only if it made a record. A failed run, or one where every document
failed (a server down), leaves an earlier output's records as they were. Earlier Parquet
rows with an error are not kept: their documents are redone.

Ray is an optional extra (``factx[ray]``): it is imported only inside functions.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from factx import splitting
from factx.errors import ConfigError, FactxError, InputError, OutputError, one_line
from factx.models import Record
from factx.pipeline import Extractor, Skipped, keep_tables
from factx.reading import decode, expand_paths, os_reason, read_path
from factx.recording import StoreMode
from factx.settings import TRIAGE, Settings
from factx.writing import (
    NOT_RECORDS, Fingerprint, append_whole, check_target, drop_older, is_record, make_folder, replacing, to_json,
)

if TYPE_CHECKING:
    import pyarrow as pa
    from ray.data import Dataset

#: The columns ``ExtractBatch`` returns: where the text came from, its record as JSON, or why it has none.
COLUMNS = ("source", "record", "error")
#: Input files read as datasets of texts, by suffix (anything else must be a folder of text files).
TABLES = (".jsonl", ".parquet")
#: Output forms, by the output's suffix.
OUTPUTS = (".jsonl", ".parquet")
NO_TEXT = "<text>"  # the source of a text given without one, as in ``factx.extract``
Row = dict[str, str | None]  # one row of the output, by column
Done = frozenset[tuple[str, str]]  # (source, sha256) of the documents whose record the output holds


@dataclass(frozen=True)
class Options:
    """How each worker builds its extractor: what ``factx extract`` takes, minus the inputs and output."""

    settings: Settings
    store_mode: StoreMode = "cache"
    types: str | tuple[str, ...] | None = None  # None: every type
    strict: bool = False
    triage: bool = TRIAGE
    window_chars: int = splitting.WINDOW_CHARS
    published: date | None = None

    def extractor(self) -> Extractor:
        return Extractor.from_settings(
            self.settings, store_mode=self.store_mode, types=self.types, strict=self.strict,
            triage=self.triage, window_chars=self.window_chars,
        )


class ExtractBatch:
    """``Dataset.map_batches(ExtractBatch, fn_constructor_args=(options,), ...)``: records for a batch of texts.

    Constructed once per worker, so a model is loaded (or a client made) once per worker,
    not once per batch. ``start`` lets Ray call it on several batches at once in one worker
    (threads: the extractor is thread-safe), as many as ``factx extract --jobs`` keeps
    documents in flight (``Settings.workers``: one for the local model). A batch holds
    ``text`` and/or ``path`` columns and an optional ``source`` (the record's source;
    default the path, else ``<text>``), in any form Ray hands over (pyarrow, pandas, numpy).
    A document in ``done`` is not extracted again (a resumed run).
    """

    def __init__(self, options: Options, done: Done = frozenset()) -> None:
        self.options = options
        self.done = done
        self.extractor = options.extractor()

    def __call__(self, batch: Any) -> pa.Table:
        columns = _columns(batch)
        size = len(next(iter(columns.values()), []))
        rows = _rows([self.extract_row(*(columns.get(name, [None] * size)[i] for name in ("text", "path", "source")))
                      for i in range(size)])
        keep_tables()  # the worker's process is ours: what its first batch loaded stays for the run
        return rows

    def extract_row(self, text: object, path: object, source: object) -> tuple[str, str | None, str | None]:
        """``(source, record JSON, None)``, ``(source, None, one-line reason)`` for a document that failed,
        or ``(source, None, None)`` for one in ``done``."""
        name = str(source) if source is not None else str(path) if path is not None else NO_TEXT
        try:
            doc = read_path(str(path)) if path is not None else decode(_text(text, name).encode("utf-8"), name)
            if (name, doc.sha256) in self.done:
                return name, None, None
            record = self.extractor.extract_document(replace(doc, source=name), published=self.options.published)
        except InputError as err:
            return name, None, err.reason
        except FactxError as err:
            return name, None, str(err)
        return name, to_json(record, pretty=False), None


def _rows(rows: list[tuple[str, str | None, str | None]]) -> pa.Table:
    return _table([dict(zip(COLUMNS, row)) for row in rows])


def _table(rows: list[Row]) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=schema())


def schema() -> pa.Schema:
    """The rows' schema, fixed, so a batch whose documents all failed still has string columns."""
    import pyarrow as pa

    return pa.schema([(name, pa.string()) for name in COLUMNS])


def _columns(batch: Any) -> dict[str, list[Any]]:
    """A batch as plain lists by column: a pyarrow Table, a pandas DataFrame or a dict of arrays."""
    if hasattr(batch, "to_pydict"):
        return dict(batch.to_pydict())
    return {str(name): list(values) for name, values in batch.items()}


def _text(value: object, name: str) -> str:
    if value is None:
        raise InputError(name, "no text and no path")
    if not isinstance(value, str):
        raise InputError(name, f"text is a {type(value).__name__}, not a string")
    return value


@dataclass(frozen=True)
class Outcome:
    """What a run did: records written, documents that have none, and documents whose record was there."""

    records: int = 0
    errors: int = 0
    skipped: int = 0


@dataclass
class Job:
    """A started run: ``total`` documents, then ``(source, Record, Skipped or the error it met)`` as each finishes."""

    total: int
    results: Iterator[tuple[str, Record | Skipped | FactxError]]
    output: _Output

    def __iter__(self) -> Iterator[tuple[str, Record | Skipped | FactxError]]:
        yield from self.results

    def records(self) -> int:
        """New records so far: what the output gains when the run ends or is interrupted."""
        return self.output.records


@contextmanager
def start(
    input: str | Path,
    output: str | Path,
    options: Options,
    *,
    workers: int = 1,
    address: str | None = None,
    cpus_per_worker: float = 1.0,
    batch_size: int = 8,
    force: bool = False,
) -> Iterator[Job]:
    """Map ``input`` over ``workers`` Ray actors; ``output`` replaced when the block ends, normally or by an
    interruption, if a new record was made: with it, the earlier records not made again.

    Inputs, output and options are checked before Ray starts. Ray is joined at ``address``
    (default: a running instance this process joined, else a new local one, stopped at the end).
    ``force`` redoes the documents whose record the output holds.
    """
    source, target = Path(input), Path(output)
    _check_output(target, source)
    _check_input(source)
    if workers < 1 or batch_size < 1:
        raise ConfigError(f"workers and batch size must be at least 1, not {workers} and {batch_size}")
    extractor = options.extractor()  # a bad type or window fails here, once, not in every worker
    done = _done(target, extractor)  # read also with ``force``: a file that holds no records is refused
    if force:
        done = frozenset()
    ray = _ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False  # factx reports each document itself
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # and Ray Data's plan and timing lines with it
        dataset, unusable = _dataset(source)
        jobs = options.settings.workers  # batches in flight in each worker, each one document at a time
        pool = ray.data.ActorPoolStrategy(
            size=workers, max_concurrent_calls_per_actor=jobs, max_tasks_in_flight_per_actor=2 * jobs,
            enable_true_multi_threading=jobs > 1,
        )
        # Blocks of one batch each: a file read as one block would otherwise go to one worker, whole.
        mapped = dataset.repartition(target_num_rows_per_block=batch_size).map_batches(
            ExtractBatch, fn_constructor_args=(options, done), batch_size=batch_size, batch_format="pyarrow",
            compute=pool, num_cpus=cpus_per_worker,
        )
        with _Output(target) as out:
            try:
                yield Job(dataset.count() + len(unusable), _results(mapped, unusable, out), out)
            except KeyboardInterrupt:  # Ctrl-C, or SIGTERM in the CLI: the finished records are kept
                out.commit()
                raise
            out.commit()
    finally:
        if started:
            ray.shutdown()


def run(
    input: str | Path,
    output: str | Path,
    *,
    settings: Settings | None = None,
    types: str | tuple[str, ...] | None = None,
    store_mode: StoreMode = "cache",
    strict: bool = False,
    triage: bool = TRIAGE,
    window_chars: int = splitting.WINDOW_CHARS,
    published: date | None = None,
    workers: int = 1,
    address: str | None = None,
    cpus_per_worker: float = 1.0,
    batch_size: int = 8,
    force: bool = False,
) -> Outcome:
    """Extract every document of ``input`` into ``output`` on ``workers`` Ray workers.

    ``settings`` default to ``Settings.from_env()``; the other options mean what they mean
    for ``Extractor`` and ``start``.
    """
    options = Options(settings or Settings.from_env(), store_mode, types, strict, triage, window_chars, published)
    records = errors = skipped = 0
    how = {"workers": workers, "address": address, "cpus_per_worker": cpus_per_worker, "batch_size": batch_size}
    with start(input, output, options, force=force, **how) as job:
        for _source, result in job:
            records += isinstance(result, Record)
            errors += isinstance(result, FactxError)
            skipped += isinstance(result, Skipped)
    return Outcome(records, errors, skipped)


def _ray() -> Any:
    """The ``ray`` module with Ray Data, or the one-line way to get it."""
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is the part used, and its own extra
    except ImportError:
        raise ConfigError("Ray Data is not installed; install factx[ray]") from None
    return ray


def _check_input(path: Path) -> None:
    if not path.exists():
        raise InputError(str(path), "no such file or directory")
    if not path.is_dir() and path.suffix.lower() not in TABLES:
        raise InputError(str(path), "expected a folder of text files, a .jsonl or a .parquet file of texts")


def _check_output(path: Path, input: Path) -> None:
    if path.suffix.lower() not in OUTPUTS:
        raise OutputError(path, "expected a .jsonl or .parquet file name")
    check_target(path, [str(input)])  # what factx extract refuses up front: a folder, the input, no permission


def _dataset(path: Path) -> tuple[Dataset, list[InputError]]:
    """The documents as a dataset of ``path`` rows (a folder) or ``text`` rows, and the paths unusable."""
    import ray.data

    if path.is_dir():
        found = expand_paths([str(path)])
        names = [name for name in found if isinstance(name, str)]
        if not names:
            raise InputError(str(path), "holds no text files (.txt, .md, .markdown, .text)")
        return ray.data.from_items([{"path": name} for name in names]), [e for e in found if isinstance(e, InputError)]
    try:
        dataset = ray.data.read_parquet(str(path)) if path.suffix.lower() == ".parquet" else ray.data.read_json(
            str(path), lines=True)
        names = dataset.columns()
    except Exception as err:  # pyarrow's and Ray's own errors, whatever is wrong in the file
        raise InputError(str(path), f"cannot be read as {path.suffix[1:]}: {_first_line(err)}") from None
    if "text" not in names:
        raise InputError(str(path), f"has no text column (columns: {', '.join(names)})")
    if "source" not in names and "id" in names:
        dataset = dataset.rename_columns({"id": "source"})
    return dataset.select_columns([name for name in ("text", "source") if name in dataset.columns()]), []


def _first_line(err: BaseException) -> str:
    """The first line of an error from a library, which may run to many lines."""
    text = str(err).strip()
    return one_line(text.splitlines()[0] if text else type(err).__name__)


def _results(
    mapped: Dataset, unusable: list[InputError], out: _Output
) -> Iterator[tuple[str, Record | Skipped | FactxError]]:
    """Every document's record, skip or error, as Ray hands the rows back; each batch written as it comes."""
    out.write([{"source": err.source, "record": None, "error": err.reason} for err in unusable])
    for err in unusable:
        yield err.source, err
    for table in mapped.iter_batches(batch_size=None, batch_format="pyarrow"):
        rows = table.to_pylist()
        out.write(rows)
        for row in rows:
            yield row["source"], _result(row)


def _result(row: Row) -> Record | Skipped | FactxError:
    source, record, error = (row[name] for name in COLUMNS)
    if record:
        return Record.model_validate_json(record)
    return FactxError(error) if error else Skipped(str(source))


def _done(path: Path, extractor: Extractor) -> Done:
    """``(source, sha256)`` of each record an existing output holds that ``extractor`` would make the same way."""
    if not path.exists():
        return frozenset()
    want = Fingerprint.of(extractor)
    return frozenset(
        (record["source"], record["sha256"])
        for rows in _earlier(path) for row in rows if (record := _parsed(path, row)) and want.made(record)
    )


def _earlier(path: Path) -> Iterator[list[Row]]:
    """The rows an existing output holds, a thousand at a time, as this run writes them.

    A JSON Lines file gives its records; a Parquet file must have this run's columns.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if path.suffix.lower() == ".parquet":
            table = pq.ParquetFile(path)
            if table.schema_arrow.names != list(COLUMNS):
                raise OutputError(path, NOT_RECORDS)
            for batch in table.iter_batches(batch_size=1000):
                yield batch.to_pylist()
            return
        with path.open(encoding="utf-8") as lines:
            rows: list[Row] = []
            for line in lines:
                if line.strip():
                    rows.append({"source": None, "record": line.strip(), "error": None})
                if len(rows) == 1000:
                    yield rows
                    rows = []
            yield rows
    except (UnicodeDecodeError, pa.ArrowException):
        raise OutputError(path, NOT_RECORDS) from None
    except OSError as err:
        raise OutputError(path, os_reason(err)) from None


def _parsed(path: Path, row: Row) -> dict[str, Any] | None:
    """The row's record as JSON data (None for an error row); anything but a record is refused."""
    if row["record"] is None:
        return None
    try:
        record = json.loads(row["record"])
    except json.JSONDecodeError:
        raise OutputError(path, NOT_RECORDS) from None
    if not is_record(record) or row["source"] not in (None, record["source"]):
        raise OutputError(path, NOT_RECORDS)
    return record


def _key(source: str, record: str) -> tuple[str, str]:
    """What a record replaces: the earlier one of its source; of its text, for a text without a source
    (only then is the record's JSON read here: the driver already parses each one for the caller)."""
    return source, json.loads(record)["sha256"] if source == NO_TEXT else ""


class _Output:
    """This run's rows, as they come: a JSON Lines target gets each batch's records appended and synced
    at once, so even a killed driver leaves them; a Parquet table is written to ``writing.replacing(path)``
    and ``commit`` puts it, with the earlier rows this run did not make again, under ``path``.

    JSON Lines get each record on its own line (the rows with an error have none); ``commit`` then
    drops the older line of a document this run made again, in one atomic rewrite. Parquet gets every
    row but the skipped ones; leaving without ``commit``, or with no new record, removes its
    temporary file, so that target is replaced whole or not at all.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parquet = path.suffix.lower() == ".parquet"
        self.records = 0  # rows with a record so far
        self._made: set[tuple[str, str]] = set()  # what they replace (``_key``)
        self._file: Any = None  # the Parquet writer
        self._fd: int | None = None  # the JSON Lines target, open to append
        self._open = ExitStack()

    def __enter__(self) -> _Output:
        import pyarrow.parquet as pq

        if self.parquet:
            with self._reported():
                self._file = pq.ParquetWriter(self._open.enter_context(replacing(self.path, binary=True)), schema())
        return self

    def write(self, rows: list[Row]) -> None:
        """A batch of this run's rows: records, errors, and skips (not written)."""
        made = [_key(str(row["source"]), line) for row in rows if (line := row["record"])]
        self.records += len(made)
        self._made.update(made)
        self._put([row for row in rows if row["record"] or row["error"]])

    def commit(self) -> None:
        """If a record was made: for JSON Lines, keep only the newest line of each document made again;
        for Parquet, add the earlier rows not made again, put the rows on disk, then give them the
        target's name."""
        if not self.records:
            return
        if not self.parquet:
            self._close_lines()
            self._drop_superseded()
            return
        if self.path.exists():
            for rows in _earlier(self.path):
                self._put([row for row in rows if (record := _parsed(self.path, row))
                           and _key(record["source"], str(row["record"])) not in self._made])
        with self._reported():
            self._file.close()  # the footer; the file itself is ``replacing``'s
            self._open.close()

    def _put(self, rows: list[Row]) -> None:
        if not rows:
            return
        with self._reported():
            if self.parquet:
                self._file.write_table(_table(rows))
            elif lines := "".join(f"{row['record']}\n" for row in rows if row["record"]):
                append_whole(self._lines(), lines.encode("utf-8"), self.path)

    def _lines(self) -> int:
        """The JSON Lines target open to append, opened (and made) on the first record."""
        if self._fd is None:
            make_folder(self.path.parent)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            if os.fstat(self._fd).st_size and not _ends_a_line(self.path):
                append_whole(self._fd, b"\n", self.path)  # a last line written by hand without its end
        return self._fd

    def _close_lines(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _drop_superseded(self) -> None:
        """Rewrite the JSON Lines target without the older line of each document this run made again."""
        held = [(str(row["record"]), record) for rows in _earlier(self.path) for row in rows
                if (record := _parsed(self.path, row))]
        drop_older(self.path, [line for line, _record in held],
                   [_key(record["source"], line) for line, record in held], self._made)

    def __exit__(self, *exc: object) -> None:
        self._close_lines()  # what was appended stays: every record finished is kept
        if self.parquet:
            with suppress(Exception):
                self._file.close()  # the run failed already; the temporary file goes below
            self._open.__exit__(_Abandoned, _Abandoned(), None)  # not committed: ``replacing`` removes it

    @contextmanager
    def _reported(self) -> Iterator[None]:
        try:
            yield
        except OSError as err:
            raise OutputError(self.path, os_reason(err)) from None


def _ends_a_line(path: Path) -> bool:
    with path.open("rb") as held:
        held.seek(-1, os.SEEK_END)
        return held.read(1) == b"\n"


class _Abandoned(Exception):
    """Tells ``writing.replacing`` that the output was not committed (never raised out of ``_Output``)."""


__all__ = ["COLUMNS", "ExtractBatch", "Job", "Options", "Outcome", "run", "schema", "start"]
