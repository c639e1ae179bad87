"""Render a record for people: one HTML page with the evidence highlighted in the text.

A record is judged by reading its quotes where they stand, so the page shows the
source text with every evidence span marked, and beside it a card per fact whose
quotes link to their marks (and each mark back to its card). Spans of different
facts may overlap: the text is cut at every span boundary and each piece names all
the facts that cover it. The page is self-contained (inline CSS, no script) and
everything taken from the record or the text is escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from factx.errors import ConfigError, InputError, OffsetError
from factx.models import Evidence, Fact, Record
from factx.reading import Document, read_path
from factx.validating import load_records, offset_problems, problems, shown_name, summary

#: Highlight colour per fact type, in the order the spec lists them.
COLOURS: dict[str, str] = {
    "agreement": "#9cc9f5",
    "mou": "#a8e0a0",
    "mission": "#f8c78b",
    "federation": "#d5b8f0",
}

#: Fields shown as a card's heading rather than in its list; plumbing never shown.
_HEADINGS = ("title", "name")
_HIDDEN = {"type", "evidence", "grounded"}


@dataclass(frozen=True)
class _Span:
    """One located evidence quote: fact and evidence numbers (from 1) and its offsets."""

    fact: int
    evidence: int
    start: int
    end: int


def load_record(path: Path, index: int = 0) -> Record:
    """Record ``index`` (from 0) of a JSON or JSON Lines file (stdin for "-"), checked against the contract.

    Raises InputError for a file that holds no usable record or none at ``index``.
    """
    found = load_records(path)
    if not 0 <= index < len(found):
        reason = f"holds {len(found)} record(s); there is no record {index} (counting from 0)"
        raise InputError(shown_name(path), reason)
    where, raw = found[index]
    wrong = problems(raw)
    if wrong:
        raise InputError(where, f"not a valid record: {summary(wrong)}")
    try:
        return Record.model_validate(raw)
    except ValidationError as err:  # the schema allows it, a validator of the models does not
        first = err.errors()[0]
        raise InputError(where, f"not a valid record: {'/'.join(map(str, first['loc']))}: {first['msg']}") from None


def read_source(record: Record, source: Path | None = None) -> Document:
    """The text the record was extracted from, decoded as extraction decoded it so offsets match.

    Raises InputError when it cannot be read, ConfigError when the record came from stdin
    and no ``source`` is given.
    """
    if source is None and record.source == "-":
        raise ConfigError("the record was extracted from stdin: give its text with --source")
    return read_path(source if source is not None else record.source)


def render_html(record: Record, text: str) -> str:
    """The whole page for ``record`` over its source ``text``.

    Raises OffsetError rather than marking the wrong words when an evidence's offsets
    do not pick its quote out of ``text`` (another text, or another version of it).
    """
    wrong = offset_problems(record.model_dump(mode="json"), text)
    if wrong:
        raise OffsetError(summary(wrong))
    title = f"factx · {record.source}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>",
            "<body>",
            _header(record),
            # no whitespace around the text: the section keeps it (white-space: pre-wrap)
            f'<main><section class="text" aria-label="source text">{_text_html(record, text)}</section>',
            '<section class="facts" aria-label="facts">',
            *(_card(n, fact) for n, fact in enumerate(record.facts, 1)),
            "</section></main>",
            "</body></html>",
            "",
        ]
    )


def _e(value: object) -> str:
    """Escape for text and attribute values alike."""
    return html.escape(str(value), quote=True)


#: The page's style: a colour per fact type, overlaps and ungrounded facts set apart.
_CSS = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}"
    "header{padding:1em 1.5em;background:#fff;border-bottom:1px solid #ddd}"
    "h1{font-size:1.2em;margin:0 0 .3em}h2{font-size:1em;margin:0}"
    ".meta{color:#666;font-size:.9em}"
    ".legend span{display:inline-block;padding:0 .5em;margin-right:.4em;border-radius:3px}"
    ".warnings{background:#fff4e5;border-left:4px solid #e69500;padding:.4em 1em;margin:.6em 0 0}"
    "main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1.5em;padding:1.5em}"
    "@media (max-width:900px){main{grid-template-columns:1fr}}"
    ".text{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;padding:1em 1.2em;"
    "border:1px solid #ddd;border-radius:4px;font-family:Georgia,serif;line-height:1.7}"
    "mark{border-radius:2px;padding:0;color:inherit}"
    "mark.multi,.legend .multi{box-shadow:inset 0 -3px 0 #333}"
    "mark.ungrounded,.legend .ungrounded{outline:1px dashed #c00}"
    "sup.ref{user-select:none;font-size:.7em}"
    "sup.ref a{text-decoration:none;color:#333;padding:0 .2em;border-radius:2px}"
    ".card{background:#fff;border:1px solid #ddd;border-left-width:6px;border-radius:4px;"
    "padding:.6em 1em;margin-bottom:1em}"
    ".card:target{box-shadow:0 0 0 3px #333}"
    ".card h2 .badge{font-size:.8em;padding:0 .4em;border-radius:3px;margin-right:.4em}"
    ".card h3{font-size:.9em;margin:.5em 0 0;color:#666}"
    ".card.ungrounded{border-color:#c00}"
    ".alert{color:#a00;font-weight:600;margin:.3em 0}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em .8em;margin:.5em 0}"
    "dt{color:#666}dd{margin:0}dd ul{margin:0;padding-left:1.1em}"
    ".evidence{margin:.3em 0;padding-left:1.4em}.evidence .missing{color:#a00}"
    ".anchor{scroll-margin-top:40vh}"
    + "".join(f".t-{name}{{background:{colour}}}" for name, colour in COLOURS.items())
    + "".join(f'.card[data-type="{name}"]{{border-left-color:{colour}}}' for name, colour in COLOURS.items())
)


def _header(record: Record) -> str:
    """What the page shows and where it came from, the legend, and the record's warnings."""
    details = [f"sha256 {record.sha256}", f"model {record.model}"]
    if record.language:
        details.append(f"language {record.language}")
    if record.publication_date:
        details.append(f"published {record.publication_date}")
    ungrounded = sum(not fact.grounded for fact in record.facts)
    counts = f"{len(record.facts)} fact(s)" + (f", {ungrounded} not grounded" if ungrounded else "")
    legend = "".join(f'<span class="t-{name}">{name}</span>' for name in COLOURS)
    legend += '<span class="multi">several facts</span><span class="ungrounded">not grounded</span>'
    warnings = "".join(f"<li>{_e(warning)}</li>" for warning in record.warnings)
    return (
        f"<header><h1>{_e(record.source)}</h1>"
        f'<p class="meta">{_e(" · ".join(details))}<br>{_e(counts)}</p>'
        f'<p class="legend">{legend}</p>'
        + (f'<div class="warnings"><h2>Warnings</h2><ul>{warnings}</ul></div>' if warnings else "")
        + "</header>"
    )


def _spans(record: Record) -> list[_Span]:
    """Every evidence quote with offsets, in record order."""
    return [
        _Span(n, m, ev.start, ev.end)
        for n, fact in enumerate(record.facts, 1)
        for m, ev in enumerate(fact.evidence, 1)
        if ev.start is not None and ev.end is not None
    ]


def _text_html(record: Record, text: str) -> str:
    """The text cut at every span boundary, each covered piece a <mark> naming all its facts.

    Before each quote goes an anchor its card links to; after it, a reference back to the card.
    """
    spans = _spans(record)
    bounds = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    parts: list[str] = []
    for start, end in pairwise(bounds):
        parts += [_ref(s, record) for s in spans if s.end == start]
        parts += [f'<a class="anchor" id="{_anchor(s.fact, s.evidence)}"></a>' for s in spans if s.start == start]
        covering = [s for s in spans if s.start <= start and end <= s.end]
        parts.append(_piece(record, text[start:end], start, end, covering))
    parts += [_ref(s, record) for s in spans if s.end == len(text)]
    return "".join(parts)


def _anchor(fact: int, evidence: int) -> str:
    """The id before a quote in the text, which its card links to."""
    return f"f{fact}-e{evidence}"


def _ref(span: _Span, record: Record) -> str:
    """A small link at the end of a quote back to its fact's card."""
    fact_type = record.facts[span.fact - 1].type
    return (
        f'<sup class="ref"><a class="t-{fact_type}" href="#fact-{span.fact}" '
        f'title="fact {span.fact} ({fact_type})">{span.fact}</a></sup>'
    )


def _piece(record: Record, piece: str, start: int, end: int, covering: list[_Span]) -> str:
    """Plain text, or a <mark> with every fact and evidence covering it in data attributes."""
    escaped = _e(piece).replace("\r", "&#13;")  # a raw CR would reach the DOM as a newline
    if not covering:
        return escaped
    facts = list(dict.fromkeys(s.fact for s in covering))
    kinds = [record.facts[n - 1].type for n in facts]
    classes = [f"t-{kinds[0]}"]
    if len(facts) > 1:
        classes.append("multi")
    if not any(record.facts[n - 1].grounded for n in facts):
        classes.append("ungrounded")
    title = "; ".join(f"fact {n}: {kind} {_heading(record.facts[n - 1])}" for n, kind in zip(facts, kinds))
    return (
        f'<mark class="{" ".join(classes)}" data-facts="{" ".join(map(str, facts))}" '
        f'data-types="{_e(" ".join(dict.fromkeys(kinds)))}" '
        f'data-evidence="{" ".join(f"{s.fact}.{s.evidence}" for s in covering)}" '
        f'data-start="{start}" data-end="{end}" title="{_e(title)}">{escaped}</mark>'
    )


def _heading(fact: Fact) -> str:
    """A fact's name for people: its title, or a federation's name."""
    return next((str(getattr(fact, key)) for key in _HEADINGS if getattr(fact, key, None)), "")


def _card(n: int, fact: Fact) -> str:
    """One fact: its fields, whether it is grounded, and its quotes linked to the text."""
    fields = {
        key: value
        for key, value in fact.model_dump(mode="json").items()
        if key not in _HIDDEN and key not in _HEADINGS and _present(value)
    }
    rows = "".join(f"<dt>{_e(key.replace('_', ' '))}</dt><dd>{_value(value)}</dd>" for key, value in fields.items())
    alert = "" if fact.grounded else '<p class="alert">Not grounded: check this fact against the text.</p>'
    quotes = "".join(_quote(n, m, ev) for m, ev in enumerate(fact.evidence, 1))
    classes = "card" + ("" if fact.grounded else " ungrounded")
    return (
        f'<article class="{classes}" id="fact-{n}" data-fact="{n}" data-type="{_e(fact.type)}">'
        f'<h2><span class="badge t-{fact.type}">{n} · {_e(fact.type)}</span>{_e(_heading(fact))}</h2>'
        f'{alert}<dl>{rows}</dl><h3>Evidence</h3><ol class="evidence">{quotes}</ol></article>'
    )


def _quote(n: int, m: int, evidence: Evidence) -> str:
    """One quote of fact ``n``: a link to its mark, or said to be missing from the text."""
    quoted = f"“{_e(evidence.quote)}”"
    if evidence.start is None or evidence.end is None:
        return f'<li class="missing">{quoted} <em>not found in text</em></li>'
    return f'<li><a href="#{_anchor(n, m)}">{quoted}</a> <span class="meta">{evidence.start}–{evidence.end}</span></li>'


def _present(value: Any) -> bool:
    """Whether a value says anything: nulls, blanks and empty lists or objects do not."""
    if isinstance(value, dict):
        return any(_present(item) for item in value.values())
    if isinstance(value, list):
        return any(_present(item) for item in value)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def _value(value: Any) -> str:
    """A field value as HTML: lists as bullets, objects as "main (details)"."""
    if isinstance(value, list):
        items = [item for item in value if _present(item)]
        if len(items) == 1:
            return _value(items[0])
        return "<ul>" + "".join(f"<li>{_value(item)}</li>" for item in items) + "</ul>"
    if isinstance(value, dict):
        first, *rest = [_value(item) for item in value.values() if _present(item)]
        return f"<strong>{first}</strong>" + (f' <span class="meta">({", ".join(rest)})</span>' if rest else "")
    return _e(value)
