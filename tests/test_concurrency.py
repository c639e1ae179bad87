"""Documents in flight together (--jobs): order, per-document accounting, transient errors, --rate, interrupts.

Every run here talks to the fake server of ``fault_server`` (``serve``: every answer valid, built from
the request), never to the recorded fixtures, and compares a concurrent run with the plain one-job run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fault_server import serve
from helpers import EXAMPLES, FACTX, ROOT, chat_completion

from factx.backends.openai_compat import OpenAICompatBackend
from factx.batching import Batch
from factx.errors import BackendError, ConfigError
from factx.recording import ExchangeStore, RecordingBackend
from factx.settings import Settings

N = 12


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return make_docs(tmp_path)


def make_docs(where: Path) -> Path:
    """N short articles of different lengths: the start of a seed, then n added sentences (each costs differently)."""
    folder = where / "in"
    folder.mkdir()
    seeds = sorted(EXAMPLES.glob("*.txt"))
    for n in range(N):
        text = seeds[n % len(seeds)].read_text(encoding="utf-8")[:800]
        (folder / f"doc{n:02d}.txt").write_text(text + f"\nNota {n}: " + "Il testo prosegue qui. " * n, "utf-8")
    return folder


def extract(url: str, folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI on a folder against the fake server, no answer cache, records as JSON Lines on stdout."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FACTX_", "OPENAI_"))}
    return subprocess.run(
        [*FACTX, "extract", str(folder), "--provider", "compatible", "--base-url", url, "--model", "m", "--no-cache",
         *args], capture_output=True, text=True, env={**clean, **(env or {})}, cwd=ROOT, timeout=60)


def records(stdout: str) -> list[dict[str, Any]]:
    """The records, without the one field that differs between two runs of the same documents: seconds."""
    found = [json.loads(line) for line in stdout.splitlines()]
    for record in found:
        del record["stats"]["seconds"]
    return found


# --- the pool ----------------------------------------------------------------------------------------------


SLOW = {0, 4, 8, 12}  # these take longest: those after them finish first


def _square(n: int, finished: list[int]) -> int:
    time.sleep(0.3 if n in SLOW else 0)
    finished.append(n)
    return n * n


def test_results_come_in_input_order_though_they_finish_out_of_order():
    finished: list[int] = []
    got = list(Batch(lambda n: _square(n, finished), range(16), jobs=8))
    assert got == [(n, n * n) for n in range(16)]
    assert set(finished[-4:]) == SLOW  # they did finish out of order


def test_unordered_results_come_as_they_finish():
    finished: list[int] = []
    got = list(Batch(lambda n: _square(n, finished), range(16), jobs=8, ordered=False))
    assert {n for n, _ in got[-4:]} == SLOW
    assert sorted(got) == [(n, n * n) for n in range(16)]


def test_no_more_than_the_window_is_in_flight():
    pulled: list[int] = []

    def items() -> Any:
        for n in range(1000):
            pulled.append(n)
            yield n

    batch = Batch(lambda n: n, items(), jobs=2)
    next(batch)
    assert len(pulled) <= 9  # 4 per job, and the one refilled as the first was handed over
    batch.finished()


def test_after_an_interruption_finished_results_are_handed_over_and_nothing_more_starts():
    started: list[int] = []
    release = threading.Event()

    def work(n: int) -> int:
        started.append(n)
        if n == 0:
            release.wait(5)  # the head of the order is slow
        return n

    batch = Batch(work, range(100), jobs=4)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        next(batch)  # waits for the head until Ctrl-C
    done = batch.finished()
    release.set()
    assert done == [(n, n) for n in range(1, 16)]  # those done behind the head, in input order
    time.sleep(0.1)
    assert sorted(started) == list(range(16))  # the window (4 per job), and nothing started after it


# --- the recorder keeps each document's calls apart ---------------------------------------------------------


class _Echo:
    """Answers each request with its own content, after the other thread has asked too."""

    name = "fake/echo"

    def __init__(self) -> None:
        self.both_asked = threading.Barrier(2)

    def create(self, **request: Any) -> Any:
        self.both_asked.wait(5)
        return chat_completion(json.dumps({"asked": request["messages"][0]["content"]}))


def test_each_thread_commits_and_counts_its_own_answer(tmp_path):
    backend = RecordingBackend(_Echo(), ExchangeStore(tmp_path))
    usage: dict[str, tuple[int, int]] = {}

    def document(name: str, calls: int) -> None:
        with backend.tally() as tally:
            for n in range(calls):
                backend.create(messages=[{"role": "user", "content": f"{name}{n}"}])
                if n == 0:
                    time.sleep(0.05 * (name == "a"))  # b's answer arrives before a commits
                    backend.commit()
            usage[name] = (tally.usage.calls, tally.usage.prompt_tokens)

    threads = [threading.Thread(target=document, args=("a", 1)), threading.Thread(target=document, args=("b", 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = {json.loads(p.read_text())["request"]["messages"][0]["content"]:
              json.loads(p.read_text())["response"]["choices"][0]["message"]["content"] for p in tmp_path.iterdir()}
    assert stored == {"a0": '{"asked": "a0"}', "b0": '{"asked": "b0"}'}
    assert usage == {"a": (1, 11), "b": (1, 11)}
    assert backend.usage.calls == 0  # nothing was counted outside the documents


# --- the CLI ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, subprocess.CompletedProcess[str]]]:
    """The same documents with --jobs 1, --jobs 8 and --jobs 8 --unordered."""
    folder = make_docs(tmp_path_factory.mktemp("three"))
    with serve() as url:
        runs = {name: extract(url, folder, "-q", *args) for name, args in
                [("one", ["--jobs", "1"]), ("eight", ["--jobs", "8"]), ("unordered", ["--jobs", "8", "--unordered"])]}
    for done in runs.values():
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return folder, runs


def test_jobs_8_writes_what_jobs_1_writes_in_the_same_order_with_the_same_stats_and_warnings(three_runs):
    folder, runs = three_runs
    assert records(runs["eight"].stdout) == records(runs["one"].stdout)
    assert [r["source"] for r in records(runs["one"].stdout)] == [str(folder / f"doc{n:02d}.txt") for n in range(N)]
    assert len({r["stats"]["prompt_tokens"] for r in records(runs["one"].stdout)}) == N  # a mix-up would show


def test_unordered_writes_the_same_records(three_runs):
    _folder, runs = three_runs
    key = lambda record: record["source"]  # noqa: E731
    assert sorted(records(runs["unordered"].stdout), key=key) == records(runs["one"].stdout)


def test_with_transient_errors_every_document_is_done_exactly_once(docs):
    # 10 %: enough that some of the ~50 requests fail whatever their bytes (the draws hang on them)
    with serve(latency=0.01, error_rate=0.1, retry_after=0.05, seed=1) as url:
        done = extract(url, docs, "--jobs", "8", "-q", env={"FACTX_JOBS": "2"})  # the option wins
        errors, requests = url.errors, url.requests
    assert (done.returncode, done.stderr) == (0, "")
    assert Counter(r["source"] for r in records(done.stdout)) == Counter(str(p) for p in docs.iterdir())
    calls = sum(r["stats"]["model_calls"] for r in records(done.stdout))
    assert errors > 0 and requests == calls + errors  # each failed request was retried, none lost


def test_rate_caps_requests_per_second_over_all_threads(fault_server):
    backend = OpenAICompatBackend(Settings(provider="compatible", base_url=fault_server.url, model="m", rate=10))
    request = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
    threads = [threading.Thread(target=lambda: [backend.create(**request) for _ in range(5)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = sorted(fault_server.times)
    assert len(times) == 20 and times[-1] - times[0] >= 1.85
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.05  # spaced (less the server's jitter), no burst


def test_a_rate_that_is_not_positive_is_one_line_and_exit_2(docs):
    done = extract("http://127.0.0.1:9/v1", docs, "--rate", "0")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: rate must be a positive number of requests per second, not 0.0\n"


@pytest.mark.parametrize("how", [["--jobs", "4"], []])
def test_the_local_model_runs_one_job_and_says_so_once(tmp_path, how):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FACTX_")}
    env = {**clean, "FACTX_JOBS": "4"} if not how else clean
    done = subprocess.run([*FACTX, "extract", "nope.txt", "--provider", "local", *how], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:2] == [
        "note: the local model answers one request at a time; running 1 job, not 4",
        "error: nope.txt: no such file or directory",
    ]
    assert Settings(provider="local", jobs=4).workers == 1 and Settings(provider="vllm").workers == 8


def test_an_interrupted_concurrent_batch_keeps_every_finished_record_and_a_rerun_finishes(docs, tmp_path):
    out = tmp_path / "out.jsonl"
    # 4 jobs, 12 documents: three rounds, so documents are still out when the first record is written,
    # even when the first document, which builds the tables, finishes with the second round
    args = ["--provider", "compatible", "--model", "m", "--no-cache", "--jobs", "4", "-q", "-o", str(out)]
    with serve(latency=0.3) as url:
        process = subprocess.Popen([*FACTX, "extract", str(docs), "--base-url", url, *args],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        deadline = time.monotonic() + 30
        while not (out.exists() and out.read_bytes().count(b"\n") >= 1) and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        _stdout, stderr = process.communicate(timeout=30)
        assert time.monotonic() - stopped < 2  # the documents still waiting for the server are not waited for
        assert process.returncode == 130, stderr
        message = re.fullmatch(rf"interrupted: (\d+) of {N} documents written to {re.escape(str(out))}; "
                               r"run the same command again to finish\n", stderr)
        assert message, stderr
        kept = out.read_text()
        assert int(message[1]) == kept.count("\n") < N
        again = subprocess.run([*FACTX, "extract", str(docs), "--base-url", url, *args],
                               capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (again.returncode, again.stderr) == (0, "")
    assert out.read_text().startswith(kept)
    assert Counter(json.loads(line)["source"] for line in out.read_text().splitlines()) == Counter(
        str(p) for p in docs.iterdir())


def test_retries_are_the_clients_own_and_counted_in_the_error_line(fault_server):
    fault_server.mode = "429"
    settings = Settings(provider="compatible", base_url=fault_server.url, model="m", retries=0)
    with pytest.raises(BackendError) as caught:
        OpenAICompatBackend(settings).create(messages=[{"role": "user", "content": "hi"}])
    assert str(caught.value) == f"{fault_server.url}: HTTP 429 after 1 try, rate limit reached"
    assert len(fault_server.requests) == 1


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("FACTX_JOBS", "many", "jobs must be a whole number, not 'many'"),
    ("FACTX_JOBS", "0", "jobs must be a whole number of at least 1, not 0"),
    ("FACTX_RETRIES", "-1", "retries must be a whole number of at least 0, not -1"),
    ("FACTX_RATE", "fast", "rate must be a number of requests per second, not 'fast'"),
])
def test_a_bad_jobs_retries_or_rate_in_the_environment_is_a_configuration_error(variable, value, message):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({variable: value})
    assert str(caught.value) == message


# --- a document's questions side by side ----------------------------------------------------------------


class _Peak:
    """Answers every question with no facts after a moment, and keeps the most requests it had at once."""

    name = "fake/peak"

    def __init__(self) -> None:
        self.lock, self.now, self.peak = threading.Lock(), 0, 0

    def create(self, **request: Any) -> Any:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.1)
        with self.lock:
            self.now -= 1
        return chat_completion('{"facts": []}')


def _copies(folder: Path, text: str, n: int) -> list[str]:
    """``n`` files in ``folder`` holding ``text``: as many documents, each asked the same."""
    paths = [folder / f"d{i}.txt" for i in range(n)]
    for path in paths:
        path.write_text(text, encoding="utf-8")
    return [str(p) for p in paths]


QUESTIONS = ("La delegazione ha visitato Seoul. Le parti hanno firmato un accordo di coproduzione. "
             "È stato firmato un memorandum d'intesa. È nata una nuova federazione delle imprese.")


def test_a_documents_questions_are_asked_side_by_side_within_the_bound_and_counted_as_one_after_another(tmp_path):
    from factx.pipeline import Extractor

    alone, side_by_side = _Peak(), _Peak()
    one = Extractor(RecordingBackend(alone, None), calls=1).extract(QUESTIONS)
    four = Extractor(RecordingBackend(side_by_side, None), calls=4).extract(QUESTIONS)
    assert (alone.peak, side_by_side.peak) == (1, 4)
    # four questions; the two whose short sentence states its fact outright, answered with none, asked again on it
    assert four.stats.model_calls == one.stats.model_calls == 6
    assert four.stats.prompt_tokens == one.stats.prompt_tokens == 66
    assert four.model_dump(exclude={"stats"}) == one.model_dump(exclude={"stats"})

    shared = _Peak()
    extractor = Extractor(RecordingBackend(shared, None), calls=3)
    results = [result for _, result in extractor.extract_paths(_copies(tmp_path, QUESTIONS, 3), jobs=3)]
    assert shared.peak == 3  # three documents of four questions each, never more than ``calls`` at once
    assert [r.stats.model_calls for r in results] == [6, 6, 6]


def test_calls_in_flight_must_be_positive():
    from factx.pipeline import Extractor

    with pytest.raises(ConfigError, match="calls in flight must be at least 1, not 0"):
        Extractor(_Peak(), calls=0)


class _PeakItalian(_Peak):
    """Answers a visit with an Italian purpose, then its English: two calls per document, one at a time."""

    def create(self, **request: Any) -> Any:
        super().create(**request)
        if "english" in json.dumps(request.get("response_format", {})):
            return chat_completion('{"english": ["to meet Korean companies"]}')
        fact = {"evidence": ["La delegazione della Provincia ha visitato oggi Seoul"], "title": "Delegation to Seoul",
                "purpose": "incontrare le imprese coreane del settore"}
        return chat_completion(json.dumps({"facts": [fact]}))


def test_every_call_takes_a_slot_a_documents_one_question_and_its_translation_too(tmp_path):
    from factx.pipeline import Extractor

    text = "TRENTO – La delegazione della Provincia ha visitato oggi Seoul per incontrare le imprese coreane del settore."
    shared = _PeakItalian()
    extractor = Extractor(RecordingBackend(shared, None), calls=2)
    results = [result for _, result in extractor.extract_paths(_copies(tmp_path, text, 4), jobs=4)]
    assert [(r.stats.model_calls, r.stats.translated) for r in results] == [(2, 1)] * 4
    assert results[0].facts[0].purpose == "to meet Korean companies"
    assert shared.peak == 2  # four documents at once, never more than ``calls`` requests
