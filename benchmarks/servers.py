"""factx against a fake OpenAI-compatible server on loopback: throughput, overhead, memory, transient errors.

Prints figures, asserts nothing (issue 11, part 3). Each run is the real CLI
(``.venv/bin/factx extract DIR --provider compatible ... --jobs J -o out.jsonl``) on N short
generated articles, served by ``tests/fault_server.serve`` in this process:

- throughput against the ideal ``N × calls per document × latency / jobs`` (target ≥ 90%
  at --jobs 32 with 200 ms latency), and the CPU the CLI spends per document;
- peak RSS of the CLI process at N = 1,000 and 10,000 (target: within 20%);
- 5% of requests answered 429 or 503: no document lost, failed or written twice;
- one document: its questions one after another (``--jobs 1``) and side by side (8).

    .venv/bin/python benchmarks/servers.py                  # all of it (about 15 minutes on 2 cores)
    .venv/bin/python benchmarks/servers.py --only throughput --docs 300
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fault_server import serve  # noqa: E402

FACTX = ROOT / ".venv" / "bin" / "factx"

#: Short articles, each stating an MoU, an agreement, a mission and a federation in a few words.
TEMPLATE = (
    "Roma, {day} marzo 2026 – Il comune di {city} e la società Alfa{n} hanno firmato un protocollo d'intesa "
    "sulla formazione tecnica. L'accordo di cooperazione prevede scambi di studenti per tre anni. "
    "Una delegazione di {k} imprese partirà in missione a Tokyo a maggio. "
    "Nasce intanto la Federazione Italiana Costruttori {n}, con sede a {city}.\n"
)
CITIES = ("Milano", "Torino", "Napoli", "Bari", "Genova", "Verona", "Trento", "Pavia")


@dataclass
class Run:
    """One CLI run: what it did, how long it took, what it cost."""

    docs: int
    jobs: int
    latency: float
    seconds: float
    cpu: float
    rss_mb: float
    requests: int
    errors: int
    sources: Counter[str]
    code: int

    @property
    def calls_per_doc(self) -> float:
        return (self.requests - self.errors) / self.docs

    @property
    def ideal(self) -> float:
        return self.docs * self.calls_per_doc * self.latency / self.jobs


def make_docs(folder: Path, n: int) -> Path:
    """``n`` distinct short articles in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = TEMPLATE.format(day=1 + i % 28, city=CITIES[i % len(CITIES)], n=i, k=3 + i % 9)
        (folder / f"doc{i:05d}.txt").write_text(text, encoding="utf-8")
    return folder


def run(folder: Path, docs: int, jobs: int, latency: float, error_rate: float = 0.0,
        retry_after: float | None = None) -> Run:
    """The CLI on ``folder`` against a fresh fake server; its own peak RSS and CPU from wait4."""
    out = folder.parent / f"out-{jobs}-{docs}-{latency}-{error_rate}.jsonl"
    out.unlink(missing_ok=True)
    with serve(latency=latency, error_rate=error_rate, retry_after=retry_after, seed=7) as url:
        args = [str(FACTX), "extract", str(folder), "--provider", "compatible", "--base-url", url, "--model", "m",
                "--no-cache", "--jobs", str(jobs), "-q", "-o", str(out)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FACTX_", "OPENAI_"))}
        with (folder.parent / "stderr.txt").open("w+") as stderr:  # a file: a full pipe would stop the CLI
            started = time.perf_counter()
            process = subprocess.Popen(args, env=env, stderr=stderr)
            _pid, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
            stderr.seek(0)
            sys.stderr.write(stderr.read())
        requests, errors = url.requests, url.errors
    lines = out.read_text().splitlines() if out.exists() else []
    sources = Counter(json.loads(line)["source"] for line in lines)
    return Run(docs, jobs, latency, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
               requests, errors, sources, os.waitstatus_to_exitcode(status))


def startup() -> float:
    """Seconds the CLI takes to start and end with nothing to do (an input that does not exist)."""
    started = time.perf_counter()
    subprocess.run([str(FACTX), "extract", "/nonexistent.txt", "-q"], capture_output=True)
    return time.perf_counter() - started


def throughput(work: Path, docs: int, latency: float, jobs: list[int]) -> None:
    folder = make_docs(work / f"docs{docs}", docs)
    base = startup()
    print(f"\n== throughput: {docs} documents, {latency * 1000:.0f} ms per request; CLI start-up {base:.2f} s ==")
    print("jobs  seconds  ideal  % of ideal  % of ideal (less start-up)  CPU ms/doc  overhead ms/doc  calls/doc")
    for j in jobs:
        r = run(folder, docs, j, latency)
        print(f"{j:4d}  {r.seconds:7.1f}  {r.ideal:5.1f}  {100 * r.ideal / r.seconds:10.1f}"
              f"  {100 * r.ideal / (r.seconds - base):26.1f}  {1000 * r.cpu / docs:10.1f}"
              f"  {1000 * (r.seconds - r.ideal) / docs:15.1f}  {r.calls_per_doc:9.2f}   exit {r.code}")


def memory(work: Path, sizes: list[int], jobs: int, latency: float) -> None:
    print(f"\n== peak RSS of the CLI, --jobs {jobs}, {latency * 1000:.0f} ms per request ==")
    first = None
    for n in sizes:
        r = run(make_docs(work / f"docs{n}", n), n, jobs, latency)
        first = first or r.rss_mb
        whole = sum(r.sources.values()) == n and set(r.sources.values()) == {1}
        print(f"{n:6d} documents: {r.rss_mb:6.1f} MB ({100 * r.rss_mb / first:5.1f}% of the first), "
              f"{r.seconds:6.1f} s, {1000 * r.cpu / n:.1f} CPU ms/doc, every record once: {whole}, exit {r.code}")


def transient(work: Path, docs: int, jobs: int, latency: float, rate: float, retry_after: float | None) -> None:
    folder = make_docs(work / f"docs{docs}", docs)
    r = run(folder, docs, jobs, latency, rate, retry_after)
    expected = Counter(str(p) for p in folder.iterdir())
    lost = sum((expected - r.sources).values())
    twice = sum(1 for count in r.sources.values() if count > 1)
    print(f"\n== {100 * rate:.0f}% of requests answered 429/503 (Retry-After {retry_after}), {docs} documents, "
          f"--jobs {jobs} ==\n{r.requests} requests, {r.errors} transient errors ({100 * r.errors / r.requests:.1f}%); "
          f"documents lost {lost}, written twice {twice}; exit {r.code}; {r.seconds:.1f} s "
          f"({100 * r.ideal / r.seconds:.0f}% of the error-free ideal)")


def one_document(work: Path, latency: float) -> None:
    folder = make_docs(work / "one", 1)
    base = startup()
    print(f"\n== one document, {latency * 1000:.0f} ms per request; CLI start-up {base:.2f} s ==")
    for j in (1, 8):
        r = run(folder, 1, j, latency)
        print(f"--jobs {j}: {r.seconds:5.2f} s, {r.seconds - base:5.2f} s less start-up, "
              f"{r.calls_per_doc:.0f} calls, exit {r.code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["throughput", "memory", "transient", "one"])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--jobs", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="factx-bench-") as tmp:
        work = Path(tmp)
        if args.only in (None, "throughput"):
            throughput(work, args.docs, args.latency, args.jobs)
        if args.only in (None, "memory"):
            memory(work, args.sizes, max(args.jobs), 0.01)
        if args.only in (None, "transient"):
            transient(work, args.docs, max(args.jobs), args.latency, 0.05, 0.2)
        if args.only in (None, "one"):
            one_document(work, args.latency)


if __name__ == "__main__":
    main()
