"""Run the embedded default live on the example articles and print what it costs.

    .venv/bin/python benchmarks/seeds.py [--gold ../shared/corpus/gold] [--cached]

Prints, per document: seconds, model calls, prompt and output tokens, the facts
found per type and, when a gold folder is given, the gold facts per type
(optional gold facts in brackets). Facts are counted, not matched: matching
against gold is ``factx eval``'s job. Without ``--cached`` no stored answer is
used, so the seconds are real model time on this machine.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from factx import Extractor
from factx.api import default_cache_dir
from factx.reading import read_path

ROOT = Path(__file__).resolve().parents[1]
TYPES = ("agreement", "mou", "mission", "federation")


def counts(facts: list[dict]) -> str:
    by_type = Counter(f["type"] for f in facts if not f.get("optional"))
    optional = Counter(f["type"] for f in facts if f.get("optional"))
    return " ".join(f"{t[:3]}:{by_type[t]}" + (f"[+{optional[t]}]" if optional[t] else "") for t in TYPES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "corpus" / "gold")
    parser.add_argument("--cached", action="store_true", help="reuse stored answers")
    args = parser.parse_args()

    extractor = Extractor.from_settings(cache_dir=default_cache_dir() if args.cached else None)
    table = Table("document", "seconds", "calls", "tokens in/out", "found", "gold", "ungrounded")
    total = 0.0
    for path in sorted((ROOT / "examples").glob("*.txt")):
        record = extractor.extract_document(read_path(path))
        facts = [f.model_dump() for f in record.facts]
        gold_file = args.gold / f"{path.stem}.json"
        gold = counts(json.loads(gold_file.read_text())["facts"]) if gold_file.exists() else "-"
        s = record.stats
        total += s.seconds
        table.add_row(path.name, f"{s.seconds:.1f}", str(s.model_calls), f"{s.prompt_tokens}/{s.completion_tokens}",
                      counts(facts), gold, str(sum(not f["grounded"] for f in facts)))
    Console().print(table)
    print(f"model: {extractor.backend.name}; mean seconds per document: {total / len(table.rows):.1f}")


if __name__ == "__main__":
    main()
