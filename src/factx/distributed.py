"""Past one machine: extraction as a Ray Data map over a dataset of texts or paths.

Ray Data spreads the documents over workers, on one machine or a cluster; factx gives it
``ExtractBatch``, a callable class that ``map_batches`` constructs once per worker, so
each worker holds one ``Extractor`` (one backend: one loaded model or one HTTP client)
for all its documents. A bad document is an error value in its row, never a failed
batch, so one unreadable file cannot cost a million others.

``start``/``run`` are what ``factx ray`` calls: a folder of text files, or a JSON Lines
or Parquet file of texts, in; a JSON Lines file of records (as ``factx extract -o
x.jsonl`` writes) or a Parquet table (``source``, ``record``, ``error``) out. The output
is written to a temporary sibling and renamed over the target only once every document
has its row, and only if at least one has a record: a failed or interrupted run, or one
where every document failed (a server down), leaves an earlier output as it was.

Ray is an optional extra (``factx[ray]``): it is imported only inside functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from factx import splitting
from factx.errors import ConfigError, FactxError, InputError, OutputError, one_line
from factx.models import Record
from factx.pipeline import Extractor, keep_tables
from factx.reading import decode, expand_paths, os_reason, read_path
from factx.recording import StoreMode
from factx.settings import TRIAGE, Settings
from factx.writing import check_target, replacing, to_json

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
    """

    def __init__(self, options: Options) -> None:
        self.options = options
        self.extractor = options.extractor()

    def __call__(self, batch: Any) -> pa.Table:
        columns = _columns(batch)
        size = len(next(iter(columns.values()), []))
        rows = _rows([self.extract_row(*(columns.get(name, [None] * size)[i] for name in ("text", "path", "source")))
                      for i in range(size)])
        keep_tables()  # the worker's process is ours: what its first batch loaded stays for the run
        return rows

    def extract_row(self, text: object, path: object, source: object) -> tuple[str, str | None, str | None]:
        """``(source, record JSON, None)``, or ``(source, None, one-line reason)`` for a document that failed."""
        name = str(source) if source is not None else str(path) if path is not None else NO_TEXT
        try:
            doc = read_path(str(path)) if path is not None else decode(_text(text, name).encode("utf-8"), name)
            record = self.extractor.extract_document(replace(doc, source=name), published=self.options.published)
        except InputError as err:
            return name, None, err.reason
        except FactxError as err:
            return name, None, str(err)
        return name, to_json(record, pretty=False), None


def _rows(rows: list[tuple[str, str | None, str | None]]) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist([dict(zip(COLUMNS, row)) for row in rows], schema=schema())


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
    """What a run did: records written, and documents that have none."""

    records: int = 0
    errors: int = 0


@dataclass
class Job:
    """A started run: ``total`` documents, then ``(source, Record or the error it met)`` as each finishes."""

    total: int
    results: Iterator[tuple[str, Record | FactxError]]
    finished: bool = False

    def __iter__(self) -> Iterator[tuple[str, Record | FactxError]]:
        yield from self.results
        self.finished = True


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
) -> Iterator[Job]:
    """Map ``input`` over ``workers`` Ray actors; ``output`` replaced once every result is taken from the job
    (and one of them is a record).

    Inputs, output and options are checked before Ray starts. Ray is joined at ``address``
    (default: a running instance this process joined, else a new local one, stopped at the end).
    """
    source, target = Path(input), Path(output)
    _check_output(target, source)
    _check_input(source)
    if workers < 1 or batch_size < 1:
        raise ConfigError(f"workers and batch size must be at least 1, not {workers} and {batch_size}")
    options.extractor()  # a bad type or window fails here, once, not in every worker
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
            ExtractBatch, fn_constructor_args=(options,), batch_size=batch_size, batch_format="pyarrow",
            compute=pool, num_cpus=cpus_per_worker,
        )
        with _Output(target) as out:
            job = Job(dataset.count() + len(unusable), _results(mapped, unusable, out))
            yield job
            if job.finished and out.records:  # not a part of the output, nor one where every document failed
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
) -> Outcome:
    """Extract every document of ``input`` into ``output`` on ``workers`` Ray workers.

    ``settings`` default to ``Settings.from_env()``; the other options mean what they mean
    for ``Extractor`` and ``start``.
    """
    options = Options(settings or Settings.from_env(), store_mode, types, strict, triage, window_chars, published)
    records = errors = 0
    how = {"workers": workers, "address": address, "cpus_per_worker": cpus_per_worker, "batch_size": batch_size}
    with start(input, output, options, **how) as job:
        for _source, result in job:
            records += isinstance(result, Record)
            errors += isinstance(result, FactxError)
    return Outcome(records, errors)


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


def _results(mapped: Dataset, unusable: list[InputError], out: _Output) -> Iterator[tuple[str, Record | FactxError]]:
    """Every document's record or error, as Ray hands the rows back; each batch written as it comes."""
    if unusable:
        out.write(_rows([(err.source, None, err.reason) for err in unusable]))
    for err in unusable:
        yield err.source, err
    for table in mapped.iter_batches(batch_size=None, batch_format="pyarrow"):
        out.write(table)
        for row in table.to_pylist():
            record = row["record"]
            yield row["source"], Record.model_validate_json(record) if record else FactxError(row["error"])


class _Output:
    """Batches of rows written to ``writing.replacing(path)``: ``commit`` puts them under ``path``.

    JSON Lines get each record on its own line (the rows with an error have none); Parquet gets
    every row. Leaving without ``commit`` removes the temporary file, so the target is replaced
    whole or not at all.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parquet = path.suffix.lower() == ".parquet"
        self.records = 0  # rows with a record so far
        self._file: Any = None
        self._open = ExitStack()

    def __enter__(self) -> _Output:
        import pyarrow.parquet as pq

        with self._reported():
            out = self._open.enter_context(replacing(self.path, binary=self.parquet))
            self._file = pq.ParquetWriter(out, schema()) if self.parquet else out
        return self

    def write(self, table: pa.Table) -> None:
        self.records += table.num_rows - table.column("record").null_count
        with self._reported():
            if self.parquet:
                self._file.write_table(table)
            else:
                self._file.writelines(line + "\n" for line in table.column("record").to_pylist() if line)

    def commit(self) -> None:
        """Put the rows on disk, then give them the target's name."""
        with self._reported():
            if self.parquet:
                self._file.close()  # the footer; the file itself is ``replacing``'s
            self._open.close()

    def __exit__(self, *exc: object) -> None:
        with suppress(Exception):
            if self.parquet:
                self._file.close()  # the run failed already; the temporary file goes below
        self._open.__exit__(_Abandoned, _Abandoned(), None)  # not committed: ``replacing`` removes it

    @contextmanager
    def _reported(self) -> Iterator[None]:
        try:
            yield
        except OSError as err:
            raise OutputError(self.path, os_reason(err)) from None


class _Abandoned(Exception):
    """Tells ``writing.replacing`` that the output was not committed (never raised out of ``_Output``)."""


__all__ = ["COLUMNS", "ExtractBatch", "Job", "Options", "Outcome", "run", "schema", "start"]
