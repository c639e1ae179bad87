"""The embedded model against its floor, every figure measured in one run (issue 11).

    .venv/bin/python benchmarks/embedded.py [TEXT ...]

Per text (default: three real texts of 1,000-3,000 characters from ``realset``):

- floor: what no extractor can avoid, measured with raw llama.cpp calls on the same
  loaded model: one read of the article (prompt evaluation of its tokens, after the
  instructions already in the KV cache) plus generating one answer's tokens under a JSON
  grammar. "One answer" is every type's facts, as factx's calls returned them, written once
  as compact JSON; generation is timed per token on factx's longest question asked again
  (the model writes JSON there, as it does in factx) and scaled to that length. (Timed on
  the article alone, the model wants prose the grammar refuses at every token, which a
  sampler that asks the grammar about its first choice pays twice.) The answer is written one
  token a step, as llama.cpp writes; factx checks tokens guessed from the prompt at each step
  (``backends/greedy.py``), so the floor is also given written so, on the last line.
- steady: seconds of ``Extractor.extract`` in this process, after a first document.
- one-file run: ``factx extract FILE --no-cache`` in a fresh process (wall clock), with
  the saved prompt state warm; once more with no saved state, on the first text. A fresh
  process's answers differ from the steady state's by some tokens (the KV cache's history),
  so the extra is also given at the steady state's tokens, each costing what the floor's do.

Documents run interleaved (steady, floor, one-file run for each) so load from other
processes on the machine falls alike on the figures compared. Answers are never taken
from the answer cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factx import Extractor, Settings
from factx.backends.local import LocalBackend
from factx.backends.prefix_state import prefix_tokens
from factx.prompting import messages
from factx.weights import embedded_model_path

ROOT = Path(__file__).resolve().parents[1]
REALSET = ROOT / "benchmarks" / "realset" / "texts"
DEFAULT = [REALSET / name for name in (
    "234_us_canada_finland_icebreakers_mou.txt", "209_ue_missione_commerciale_cina.txt",
    "228_clean_hydrogen_alliance_announced.txt",
)]
#: The first document of the process, not measured: short, so that it costs little.
WARM_UP = "Roma, 3 marzo 2026 – Il ministro ha firmato oggi un accordo di cooperazione con la Tunisia."
TARGET_RATIO = 1.3
TARGET_ONE_FILE_EXTRA = 5.0


class Tap:
    """The local backend, keeping every request and the content of every answer it gives."""

    def __init__(self, backend: LocalBackend) -> None:
        self.backend, self.name = backend, backend.name
        self.asked: list[tuple[dict[str, Any], str]] = []

    def create(self, **request: Any) -> Any:
        completion = self.backend.create(**request)
        self.asked.append((request, completion.choices[0].message.content or ""))
        return completion

    @property
    def answers(self) -> list[str]:
        return [answer for _, answer in self.asked]


@dataclass
class Row:
    name: str
    chars: int
    article_tokens: int
    answer_tokens: int  # one answer: every type's facts once, compact
    spaced_tokens: int  # the same answer spaced as the model writes JSON (": ", ", ")
    factx_tokens: int  # what factx's calls generated
    calls: int
    read_s: float
    generate_s: float  # one token a step, as llama.cpp writes
    guessed_s: float  # the same, factx's guesses checked at each step
    steady_s: float
    one_file_s: float
    one_file_tokens: int  # what the one-file run's calls generated: answers differ by some tokens between processes

    @property
    def floor_s(self) -> float:
        return self.read_s + self.generate_s

    @property
    def one_file_extra_s(self) -> float:
        """The one-file run above the steady state at the steady state's tokens (each token costs what the floor's do)."""
        per_token = self.generate_s / max(self.answer_tokens, 1)
        return self.one_file_s - self.steady_s - (self.one_file_tokens - self.factx_tokens) * per_token


def one_answer(answers: list[str], spaced: bool = False) -> str:
    """Every fact the calls returned, as one JSON answer: compact, or spaced as the model writes JSON."""
    facts: list[Any] = []
    for answer in answers:
        try:
            facts += json.loads(answer).get("facts", [])
        except (ValueError, AttributeError):
            continue  # an invalid answer (retried by factx) adds nothing to write
    return json.dumps({"facts": facts}, ensure_ascii=False, separators=(", ", ": ") if spaced else (",", ":"))


def floor(backend: LocalBackend, text: str, answer_tokens: int, longest: dict[str, Any]) -> tuple[int, float, float, float]:
    """(article tokens, seconds to read them, seconds to generate ``answer_tokens`` under a JSON grammar one
    token a step as llama.cpp does, and the same with factx's guesses checked at each step)."""
    import llama_cpp

    llama = backend._load()
    fixed = prefix_tokens(llama, messages(text, "mission"))  # in the KV cache already: not counted
    article = llama.tokenize(text.encode(), add_bos=False, special=False)
    before = llama_cpp.llama_perf_context(llama.ctx)
    llama.create_completion(fixed + article, max_tokens=1, temperature=0.0)
    read = (llama_cpp.llama_perf_context(llama.ctx).t_p_eval_ms - before.t_p_eval_ms) / 1000
    before, read_so_far = llama_cpp.llama_perf_context(llama.ctx), llama.n_tokens
    llama.guessing = False
    try:
        raw, made = _asked(backend, longest)
    finally:
        llama.guessing = True
    question = (llama_cpp.llama_perf_context(llama.ctx).t_p_eval_ms - before.t_p_eval_ms) / 1000  # not counted
    llama.n_tokens = read_so_far  # the question read again, as above: its guesses are read in batches too
    guessed, made_guessing = _asked(backend, longest)
    return (len(article), read, (raw - question) * answer_tokens / max(made, 1),
            (guessed - question) * answer_tokens / max(made_guessing, 1))


def _asked(backend: LocalBackend, request: dict[str, Any]) -> tuple[float, int]:
    """(wall-clock seconds, tokens generated) of one request."""
    started = time.perf_counter()
    made = backend.create(**request).usage.completion_tokens
    return time.perf_counter() - started, made


def one_file_run(path: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """(wall-clock seconds, tokens generated) of ``factx extract FILE`` in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "factx", "extract", str(path), "--no-cache", "-q"],
                          env={**os.environ, **(env or {})}, capture_output=True, check=True, timeout=900)
    return time.perf_counter() - started, json.loads(done.stdout)["stats"]["completion_tokens"]


def measure(extractor: Extractor, tap: Tap, path: Path) -> Row:
    text = path.read_text(encoding="utf-8")
    tap.asked.clear()
    started = time.perf_counter()
    record = extractor.extract(text, source=path.name)
    steady = time.perf_counter() - started
    llama = tap.backend._load()
    answer_tokens, spaced = (len(llama.tokenize(one_answer(tap.answers, s).encode(), add_bos=False)) for s in (False, True))
    longest, _ = max(tap.asked, key=lambda asked: len(asked[1]) if '"facts"' in asked[1] else -1)  # no translation
    article_tokens, read, generate, guessed = floor(tap.backend, text, answer_tokens, longest)
    return Row(path.name, len(text), article_tokens, answer_tokens, spaced, record.stats.completion_tokens,
               record.stats.model_calls, read, generate, guessed, steady, *one_file_run(path))


HEADER = (f"{'document':46} {'chars':>5} {'art.tok':>7} {'ans.tok':>7} {'factx.tok':>9} {'calls':>5} "
          f"{'read':>5} {'gen':>5} {'floor':>6} {'steady':>6} {'ratio':>5} {'1-file':>6} {'1f.tok':>6} {'+s':>5} {'+s=tok':>6}")


def show(r: Row) -> None:
    print(f"{r.name[:46]:46} {r.chars:5} {r.article_tokens:7} {r.answer_tokens:7} {r.factx_tokens:9} "
          f"{r.calls:5} {r.read_s:5.1f} {r.generate_s:5.1f} {r.floor_s:6.1f} {r.steady_s:6.1f} "
          f"{r.steady_s / r.floor_s:5.2f} {r.one_file_s:6.1f} {r.one_file_tokens:6} {r.one_file_s - r.steady_s:5.1f} "
          f"{r.one_file_extra_s:6.1f}", flush=True)


def summary(rows: list[Row], cold: float) -> None:
    ratio = sum(r.steady_s for r in rows) / sum(r.floor_s for r in rows)
    extra = statistics.mean(r.one_file_s - r.steady_s for r in rows)
    tokens = sum(r.factx_tokens for r in rows) / sum(r.answer_tokens for r in rows)
    print(f"\nsteady state / floor (total seconds): {ratio:.2f}  (target <= {TARGET_RATIO})")
    print(f"one-file run - steady state, mean: {extra:+.1f} s  (target <= {TARGET_ONE_FILE_EXTRA:.0f} s); at the steady "
          f"state's tokens: {statistics.mean(r.one_file_extra_s for r in rows):+.1f} s")
    print(f"one-file run with no saved state, {rows[0].name}: {cold:.1f} s "
          f"({cold - rows[0].one_file_s:+.1f} s against the saved state)")
    print(f"tokens generated by factx / one answer's tokens: {tokens:.2f}")
    # The model writes its JSON spaced, and kept from it answers "[]" (README): the floor of this model's writing.
    spaced = sum(r.read_s + r.generate_s * r.spaced_tokens / r.answer_tokens for r in rows)
    print(f"steady state / floor with the answer spaced as the model writes JSON: {sum(r.steady_s for r in rows) / spaced:.2f}")
    guessing = sum(r.read_s + r.guessed_s for r in rows)
    print(f"steady state / floor written with factx's guesses (tokens copied from the prompt): "
          f"{sum(r.steady_s for r in rows) / guessing:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="*", type=Path, default=DEFAULT)
    args = parser.parse_args()
    backend = LocalBackend(Settings())  # the user's state dir: the one-file runs find the state saved here
    tap = Tap(backend)
    extractor = Extractor(tap)  # type: ignore[arg-type]
    extractor.extract(WARM_UP, source="warm-up.txt")  # loads the model, saves or loads the prompt state
    print(HEADER, flush=True)
    rows: list[Row] = []
    cold = 0.0
    for path in args.texts:
        rows.append(measure(extractor, tap, path))
        show(rows[-1])
        if len(rows) == 1:  # beside the first one-file run, so that load elsewhere falls on both alike
            with tempfile.TemporaryDirectory() as empty:  # no saved state there; the same weights
                env = {"XDG_CACHE_HOME": empty, "FACTX_MODEL_PATH": str(embedded_model_path())}
                cold, _ = one_file_run(path, env)
    summary(rows, cold)


if __name__ == "__main__":
    main()
