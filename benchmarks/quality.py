"""Run the embedded default live on a folder of articles; print cost and quality.

    .venv/bin/python benchmarks/quality.py [TEXTS] [--gold GOLD] [--strict] [--no-triage]
        [--cached | --record DIR | --replay DIR] [--out FILE]

TEXTS defaults to examples/ (the five seed articles) and GOLD to the shared
seed gold beside the checkout. Prints, per document, seconds, model calls and
the facts found per type, then the ``factx eval`` tables against the gold.
Without ``--cached`` or ``--replay`` no stored answer is used, so the seconds
are real model time on this machine. ``--record DIR`` stores every exchange of
a live run; ``--replay DIR`` then re-scores the same answers offline, which is
how a change made after the model's answer (grounding, merging) is measured.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from factx import Extractor, Record, Settings
from factx.settings import TRIAGE
from factx.evaluating import evaluate, load_gold, render
from factx.reading import expand_paths

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="?", type=Path, default=ROOT / "examples")
    parser.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "corpus" / "gold")
    parser.add_argument("--strict", action="store_true", help="drop facts whose evidence is not in the text")
    parser.add_argument("--triage", action=argparse.BooleanOptionalAction, default=TRIAGE,
                        help=f"first ask which types the text states (factx's default: {TRIAGE})")
    store = parser.add_mutually_exclusive_group()
    store.add_argument("--cached", action="store_true", help="reuse stored answers from the user cache")
    store.add_argument("--record", type=Path, metavar="DIR", help="run live and store every exchange in DIR")
    store.add_argument("--replay", type=Path, metavar="DIR", help="answer only from the exchanges in DIR")
    parser.add_argument("--out", type=Path, help="also write the records here (JSON Lines)")
    args = parser.parse_args()

    cache_dir = args.record or args.replay
    extractor = Extractor.from_settings(
        Settings(cache_dir=cache_dir), store_mode="replay" if args.replay else "cache" if cache_dir or args.cached else "off",
        strict=args.strict, triage=args.triage,
    )
    console = Console(width=120)
    table = Table("document", "seconds", "calls", "found", "ungrounded")
    records: list[Record] = []
    paths = [path for path in expand_paths([str(args.texts)]) if isinstance(path, str)]
    for path, record in extractor.extract_paths(paths):
        if not isinstance(record, Record):
            table.add_row(Path(path).name, "-", "-", f"failed: {record}", "-")
            continue
        records.append(record)
        found = Counter(f.type for f in record.facts)
        table.add_row(Path(path).name, f"{record.stats.seconds:.1f}", str(record.stats.model_calls),
                      " ".join(f"{t}:{n}" for t, n in sorted(found.items())) or "-",
                      str(sum(not f.grounded for f in record.facts)))
    console.print(table)
    if not records:
        raise SystemExit("no document was extracted")
    seconds = [r.stats.seconds for r in records]
    console.print(f"model {extractor.backend.name}: {sum(seconds) / len(seconds):.1f} s per document "
                  f"(min {min(seconds):.1f}, max {max(seconds):.1f}) over {len(records)} documents")
    if args.out:
        args.out.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    if args.gold.exists():
        predicted = {Path(r.source).stem: r.model_dump(mode="json") for r in records}
        render(evaluate(load_gold(args.gold), predicted), console)


if __name__ == "__main__":
    main()
