"""``factx view``: the HTML page, through the library, the command and a real browser."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import factx
from factx.cli import app
from factx.models import Record
from factx.viewing import OffsetError, render_html
from helpers import EXAMPLES, seed

runner = CliRunner()
CHROMIUM = Path("/usr/bin/chromium")
SEEDS = sorted(p.name[:3] for p in EXAMPLES.glob("*.txt"))
TEXT = 'La <b>MIFE</b> & "Cinecittà" firmano a Roma un accordo.\r\nFine.'


class _Page(HTMLParser):
    """The marks of a page in document order, and every element id."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marks: list[tuple[dict[str, str], str]] = []
        self.ids: set[str] = set()
        self._open: dict[str, str] | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if "id" in named:
            self.ids.add(named["id"])
        if tag == "mark":
            self._open = named
            self.marks.append((named, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            attrs, text = self.marks[-1]
            self.marks[-1] = (attrs, text + data)

    def quoted(self, fact: int, evidence: int) -> str:
        """The text of the marks covering one evidence, joined in order."""
        key = f"{fact}.{evidence}"
        return "".join(text for attrs, text in self.marks if key in attrs["data-evidence"].split())


def make_record(text: str, facts: list[dict], source: str = "article.txt", **extra: object) -> Record:
    """A record over ``text`` whose evidence offsets are found by searching the quotes."""
    for fact in facts:
        for ev in fact["evidence"]:
            start = text.find(ev["quote"])
            ev.setdefault("start", start if start >= 0 else None)
            ev.setdefault("end", start + len(ev["quote"]) if start >= 0 else None)
    return Record.model_validate({"source": source, "sha256": "0" * 64, "model": "local/m", "facts": facts, **extra})


def sample() -> Record:
    """Overlapping quotes of two facts, an ungrounded fact, and markup everywhere."""
    return make_record(
        TEXT,
        [
            {"type": "federation", "name": "<b>MIFE</b>", "sector": "film", "founded_in": {"city": "Roma"},
             "leaders": [], "evidence": [{"quote": 'La <b>MIFE</b> & "Cinecittà"'}]},
            {"type": "agreement", "title": "Accord <script>x</script>", "parties": [{"name": "MIFE"}],
             "evidence": [{"quote": '"Cinecittà" firmano a Roma'}, {"quote": "Fine."}]},
            {"type": "mou", "title": "Invented", "grounded": False, "evidence": [{"quote": "not in the text"}]},
        ],
        warnings=["mou 'Invented': no evidence found in the text <i>"],
    )


def test_everything_from_the_record_and_the_text_is_escaped():
    page = render_html(sample(), TEXT)
    assert "<script>x" not in page and "Accord &lt;script&gt;x&lt;/script&gt;" in page
    assert "<b>" not in page and "&lt;b&gt;MIFE&lt;/b&gt; &amp; &quot;Cinecittà&quot;" in page
    assert "&lt;i&gt;" in page  # the warning
    assert "\r" not in page and "&#13;" in page  # a raw CR would reach the DOM as "\n"


def test_overlapping_quotes_are_cut_at_every_boundary_and_all_highlighted():
    parsed = _Page(render_html(sample(), TEXT))
    pieces = [(attrs["data-facts"], text) for attrs, text in parsed.marks]
    assert pieces == [("1", "La <b>MIFE</b> & "), ("1 2", '"Cinecittà"'), ("2", " firmano a Roma"), ("2", "Fine.")]
    assert [attrs["data-types"] for attrs, _ in parsed.marks][:2] == ["federation", "federation agreement"]
    for n, fact in enumerate(sample().facts, 1):
        for m, ev in enumerate(fact.evidence, 1):
            if ev.start is not None:
                assert parsed.quoted(n, m) == ev.quote
                assert f"f{n}-e{m}" in parsed.ids
    assert {"fact-1", "fact-2", "fact-3"} <= parsed.ids


def test_ungrounded_evidence_is_listed_not_highlighted():
    page = render_html(sample(), TEXT)
    parsed = _Page(page)
    assert not any("3" in attrs["data-facts"].split() for attrs, _ in parsed.marks)
    card = page[page.index('id="fact-3"'):]
    assert "“not in the text” <em>not found in text</em>" in card
    assert 'class="card ungrounded"' in page and "Not grounded" in card
    assert "no evidence found in the text" in page  # the record's warnings are shown


def test_cards_skip_empty_fields_and_show_nested_ones():
    page = render_html(sample(), TEXT)
    card = page[page.index('id="fact-1"'):page.index('id="fact-2"')]
    assert "<dt>founded in</dt><dd><strong>Rome</strong>" in card and "(IT)" in card
    assert "leaders" not in card and "acronym" not in card and "goals" not in card


def test_offsets_that_do_not_match_the_text_are_refused():
    with pytest.raises(OffsetError, match=r"facts/0/evidence/0: text\[0:28\] is not the quote"):
        render_html(sample(), TEXT.replace("La", "Le"))


def _files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """article.txt and record.json in the current folder; returns the record's path."""
    monkeypatch.chdir(tmp_path)
    Path("article.txt").write_bytes(TEXT.encode("utf-8"))
    Path("record.json").write_text(sample().model_dump_json(indent=2), encoding="utf-8")
    return Path("record.json")


def test_cli_writes_the_page_or_prints_it(tmp_path, monkeypatch):
    _files(tmp_path, monkeypatch)
    result = runner.invoke(app, ["view", "record.json", "-o", "out/page.html"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr.strip() == "wrote out/page.html"
    assert Path("out/page.html").read_text(encoding="utf-8") == render_html(sample(), TEXT)
    printed = runner.invoke(app, ["view", "record.json"])
    assert printed.exit_code == 0 and printed.stdout.startswith("<!DOCTYPE html>")


def test_cli_source_option_overrides_the_records_source(tmp_path, monkeypatch):
    _files(tmp_path, monkeypatch)
    Path("article.txt").rename("moved.txt")
    missing = runner.invoke(app, ["view", "record.json"])
    assert (missing.exit_code, missing.stderr.strip()) == (1, "error: article.txt: no such file")
    assert runner.invoke(app, ["view", "record.json", "--source", "moved.txt"]).exit_code == 0


def test_cli_refuses_offsets_that_do_not_match(tmp_path, monkeypatch):
    _files(tmp_path, monkeypatch)
    Path("article.txt").write_text("Le" + TEXT[2:], encoding="utf-8")
    result = runner.invoke(app, ["view", "record.json", "-o", "page.html"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: evidence offsets do not match article.txt: facts/0/evidence/0: text[0:28] is not the quote"
    )
    assert not Path("page.html").exists()


def test_cli_picks_one_record_of_json_lines(tmp_path, monkeypatch):
    _files(tmp_path, monkeypatch)
    other = make_record(TEXT, [{"type": "mou", "title": "Second", "evidence": [{"quote": "Fine."}]}])
    Path("records.jsonl").write_text(sample().model_dump_json() + "\n" + other.model_dump_json() + "\n")
    second = runner.invoke(app, ["view", "records.jsonl", "--index", "1"])
    assert second.exit_code == 0 and "Second" in second.stdout and "Invented" not in second.stdout
    past = runner.invoke(app, ["view", "records.jsonl", "--index", "2"])
    assert past.exit_code == 1
    assert past.stderr.strip() == "error: records.jsonl: holds 2 record(s); there is no record 2 (counting from 0)"
    assert runner.invoke(app, ["view", "records.jsonl", "--index", "-1"]).exit_code == 2


def test_cli_bad_records_are_one_line_errors(tmp_path, monkeypatch):
    _files(tmp_path, monkeypatch)
    Path("broken.json").write_text("{nope")
    Path("invalid.json").write_text(json.dumps({"source": "article.txt", "facts": "none"}))
    Path("stdin.json").write_text(sample().model_copy(update={"source": "-"}).model_dump_json())
    cases = {
        "broken.json": (1, "error: broken.json:1: not a valid record: not JSON: Expecting property name enclosed in "
                           "double quotes (column 2)"),
        "missing.json": (1, "error: missing.json: no such file"),
        "stdin.json": (2, "error: the record was extracted from stdin: give its text with --source"),
    }
    for name, (code, line) in cases.items():
        result = runner.invoke(app, ["view", name])
        assert (result.exit_code, result.stderr.strip()) == (code, line)
    invalid = runner.invoke(app, ["view", "invalid.json"])
    assert invalid.exit_code == 1
    assert invalid.stderr.startswith("error: invalid.json:1: not a valid record: ") and invalid.stderr.count("\n") == 1


@pytest.fixture(scope="module")
def seed_records(replayer) -> dict[str, Record]:
    return {prefix: replayer.extract_document(factx.reading.read_path(seed(prefix))) for prefix in SEEDS}


def test_cli_views_a_seed_record(seed_records, tmp_path):
    (tmp_path / "002.json").write_text(seed_records["002"].model_dump_json())
    result = runner.invoke(app, ["view", str(tmp_path / "002.json"), "-o", str(tmp_path / "002.html")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "002.html").read_text(encoding="utf-8").count('class="card') == len(seed_records["002"].facts)


def _browser_dom(page: Path, tmp_path: Path) -> str:
    """The DOM headless Chromium builds from ``page``, serialised."""
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)")
@pytest.mark.parametrize("prefix", SEEDS)
def test_browser_shows_every_located_quote_in_marks(seed_records, prefix, tmp_path):
    record, text = seed_records[prefix], factx.reading.read_path(seed(prefix)).text
    page = tmp_path / "page.html"
    page.write_text(render_html(record, text), encoding="utf-8")
    parsed = _Page(_browser_dom(page, tmp_path))
    located = any(e.start is not None for fact in record.facts for e in fact.evidence)
    assert bool(parsed.marks) == located, "highlights exactly when some evidence is located"
    for attrs, piece in parsed.marks:
        assert piece == text[int(attrs["data-start"]) : int(attrs["data-end"])]
    for n, fact in enumerate(record.facts, 1):
        assert f"fact-{n}" in parsed.ids
        for m, ev in enumerate(fact.evidence, 1):
            if ev.start is None:
                assert parsed.quoted(n, m) == ""
            else:
                assert parsed.quoted(n, m) == ev.quote and f"f{n}-e{m}" in parsed.ids


def test_cli_reads_the_record_from_stdin(tmp_path, monkeypatch):
    _files(tmp_path, monkeypatch)
    piped = runner.invoke(app, ["view", "-", "-o", "page.html"], input=sample().model_dump_json())
    assert (piped.exit_code, piped.stderr) == (0, "wrote page.html\n")
    assert Path("page.html").read_text(encoding="utf-8") == render_html(sample(), TEXT)
    from_stdin = sample().model_copy(update={"source": "-"}).model_dump_json()
    needs_text = runner.invoke(app, ["view", "-"], input=from_stdin)
    assert (needs_text.exit_code, needs_text.stderr) == (
        2, "error: the record was extracted from stdin: give its text with --source\n")
    given = runner.invoke(app, ["view", "-", "--source", "article.txt", "-o", "-"], input=from_stdin)
    assert (given.exit_code, given.stderr) == (0, "")
    assert given.stdout == render_html(sample().model_copy(update={"source": "-"}), TEXT)
    assert not Path("-").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2, 3]", "bad.json[0]: not a valid record: (record): 1 is not of type 'object'"),
        ('"text"', "bad.json:1: not a valid record: (record): 'text' is not of type 'object'"),
        ("12", "bad.json:1: not a valid record: (record): 12 is not of type 'object'"),
        ("", "bad.json: no records"),
        ("[]", "bad.json: no records"),
        (json.dumps(sample().model_dump(mode="json") | {"facts": "none"}),
         "bad.json:1: not a valid record: facts: 'none' is not of type 'array'"),
        (json.dumps(sample().model_dump(mode="json") | {"facts": [{"title": "x"}]}),
         "bad.json:1: not a valid record: facts/0: 'type' is a required property"),
    ],
    ids=["array-of-numbers", "string", "number", "empty", "empty-array", "facts-not-list", "fact-without-type"],
)
def test_cli_malformed_records_are_one_line(tmp_path, monkeypatch, content, message):
    _files(tmp_path, monkeypatch)
    Path("bad.json").write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["view", "bad.json"])
    assert (result.exit_code, result.stderr, result.stdout) == (1, f"error: {message}\n", "")


def test_a_record_the_models_refuse_is_one_line(tmp_path, monkeypatch):
    """Should the exported schema ever accept what the models refuse, that too is an InputError."""
    _files(tmp_path, monkeypatch)
    monkeypatch.setattr("factx.viewing.problems", lambda raw: [])
    Path("bad.json").write_text(json.dumps(sample().model_dump(mode="json") | {"facts": 3}), encoding="utf-8")
    result = runner.invoke(app, ["view", "bad.json"])
    assert result.exit_code == 1
    assert result.stderr == "error: bad.json:1: not a valid record: facts: Input should be a valid list\n"


def test_cli_page_over_an_input_or_onto_a_folder_is_refused(tmp_path, monkeypatch):
    _files(tmp_path, monkeypatch)
    Path("folder").mkdir()
    for target, code, line in [
        ("article.txt", 2, "error: article.txt: is an input; refusing to write the page over it"),
        ("./record.json", 2, "error: ./record.json: is an input; refusing to write the page over it"),
        ("folder", 1, "error: folder: is a directory"),
    ]:
        result = runner.invoke(app, ["view", "record.json", "-o", target])
        assert (result.exit_code, result.stderr) == (code, line + "\n")
    assert Path("article.txt").read_bytes() == TEXT.encode("utf-8")
    assert json.loads(Path("record.json").read_text(encoding="utf-8")) == sample().model_dump(mode="json")
    assert list(Path("folder").iterdir()) == []
