"""The real CLI against a server that fails on purpose (``fault_server``).

Each case checks what the user gets: the exit code, the one error line, that
nothing but valid answers reached the answer cache, and that the record an
earlier run left in the ``-o`` file is still there, byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from fault_server import FaultServer
from helpers import FACTX, ROOT, Scripted, chat_completion

from factx.calling import MAX_TOKENS
from factx.models import FACT_TYPES
from factx.pipeline import Extractor
from factx.prompting import answer_model, triage_model
from factx.reading import read_path

ARTICLE = "Roma, 3 marzo 2026 – Italia e Brasile hanno firmato un memorandum d'intesa sull'energia.\n"
QUOTE = "Italia e Brasile hanno firmato un memorandum d'intesa sull'energia"
MENTIONS = [{"quote": QUOTE, "type": "mou"}]
FACTS = [{"evidence": [QUOTE], "title": "Italy-Brazil energy MoU",
          "parties": [{"name": "Italia", "kind": "government"}, {"name": "Brasile", "kind": "government"}]}]
ANSWER_MODELS = {model.__name__: model for model in [triage_model(), *map(answer_model, FACT_TYPES)]}
NOT_JSON = "invalid answer after 2 tries: Invalid JSON: expected value at line 1 column 1"


class Work:
    """An article, an ``-o`` file holding one earlier record, and an answer cache, in a temporary folder."""

    def __init__(self, folder: Path, server: FaultServer) -> None:
        self.server = server
        self.article = folder / "article.txt"
        self.article.write_text(ARTICLE, encoding="utf-8")
        self.out = folder / "out.jsonl"
        self.out.write_text(_earlier_record(folder) + "\n", encoding="utf-8")
        self.earlier = self.out.read_bytes()
        self.cache = folder / "cache"

    def extract(self, *, timeout: str = "2", out: bool = True) -> subprocess.CompletedProcess[str]:
        args = [*FACTX, "extract", str(self.article), "--provider", "compatible", "--base-url", self.server.url,
                "--model", "m", "--cache-dir", str(self.cache), "--timeout", timeout, "--triage", "--retries", "1",
                "--jobs", "1"]  # one request after another: the server's script answers them in order
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FACTX_", "OPENAI_"))}
        return subprocess.run([*args, *(["-o", str(self.out)] if out else [])],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)

    def errors(self, done: subprocess.CompletedProcess[str]) -> list[str]:
        assert "Traceback" not in done.stderr
        return [line for line in done.stderr.splitlines() if line.startswith("error:")]

    def stored(self) -> list[str]:
        """The answers in the cache, sorted, each validated by the answer model its request asked for.

        Any other file (a temporary one left behind, say) fails the test.
        """
        answers = []
        for entry in self.cache.iterdir() if self.cache.exists() else []:
            exchange = json.loads(entry.read_text(encoding="utf-8"))
            content = exchange["response"]["choices"][0]["message"]["content"]
            title = exchange["request"]["response_format"]["json_schema"]["schema"]["title"]
            ANSWER_MODELS[title].model_validate_json(content, context={"published": None})
            answers.append(content)
        return sorted(answers)


def _earlier_record(folder: Path) -> str:
    """The record of another article, as an earlier run wrote it."""
    other = folder / "earlier.txt"
    other.write_text("Piove su Milano da tre giorni.\n", encoding="utf-8")
    record = Extractor(Scripted(chat_completion('{"mentions": []}'))).extract_document(read_path(other))
    return record.model_dump_json()


@pytest.fixture
def work(tmp_path: Path, fault_server: FaultServer) -> Work:
    return Work(tmp_path, fault_server)


#: fault -> the reason its error line gives ({url}: the server's), and the requests the server gets:
#: retries are bounded (the client's one retry; instructor's one retry of an invalid answer)
FAULTS = [
    ("500", "{url}: HTTP 500 after 2 tries, internal error: the model crashed", 4),  # json_schema, then json_object
    ("429", "{url}: HTTP 429 after 2 tries, rate limit reached", 2),
    ("401", "{url}: HTTP 401, the server rejected the API key (check --api-key or FACTX_API_KEY)", 1),
    ("hang", "no answer from {url} within 1 s (tried 2 times)", 2),
    ("drop", "{url}: the connection failed (Server disconnected without sending a response); tried 2 times", 2),
    ("html", "{url}: sent HTML, not a chat completion", 1),
    ("empty", "{url}: sent an empty body, not a chat completion", 1),
    ("null", "{url}: sent a chat completion without an answer (null content)", 1),
    ("huge", "{url}: sent an answer of 5.0 MB, not a plausible answer", 1),
    # the model answered, but never validly: the triage falls back to all four types, and each fails
    ("prose", f"no valid answer in 4 call(s): agreement: {NOT_JSON}", 10),
    ("broken", "no valid answer in 4 call(s): agreement: invalid answer after 2 tries: "
               "Invalid JSON: EOF while parsing a string at line 1 column 26", 10),
    ("schema", "no valid answer in 4 call(s): agreement: invalid answer after 2 tries: "
               "facts: Input should be a valid array", 10),
    ("cutoff", f"no valid answer in 4 call(s): agreement: answer cut off at the {MAX_TOKENS}-token limit", 5),
]


@pytest.mark.parametrize(("mode", "reason", "requests"), FAULTS, ids=[mode for mode, *_ in FAULTS])
def test_a_fault_fails_the_document_with_one_line_and_caches_nothing(work, mode, reason, requests):
    work.server.mode = mode
    done = work.extract(timeout="1" if mode == "hang" else "2")
    assert done.returncode == 1
    assert work.errors(done) == [f"error: {work.article}: {reason.format(url=work.server.url)}"]
    assert len(work.server.requests) == requests
    assert work.stored() == []
    assert work.out.read_bytes() == work.earlier


def test_a_429_is_retried_after_retry_after_and_the_document_done(work):
    work.server.script = ["429"]
    done = work.extract()
    assert (done.returncode, work.errors(done)) == (0, [])
    assert len(work.server.requests) == 2 and work.server.times[1] - work.server.times[0] >= 1
    assert work.stored() == ['{"mentions": []}']
    record = json.loads(work.out.read_bytes().removeprefix(work.earlier))
    assert (record["source"], record["facts"], record["stats"]["model_calls"]) == (str(work.article), [], 1)


def test_once_the_server_is_fixed_the_rerun_asks_it_again_and_gets_the_facts(work):
    work.server.mode = "html"
    assert work.extract().returncode == 1
    work.server.mode, work.server.answers = "good", {"mentions": MENTIONS, "facts": FACTS}
    asked = len(work.server.requests)
    done = work.extract()
    assert (done.returncode, work.errors(done)) == (0, [])
    assert len(work.server.requests) - asked == 2  # the triage, then the MoU
    (record,) = map(json.loads, work.out.read_bytes().removeprefix(work.earlier).splitlines())
    assert [(f["type"], f["evidence"][0]["quote"]) for f in record["facts"]] == [("mou", QUOTE)]
    assert work.stored() == [json.dumps({"facts": FACTS}), json.dumps({"mentions": MENTIONS})]
    again = work.extract(out=False)  # the valid answers were cached: no call
    assert len(work.server.requests) - asked == 2
    assert json.loads(again.stdout)["stats"]["cached_calls"] == 2


def test_one_invalid_answer_costs_its_type_only_and_fails_the_run(work):
    mentions = [*MENTIONS, {"quote": QUOTE, "type": "agreement"}]
    work.server.answers = {"mentions": mentions, "facts": FACTS}
    work.server.script = ["good", "prose", "prose", "good"]  # triage; agreement twice; mou
    done = work.extract()
    assert done.returncode == 1
    (record,) = map(json.loads, work.out.read_bytes().removeprefix(work.earlier).splitlines())
    assert [f["type"] for f in record["facts"]] == ["mou"]
    assert record["warnings"] == [f"agreement: {NOT_JSON}"]
    assert (record["stats"]["model_calls"], record["stats"]["failed_calls"]) == (4, 1)
    assert work.stored() == [json.dumps({"facts": FACTS}), json.dumps({"mentions": mentions})]


def _file_in_the_way(cache: Path) -> str:
    cache.write_text("a file where the cache folder should be")
    return "(file exists|not a directory)"  # write_atomic's words for it; "not a directory" is clearer


def _read_only(cache: Path) -> str:
    cache.mkdir(mode=0o500)
    return "permission denied"


@pytest.mark.parametrize("spoil", [
    _file_in_the_way,
    pytest.param(_read_only, marks=pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")),
])
def test_an_unusable_cache_dir_is_one_warning_and_the_answers_are_used(work, spoil):
    reason = spoil(work.cache)
    work.server.answers = {"mentions": MENTIONS, "facts": FACTS}
    done = work.extract()
    assert (done.returncode, work.errors(done)) == (0, [])
    (record,) = map(json.loads, work.out.read_bytes().removeprefix(work.earlier).splitlines())
    assert [f["type"] for f in record["facts"]] == ["mou"]
    (warning,) = record["warnings"]
    assert re.fullmatch(f"cannot store answers in {re.escape(str(work.cache))}: {reason}; answers are not cached",
                        warning)
    assert [line for line in done.stderr.splitlines() if "cannot store" in line] == [
        f"warning: {work.article}: {warning}"]
