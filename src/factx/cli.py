"""The ``factx`` command: parse arguments, call the library, print.

stdout carries only JSON, so ``factx extract ... | jq`` always works; progress,
warnings and errors go to stderr through Rich. Exit codes: 0 all good, 1 some
inputs failed, 2 usage or configuration error. Heavy imports (llama.cpp,
instructor, openai) happen inside the commands that need them, so ``--help``
and ``factx types`` answer at once.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console

from factx.splitting import WINDOW_CHARS

app = typer.Typer(
    name="factx",
    help="Extract typed, grounded facts (agreements, MoUs, missions, federations) from articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error[/]: {message}", soft_wrap=True)
    raise typer.Exit(code)


def _published(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (searched recursively) or - for stdin.")],
    types: Annotated[Optional[str], typer.Option("--types", "-t", help="Comma-separated fact types, e.g. agreement,mou.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the JSON (Lines) to this file.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", help="Write one <name>.json per input here.")] = None,
    provider: Annotated[Optional[str], typer.Option(help="local (default), openai, vllm, ollama, llamacpp or compatible [env: FACTX_PROVIDER].")] = None,
    model: Annotated[Optional[str], typer.Option(help="Model name on a server [env: FACTX_MODEL].")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible server URL [env: FACTX_BASE_URL].")] = None,
    api_key: Annotated[Optional[str], typer.Option(help="API key for the server [env: FACTX_API_KEY; OPENAI_API_KEY for --provider openai].")] = None,
    model_path: Annotated[Optional[str], typer.Option(help="A GGUF file for the local provider [env: FACTX_MODEL_PATH].")] = None,
    timeout: Annotated[Optional[float], typer.Option(help="Seconds one model request may take (default 180) [env: FACTX_TIMEOUT].")] = None,
    published: Annotated[Optional[str], typer.Option(help="Publication date YYYY-MM-DD, to resolve relative dates.")] = None,
    strict: Annotated[bool, typer.Option(help="Drop facts whose evidence is not found in the text.")] = False,
    cache: Annotated[bool, typer.Option(help="Reuse stored answers for unchanged documents.")] = True,
    cache_dir: Annotated[Optional[Path], typer.Option(help="Where answers are stored [env: FACTX_CACHE_DIR].")] = None,
    replay: Annotated[bool, typer.Option(help="Answer only from the store; never call the model.")] = False,
    refresh: Annotated[bool, typer.Option(help="Call the model even when an answer is stored, and store anew.")] = False,
    window: Annotated[int, typer.Option(min=1000, help="Most characters read in one call; longer texts are read in overlapping windows. Raise it for a model with a larger context.")] = WINDOW_CHARS,
) -> None:
    """Extract facts from each input and print one record per input as JSON."""
    from factx.errors import FactxError, InputError
    from factx.pipeline import Extractor
    from factx.reading import expand_paths
    from factx.reporting import Reporter
    from factx.settings import Settings
    from factx.writing import RecordSink

    if out and out_dir:
        _fail("--out and --out-dir cannot be used together")
    if replay and refresh:
        _fail("--replay and --refresh cannot be used together")
    when = _published(published)
    try:
        inputs = expand_paths(paths)
    except InputError as problem:
        _fail(str(problem))
    if not inputs:
        _fail("no text files found in the given folders")
    store_mode = "replay" if replay else "refresh" if refresh else "cache" if cache else "off"
    try:
        settings = Settings.from_env(
            provider=provider, model=model, base_url=base_url, api_key=api_key,
            model_path=model_path, cache_dir=cache_dir, timeout=timeout,
        )
        extractor = Extractor.from_settings(
            settings, store_mode=store_mode, types=types, strict=strict, window_chars=window
        )
    except FactxError as problem:
        _fail(str(problem))

    with RecordSink(out=out, out_dir=out_dir, pretty=len(inputs) == 1) as sink, Reporter(err, len(inputs)) as report:
        for path, result in extractor.extract_paths(inputs, published=when):
            if not isinstance(result, FactxError):
                sink.write(result)
            report.document(path, result)
    report.summary()
    if report.failed:
        raise typer.Exit(1)


@app.command()
def types(as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False) -> None:
    """List the fact types factx extracts."""
    from factx.prompting import fact_types

    described = fact_types()
    if as_json:
        print(json.dumps(described, indent=2))
        return
    from rich.table import Table

    table = Table("type", "what it covers")
    for name, text in described.items():
        table.add_row(name, text)
    Console().print(table)


@app.command()
def schema(
    fact_type: Annotated[Optional[str], typer.Argument(help="agreement, mou, mission or federation; default: the record.")] = None,
    write: Annotated[Optional[Path], typer.Option(help="Write every schema into this folder instead.")] = None,
) -> None:
    """Print the JSON Schema of a record or of one fact type."""
    from factx.validating import schemas, write_schemas

    if write is not None:
        for path in write_schemas(write):
            err.print(f"wrote {path}")
        return
    available = schemas()
    name = (fact_type or "record").lower()
    if name not in available:
        raise typer.BadParameter(f"unknown type {fact_type!r}; choose from {', '.join(available)}")
    print(json.dumps(available[name], indent=2, ensure_ascii=False))


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="JSON or JSON Lines files of records.")],
    source: Annotated[Optional[Path], typer.Option(help="The input text, to check evidence offsets too.")] = None,
) -> None:
    """Check records against the contract; exit 1 when any is invalid."""
    from factx.errors import InputError
    from factx.reading import read_path
    from factx.validating import load_records, problems

    text = None
    if source is not None:
        try:
            text = read_path(source).text
        except InputError as problem:
            _fail(str(problem))
    bad = 0
    for file in files:
        try:
            records = load_records(file)
        except InputError as problem:
            err.print(f"[bold red]error[/]: {problem}", soft_wrap=True)
            bad += 1
            continue
        for line, record in records:
            found = problems(record, text)
            for problem in found:
                err.print(f"[red]invalid[/] {file}:{line}: {problem}", soft_wrap=True)
            bad += bool(found)
    if bad:
        raise typer.Exit(1)
    err.print(f"[green]valid[/]: {len(files)} file(s)")


@app.command(name="eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="A gold record file, or a folder of them.")],
    predicted: Annotated[Path, typer.Argument(help="Records from factx: a JSON / JSON Lines file or a folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON on stdout.")] = False,
) -> None:
    """Score records against gold: precision, recall and F1 per fact type and per field."""
    from factx.errors import FactxError
    from factx.evaluating import evaluate as score
    from factx.evaluating import load_gold, load_predictions, render

    try:
        report = score(load_gold(gold), load_predictions(predicted))
    except FactxError as problem:
        _fail(str(problem))
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        render(report, Console())


@app.command()
def view(
    record_file: Annotated[Path, typer.Argument(metavar="RECORD", help="A record: JSON, or JSON Lines (see --index).")],
    source: Annotated[Optional[Path], typer.Option(help="The input text; default: the record's source path, from the current folder.")] = None,
    index: Annotated[int, typer.Option(min=0, help="Which record of a JSON Lines file to show, counting from 0.")] = 0,
    out: Annotated[str, typer.Option("--out", "-o", help="Write the HTML page to this file; - for stdout.")] = "-",
) -> None:
    """Render one record as an HTML page: the text with each fact's evidence highlighted, and a card per fact."""
    from factx.errors import ConfigError, FactxError, OffsetError
    from factx.reading import os_reason
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
    try:
        write_atomic(Path(out), page)
    except OSError as problem:
        _fail(f"{out}: {os_reason(problem)}", 1)
    err.print(f"wrote {out}", soft_wrap=True)


def main() -> None:
    """Entry point that keeps a broken pipe (``| head``) from printing a traceback."""
    try:
        app()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)
