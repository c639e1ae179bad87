"""How `factx ray` throughput grows with workers, against a fake model endpoint on loopback.

Generates N short documents as a JSON Lines file, starts the fake OpenAI-compatible server
of the tests (``tests/fault_server.serve``: every request answered after ``--latency``
seconds), and runs the Ray path (``factx.distributed``) with 1, 2 and 4 workers on one
local Ray instance. Prints, per worker count, documents per second over the whole run
(actor start-up included) and over the steady state (from the first record to the last),
the speed-up against one worker, the model calls per document (from the records' stats),
and the requests per second each worker sends against ``jobs / latency``, what a worker
that only waited on the endpoint, ``--jobs`` documents at a time, would send.

    .venv/bin/python benchmarks/ray_scaling.py [--docs 200] [--latency 0.05] [--workers 1 2 4] [--jobs 1]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def documents(n: int, folder: Path) -> Path:
    """``n`` short, distinct press-release sentences as a JSON Lines file of texts."""
    import json

    path = folder / "texts.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            text = (f"Roma, {i % 28 + 1} marzo 2026. Il ministro ha firmato a Roma un accordo di cooperazione "
                    f"numero {i} con il governo francese per la ricerca e l'energia.")
            out.write(json.dumps({"id": f"doc{i:05d}", "text": text}) + "\n")
    return path


@dataclass
class Measured:
    """One run: its seconds (whole, and from the first record to the last), records and model calls."""

    total: float
    steady: float
    records: int
    calls: int


def measure(texts: Path, out: Path, options: object, workers: int) -> Measured:
    from factx import distributed
    from factx.models import Record

    started = time.perf_counter()
    first = last = started
    records = calls = 0
    # One document per batch, so records arrive one by one and the steady rate is not a batch off;
    # a quarter CPU per worker, as for a remote model: four workers fit beside Ray's own tasks.
    with distributed.start(texts, out, options, workers=workers, cpus_per_worker=0.25, batch_size=1) as job:
        for _source, result in job:
            last = time.perf_counter()
            first = first if records else last
            if isinstance(result, Record):
                records += 1
                calls += result.stats.model_calls
    return Measured(time.perf_counter() - started, last - first, records, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200, help="documents to extract (default 200)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the endpoint takes per request")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker counts to run")
    parser.add_argument("--jobs", type=int, default=1, help="documents in flight in each worker (default 1)")
    args = parser.parse_args()

    import ray
    from fault_server import serve

    from factx import distributed
    from factx.settings import Settings

    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, serve(latency=args.latency) as url:
        folder = Path(tmp)
        texts = documents(args.docs, folder)
        settings = Settings(provider="compatible", base_url=str(url), jobs=args.jobs)
        options = distributed.Options(settings, store_mode="off")
        print(f"{args.docs} documents, {args.jobs} in flight per worker; endpoint latency {args.latency:.3f} s, "
              f"so one request at a time is {1 / args.latency:.1f} requests/s")
        print("workers  total s  docs/s  steady docs/s  speed-up  calls/doc  requests/s per worker  of jobs/latency")
        base = None
        for workers in args.workers:
            run = measure(texts, folder / f"out{workers}.jsonl", options, workers)
            assert run.records == args.docs, f"{args.docs - run.records} documents failed"
            steady = (run.records - 1) / run.steady  # records after the first, over the time they took
            base = base or steady
            per_worker = steady * run.calls / run.records / workers
            print(f"{workers:7d}  {run.total:7.1f}  {run.records / run.total:6.2f}  {steady:13.2f}  "
                  f"{steady / base:8.2f}  {run.calls / run.records:9.1f}  {per_worker:21.1f}  "
                  f"{per_worker * args.latency / args.jobs:14.0%}")
    ray.shutdown()


if __name__ == "__main__":
    main()
