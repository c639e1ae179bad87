"""The command line, through Typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from typer.testing import CliRunner

from factx.cli import app
from helpers import EXCHANGES, FACTX, run, seed

runner = CliRunner()


def test_help_and_types_answer_fast_without_heavy_imports():
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "factx", "types", "--json"], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert list(json.loads(done.stdout)) == ["agreement", "mou", "mission", "federation"]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert not {"llama_cpp", "instructor", "openai", "dateparser"} & imported
    assert elapsed < 3.0  # generous for a loaded CI machine; typically ~0.5 s
    assert subprocess.run([*FACTX, "--help"], capture_output=True).returncode == 0


def test_schema_prints_the_record_and_each_type():
    record = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert record["title"] == "Record"
    mou = json.loads(runner.invoke(app, ["schema", "mou"]).stdout)
    assert "aims" in mou["properties"]
    bad = runner.invoke(app, ["schema", "treaty"])
    assert bad.exit_code == 2


def test_unknown_type_is_a_usage_error():
    result = runner.invoke(app, ["extract", str(seed("002")), "--types", "treaty", "--replay"])
    assert result.exit_code == 2
    assert "unknown fact type treaty" in result.stderr


def test_bad_inputs_are_one_line_errors_and_exit_1(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    done = run("extract", str(empty), str(binary), "--replay")
    assert done.returncode == 1
    assert done.stdout == b""
    errors = [line for line in done.stderr.decode().splitlines() if line.startswith("error")]
    assert errors == [f"error: {empty}: empty file", f"error: {binary}: binary file, not text"]
    assert b"Traceback" not in done.stderr


def test_missing_path_is_a_usage_error(tmp_path):
    done = run("extract", str(tmp_path / "nope.txt"), "--replay")
    assert done.returncode == 2
    assert done.stderr.decode().strip() == f"error: {tmp_path / 'nope.txt'}: no such file or directory"


def test_validate_accepts_a_good_record_and_rejects_a_bad_one(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({
        "source": "a.txt", "sha256": "0" * 64, "language": "it", "model": "local/m",
        "publication_date": None, "facts": [], "warnings": [],
        "stats": {"seconds": 0, "model_calls": 0, "cached_calls": 0, "prompt_tokens": 0, "completion_tokens": 0},
    }))
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    broken = json.loads(good.read_text())
    broken["facts"] = [{"type": "mou", "title": "x"}]
    bad.write_text(good.read_text().replace("\n", "") + "\n" + json.dumps(broken) + "\n")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"invalid {bad}:2: facts/0" in result.stderr


def test_validate_names_each_unusable_file_and_its_reason_then_checks_the_rest(tmp_path):
    empty, latin1 = tmp_path / "empty.jsonl", tmp_path / "latin1.json"
    empty.write_text("\n\n")
    latin1.write_bytes('{"source": "caffè"}'.encode("latin-1"))
    result = runner.invoke(app, ["validate", str(tmp_path / "missing.json"), str(empty), str(latin1)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {tmp_path / 'missing.json'}: no such file",
        f"error: {empty}: no records",
        f"error: {latin1}: not UTF-8 text",
    ]


def test_unreachable_server_fails_the_input_with_one_line(tmp_path):
    done = run("extract", str(seed("002")), "--provider", "compatible", "--base-url", "http://127.0.0.1:9/v1",
               "--model", "m", "--no-cache")
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        f"error: {seed('002')}: cannot reach the model server at http://127.0.0.1:9/v1",
        "1 of 1 inputs failed",
    ]


def test_missing_openai_key_is_a_configuration_error():
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    done = subprocess.run([*FACTX, "extract", str(seed("002")), "--provider", "openai"],
                          capture_output=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == "error: OPENAI_API_KEY is not set (export it, or use --provider local)"


def test_eval_scores_predictions_against_gold(tmp_path):
    fact = {"type": "federation", "name": "Made in Italy Film Export", "acronym": "MIFE", "founded_on": "2025-12-19",
            "evidence": [{"quote": "È nata oggi a Roma"}]}
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "a.json").write_text(json.dumps({"source": "x/a.txt", "facts": [fact]}))
    wrong_day = {**fact, "founded_on": "2025-12-18"}
    extra = {"type": "mou", "title": "Invented", "evidence": [{"quote": "nothing"}]}
    (tmp_path / "pred.jsonl").write_text(json.dumps({"source": "examples/a.txt", "facts": [wrong_day, extra]}))
    result = runner.invoke(app, ["eval", str(tmp_path / "gold"), str(tmp_path / "pred.jsonl"), "--json"])
    assert result.exit_code == 0, result.stderr
    scores = json.loads(result.stdout)
    assert (scores["facts"]["all"]["tp"], scores["facts"]["all"]["fp"], scores["facts"]["all"]["fn"]) == (1, 1, 0)
    assert scores["fields"]["federation.founded_on"]["f1"] == 0.0
    assert scores["fields"]["federation.acronym"]["f1"] == 1.0
    table = runner.invoke(app, ["eval", str(tmp_path / "gold"), str(tmp_path / "pred.jsonl")])
    assert "federation" in table.stdout and table.exit_code == 0


def test_eval_names_a_missing_file(tmp_path):
    result = runner.invoke(app, ["eval", str(tmp_path / "nope"), str(tmp_path / "nope2")])
    assert result.exit_code == 2
    assert "nope" in result.stderr


def test_window_sets_how_much_one_call_reads(tmp_path, monkeypatch):
    from factx.pipeline import Extractor

    seen: dict[str, object] = {}
    real = Extractor.from_settings

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(Extractor, "from_settings", spy)
    result = runner.invoke(app, ["extract", str(seed("002")), "--replay", "--cache-dir", str(EXCHANGES), "--window", "20000", "-o", str(tmp_path / "o.json")])
    assert result.exit_code == 0 and seen["window_chars"] == 20000
    too_small = runner.invoke(app, ["extract", str(seed("002")), "--replay", "--window", "500"])
    assert too_small.exit_code == 2 and "greater than or equal to 1000" in too_small.stderr
