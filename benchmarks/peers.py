"""Peer tools on factx's own model and texts, scored side by side against the gold.

    .venv/bin/python benchmarks/peers.py [TEXTS] [--gold GOLD] [--tools baseline,langextract,llm]
                                         [--with-factx] [--limit N] [--max-tokens N] [--out-dir DIR]
                                         [--factx-store DIR]

    # the five seed articles (examples/) against the shared seed gold
    .venv/bin/python benchmarks/peers.py --out-dir /tmp/peers
    # the 20-text development set
    .venv/bin/python benchmarks/peers.py benchmarks/devset/texts --gold benchmarks/devset/gold --with-factx
    # re-score one tool's saved records
    .venv/bin/factx eval ../shared/corpus/gold /tmp/peers/langextract.jsonl

The embedded GGUF is served by llama-cpp-python's OpenAI-compatible server on
a free loopback port for the whole run (stopped on exit), and every peer asks
it for all four fact types in one call per document, temperature 0, with the
same output budget (``--max-tokens``):

- ``baseline``: a plain instructor call (``Mode.TOOLS``, one attempt) with a
  short prompt of our own and a list of factx's four fact models as the
  response model; the forced tool call makes the server decode with a
  grammar built from that schema.
- ``langextract`` (1.7.1): its OpenAI provider with ``base_url``, our prompt
  and one invented few-shot example, ``use_schema_constraints=False``. With
  the default (True) it sends its example-derived schema as OpenAI's
  ``json_schema``, which the server refuses (HTTP 500); with False it asks
  for ``{"type": "json_object"}``, so the server's generic JSON grammar keeps
  the answer parseable but not to any schema. (Sending that schema as
  ``json_object`` + ``schema`` instead was tried: that grammar allows no
  newlines, langextract shows its example answer indented, and on our test
  text the model closed the list empty.)
- ``llm`` (0.36): ``llm --schema`` with the model declared in a throwaway
  ``extra-openai-models.yaml``; llm sends the schema as OpenAI's
  ``json_schema``, which llama-cpp-python's server refuses (HTTP 500): the row
  shows that, as a user of llm would meet it.
- ``factx`` (``--with-factx``): factx itself through the same server, with
  its own prompts, calls and budget.

Seconds are wall time per document: the llm row includes the CLI's start-up
(1-3 s); langextract's are timed inside its worker, so exclude its import.

langextract and llm live in their own venv (benchmarks/.peers-venv, created
on first use from benchmarks/peers-requirements.txt) so they never become
factx dependencies. Each answer is turned into a contract record; evidence
offsets come from the tool when it gives them, else from finding the quote
in the text. A tool that fails on a document leaves an empty record and its
error, and the run goes on. Only documents that were run are scored, so
``--limit`` gives a fair (if small) score.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import instructor
from openai import OpenAI
from pydantic import BaseModel, Field, ValidationError
from rich.console import Console
from rich.table import Table

from factx import Extractor, Settings
from factx.evaluating import document_key, evaluate, load_gold
from factx.grounding import locate
from factx.models import (
    FACT_TYPES,
    AgreementFields,
    Evidence,
    FederationFields,
    MissionFields,
    MouFields,
    PartyKind,
    Record,
    Shape,
    Stats,
)
from factx.normalizing import find_publication_date
from factx.reading import Document, expand_paths, read_path
from factx.weights import model_path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
PEERS_VENV = HERE / ".peers-venv"
TOOLS = ("baseline", "langextract", "llm")
#: Generous for a 1.5B model on 2 cores, where a whole document is one call.
TIMEOUT = 1800.0

#: The task in our own words (not factx's prompts), shared by every peer.
DESCRIPTION = (
    "Extract from the news article every fact of these four types. "
    "agreement: a cooperation, partnership, co-production, trade or intergovernmental agreement, "
    "signed or announced. "
    "mou: a memorandum of understanding (memorandum/protocollo d'intesa). "
    "mission: an institutional, trade or business delegation travelling to another place. "
    "federation: a federation, association, consortium or cluster that is founded or described with its leaders. "
    "Write names as in the article, other text in English, countries as ISO 3166-1 alpha-2 codes and dates as "
    "YYYY-MM-DD, YYYY-MM or YYYY. Support each fact with verbatim quotes from the article. "
    "If the article states no such fact, return none."
)

# -- baseline: factx's fact models, with quotes for evidence (offsets are found in the text) --


class _Kind(Shape):
    type: str


class _Quotes(Shape):
    evidence: list[str] = Field(default_factory=list, description="verbatim quotes from the article")


class AgreementDraft(_Quotes, AgreementFields, _Kind):
    type: Literal["agreement"] = "agreement"


class MouDraft(_Quotes, MouFields, _Kind):
    type: Literal["mou"] = "mou"


class MissionDraft(_Quotes, MissionFields, _Kind):
    type: Literal["mission"] = "mission"


class FederationDraft(_Quotes, FederationFields, _Kind):
    type: Literal["federation"] = "federation"


class Facts(BaseModel):
    """Every agreement, MoU, mission and federation the article states."""

    facts: list[Annotated[AgreementDraft | MouDraft | MissionDraft | FederationDraft, Field(discriminator="type")]]


# -- langextract: one invented example (no seed or gold text); attributes are flat strings and lists --

_EXAMPLE_TEXT = (
    "GENOA, 3 March 2025 - A delegation from the Liguria Region led by councillor Marta Sala arrived in Oslo "
    "on Monday to meet the Nordhavn Export Council. During the visit, the Ligurian Sea Institute and the "
    "Bergen Marine Academy signed a memorandum of understanding on marine hydrogen research. The region and "
    "Nordhavn also agreed a three-year trade partnership for ship components. In Genoa, twelve port-logistics "
    "firms founded the Tyrrhenian Logistics Cluster (TLC), chaired by Paolo Neri."
)
EXAMPLE: dict[str, Any] = {
    "text": _EXAMPLE_TEXT,
    "extractions": [
        {
            "class": "mission",
            "text": "A delegation from the Liguria Region led by councillor Marta Sala arrived in Oslo",
            "attributes": {
                "title": "Liguria Region mission to Oslo", "leader": "Marta Sala (regional councillor)",
                "delegation": [], "organizations": ["Liguria Region (government, IT)"], "origin_country": "IT",
                "destination_city": "Oslo", "destination_country": "NO", "start_date": "2025-03-03",
                "end_date": None, "counterparts": [],
                "counterpart_organizations": ["Nordhavn Export Council (public_body, NO)"],
                "purpose": "Meet Norwegian export bodies to build trade links.", "sectors": ["maritime"],
                "outcomes": ["marine hydrogen research MoU", "ship components trade partnership"], "funding": None,
            },
        },
        {
            "class": "mou",
            "text": "the Ligurian Sea Institute and the Bergen Marine Academy signed a memorandum of understanding",
            "attributes": {
                "title": "Marine hydrogen research MoU",
                "parties": ["Ligurian Sea Institute (research, IT)", "Bergen Marine Academy (university, NO)"],
                "signatories": [], "date": "2025-03", "city": "Oslo", "country": "NO",
                "sectors": ["hydrogen", "marine research"], "aims": ["joint research on marine hydrogen"],
                "context": "signed during the Liguria Region mission to Oslo",
            },
        },
        {
            "class": "agreement",
            "text": "The region and Nordhavn also agreed a three-year trade partnership for ship components",
            "attributes": {
                "title": "Ship components trade partnership", "kind": "trade", "status": "signed",
                "parties": ["Liguria Region (government, IT)", "Nordhavn Export Council (public_body, NO)"],
                "signatories": [], "date": "2025-03", "city": "Oslo", "country": "NO", "sectors": ["shipbuilding"],
                "summary": "Liguria and the Nordhavn Export Council agreed a three-year trade partnership.",
            },
        },
        {
            "class": "federation",
            "text": "twelve port-logistics firms founded the Tyrrhenian Logistics Cluster (TLC), chaired by Paolo Neri",
            "attributes": {
                "name": "Tyrrhenian Logistics Cluster", "acronym": "TLC", "founded_on": "2025-03",
                "founded_in_city": "Genoa", "founded_in_country": "IT", "affiliation": None,
                "leaders": ["Paolo Neri (chair)"], "sector": "logistics", "goals": ["port logistics cooperation"],
            },
        },
    ],
}
LANGEXTRACT_DESCRIPTION = DESCRIPTION + (
    " Use the classes agreement, mou, mission and federation. The extraction text is a short verbatim span "
    "of the article that states the fact; the attributes hold its fields. Write people as \"Name (role)\" and "
    "organisations as \"Name (kind, country code)\", kind one of: " + ", ".join(get_args(PartyKind)) + "."
)


@dataclass
class Claim:
    """One fact as a tool gave it, before it becomes a contract fact."""

    type: str
    fields: dict[str, Any]
    quotes: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # offsets the tool itself gave


@dataclass
class Answer:
    """One tool's answer to one document."""

    claims: list[Claim] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # the tool's own, kept in the record


@dataclass
class Server:
    """The embedded GGUF behind llama-cpp-python's OpenAI-compatible server, on loopback."""

    gguf: Path
    log: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def model(self) -> str:
        return self.gguf.stem

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Server:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf), "--model_alias", self.model,
            "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "8192", "--chat_format", "chatml",
            "--n_threads", str(os.cpu_count() or 1),  # as factx's local backend; the server's default is half
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait(self.process)
        except BaseException:  # a kill or Ctrl-C while loading must not leave the server behind
            self.__exit__()
            raise
        return self

    def _wait(self, process: subprocess.Popen[bytes], limit: float = 600) -> None:
        """Until /v1/models answers, i.e. the model is loaded."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the model server exited with {process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=5):
                    return
            except OSError:
                time.sleep(1)
        raise RuntimeError(f"the model server did not answer within {limit:.0f} s; see {self.log}")

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _one_line(err: BaseException) -> str:
    attempts = getattr(err, "failed_attempts", None)  # instructor's own message is an XML dump
    if attempts:
        err = attempts[-1].exception
    return " ".join(f"{type(err).__name__}: {err}".split())[:300]


def _timed(run: Callable[[], Answer]) -> Answer:
    """Run one tool on one document; an error becomes the answer, so the run goes on."""
    started = time.perf_counter()
    try:
        answer = run()
    except Exception as err:
        answer = Answer(error=_one_line(err))
    answer.seconds = time.perf_counter() - started
    return answer


def _claims(data: Any) -> list[Claim]:
    """Facts from a ``{"facts": [...]}`` answer, kept one by one so one bad fact loses only itself."""
    facts = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(facts, list):
        raise ValueError("the answer has no list of facts")
    claims = []
    for fact in facts:
        if isinstance(fact, dict):
            quotes = [q.get("quote", "") if isinstance(q, dict) else str(q) for q in fact.get("evidence") or []]
            fields = {k: v for k, v in fact.items() if k not in ("type", "evidence")}
            claims.append(Claim(str(fact.get("type")), fields, quotes))
    return claims


def run_baseline(docs: list[Document], server: Server, max_tokens: int) -> Iterator[Answer]:
    # TOOLS mode sends tools + a forced tool_choice, from which the server builds a grammar;
    # JSON_SCHEMA mode's json_schema form is refused by this server, JSON mode's json_object has no schema.
    client = instructor.from_openai(
        OpenAI(base_url=server.base_url, api_key="not-needed", timeout=TIMEOUT, max_retries=0),
        mode=instructor.Mode.TOOLS,
    )

    def ask(doc: Document) -> Answer:
        answer = client.chat.completions.create(
            model=server.model,
            response_model=Facts,
            messages=[{"role": "system", "content": DESCRIPTION}, {"role": "user", "content": doc.text}],
            temperature=0.0,
            max_tokens=max_tokens,
            max_retries=0,  # one attempt: a single call, as a plain user would make it
        )
        return Answer(_claims(answer.model_dump()))

    for doc in docs:
        yield _timed(partial(ask, doc))


def _peer_bin(name: str) -> Path:
    """A program of the peers' venv, creating the venv on first use."""
    if not (PEERS_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(PEERS_VENV / "bin" / "pip"), "install", "-q", "-r", str(HERE / "peers-requirements.txt")],
                       check=True)
    return PEERS_VENV / "bin" / name


def _split_note(value: str) -> tuple[str, list[str]]:
    """"Marta Sala (regional councillor)" -> ("Marta Sala", ["regional councillor"])."""
    match = re.fullmatch(r"\s*(.+?)\s*\((.*)\)\s*", value)
    if not match:
        return value.strip(), []
    return match[1], [note.strip() for note in match[2].split(",") if note.strip()]


def _person(value: Any) -> dict[str, Any]:
    name, notes = _split_note(str(value))
    return {"name": name, "role": ", ".join(notes) or None}


def _party(value: Any) -> dict[str, Any]:
    """"Liguria Region (government, IT)" -> a Party; the country may be any spelling the model chose."""
    name, notes = _split_note(str(value))
    kinds = [n for n in notes if n.lower().replace(" ", "_") in get_args(PartyKind)]
    others = [n for n in notes if n not in kinds]
    return {"name": name, "kind": kinds[0] if kinds else "other", "country": others[0] if others else None}


def _as_list(value: Any) -> list[Any]:
    return [] if value in (None, "") else value if isinstance(value, list) else [value]


#: fact type -> (contract field of its place, prefix of its flat city/country attributes)
_PLACES = {"agreement": ("place", ""), "mou": ("place", ""), "mission": ("destination", "destination_"),
           "federation": ("founded_in", "founded_in_")}
_PARTIES = {"parties", "organizations", "counterpart_organizations"}
_PEOPLE = {"signatories", "delegation", "counterparts", "leaders"}
_PHRASES = {"sectors", "aims", "goals", "outcomes"}


def _from_attributes(fact_type: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """langextract's flat attributes as contract fields (the shapes the example taught)."""
    place_field, prefix = _PLACES.get(fact_type, ("place", ""))
    fields: dict[str, Any] = {}
    place: dict[str, Any] = {}
    for key, value in attributes.items():
        if key in _PARTIES:
            fields[key] = [_party(v) for v in _as_list(value)]
        elif key in _PEOPLE:
            fields[key] = [_person(v) for v in _as_list(value)]
        elif key in _PHRASES:
            fields[key] = _as_list(value)
        elif key in ("leader", "affiliation"):
            fields[key] = (_person if key == "leader" else _party)(value) if value else None
        elif key in (f"{prefix}city", f"{prefix}country"):
            place[key.removeprefix(prefix)] = value
        else:
            fields[key] = value
    if any(place.values()):
        fields[place_field] = place
    return fields


def run_langextract(docs: list[Document], server: Server, max_tokens: int) -> Iterator[Answer]:
    job = {"base_url": server.base_url, "model": server.model, "max_tokens": max_tokens,
           "description": LANGEXTRACT_DESCRIPTION, "example": EXAMPLE,
           "documents": [{"source": d.source, "text": d.text} for d in docs]}
    python = _peer_bin("python")
    with subprocess.Popen([str(python), str(HERE / "peers_langextract.py")], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as worker:
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write(json.dumps(job))
        worker.stdin.close()
        answered = 0
        for line in worker.stdout:
            result = json.loads(line)
            claims = [
                Claim(e["class"], _from_attributes(e["class"], e["attributes"]), [e["text"]],
                      [(e["start"], e["end"])] if e["start"] is not None else [])
                for e in result.get("extractions", [])
            ]
            answered += 1
            yield Answer(claims, result["seconds"], result.get("error"))
    for _ in docs[answered:]:
        yield Answer(error=f"the langextract worker exited with {worker.returncode} before this document")


def run_llm(docs: list[Document], server: Server, max_tokens: int) -> Iterator[Answer]:
    with tempfile.TemporaryDirectory(prefix="peers-llm-") as home:
        # JSON is YAML: llm reads this as its extra-openai-models.yaml
        models = [{"model_id": "peers-local", "model_name": server.model, "api_base": server.base_url,
                   "supports_schema": True}]
        Path(home, "extra-openai-models.yaml").write_text(json.dumps(models), encoding="utf-8")
        command = [str(_peer_bin("llm")), "prompt", "-m", "peers-local", "--no-log", "--no-stream",
                   "-s", DESCRIPTION, "--schema", json.dumps(Facts.model_json_schema()),
                   "-o", "temperature", "0", "-o", "max_tokens", str(max_tokens)]
        env = {**os.environ, "LLM_USER_PATH": home}

        def ask(doc: Document) -> Answer:
            done = subprocess.run(command, input=doc.text, capture_output=True, text=True, env=env,
                                  timeout=TIMEOUT)
            if done.returncode:
                message = " ".join(done.stderr.split()).split(' File "')[0]  # not the server's traceback
                raise RuntimeError(message[:300] or f"llm exited with {done.returncode}")
            return Answer(_claims(json.loads(done.stdout)))

        for doc in docs:
            yield _timed(partial(ask, doc))


def run_factx(docs: list[Document], server: Server, max_tokens: int, store: Path | None = None) -> Iterator[Answer]:
    """factx itself through the same server (its own prompts, calls and output budget); its exchanges kept in
    ``store`` if given, answered from there when already asked (a program-only change re-scored offline)."""
    extractor = Extractor.from_settings(
        Settings(provider="llamacpp", base_url=server.base_url, model=server.model, cache_dir=store),
        store_mode="cache" if store else "off",
    )

    def ask(doc: Document) -> Answer:
        record = extractor.extract_document(doc)
        claims = [
            Claim(f.type, f.model_dump(exclude={"type", "evidence", "grounded"}), [e.quote for e in f.evidence],
                  [(e.start, e.end) for e in f.evidence if e.start is not None and e.end is not None])
            for f in record.facts
        ]
        return Answer(claims, warnings=record.warnings)

    for doc in docs:
        yield _timed(partial(ask, doc))


RUNNERS: dict[str, Callable[[list[Document], Server, int], Iterator[Answer]]] = {
    "baseline": run_baseline, "langextract": run_langextract, "llm": run_llm, "factx": run_factx,
}
#: How each tool asks the server for structure (what decides whether llama.cpp uses a grammar).
REQUEST_FORM = {
    "baseline": "tools + forced tool_choice",
    "langextract": "json_object, no schema",
    "llm": "json_schema",
    "factx": "json_object + schema",
}


def to_fact(claim: Claim, text: str, published: date | None) -> tuple[dict[str, Any] | None, list[str]]:
    """A claim as a contract fact (JSON), with offsets from the tool or found in the text.

    Fields that fail the contract are dropped rather than the whole fact, so a
    tool loses only what it got wrong.
    """
    label = f"{claim.type} {claim.fields.get('title') or claim.fields.get('name') or '?'!r}"
    model = FACT_TYPES.get(claim.type)
    if model is None:
        return None, [f"{label}: not a contract fact type, dropped"]
    evidence = [Evidence(quote=text[s:e], start=s, end=e) for s, e in claim.spans]
    for quote in [] if evidence else claim.quotes:
        span = locate(quote, text)
        evidence.append(Evidence(quote=span.quote, start=span.start, end=span.end) if span else Evidence(quote=quote))
    data = {**claim.fields, "type": claim.type, "evidence": evidence,
            "grounded": any(e.start is not None for e in evidence)}
    name = "name" if claim.type == "federation" else "title"
    if not data.get(name) and evidence:
        data[name] = evidence[0].quote  # a fact without its name is still a fact
    warnings: list[str] = []
    for _ in range(2):
        try:
            return model.model_validate(data, context={"published": published}).model_dump(mode="json"), warnings
        except ValidationError as err:
            bad = {str(e["loc"][0]) for e in err.errors() if e["loc"]}
            warnings.append(f"{label}: dropped invalid {', '.join(sorted(bad))}")
            data = {k: v for k, v in data.items() if k not in bad}
    return None, warnings + [f"{label}: still invalid, dropped"]


def to_record(doc: Document, answer: Answer, model: str) -> Record:
    published = find_publication_date(doc.text)
    facts: list[dict[str, Any]] = []
    warnings = ([f"error: {answer.error}"] if answer.error else []) + answer.warnings
    for claim in answer.claims:
        fact, problems = to_fact(claim, doc.text, published)
        warnings.extend(problems)
        if fact is not None:
            facts.append(fact)
    return Record.model_validate({"source": doc.source, "sha256": doc.sha256, "model": model,
                                  "publication_date": published.isoformat() if published else None,
                                  "facts": facts, "warnings": warnings,
                                  "stats": Stats(seconds=round(answer.seconds, 2))})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="?", type=Path, default=ROOT / "examples")
    parser.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "corpus" / "gold")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated, from {', '.join(TOOLS)}")
    parser.add_argument("--with-factx", action="store_true", help="also run factx through the same server")
    parser.add_argument("--limit", type=int, help="only the first N texts")
    parser.add_argument("--max-tokens", type=int, default=2048, help="output budget of each peer's one call")
    parser.add_argument("--out-dir", type=Path, help="write each tool's records here as <tool>.jsonl")
    parser.add_argument("--factx-store", type=Path, metavar="DIR",
                        help="keep factx's exchanges in DIR; a run again answers from it (seconds then are not model time)")
    args = parser.parse_args()
    tools = [t.strip() for t in args.tools.split(",") if t.strip()] + (["factx"] if args.with_factx else [])
    if unknown := [t for t in tools if t not in RUNNERS]:
        parser.error(f"unknown tool(s): {', '.join(unknown)}; choose from {', '.join(TOOLS)}")
    docs = [read_path(p) for p in expand_paths([str(args.texts)])][: args.limit]
    if not docs:
        parser.error(f"{args.texts}: no text files")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the server is stopped on kill too

    console = Console(width=120)
    run = {document_key(d.source) for d in docs}
    gold = {k: v for k, v in load_gold(args.gold).items() if k in run} if args.gold.exists() else {}
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.gettempdir()) / "peers-llama-server.log"
    table = Table("tool", "request form", "facts F1", "fields F1", "matched-only fields F1", "s / doc", "failed docs")
    with Server(model_path(), log) as server:
        console.print(f"{server.model} served at {server.base_url} (log: {log}); "
                      f"{len(docs)} documents, {len(gold)} with gold")
        for tool in tools:
            records: list[Record] = []
            failed = 0
            runner = partial(run_factx, store=args.factx_store) if tool == "factx" else RUNNERS[tool]
            for doc, answer in zip(docs, runner(docs, server, args.max_tokens), strict=True):
                records.append(to_record(doc, answer, f"{tool}/{server.model}"))
                failed += answer.error is not None
                console.print(f"{tool:12} {Path(doc.source).name}: {len(records[-1].facts)} facts, "
                              f"{answer.seconds:.1f} s" + (f", error: {answer.error}" if answer.error else ""))
            if args.out_dir:
                (args.out_dir / f"{tool}.jsonl").write_text(
                    "".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
            scores = ["-", "-", "-"]
            if gold:
                report = evaluate(gold, {document_key(r.source): r.model_dump(mode="json") for r in records})
                scores = [f"{report.facts['all'].f1:.2f}", f"{report.fields['all'].f1:.2f}",
                          f"{report.fields_matched['all'].f1:.2f}"]
            table.add_row(tool, REQUEST_FORM[tool], *scores,
                          f"{sum(r.stats.seconds for r in records) / len(records):.1f}", str(failed))
    console.print(table)


if __name__ == "__main__":
    main()
