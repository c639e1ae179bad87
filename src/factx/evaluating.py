"""Score predicted records against gold records: facts found, and fields right.

Records pair by ``document_key``, the file stem of their ``source``. A gold
document without a prediction has all its facts missed; a prediction without
gold is not scored, only listed (``Report.unscored``).

1. Facts match within a document, to facts of the same ``type``, one to one,
   greedily by descending similarity (ties: document order), and only at
   similarity >= ``THRESHOLD``, so a wrong fact of the right type is not
   counted as found. Similarity is the mean score of the type's identifying
   fields (agreement: parties, title, kind, date; mou: parties, title, date;
   mission: destination city and country, leader name, organizations, title;
   federation: name, acronym, founded_on) and of the evidence (1.0 when a gold
   and a predicted quote agree with rapidfuzz ``partial_ratio`` >= 80). A field
   empty on both sides is left out; a party list scores the F1 of its names.
2. Gold facts marked ``"optional": true`` may absorb a prediction (neither
   rewarded nor penalised, fields not scored) and are never missed.
3. Facts: TP matched gold facts, FN unmatched gold facts, FP unmatched
   predictions; per type and in ``"all"``, whose F1 is the "facts F1".
4. Fields of matched pairs, named "type.field[.subfield]", every contract leaf
   except ``evidence`` (extra fields like ``grounded`` are ignored). A scalar
   is TP when gold has it and the prediction equals it; FN when gold has it and
   the prediction differs (also FP) or is null; FP when only the prediction
   has it; uncounted when both are null. Equal means, after case-folding and
   dropping accents and punctuation:
   - dates: at the gold's precision: gold "2025-05" accepts "2025-05-14",
     gold "2025-12-19" rejects "2025-12", gold "2025-05" rejects "2025";
   - enums and country codes: identical;
   - names (name, acronym, city, venue, organization, role, funding):
     ``token_set_ratio`` >= 90, which also accepts a name whose words all occur
     in the other ("CGTN" vs "CGTN (China Global Television Network)");
   - free text (title, summary, purpose, context, sector): ``token_set_ratio``
     >= 60: lenient, as any English paraphrase is a right answer.
   Phrase lists (sectors, aims, goals, outcomes) match items one to one by the
   free-text rule: TP per matched item, FP per extra, FN per missed one. Party
   and person lists match items one to one by name, counted as "<list>.name";
   matched items then score their other sub-fields ("mission.counterparts.role").
   Nested objects (place, leader, ...) score each sub-field; null ones count
   as all-null. ``fields_matched["all"]`` sums every field of matched pairs.
5. End to end (``fields``, what a user gets): the fields of matched pairs as in
   rule 4, plus every field of a missed gold fact as missed (FN) and every field
   of an invented prediction as false (FP), each scored as if the other side were
   empty. ``fields["all"]`` is the "fields F1". Scoring matched pairs only hides
   the misses: a tool that finds one fact in three and fills it well scores high.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, TypeVar

from rapidfuzz import fuzz
from rich.console import Console
from rich.table import Table

from factx.errors import InputError
from factx.models import FACT_TYPES, Party, Person, Place
from factx.normalizing import name_key
from factx.validating import load_records, problems, summary

#: Minimum similarity for a predicted fact to count as a gold fact found.
THRESHOLD = 0.3
_IDENTIFYING = {
    "agreement": ("parties", "title", "kind", "date"),
    "mou": ("parties", "title", "date"),
    "mission": ("destination", "leader", "organizations", "title"),
    "federation": ("name", "acronym", "founded_on"),
}
#: Sub-fields that identify a nested object when comparing facts.
_OBJECT_KEYS = ("name", "city", "country")
_NOT_SCORED = {"type", "evidence", "grounded"}
_OBJECTS = {"place": Place, "destination": Place, "founded_in": Place, "affiliation": Party, "leader": Person}
_ITEMS = {"parties": Party, "organizations": Party, "counterpart_organizations": Party, "signatories": Person,
          "delegation": Person, "counterparts": Person, "leaders": Person}
_PHRASES = {"sectors", "aims", "goals", "outcomes"}
_DATES = {"date", "start_date", "end_date", "founded_on"}
_CODES = {"kind", "status", "country", "origin_country"}
_TEXTS = {"title", "summary", "purpose", "context", "sector"}
_NAME_CUTOFF, _TEXT_CUTOFF, _QUOTE_CUTOFF = 90, 60, 80

T = TypeVar("T")


@dataclass
class Counts:
    """True/false positives and false negatives; rates are 0.0 when undefined."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def __iadd__(self, other: Counts) -> Counts:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return self

    def to_json(self) -> dict[str, Any]:
        rates = {"precision": self.precision, "recall": self.recall, "f1": self.f1}
        return {**{k: round(v, 4) for k, v in rates.items()}, "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class DocumentScore:
    """One gold document: what was found, so a user can see where points went."""

    key: str
    source: str
    predicted: bool
    facts: Counts = field(default_factory=Counts)
    fields: Counts = field(default_factory=Counts)  # end to end (rule 5)
    matched: dict[int, int] = field(default_factory=dict)  # gold fact index -> predicted fact index
    missed: list[str] = field(default_factory=list)  # unmatched non-optional gold facts
    extra: list[str] = field(default_factory=list)  # unmatched predicted facts


@dataclass
class Report:
    """Scores over all documents; ``fields`` end to end (rule 5), ``fields_matched`` of matched facts (rule 4)."""

    facts: dict[str, Counts]
    fields: dict[str, Counts]
    fields_matched: dict[str, Counts]
    documents: list[DocumentScore]
    unscored: list[str] = field(default_factory=list)  # keys of predictions without gold

    def to_json(self) -> dict[str, Any]:
        """A plain dict, for ``factx eval --json``."""
        return {
            "facts": {k: c.to_json() for k, c in self.facts.items()},
            "fields": {k: c.to_json() for k, c in sorted(self.fields.items())},
            "fields_matched": {k: c.to_json() for k, c in sorted(self.fields_matched.items())},
            "documents": [
                {"key": d.key, "source": d.source, "predicted": d.predicted, "facts": d.facts.to_json(),
                 "fields": d.fields.to_json(), "matched": {str(g): p for g, p in d.matched.items()},
                 "missed": d.missed, "extra": d.extra}
                for d in self.documents
            ],
            "unscored": self.unscored,
        }


def document_key(source: str) -> str:
    """The file stem of a source path, so gold and predictions pair wherever the text lived."""
    return PurePath(source.replace("\\", "/")).stem


def _load(path: Path, patterns: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Records from JSON (one record or an array) or JSON Lines files, or stdin ("-"), keyed by document.

    Every field may be missing, but none may have the wrong shape; a document
    seen twice is an error, as which record to score would be a guess. Raises
    InputError naming the file (and line or record) and the reason.
    """
    keyed: dict[str, dict[str, Any]] = {}
    for file in _files(path, patterns):
        for where, record in load_records(file):
            wrong = problems(record, lenient=True)
            if wrong:
                raise InputError(where, f"not a usable record: {summary(wrong)}")
            key = document_key(record.get("source") or file.name)
            if key in keyed:
                raise InputError(where, f"a second record for document {key!r}")
            keyed[key] = record
    if not keyed:
        raise InputError(str(path), f"no records ({' or '.join(patterns)} files)")
    return keyed


def _files(path: Path, patterns: tuple[str, ...]) -> list[Path]:
    """The record files a path stands for: itself (or stdin, "-"), or those of a folder matching ``patterns``."""
    if str(path) == "-" or not path.is_dir():
        return [path]
    return sorted(file for pattern in patterns for file in path.glob(pattern))


def load_gold(path: Path) -> dict[str, dict[str, Any]]:
    """A gold file or a folder of them (``*.json``), keyed by document."""
    return _load(path, ("*.json",))


def load_predictions(path: Path) -> dict[str, dict[str, Any]]:
    """A record file, a JSON Lines file or a folder of record files, keyed by document."""
    return _load(path, ("*.json", "*.jsonl"))


def _norm(text: Any) -> str:
    """Case-, accent- and punctuation-blind text ("Città U.S.A." -> "citta usa")."""
    return name_key(str(text))


def _blank(value: Any) -> bool:
    return value is None or value == [] or value == {} or (isinstance(value, str) and not value.strip())


def _fuzzy(gold: Any, pred: Any, cutoff: int) -> float:
    """0.0 below ``cutoff``, else in (0.5, 1.0], exact highest: one-to-one matching prefers close pairs."""
    a, b = _norm(gold), _norm(pred)
    if not a or not b or fuzz.token_set_ratio(a, b) < cutoff:
        return 0.0
    return 0.5 + fuzz.ratio(a, b) / 200


def _same(name: str, gold: Any, pred: Any) -> bool:
    """Whether a predicted scalar is right, by the rule for its field."""
    if _blank(gold) or _blank(pred):
        return False
    if name in _DATES:
        return str(pred)[: len(str(gold))] == str(gold)
    if name in _CODES:
        return str(gold).strip().casefold() == str(pred).strip().casefold()
    return _fuzzy(gold, pred, _TEXT_CUTOFF if name in _TEXTS else _NAME_CUTOFF) > 0


def _pair(gold: Sequence[T], pred: Sequence[T], score: Callable[[T, T], float], floor: float = 0.0) -> dict[int, int]:
    """One-to-one greedy matching by descending score (ties: document order), scores > 0 and >= floor."""
    scored = [(score(g, p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(pred)]
    pairs: dict[int, int] = {}
    for s, gi, pi in sorted(scored, key=lambda c: (-c[0], c[1], c[2])):
        if s > 0 and s >= floor and gi not in pairs and pi not in pairs.values():
            pairs[gi] = pi
    return pairs


def _by_name(gold: dict[str, Any], pred: dict[str, Any]) -> float:
    return _fuzzy(gold.get("name"), pred.get("name"), _NAME_CUTOFF)


def _likeness(name: str, gold: Any, pred: Any) -> float | None:
    """How alike one identifying field is, in [0, 1]; None when both sides are empty."""
    if _blank(gold) and _blank(pred):
        return None
    if isinstance(gold, list) or isinstance(pred, list):
        gold, pred = gold or [], pred or []
        return 2 * len(_pair(gold, pred, _by_name)) / (len(gold) + len(pred))
    if isinstance(gold, dict) or isinstance(pred, dict):
        gold, pred = gold or {}, pred or {}
        scores = [s for k in _OBJECT_KEYS if (s := _likeness(k, gold.get(k), pred.get(k))) is not None]
        return sum(scores) / len(scores) if scores else None
    return float(_same(name, gold, pred))


def _similarity(gold: dict[str, Any], pred: dict[str, Any]) -> float:
    """Rule 1: mean likeness of the identifying fields and the evidence; 0.0 across types."""
    if gold.get("type") != pred.get("type") or gold.get("type") not in _IDENTIFYING:
        return 0.0
    scores = [_likeness(k, gold.get(k), pred.get(k)) for k in _IDENTIFYING[gold["type"]]]
    g_quotes, p_quotes = ([_norm(e.get("quote", "")) for e in f.get("evidence") or []] for f in (gold, pred))
    if g_quotes or p_quotes:
        scores.append(float(any(fuzz.partial_ratio(g, p) >= _QUOTE_CUTOFF for g in g_quotes for p in p_quotes)))
    known = [s for s in scores if s is not None]
    return sum(known) / len(known) if known else 0.0


def _scalar(name: str, gold: Any, pred: Any) -> Counts:
    if _blank(gold):
        return Counts(fp=int(not _blank(pred)))
    if _same(name, gold, pred):
        return Counts(tp=1)
    return Counts(fp=int(not _blank(pred)), fn=1)


def _matched(pairs: dict[int, int], n_gold: int, n_pred: int) -> Counts:
    return Counts(tp=len(pairs), fp=n_pred - len(pairs), fn=n_gold - len(pairs))


def _score_field(label: str, name: str, gold: Any, pred: Any, out: dict[str, Counts]) -> None:
    """Add one contract field's counts (and its sub-fields') to ``out``, labelled "type.field"."""
    if name in _ITEMS:
        gold, pred = gold or [], pred or []
        pairs = _pair(gold, pred, _by_name)
        _bump(out, f"{label}.name", _matched(pairs, len(gold), len(pred)))
        for gi, pi in pairs.items():
            for sub in _ITEMS[name].model_fields.keys() - {"name"}:
                _bump(out, f"{label}.{sub}", _scalar(sub, gold[gi].get(sub), pred[pi].get(sub)))
    elif name in _PHRASES:
        gold, pred = gold or [], pred or []
        _bump(out, label, _matched(_pair(gold, pred, lambda g, p: _fuzzy(g, p, _TEXT_CUTOFF)), len(gold), len(pred)))
    elif name in _OBJECTS:
        gold, pred = gold or {}, pred or {}
        for sub in _OBJECTS[name].model_fields:
            _bump(out, f"{label}.{sub}", _scalar(sub, gold.get(sub), pred.get(sub)))
    else:
        _bump(out, label, _scalar(name, gold, pred))


def _bump(table: dict[str, Counts], key: str, counts: Counts) -> None:
    """Add ``counts`` under ``key``; all-zero counts (both sides null) leave no row."""
    if counts.tp or counts.fp or counts.fn:
        table[key] = table.get(key, Counts()) + counts


def _label(fact: dict[str, Any]) -> str:
    return f"{fact.get('type')}: {fact.get('title') or fact.get('name') or '?'}"


def evaluate(gold: dict[str, dict[str, Any]], predicted: dict[str, dict[str, Any]]) -> Report:
    """Score every gold document against the prediction with the same key (rules in the module docstring)."""
    report = Report({t: Counts() for t in FACT_TYPES}, {}, {}, [], sorted(predicted.keys() - gold.keys()))
    for key in sorted(gold):
        record = predicted.get(key)
        g_facts, p_facts = gold[key].get("facts") or [], (record or {}).get("facts") or []
        doc = DocumentScore(key, gold[key].get("source", key), record is not None)
        doc.matched = _pair(g_facts, p_facts, _similarity, THRESHOLD)
        facts: dict[str, Counts] = {}
        matched: dict[str, Counts] = {}
        unmatched: dict[str, Counts] = {}  # fields of missed and invented facts
        for gi, fact in enumerate(g_facts):
            if fact.get("optional"):
                continue
            if gi in doc.matched:
                _bump(facts, fact["type"], Counts(tp=1))
                _score_fields(fact, p_facts[doc.matched[gi]], matched)
            else:
                _bump(facts, fact["type"], Counts(fn=1))
                _score_fields(fact, {}, unmatched)
                doc.missed.append(_label(fact))
        for pi, fact in enumerate(p_facts):
            if pi not in doc.matched.values():
                _bump(facts, str(fact.get("type")), Counts(fp=1))
                if fact.get("type") in FACT_TYPES:
                    _score_fields({"type": fact["type"]}, fact, unmatched)
                doc.extra.append(_label(fact))
        end_to_end = dict(matched)
        for name, count in unmatched.items():
            _bump(end_to_end, name, count)
        doc.facts, doc.fields = sum(facts.values(), Counts()), sum(end_to_end.values(), Counts())
        for table, counts in ((report.facts, facts), (report.fields, end_to_end), (report.fields_matched, matched)):
            for name, count in counts.items():
                _bump(table, name, count)
        report.documents.append(doc)
    for table in (report.facts, report.fields, report.fields_matched):
        table["all"] = sum(table.values(), Counts())
    return report


def _score_fields(gold: dict[str, Any], pred: dict[str, Any], out: dict[str, Counts]) -> None:
    """Every scored field of one fact of ``gold``'s type, gold against prediction ({} for none)."""
    kind = gold["type"]
    for name in FACT_TYPES[kind].model_fields.keys() - _NOT_SCORED:
        _score_field(f"{kind}.{name}", name, gold.get(name), pred.get(name), out)


def _table(heading: str, rows: dict[str, Counts]) -> Table:
    table = Table()
    for column in (heading, "P", "R", "F1", "tp", "fp", "fn"):
        table.add_column(column, justify="left" if column == heading else "right")
    for name, c in rows.items():
        if c.tp or c.fp or c.fn:
            table.add_row(name, f"{c.precision:.2f}", f"{c.recall:.2f}", f"{c.f1:.2f}", str(c.tp), str(c.fp), str(c.fn),
                          style="bold" if name == "all" else None, end_section=name == "all")
    return table


def render(report: Report, console: Console) -> None:
    """Print the facts per type, the fields end to end by name, then the matched-only figure, labelled."""
    console.print(_table("facts", {"all": report.facts["all"]} | report.facts))
    console.print(_table("fields (end to end)", {"all": report.fields["all"]} | dict(sorted(report.fields.items()))))
    only = report.fields_matched["all"]
    console.print(
        f"fields of matched facts only: P {only.precision:.2f} R {only.recall:.2f} F1 {only.f1:.2f} "
        "(ignores missed and invented facts)",
        markup=False, highlight=False,
    )
    missing = [d.key for d in report.documents if not d.predicted]
    for label, keys in (("no prediction for", missing), ("no gold for (not scored)", report.unscored)):
        if keys:
            console.print(f"{label}: {', '.join(keys)}")
