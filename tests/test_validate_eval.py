"""``factx validate`` and ``factx eval`` on stdin, on --source, and on every malformed input: one line, exact code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from factx.cli import app
from factx.evaluating import evaluate
from factx.models import Federation, Record
from factx.validating import problems

runner = CliRunner()
TEXT = "È nata oggi a Roma la federazione."


def record(source: str, start: int = 2, **changes: Any) -> dict[str, Any]:
    """A valid record from ``source`` whose one quote ("nata") sits at ``start``."""
    fact = Federation(name="F", evidence=[{"quote": "nata", "start": start, "end": start + 4}])
    data = Record(source=source, sha256="0" * 64, model="m", facts=[fact]).model_dump(mode="json")
    return data | changes


def lines(*records: Any) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def invoke(*args: str, stdin: str | None = None) -> tuple[int, list[str], str]:
    """Exit code, stderr lines and stdout of one command."""
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stderr.splitlines(), result.stdout


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current folder holding article.txt."""
    monkeypatch.chdir(tmp_path)
    Path("article.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path


# validate: stdin


def test_validate_reads_json_from_stdin() -> None:
    assert invoke("validate", "-", stdin=json.dumps(record("a.txt"), indent=2)) == (0, ["valid: 1 file(s)"], "")


def test_validate_reads_json_lines_from_stdin_and_names_it() -> None:
    bad = record("b.txt", facts=[{"type": "mou", "title": 3}])
    code, err, _ = invoke("validate", "-", stdin=lines(record("a.txt"), bad))
    assert code == 1
    assert err[0] == "invalid stdin:2: facts/0: 'parties' is a required property"
    assert "invalid stdin:2: facts/0/title: 3 is not of type 'string'" in err


def test_validate_empty_stdin_is_one_line() -> None:
    assert invoke("validate", "-", stdin="") == (1, ["error: stdin: no records"], "")


# validate: --source


def test_source_checks_only_the_records_extracted_from_it(here: Path) -> None:
    other = record("other.txt", start=9)  # offsets into another text: wrong here, and not checked
    Path("records.jsonl").write_text(lines(record("article.txt"), other), encoding="utf-8")
    assert invoke("validate", "records.jsonl", "--source", "article.txt") == (0, ["valid: 1 file(s)"], "")
    Path("records.jsonl").write_text(lines(record("./article.txt", start=3), other), encoding="utf-8")
    assert invoke("validate", "records.jsonl", "--source", "article.txt") == (
        1, ["invalid records.jsonl:1: facts/0/evidence/0: text[3:7] is not the quote"], "")


def test_source_pairs_by_resolved_path_or_by_name_when_made_elsewhere(here: Path) -> None:
    Path("sub").mkdir()
    Path("sub/other.txt").write_text("x", encoding="utf-8")
    wrong = [record(str(here / "article.txt"), start=3), record("made/elsewhere/article.txt", start=3)]
    Path("records.jsonl").write_text(lines(*wrong, record("sub/other.txt", start=9)), encoding="utf-8")
    code, err, _ = invoke("validate", "records.jsonl", "--source", "article.txt")
    assert (code, err) == (1, [
        "invalid records.jsonl:1: facts/0/evidence/0: text[3:7] is not the quote",
        "invalid records.jsonl:2: facts/0/evidence/0: text[3:7] is not the quote",
    ])


def test_relative_source_found_here_is_not_matched_by_name(here: Path) -> None:
    Path("sub").mkdir()
    Path("sub/article.txt").write_text("another text", encoding="utf-8")
    Path("records.jsonl").write_text(lines(record("sub/article.txt", start=9), record("x.txt")), encoding="utf-8")
    assert invoke("validate", "records.jsonl", "--source", "article.txt") == (
        2, ["error: --source article.txt: no record in records.jsonl was extracted from it"], "")


def test_source_applies_to_a_files_only_record_whatever_its_source(here: Path) -> None:
    Path("one.json").write_text(json.dumps(record("renamed.txt", start=3)), encoding="utf-8")
    assert invoke("validate", "one.json", "--source", "article.txt") == (
        1, ["invalid one.json:1: facts/0/evidence/0: text[3:7] is not the quote"], "")
    Path("one.json").write_text(json.dumps(record("renamed.txt")), encoding="utf-8")
    assert invoke("validate", "one.json", "--source", "article.txt")[0] == 0


def test_source_that_no_record_comes_from_is_a_usage_error(here: Path) -> None:
    Path("records.jsonl").write_text(lines(record("a.txt"), record("b.txt")), encoding="utf-8")
    stdin = lines(record("-"), record("c.txt"))
    assert invoke("validate", "records.jsonl", "-", "--source", "article.txt", stdin=stdin) == (
        2, ["error: --source article.txt: no record in records.jsonl, stdin was extracted from it"], "")


def test_missing_source_is_a_usage_error(here: Path) -> None:
    Path("one.json").write_text(json.dumps(record("a.txt")), encoding="utf-8")
    assert invoke("validate", "one.json", "--source", "nope.txt") == (2, ["error: nope.txt: no such file"], "")


# validate: malformed input


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]", ["invalid f.json[0]: (record): 1 is not of type 'object'",
                    "invalid f.json[1]: (record): 2 is not of type 'object'"]),
        ('"a string"', ["invalid f.json:1: (record): 'a string' is not of type 'object'"]),
        ("42", ["invalid f.json:1: (record): 42 is not of type 'object'"]),
        ("{nope\n", ["invalid f.json:1: not JSON: Expecting property name enclosed in double quotes (column 2)"]),
        (json.dumps(record("a.txt", facts="none")), ["invalid f.json:1: facts: 'none' is not of type 'array'"]),
        (json.dumps(record("a.txt", facts=[{"title": "x"}])),
         ["invalid f.json:1: facts/0: 'type' is a required property"]),
        (json.dumps(record("a.txt", facts=[{"type": "treaty"}])),
         ["invalid f.json:1: facts/0/type: 'treaty' is not one of agreement, federation, mission, mou"]),
        (json.dumps(record("a.txt", facts=[7])), ["invalid f.json:1: facts/0: 7 is not of type 'object'"]),
        (json.dumps(record("a.txt", facts=[{"type": []}])),
         ["invalid f.json:1: facts/0/type: [] is not one of agreement, federation, mission, mou"]),
        ("", ["error: f.json: no records"]),
        ("[]", ["error: f.json: no records"]),
        ("[" * 100_000, ["invalid f.json:1: not JSON: nested too deeply (column 1)"]),
    ],
    ids=["array-of-numbers", "string", "number", "broken", "facts-not-list", "fact-without-type", "unknown-type",
         "fact-not-object", "type-not-string", "empty", "empty-array", "too-deep"],
)
def test_validate_malformed_input_is_one_line_each(here: Path, content: str, expected: list[str]) -> None:
    Path("f.json").write_text(content, encoding="utf-8")
    assert invoke("validate", "f.json") == (1, expected, "")


def test_validate_a_json_array_of_records_and_a_folder(here: Path) -> None:
    Path("all.json").write_text(json.dumps([record("a.txt"), record("b.txt")]), encoding="utf-8")
    Path("folder").mkdir()
    assert invoke("validate", "all.json") == (0, ["valid: 1 file(s)"], "")
    assert invoke("validate", "folder", "all.json") == (1, ["error: folder: is a directory"], "")


def test_an_endless_or_huge_file_is_refused_not_read_into_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("factx.validating.MAX_RECORD_BYTES", 2**20)
    assert invoke("validate", "/dev/zero") == (1, ["error: /dev/zero: larger than 1 MiB"], "")
    assert invoke("eval", "/dev/zero", "-", stdin="x" * (2**20 + 1)) == (2, ["error: /dev/zero: larger than 1 MiB"], "")
    assert invoke("eval", "-", "/dev/zero", stdin="x" * (2**20 + 1)) == (2, ["error: stdin: larger than 1 MiB"], "")


def test_validate_escapes_markup_and_control_characters_in_names(here: Path) -> None:
    name = "a[b]\nc.json"
    Path(name).write_text("7", encoding="utf-8")
    assert invoke("validate", name) == (1, ["invalid a[b]\\nc.json:1: (record): 7 is not of type 'object'"], "")


# eval


def gold_record(source: str = "corpus/a.txt") -> dict[str, Any]:
    return {"source": source, "facts": [{"type": "federation", "name": "F", "evidence": [{"quote": "nata"}]}]}


@pytest.fixture
def gold(here: Path) -> Path:
    Path("gold").mkdir()
    Path("gold/a.json").write_text(json.dumps(gold_record()), encoding="utf-8")
    return Path("gold")


def test_eval_reads_predictions_from_stdin(gold: Path) -> None:
    code, err, out = invoke("eval", "gold", "-", "--json", stdin=lines(record("examples/a.txt")))
    assert (code, err) == (0, [])
    assert json.loads(out)["facts"]["all"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 1, "fp": 0, "fn": 0}


def test_eval_reads_an_array_of_records(gold: Path) -> None:
    Path("pred.json").write_text(json.dumps([record("a.txt"), record("b.txt")]), encoding="utf-8")
    code, _, out = invoke("eval", "gold", "pred.json", "--json")
    assert code == 0 and json.loads(out)["unscored"] == ["b"]


def test_eval_with_nothing_paired_fails(gold: Path) -> None:
    Path("pred.jsonl").write_text(lines(record("b.txt"), record("c.txt")), encoding="utf-8")
    for extra in ([], ["--json"]):
        assert invoke("eval", "gold", "pred.jsonl", *extra) == (1, [
            "error: nothing scored: no record of pred.jsonl pairs with a document of gold "
            "(they pair by the file stem of their source)"], "")


def test_eval_stdin_twice_is_a_usage_error() -> None:
    assert invoke("eval", "-", "-", stdin="{}") == (2, ["error: GOLD and PRED cannot both be - (stdin)"], "")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1,2,3]", "gold.json[0]: not a usable record: (record): 1 is not of type 'object'"),
        ('"text"', "gold.json:1: not a usable record: (record): 'text' is not of type 'object'"),
        ("3.5", "gold.json:1: not a usable record: (record): 3.5 is not of type 'object'"),
        ("null", "gold.json:1: not a usable record: (record): None is not of type 'object'"),
        (json.dumps({"source": "a.txt", "facts": "none"}),
         "gold.json:1: not a usable record: facts: 'none' is not of type 'array'"),
        (json.dumps({"source": "a.txt", "facts": [{"name": "F"}]}),
         "gold.json:1: not a usable record: facts/0: 'type' is a required property"),
        (json.dumps({"source": "a.txt", "facts": [{"type": "mou", "parties": "x"}]}),
         "gold.json:1: not a usable record: facts/0/parties: 'x' is not of type 'array'"),
        (json.dumps({"source": 7, "facts": []}), "gold.json:1: not a usable record: source: 7 is not of type 'string'"),
        ('{"source": "a.txt"}\n{broken\n',
         "gold.json:2: not a usable record: not JSON: Expecting property name enclosed in double quotes (column 2)"),
        ("", "gold.json: no records"),
        ("\n\n", "gold.json: no records"),
        (lines(gold_record(), gold_record("other/a.txt")), "gold.json:2: a second record for document 'a'"),
    ],
    ids=["array-of-numbers", "string", "number", "null", "facts-not-list", "fact-without-type", "wrong-shape",
         "source-not-string", "broken-line", "empty", "blank-lines", "duplicate"],
)
def test_eval_malformed_gold_is_one_line(here: Path, content: str, message: str) -> None:
    Path("gold.json").write_text(content, encoding="utf-8")
    Path("pred.jsonl").write_text(lines(record("a.txt")), encoding="utf-8")
    assert invoke("eval", "gold.json", "pred.jsonl") == (2, [f"error: {message}"], "")
    assert invoke("eval", "pred.jsonl", "gold.json") == (2, [f"error: {message}"], "")  # as predictions too


def test_eval_folder_without_records_and_missing_paths(gold: Path) -> None:
    Path("empty").mkdir()
    (Path("empty") / "notes.txt").write_text("not a record", encoding="utf-8")
    assert invoke("eval", "empty", "gold") == (2, ["error: empty: no records (*.json files)"], "")
    assert invoke("eval", "gold", "empty") == (2, ["error: empty: no records (*.json or *.jsonl files)"], "")
    assert invoke("eval", "gold", "nope.jsonl") == (2, ["error: nope.jsonl: no such file"], "")


def test_eval_gold_not_utf8(gold: Path) -> None:
    Path("pred.json").write_bytes(json.dumps({"source": "caffè.txt"}).encode("latin-1").replace(b"\\u00e8", b"\xe8"))
    assert invoke("eval", "gold", "pred.json") == (2, ["error: pred.json: not UTF-8 text"], "")


# whatever eval accepts, it scores


_NAME = st.text(max_size=6) | st.sampled_from(["Italpress", "CGTN", "Rome", "MIFE"])
_TEXT = st.none() | _NAME
_ENTITY = st.fixed_dictionaries({}, optional={
    "name": _NAME, "country": st.sampled_from([None, "IT", "KR"]), "role": _TEXT, "organization": _TEXT,
    "city": _TEXT, "venue": _TEXT,
})
_SHAPES = {
    **dict.fromkeys(["parties", "organizations", "signatories", "delegation", "counterparts", "leaders"],
                    st.lists(_ENTITY, max_size=3)),
    **dict.fromkeys(["place", "destination", "founded_in", "affiliation", "leader"], st.none() | _ENTITY),
    **dict.fromkeys(["sectors", "goals", "aims", "outcomes"], st.lists(_NAME, max_size=3)),
    **dict.fromkeys(["title", "acronym", "summary", "purpose"], _TEXT),
    **dict.fromkeys(["date", "founded_on", "start_date"], st.sampled_from([None, "2025", "2025-05", "2025-05-14"])),
    "name": _NAME,
    "evidence": st.lists(st.fixed_dictionaries({"quote": _NAME}, optional={"start": st.integers()}), max_size=2),
    "optional": st.booleans(),
}
_FACT = st.fixed_dictionaries(
    {"type": st.sampled_from(["agreement", "mou", "mission", "federation"])}, optional=_SHAPES
)
_RECORD = st.fixed_dictionaries({"facts": st.lists(_FACT, max_size=3)}, optional={"source": _NAME})


@settings(max_examples=150, deadline=None)
@given(gold_record=_RECORD, predicted_record=_RECORD)
def test_records_eval_accepts_never_break_scoring(gold_record: Any, predicted_record: Any) -> None:
    """Odd but well-shaped values (blank, null, one-sided, repeated) score; the shape check stops the rest."""
    assume(not problems(gold_record, lenient=True) and not problems(predicted_record, lenient=True))
    report = evaluate({"a": gold_record}, {"a": predicted_record})
    assert report.facts["all"].tp <= len(gold_record["facts"])


def test_a_text_file_given_as_records_is_one_error_not_one_per_line(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("Roma, 3 marzo.\n\nUn accordo è stato firmato.\n", encoding="utf-8")
    for command in (["validate"], ["eval", str(article)]):
        result = CliRunner().invoke(app, [*command, str(article)])
        assert result.exit_code == (1 if command == ["validate"] else 2)
        assert result.stderr == f"error: {article}: not JSON or JSON Lines\n"
