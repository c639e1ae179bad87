"""The command line, through Typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest
from helpers import EXCHANGES, FACTX, run, seed
from typer.main import get_command
from typer.testing import CliRunner

from factx.cli import app, main
from factx.models import Record, Stats
from factx.pipeline import Extractor

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


def test_missing_file_among_good_ones_is_one_error_line_and_the_rest_run(tmp_path):
    (tmp_path / "empty").mkdir()
    missing = tmp_path / "no\npe.txt"
    done = run("extract", str(seed("003")), str(missing), str(tmp_path / "empty"), str(seed("004")), "--replay")
    assert done.returncode == 1
    assert [json.loads(line)["source"] for line in done.stdout.splitlines()] == [str(seed("003")), str(seed("004"))]
    *lines, summary = done.stderr.decode().splitlines()
    errors = [line for line in lines if not line.startswith("warning: ")]  # the seeds' own warnings aside
    assert errors == [
        f"error: {tmp_path}/no\\npe.txt: no such file or directory",
        f"error: {tmp_path / 'empty'}: no text files (.markdown, .md, .text, .txt) in this folder",
    ]
    assert re.fullmatch(r"4 documents: 2 done, 2 failed, 0 skipped · facts: agreement 2, mou 1, mission 2 · [\d.]+ s · "
                        r"records on stdout", summary)


def test_only_a_missing_file_fails_it_with_exit_1(tmp_path):
    done = run("extract", str(tmp_path / "nope.txt"), "--replay")
    assert done.returncode == 1 and done.stdout == b""
    error, summary = done.stderr.decode().splitlines()
    assert error == f"error: {tmp_path / 'nope.txt'}: no such file or directory"
    assert re.fullmatch(r"1 document: 0 done, 1 failed, 0 skipped · no facts · [\d.]+ s · nothing written", summary)


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
    error, summary = done.stderr.decode().splitlines()
    assert error == f"error: {seed('002')}: cannot reach the model server at http://127.0.0.1:9/v1"
    assert re.fullmatch(r"1 document: 0 done, 1 failed, 0 skipped · no facts · [\d.]+ s · nothing written", summary)


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
    result = runner.invoke(app, ["extract", str(seed("002")), "--replay", "--cache-dir", str(EXCHANGES),
                                 "--window", "20000", "-o", str(tmp_path / "o.json")])
    assert result.exit_code == 0 and seen["window_chars"] == 20000
    too_small = runner.invoke(app, ["extract", str(seed("002")), "--replay", "--window", "500"])
    assert too_small.exit_code == 2 and "greater than or equal to 1000" in too_small.stderr


COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]
TYPE_LABEL = re.compile(r"<(bool|str|int|float|path|list\[\w+\])( range)?>|\{\w+\}")


def test_every_command_answers_h_and_help_without_type_labels():
    assert COMMANDS == ["eval", "extract", "ray", "schema", "types", "validate", "view"]
    for args in ([], *([name] for name in COMMANDS)):
        short, long = runner.invoke(app, [*args, "-h"]), runner.invoke(app, [*args, "--help"])
        assert short.exit_code == long.exit_code == 0
        assert short.stdout == long.stdout
        assert short.stdout.startswith(f"Usage: factx {' '.join(args)}".rstrip() + " [OPTIONS]")
        assert not TYPE_LABEL.search(short.stdout), short.stdout


def test_extract_help_names_values_and_keeps_env_brackets():
    shown = runner.invoke(app, ["extract", "-h"]).stdout
    assert "Usage: factx extract [OPTIONS] PATH...\n" in shown
    flat = " ".join(shown.split())
    for text in ("-t, --types TYPES", "-o, --out FILE", "--out-dir DIR", "--cache-dir DIR Where answers are stored "
                 "[env: FACTX_CACHE_DIR].", "[env: FACTX_PROVIDER]", "--window CHARS", "-q, --quiet", "-v, --verbose"):
        assert text in flat
    assert "--strict / --no-strict Drop facts" in flat  # a flag shows no value


def test_version_comes_from_the_installed_package():
    from importlib.metadata import version

    done = runner.invoke(app, ["--version"])
    assert done.exit_code == 0 and done.stdout == f"factx {version('factx')}\n"


def test_types_add_up_when_repeated_or_comma_separated():
    done = run("extract", str(seed("003")), "-t", "mission", "-t", "mou,agreement", "--replay")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["types"] == ["agreement", "mou", "mission"]
    assert sorted(fact["type"] for fact in record["facts"]) == ["agreement", "mission", "mou"]
    bad = runner.invoke(app, ["extract", str(seed("003")), "-t", "mission", "-t", "treaty", "--replay"])
    assert bad.exit_code == 2
    assert bad.stderr == "error: unknown fact type treaty; choose from agreement, mou, mission, federation\n"


def test_quiet_and_verbose_exclude_each_other():
    done = runner.invoke(app, ["extract", str(seed("003")), "-q", "-v", "--replay"])
    assert done.exit_code == 2 and done.stderr == "error: --quiet and --verbose cannot be used together\n"


def test_a_record_with_invalid_model_answers_is_written_but_fails_the_run(monkeypatch):
    def partial(self, doc, **_):
        return Record(source=doc.source, sha256=doc.sha256, model="m", stats=Stats(model_calls=3, failed_calls=1),
                      warnings=["mou: the model's answer stayed invalid"])

    monkeypatch.setattr(Extractor, "extract_document", partial)
    done = runner.invoke(app, ["extract", str(seed("003")), "--replay", "--cache-dir", str(EXCHANGES)])
    assert done.exit_code == 1
    assert json.loads(done.stdout)["stats"]["failed_calls"] == 1
    warning, error, summary = done.stderr.splitlines()
    assert warning == f"warning: {seed('003')}: mou: the model's answer stayed invalid"
    assert error == f"error: {seed('003')}: 1 model answer stayed invalid; the facts asked for by it are missing (see warnings)"
    assert summary.startswith("1 document: 0 done, 1 failed, 0 skipped · no facts · ")
    quiet = runner.invoke(app, ["extract", str(seed("003")), "-q", "--replay", "--cache-dir", str(EXCHANGES)])
    assert quiet.exit_code == 1 and quiet.stderr.splitlines() == [error]


def test_triage_can_be_switched_off_from_the_command_line(monkeypatch):
    from factx.pipeline import Extractor
    from factx.settings import TRIAGE

    seen: list[bool] = []
    real = Extractor.from_settings

    def spy(*args, **kwargs):
        seen.append(kwargs["triage"])
        return real(*args, **kwargs)

    monkeypatch.setattr(Extractor, "from_settings", spy)
    for flag in ("--triage", "--no-triage", None):
        runner.invoke(app, ["extract", str(seed("002")), "--replay", "-q", *([flag] if flag else [])])
    assert seen == [True, False, TRIAGE]


def test_a_batch_puts_its_first_documents_tables_out_of_the_collectors_sight_once(monkeypatch):
    import gc

    from factx import pipeline

    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))  # the real one would freeze the test process
    pipeline.keep_tables.cache_clear()
    try:
        done = runner.invoke(app, ["extract", str(seed("003")), str(seed("004")), "--replay", "-q"],
                             env={"FACTX_CACHE_DIR": str(EXCHANGES)})
        assert done.exit_code == 0, done.output
        assert frozen == [1]  # once, after the first document, however many follow
    finally:
        pipeline.keep_tables.cache_clear()


def test_ctrl_c_before_any_document_started_is_a_one_line_exit_130(monkeypatch, capsys):
    def interrupted() -> None:
        raise KeyboardInterrupt  # as when it strikes while the command still imports what it needs

    monkeypatch.setattr("factx.cli.app", interrupted)
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 130 and capsys.readouterr().err == "interrupted\n"
