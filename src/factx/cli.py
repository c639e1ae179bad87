"""The ``factx`` command: parse arguments, call the library, print.

stdout carries only JSON, so ``factx extract ... | jq`` always works; progress,
warnings and errors go to stderr through Rich. Exit codes: 0 all good, 1 some
inputs failed, 2 usage or configuration error. Heavy imports (llama.cpp,
instructor, openai) happen inside the commands that need them, so ``--help``
and ``factx types`` answer at once.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional, TypedDict, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperArgument, TyperCommand

from factx.errors import InputError
from factx.settings import TRIAGE
from factx.splitting import WINDOW_CHARS

if TYPE_CHECKING:
    from typer._click import Context, HelpFormatter

    from factx.pipeline import Extractor, Result
    from factx.reading import Document
    from factx.recording import StoreMode
    from factx.reporting import Reporter, Verbosity
    from factx.writing import Sink


class _Command(TyperCommand):
    """Typer's command with help in Click's plain form: ``PATH...``, never ``{paths}... <list[str]>``.

    Plain help (``rich_markup_mode=None``) keeps ``[env: FACTX_CACHE_DIR]`` and ``<name>``
    as written, and reads well through ``| less`` or ``| grep``; options name their value
    with a metavar, and flags show none.
    """

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence whole in the command list, where Click would cut it at 45 characters."""
        return super().get_short_help_str(limit=1000)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        arguments = [_shown(param) for param in self.get_params(ctx) if isinstance(param, TyperArgument)]
        return [self.options_metavar or "", *arguments]

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {"Arguments": [], "Options": []}
        for param in self.get_params(ctx):
            row = param.get_help_record(ctx)
            if row is None:
                continue
            if isinstance(param, TyperArgument):
                sections["Arguments"].append((_shown(param), row[1]))  # Typer's name holds "<list[str]>"
            else:
                sections["Options"].append(row)
        for title, rows in sections.items():
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _shown(argument: TyperArgument) -> str:
    """An argument as Click shows it: ``PATH...``, ``[TYPE]`` when optional."""
    name = (argument.metavar or argument.name or "").upper() + ("..." if argument.nargs != 1 else "")
    return name if argument.required else f"[{name}]"


app = typer.Typer(
    name="factx",
    help="Extract typed, grounded facts (agreements, MoUs, missions, federations) from articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
command = partial(app.command, cls=_Command)
T = TypeVar("T")
err = Console(stderr=True, highlight=False)


def _fail(message: str, code: int = 2) -> NoReturn:
    """One error line on stderr (``message`` is never read as markup), then exit."""
    err.print(Text.assemble(("error", "bold red"), f": {message}"), soft_wrap=True)
    raise typer.Exit(code)


def _version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        print(f"factx {version('factx')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """The options of factx itself, before the command (its help is the app's)."""


def _published(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


# The options `extract` and `ray` share, defined once so their names, values and help cannot drift apart.
TypesOption = Annotated[Optional[list[str]], typer.Option("--types", "-t", metavar="TYPES", help=(
    "Fact types to extract, repeated or comma-separated: -t mission -t mou, or -t agreement,mou; "
    "default: all (factx types)."))]
ProviderOption = Annotated[Optional[str], typer.Option(
    metavar="NAME", help="local (default), openai, vllm, ollama, llamacpp or compatible [env: FACTX_PROVIDER].")]
ModelOption = Annotated[Optional[str], typer.Option(metavar="NAME", help="Model name on a server [env: FACTX_MODEL].")]
BaseUrlOption = Annotated[Optional[str], typer.Option(
    metavar="URL", help="OpenAI-compatible server URL [env: FACTX_BASE_URL].")]
ApiKeyOption = Annotated[Optional[str], typer.Option(
    metavar="KEY", help="API key for the server [env: FACTX_API_KEY; OPENAI_API_KEY for --provider openai].")]
ModelPathOption = Annotated[Optional[str], typer.Option(
    metavar="FILE", help="A GGUF file for the local provider [env: FACTX_MODEL_PATH].")]
TimeoutOption = Annotated[Optional[float], typer.Option(
    metavar="SECONDS", help="Seconds one model request may take (default 180) [env: FACTX_TIMEOUT].")]
JobsOption = Annotated[Optional[int], typer.Option(min=1, metavar="N", help=(
    "Documents in flight together: default 8 on a server; the local model always runs one [env: FACTX_JOBS]."))]
PublishedOption = Annotated[Optional[str], typer.Option(
    metavar="DATE", help="Publication date YYYY-MM-DD, to resolve relative dates.")]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Redo every input, even those whose record the output already holds.")]
StrictOption = Annotated[bool, typer.Option(help="Drop facts whose evidence is not found in the text.")]
TriageOption = Annotated[bool, typer.Option(help=(
    "First ask which fact types the text states, then extract only those (fewer calls, fewer facts found)."))]
CacheOption = Annotated[bool, typer.Option(help="Reuse stored answers for unchanged documents.")]
CacheDirOption = Annotated[Optional[Path], typer.Option(
    metavar="DIR", help="Where answers are stored [env: FACTX_CACHE_DIR].")]
ReplayOption = Annotated[bool, typer.Option(help="Answer only from the store; never call the model.")]
RefreshOption = Annotated[bool, typer.Option(help="Call the model even when an answer is stored, and store anew.")]
WindowOption = Annotated[int, typer.Option(min=1000, metavar="CHARS", help=(
    "Most characters read in one call; longer texts are read in overlapping windows. "
    "Raise it for a model with a larger context."))]
QuietOption = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Print errors only: no warnings, progress or summary.")]
VerboseOption = Annotated[bool, typer.Option(
    "--verbose", "-v", help="Also print one line per document: facts, seconds, calls, tokens.")]


class _Reading(TypedDict):
    """How every document is read: the keywords ``Extractor.from_settings`` and ``distributed.Options`` share."""

    store_mode: StoreMode
    types: Optional[str]
    strict: bool
    triage: bool
    window_chars: int


def _reading(
    *, types: Optional[list[str]], strict: bool, triage: bool, window: int, cache: bool, replay: bool, refresh: bool
) -> _Reading:
    """The extraction options from their command-line values, exiting 2 when they contradict each other."""
    if replay and refresh:
        _fail("--replay and --refresh cannot be used together")
    return _Reading(
        store_mode="replay" if replay else "refresh" if refresh else "cache" if cache else "off",
        types=",".join(types) if types else None, strict=strict, triage=triage, window_chars=window,
    )


def _verbosity(quiet: bool, verbose: bool) -> Verbosity:
    """What the reporter prints, from -q / -v, exiting 2 when both are given."""
    if quiet and verbose:
        _fail("--quiet and --verbose cannot be used together")
    return "quiet" if quiet else "verbose" if verbose else "normal"


@command()
def extract(
    paths: Annotated[list[str], typer.Argument(
        metavar="PATH", help="Files, folders (searched recursively) or - for stdin.")],
    types: TypesOption = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", metavar="FILE", help="Write the JSON (Lines) to this file.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out-dir", metavar="DIR", help="Write one <name>.json per input here.")] = None,
    jsonl: Annotated[bool, typer.Option(
        "--jsonl", help="Write JSON Lines, one record per line, even for one input.")] = False,
    compact: Annotated[bool, typer.Option(
        "--compact", help="Write each record on one line, without indentation.")] = False,
    force: ForceOption = False,
    provider: ProviderOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    model_path: ModelPathOption = None,
    timeout: TimeoutOption = None,
    jobs: JobsOption = None,
    unordered: Annotated[bool, typer.Option(
        "--unordered", help="Write each record as soon as it is done, not in the order of the inputs.")] = False,
    retries: Annotated[Optional[int], typer.Option(min=0, metavar="N", help=(
        "Retries of a request that timed out or got HTTP 429 or 5xx, after the server's Retry-After (default 3) "
        "[env: FACTX_RETRIES]."))] = None,
    rate: Annotated[Optional[float], typer.Option(metavar="R", help=(
        "Most requests per second sent to the server, over all jobs; default: no limit [env: FACTX_RATE]."))] = None,
    published: PublishedOption = None,
    strict: StrictOption = False,
    triage: TriageOption = TRIAGE,
    cache: CacheOption = True,
    cache_dir: CacheDirOption = None,
    replay: ReplayOption = False,
    refresh: RefreshOption = False,
    window: WindowOption = WINDOW_CHARS,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Extract facts from each input and print one record per input as JSON."""
    from factx.errors import FactxError, OutputError
    from factx.pipeline import Extractor
    from factx.reading import expand_paths
    from factx.reporting import Reporter
    from factx.settings import Settings
    from factx.writing import open_sink

    if out and out_dir:
        _fail("--out and --out-dir cannot be used together")
    reading = _reading(types=types, strict=strict, triage=triage, window=window, cache=cache, replay=replay,
                       refresh=refresh)
    verbosity = _verbosity(quiet, verbose)
    when = _published(published)
    inputs = expand_paths(paths)  # files to read, and InputErrors for the paths that cannot be used
    names = [name for name in inputs if isinstance(name, str)]
    try:
        sink = open_sink(paths, names, out=out, out_dir=out_dir, jsonl=jsonl, compact=compact)
    except OutputError as problem:
        _fail(str(problem))
    skipped = 0  # inputs whose record the output already held, for the line printed on an interruption
    try:
        with _sigterm_as_interrupt() as termination:
            try:
                settings = Settings.from_env(
                    provider=provider, model=model, base_url=base_url, api_key=api_key,
                    model_path=model_path, cache_dir=cache_dir, timeout=timeout,
                    jobs=jobs, retries=retries, rate=rate,
                )
                extractor = Extractor.from_settings(settings, **reading)
            except FactxError as problem:
                _fail(str(problem))
            if settings.jobs and settings.jobs > settings.workers and not quiet:
                err.print(f"note: the {settings.provider} model answers one request at a time; running 1 job, "
                          f"not {settings.jobs}", markup=False, highlight=False, soft_wrap=True)
            with sink, Reporter(err, len(inputs), output=_output(out, out_dir), verbosity=verbosity) as report:
                skip = None if force else _resume(sink, extractor)
                batch = extractor.extract_paths(
                    names, published=when, skip=skip, jobs=settings.workers, ordered=not unordered
                )
                try:
                    for path, result in _in_order(inputs, batch):
                        skipped += _deliver(sink, report, path, result)
                        termination.check()
                except KeyboardInterrupt:  # keep the documents that finished behind one still running
                    for path, result in batch.finished():
                        skipped += _deliver(sink, report, path, result)
                    raise
    except OutputError as problem:
        _fail(str(problem), 1)
    except KeyboardInterrupt as stop:
        again = "; run the same command again to finish" if sink.resumable else ""
        err.print(f"interrupted: {sink.written + skipped} of {len(inputs)} documents written to {sink.where}{again}",
                  markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(143 if isinstance(stop, _Terminated) else 130) from None
    report.summary()
    if report.failed:
        raise typer.Exit(1)


def _deliver(sink: Sink, report: Reporter, path: str, result: Result | InputError) -> int:
    """Write a record and report the input's result; 1 if its record was already written (a resumed run)."""
    from factx.models import Record
    from factx.pipeline import Skipped, keep_tables

    if isinstance(result, Record):
        sink.write(result)
        keep_tables()  # the tables the first document loaded stay for the run
    report.document(path, result)
    return int(isinstance(result, Skipped))


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt, so a batch stops the same way."""


class _Termination:
    """Whether SIGTERM came, for the raise Python may swallow.

    The handler raises where the main thread is; when that is a finalizer (a
    ``__del__`` of the regex module, run by the collector), Python prints the exception
    as "Exception ignored" and goes on, and the batch would finish with exit 0.
    """

    def __init__(self) -> None:
        self.received = False

    def handle(self, signum: int, frame: object) -> NoReturn:
        self.received = True
        raise _Terminated

    def check(self) -> None:
        """Raise the SIGTERM that came, if its raise was swallowed."""
        if self.received:
            raise _Terminated


@contextmanager
def _sigterm_as_interrupt() -> Iterator[_Termination]:
    """Handle SIGTERM like Ctrl-C while a batch runs: finished records kept, one line, exit 143.

    A raise swallowed by a finalizer is not printed, and is raised again at the caller's next
    ``check()`` (after each document) or when the block ends.
    """
    termination = _Termination()
    previous, hook = signal.signal(signal.SIGTERM, termination.handle), sys.unraisablehook

    def unraisable(what: sys.UnraisableHookArgs) -> None:
        if not isinstance(what.exc_value, _Terminated):
            hook(what)

    sys.unraisablehook = unraisable
    try:
        yield termination
        termination.check()
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = hook


def _resume(sink: Sink, extractor: Extractor) -> Callable[[Document], bool]:
    """Whether the output already holds a finished record of a document, made as this run would make it."""
    from factx.writing import Fingerprint

    @cache
    def fingerprint() -> Fingerprint:  # made when first needed: a server may have to be asked its model's name
        return Fingerprint.of(extractor)

    return lambda doc: sink.holds(doc, fingerprint())


def _in_order(inputs: list[str | InputError], results: Iterator[tuple[str, T]]) -> Iterator[tuple[str, T | InputError]]:
    """Each input's result in the order given, lazily.

    A path that cannot be used gives the error found for it; the others, one by one, the
    results of the one batch made of them.
    """
    for item in inputs:
        yield (item.source, item) if isinstance(item, InputError) else next(results)


def _output(out: Optional[Path], out_dir: Optional[Path]) -> Optional[str]:
    """Where records go, as the summary names it; None for stdout."""
    if out_dir is not None:
        return f"{out_dir}{os.sep}"
    return None if out is None or str(out) == "-" else str(out)


@command()
def types(as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False) -> None:
    """List the fact types factx extracts.

    A table at a terminal; piped, one NAME<TAB>DESCRIPTION line per type.
    """
    from factx.prompting import fact_types

    described = fact_types()
    if as_json:
        print(json.dumps(described, indent=2))
        return
    if not sys.stdout.isatty():
        print("\n".join(f"{name}\t{text}" for name, text in described.items()))
        return
    from rich.table import Table

    table = Table("type", "what it covers")
    for name, text in described.items():
        table.add_row(name, text)
    Console().print(table)


@command()
def schema(
    fact_type: Annotated[Optional[str], typer.Argument(
        metavar="TYPE", help="agreement, mou, mission or federation; default: the record.")] = None,
    write: Annotated[Optional[Path], typer.Option(
        metavar="DIR", help="Write every schema into this folder instead.")] = None,
) -> None:
    """Print the JSON Schema of a record or of one fact type."""
    from factx.errors import OutputError
    from factx.validating import schemas, write_schemas

    if write is not None:
        try:
            written = write_schemas(write)
        except OutputError as problem:
            _fail(str(problem), 1)
        for path in written:
            err.print(f"wrote {path}", markup=False)
        return
    available = schemas()
    name = (fact_type or "record").lower()
    if name not in available:
        raise typer.BadParameter(f"unknown type {fact_type!r}; choose from {', '.join(available)}")
    print(json.dumps(available[name], indent=2, ensure_ascii=False))


@command()
def validate(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE", help="JSON or JSON Lines files of records; - for stdin.")],
    source: Annotated[Optional[Path], typer.Option(metavar="FILE", help=(
        "The input text, to check evidence offsets too: of the records whose source is this file (the same path "
        "from the current folder; a relative source not found from here: the same file name), and of a file's "
        "only record whatever its source."))] = None,
) -> None:
    """Check records against the contract; exit 1 when any is invalid."""
    from rich.markup import escape

    from factx.errors import InputError, one_line
    from factx.reading import read_path
    from factx.validating import load_records, names_file, problems, shown_name

    text = None
    if source is not None:
        try:
            text = read_path(source).text
        except InputError as problem:
            _fail(str(problem))
    loaded, bad = [], 0
    for file in files:
        try:
            loaded.append(load_records(file))
        except InputError as problem:
            err.print(f"[bold red]error[/]: {escape(str(problem))}", soft_wrap=True)
            bad += 1
    checks = [
        (where, record, source is not None and (len(records) == 1 or names_file(record, source)))
        for records in loaded for where, record in records
    ]
    if source is not None and checks and not any(offsets for *_, offsets in checks):
        named = ", ".join(one_line(shown_name(file)) for file in files)
        _fail(f"--source {one_line(source)}: no record in {named} was extracted from it")
    for where, record, offsets in checks:
        found = problems(record, text if offsets else None)
        for issue in found:
            err.print(f"[red]invalid[/] {escape(one_line(where))}: {escape(issue)}", soft_wrap=True)
        bad += bool(found)
    if bad:
        raise typer.Exit(1)
    err.print(f"[green]valid[/]: {len(files)} file(s)")


@command(name="eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="A gold record file, or a folder of them; - for stdin.")],
    predicted: Annotated[Path, typer.Argument(
        metavar="PRED",
        help="Records from factx: a JSON / JSON Lines file or a folder; - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON on stdout.")] = False,
) -> None:
    """Score records against gold: precision, recall and F1 per fact type and per field.

    Records pair by the file stem of their source; exit 1 when no document pairs.
    """
    from factx.errors import FactxError, one_line
    from factx.evaluating import evaluate as score
    from factx.evaluating import load_gold, load_predictions, render
    from factx.validating import shown_name

    if str(gold) == str(predicted) == "-":
        _fail("GOLD and PRED cannot both be - (stdin)")
    try:
        report = score(load_gold(gold), load_predictions(predicted))
    except FactxError as problem:
        _fail(str(problem))
    if not any(document.predicted for document in report.documents):
        names = one_line(shown_name(predicted)), one_line(shown_name(gold))
        _fail("nothing scored: no record of {} pairs with a document of {} "
              "(they pair by the file stem of their source)".format(*names), 1)
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        render(report, Console())


@command()
def view(
    record_file: Annotated[Path, typer.Argument(
        metavar="RECORD", help="A record: JSON, or JSON Lines (see --index); - for stdin.")],
    source: Annotated[Optional[Path], typer.Option(
        metavar="FILE", help="The input text; default: the record's source path, from the current folder.")] = None,
    index: Annotated[int, typer.Option(
        min=0, metavar="N", help="Which record of a JSON Lines file to show, counting from 0.")] = 0,
    out: Annotated[str, typer.Option(
        "--out", "-o", metavar="FILE", help="Write the HTML page to this file; - for stdout.")] = "-",
) -> None:
    """Render one record as an HTML page: the text with each fact's evidence highlighted, and a card per fact."""
    from factx.errors import ConfigError, FactxError, OffsetError, OutputError, one_line
    from factx.viewing import load_record, read_source, render_html
    from factx.writing import write_atomic

    try:
        record = load_record(record_file, index)
        document = read_source(record, source)
    except ConfigError as problem:
        _fail(str(problem))
    except FactxError as problem:
        _fail(str(problem), 1)
    try:
        page = render_html(record, document.text)
    except OffsetError as problem:
        _fail(f"evidence offsets do not match {document.source}: {problem}", 1)
    if out == "-":
        sys.stdout.write(page)
        return
    target = Path(out)
    inputs = (record_file, Path(document.source))
    if target.exists() and any(path.exists() and target.samefile(path) for path in inputs):
        _fail(f"{one_line(out)}: is an input; refusing to write the page over it")
    try:
        write_atomic(target, page)
    except OutputError as problem:
        _fail(str(problem), 1)
    err.print(f"wrote {one_line(out)}", soft_wrap=True)



@command(name="ray")
def ray_command(
    input: Annotated[Path, typer.Argument(metavar="INPUT", help=(
        "A folder of text files (searched recursively), or a .jsonl or .parquet file of texts: "
        "a text column, and an optional source or id."))],
    out: Annotated[Path, typer.Option(
        "--out", "-o", metavar="FILE", help=(
            "Where the records go: .jsonl (one record per line, appended as they come) or .parquet "
            "(columns source, record, error; replaced when the run ends or is interrupted). Run again, it "
            "does only the documents left."))],
    workers: Annotated[int, typer.Option(min=1, metavar="N", help=(
        "Ray workers extracting at once, each with its own model or client and --jobs documents in flight."))] = 1,
    jobs: JobsOption = None,
    address: Annotated[Optional[str], typer.Option(
        metavar="ADDR", help="The Ray cluster to join; default: RAY_ADDRESS, else a Ray started here.")] = None,
    cpus_per_worker: Annotated[float, typer.Option(
        min=0.01, metavar="CPUS", help=(
            "CPUs Ray reserves for each worker: lower it for a remote model (workers mostly wait), "
            "raise it to the cores for the embedded one."))] = 1.0,
    force: ForceOption = False,
    types: TypesOption = None,
    provider: ProviderOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    model_path: ModelPathOption = None,
    timeout: TimeoutOption = None,
    published: PublishedOption = None,
    strict: StrictOption = False,
    triage: TriageOption = TRIAGE,
    cache: CacheOption = True,
    cache_dir: CacheDirOption = None,
    replay: ReplayOption = False,
    refresh: RefreshOption = False,
    window: WindowOption = WINDOW_CHARS,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Extract facts from a corpus on Ray Data (pip install factx[ray]), one model or client per worker.

    On a cluster, give --cache-dir a folder every worker sees, so that they share the stored answers.
    """
    from factx import distributed
    from factx.errors import FactxError, one_line
    from factx.reporting import Reporter
    from factx.settings import Settings

    reading = _reading(types=types, strict=strict, triage=triage, window=window, cache=cache, replay=replay,
                       refresh=refresh)
    verbosity = _verbosity(quiet, verbose)
    when = _published(published)
    begun = False  # whether documents are being extracted: an error then fails the run (1), not the usage (2)
    job: distributed.Job | None = None
    try:
        settings = Settings.from_env(
            provider=provider, model=model, base_url=base_url, api_key=api_key,
            model_path=model_path, cache_dir=cache_dir, timeout=timeout, jobs=jobs,
        )
        options = distributed.Options(settings, **reading, published=when)
        with distributed.start(
            input, out, options, workers=workers, address=address, cpus_per_worker=cpus_per_worker, force=force,
        ) as job, _sigterm_as_interrupt() as termination, Reporter(  # after ray.init: its SIGTERM handler
            err, job.total, output=str(out), verbosity=verbosity,
        ) as report:
            begun = True
            for source, result in job:
                report.document(source, result)
                termination.check()
    except FactxError as problem:  # nothing written
        _fail(str(problem), 1 if begun else 2)
    except KeyboardInterrupt as stop:
        made = job.records() if job else 0  # kept, with the earlier ones
        kept = f"{made} new records written to" if made else "nothing new written to"
        err.print(f"interrupted: {kept} {one_line(out)}; run the same command again to finish",
                  markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(143 if isinstance(stop, _Terminated) else 130) from None
    report.summary()
    if report.failed:
        raise typer.Exit(1)


def main() -> None:
    """Entry point that keeps a broken pipe (``| head``), or Ctrl-C before any document started (while
    the command imports what it needs), from printing a traceback."""
    try:
        app()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
