"""The embedded model's saved prompt state and threads: keys, misses, warnings (fakes, no model); one live run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import FACTX, ROOT

from factx.backends import BackendError, prefix_state
from factx.backends.local import LocalBackend
from factx.backends.prefix_state import StateStore, from_prefix, physical_cores, prefix_tokens, prime, state_key
from factx.settings import Settings

TOKENS = [5, 6, 7, 8]
STATE = np.arange(1000, dtype=np.uint8) % 251
CHATML = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CHAT = [{"role": "system", "content": "Instructions."}, {"role": "user", "content": "Article and question."}]
SYSTEM_TURN = b"<|im_start|>system\nInstructions.<|im_end|>\n"


class FakeLlama:
    """What ``prime`` uses of ``llama_cpp.Llama``: a template, a tokenizer (one token per byte), eval."""

    chat_format = "chat_template.default"
    metadata = {"tokenizer.chat_template": CHATML}

    def __init__(self) -> None:
        self.evaluated: list[list[int]] = []

    def token_eos(self) -> int:
        return 1

    def token_bos(self) -> int:
        return -1

    def detokenize(self, tokens: list[int], special: bool = False) -> bytes:
        return b"<|im_end|>"

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        return list(text)

    def n_ctx(self) -> int:
        return 8192

    def reset(self) -> None:
        self.evaluated.clear()

    def close(self) -> None:
        """Nothing to free (a model still held at exit is closed then)."""

    def eval(self, tokens: list[int]) -> None:
        self.evaluated.append(list(tokens))


class Answering(FakeLlama):
    """Answers ``{}``, slowly enough that calls made together would overlap, and counts how many did."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = self.running = self.most_at_once = 0

    def create_chat_completion(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.02)
        self.running -= 1
        return {"id": "x", "created": 0, "model": "m", "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}]}


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """Stands in for llama.cpp's state calls: a fixed state out, the states loaded in."""
    states: list[np.ndarray] = []
    monkeypatch.setattr(prefix_state, "_get_state", lambda llama: STATE)
    monkeypatch.setattr(prefix_state, "_set_state", lambda llama, tokens, state: states.append(state) or True)
    return states


# --- the key -----------------------------------------------------------------------------------------


def test_the_key_is_stable_and_names_model_version_context_and_tokens():
    key = state_key("sha-of-model", "0.3.36", 8192, TOKENS)
    assert key == state_key("sha-of-model", "0.3.36", 8192, list(TOKENS))
    assert len(key) == 32 and int(key, 16) >= 0
    others = {
        state_key("other-model", "0.3.36", 8192, TOKENS),
        state_key("sha-of-model", "0.3.37", 8192, TOKENS),
        state_key("sha-of-model", "0.3.36", 4096, TOKENS),
        state_key("sha-of-model", "0.3.36", 8192, [*TOKENS, 9]),
        state_key("sha-of-model", "0.3.36", 8192, TOKENS[:-1]),
    }
    assert key not in others and len(others) == 5


# --- the store: round trip, misses, warnings -----------------------------------------------------------


def test_a_saved_state_loads_back_for_the_same_tokens_only(tmp_path: Path):
    store = StateStore(tmp_path)
    store.save("k", TOKENS, STATE)
    assert np.array_equal(store.load("k", TOKENS), STATE)
    assert store.load("k", [5, 6, 7, 9]) is None
    assert store.load("missing", TOKENS) is None
    assert [p.name for p in tmp_path.iterdir()] == ["k.npz"]  # no temporary file left


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short (a copy interrupted elsewhere)
        lambda data: data[:600] + bytes([data[600] ^ 0xFF]) + data[601:],  # one byte flipped in the state
        lambda data: b"",  # empty
        lambda data: b"not a state at all\n" * 10,  # something else under the name
    ],
    ids=["truncated", "flipped-byte", "empty", "foreign"],
)
def test_a_damaged_state_file_is_a_miss_never_a_crash(tmp_path: Path, damage: Any):
    store = StateStore(tmp_path)
    store.save("k", TOKENS, STATE)
    path = tmp_path / "k.npz"
    path.write_bytes(damage(path.read_bytes()))
    assert store.load("k", TOKENS) is None


def test_a_state_stored_as_another_array_kind_is_a_miss(tmp_path: Path):
    np.savez(tmp_path / "k.npz", tokens=np.asarray(TOKENS, dtype="<i4"), state=STATE.astype(np.float32))
    assert StateStore(tmp_path).load("k", TOKENS) is None


def test_a_folder_that_cannot_be_written_is_one_warning_and_no_failure(tmp_path: Path):
    blocker = tmp_path / "states"
    blocker.write_text("a file where the folder should be")
    warnings: list[str] = []
    store = StateStore(blocker, warn=warnings.append)
    store.save("k", TOKENS, STATE)
    store.save("k2", TOKENS, STATE)
    assert warnings == [
        f"cannot save the model's prompt state in {blocker}: not a directory; every run reads the instructions again"
    ]
    assert blocker.read_text() == "a file where the folder should be"


def test_a_write_that_fails_midway_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    warnings: list[str] = []
    StateStore(tmp_path, warn=warnings.append).save("k", TOKENS, STATE)
    assert list(tmp_path.iterdir()) == []
    assert warnings == [
        f"cannot save the model's prompt state in {tmp_path}: no space left on device; "
        "every run reads the instructions again"
    ]


def test_the_default_warning_is_one_line_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "f").write_text("")
    StateStore(tmp_path / "f").save("k", TOKENS, STATE)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"warning: cannot save the model's prompt state in {tmp_path / 'f'}: not a directory; "
        "every run reads the instructions again\n"
    )


def test_only_the_most_recently_used_states_are_kept(tmp_path: Path):
    store = StateStore(tmp_path)
    for n in range(prefix_state.KEEP):
        store.save(f"k{n}", TOKENS, STATE)
        os.utime(tmp_path / f"k{n}.npz", (n, n))  # k0 oldest
    store.load("k0", TOKENS)  # used again: now the most recent
    store.save("new", TOKENS, STATE)
    kept = {p.stem for p in tmp_path.glob("*.npz")}
    assert kept == {f"k{n}" for n in range(prefix_state.KEEP) if n != 1} | {"new"}


# --- the prefix and priming ----------------------------------------------------------------------------


def test_the_prefix_is_everything_before_the_last_user_turn_as_the_template_renders_it():
    assert prefix_tokens(FakeLlama(), CHAT) == list(SYSTEM_TURN)
    with_example = [CHAT[0], {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}, CHAT[1]]
    expected = SYSTEM_TURN + b"<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
    assert prefix_tokens(FakeLlama(), with_example) == list(expected)


def test_no_prefix_for_one_message_or_a_model_without_its_own_template():
    assert prefix_tokens(FakeLlama(), CHAT[1:]) == []
    guessed = FakeLlama()
    guessed.chat_format = "chatml"  # llama-cpp-python's own formatter: ours would not render the same
    assert prefix_tokens(guessed, CHAT) == []


def test_a_template_that_renders_the_head_differently_keeps_only_the_common_tokens():
    llama = FakeLlama()
    llama.metadata = {"tokenizer.chat_template": CHATML.replace("{% endfor %}", "{% endfor %}{{ messages|length }}")}
    assert prefix_tokens(llama, CHAT) == list(SYSTEM_TURN)  # "1" vs "<|im_start|>user...": cut there


def test_the_first_process_reads_the_prefix_and_saves_it_the_next_loads_it(tmp_path: Path, loaded: list[Any]):
    store = StateStore(tmp_path)
    cold = FakeLlama()
    assert prime(cold, CHAT, store, "m") == len(SYSTEM_TURN)
    assert cold.evaluated == [list(SYSTEM_TURN)] and loaded == []
    (saved,) = tmp_path.glob("*.npz")
    warm = FakeLlama()
    assert prime(warm, CHAT, store, "m") == len(SYSTEM_TURN)
    assert warm.evaluated == [] and len(loaded) == 1 and np.array_equal(loaded[0], STATE)
    assert list(tmp_path.glob("*.npz")) == [saved]


def test_a_state_llama_cpp_refuses_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(prefix_state, "_get_state", lambda llama: STATE)
    monkeypatch.setattr(prefix_state, "_set_state", lambda llama, tokens, state: False)
    store = StateStore(tmp_path)
    prime(FakeLlama(), CHAT, store, "m")
    llama = FakeLlama()
    prime(llama, CHAT, store, "m")
    assert llama.evaluated == [list(SYSTEM_TURN)]


def test_a_corrupt_state_on_disk_is_read_again_and_replaced(tmp_path: Path, loaded: list[Any]):
    store = StateStore(tmp_path)
    prime(FakeLlama(), CHAT, store, "m")
    (saved,) = tmp_path.glob("*.npz")
    saved.write_bytes(saved.read_bytes()[:100])
    llama = FakeLlama()
    prime(llama, CHAT, store, "m")
    assert llama.evaluated == [list(SYSTEM_TURN)] and loaded == []
    with zipfile.ZipFile(saved) as whole:
        assert whole.testzip() is None


# --- the backend: threads, one priming per process -----------------------------------------------------


def test_threads_count_physical_cores_not_hyperthreads():
    def cpu(n: int, core: int, package: int = 0) -> str:
        return f"processor\t: {n}\nphysical id\t: {package}\ncore id\t\t: {core}\nflags\t\t: avx2\n"

    smt = "\n".join([cpu(0, 0), cpu(1, 1), cpu(2, 0), cpu(3, 1)])  # 2 cores, 2 threads each
    assert physical_cores(smt, {0, 1, 2, 3}) == 2
    assert physical_cores(smt, {0, 2}) == 1  # pinned to both threads of one core
    two_packages = "\n".join([cpu(0, 0, 0), cpu(1, 0, 1)])  # core ids repeat across packages
    assert physical_cores(two_packages, {0, 1}) == 2
    arm = "processor\t: 0\nBogoMIPS\t: 50\n\nprocessor\t: 1\nBogoMIPS\t: 50\n"  # no core ids
    assert physical_cores(arm, {0, 1}) == 2
    assert physical_cores("", {0, 1, 2}) == 3  # no /proc/cpuinfo: what the process may use


def test_the_backend_loads_one_model_with_physical_core_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from factx.backends import greedy

    made: list[dict[str, Any]] = []
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.setattr(greedy, "Greedy", lambda **kwargs: made.append(kwargs) or FakeLlama())  # llama_cpp.Llama's subclass
    monkeypatch.setattr("factx.backends.local.default_threads", lambda: 3)
    backend = LocalBackend(Settings(model_path=str(gguf)), state_dir=tmp_path / "states")
    assert backend._load() is backend._load()
    (kwargs,) = made
    assert (kwargs["n_threads"], kwargs["n_threads_batch"], kwargs["n_ctx"]) == (3, 3, 8192)


def test_a_new_document_is_read_from_the_end_of_the_instructions_a_new_question_after_its_article():
    def asked(article: str, question: str) -> list[dict[str, Any]]:
        return [CHAT[0], {"role": "user", "content": f"Article:\n{article}\n\n{question}"}]

    article = "Roma, 3 marzo 2026 - Il ministro ha firmato oggi un accordo di cooperazione con la Tunisia."
    llama = FakeLlama()
    read = prefix_state._prompt_tokens(llama, asked(article, "Which missions?")) + list(b"{}")
    llama.input_ids, llama.n_tokens = np.array(read), len(read)  # the last call: its prompt and answer
    fixed = len(SYSTEM_TURN)
    from_prefix(llama, asked(article, "Which agreements?"), fixed)
    assert llama.n_tokens == len(read)  # the same article: llama-cpp-python reuses it
    from_prefix(llama, asked("Milano, 4 marzo 2026 - Un altro testo.", "Which missions?"), fixed)
    assert llama.n_tokens == fixed  # "<|im_start|>user\nArticle:\n" shared, and read again


def test_only_the_first_call_of_a_process_primes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    primed: list[list[dict[str, Any]]] = []
    monkeypatch.setattr("factx.backends.local.prime", lambda llama, messages, store, model: primed.append(messages))
    backend = LocalBackend(Settings(), state_dir=tmp_path)
    backend._llama = Answering()
    second = [CHAT[0], {"role": "user", "content": "Another article."}]
    backend.create(messages=CHAT)
    backend.create(messages=second)
    assert primed == [CHAT]


def test_calls_from_several_threads_reach_the_model_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("factx.backends.local.prime", lambda *args: 0)
    backend = LocalBackend(Settings(), state_dir=tmp_path)
    backend._llama = llama = Answering()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: backend.create(messages=CHAT), range(8)))
    assert (llama.calls, llama.most_at_once) == (8, 1)


# --- live: a one-file run with a saved state -----------------------------------------------------------

SHORT = (
    "Milano, 5 maggio 2026 – È nata oggi a Milano l'Associazione Italiana Videogiochi "
    "Indipendenti (AIVI), presieduta da Carla Rossi. L'associazione riunisce quaranta studi."
)


@pytest.mark.live
def test_a_one_file_run_with_a_saved_state_is_faster_and_answers_the_same(tmp_path: Path):
    from factx.weights import embedded_model_path

    article = tmp_path / "aivi.txt"
    article.write_text(SHORT, encoding="utf-8")
    # A cache dir of its own (no saved state yet), the installed weights, no answer cache.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "FACTX_MODEL_PATH": str(embedded_model_path())}

    def one_file_run() -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        done = subprocess.run(
            [*FACTX, "extract", str(article), "-t", "federation", "--no-cache"],
            capture_output=True, env=env, cwd=ROOT, timeout=120, check=True,
        )
        record = json.loads(done.stdout)
        record.pop("stats")
        return time.perf_counter() - started, record

    cold_seconds, cold = one_file_run()
    (state,) = (tmp_path / "cache" / "factx" / "states").glob("*.npz")
    inode = state.stat().st_ino
    warm_seconds, warm = one_file_run()
    assert warm == cold
    assert list(state.parent.glob("*.npz")) == [state] and state.stat().st_ino == inode  # loaded, not saved again
    assert warm_seconds < cold_seconds, (warm_seconds, cold_seconds)


def test_weights_warmed_ahead_load_once_on_their_own_thread_and_the_first_call_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from factx.backends import greedy

    loaded_on: list[str] = []
    blocked: list[set[signal.Signals]] = []

    def slow_load(**kwargs: Any) -> Answering:
        loaded_on.append(threading.current_thread().name)
        blocked.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))  # Ctrl-C must reach the main thread
        time.sleep(0.2)  # the call below arrives while the weights still load
        return Answering()

    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.setattr(greedy, "Greedy", slow_load)
    monkeypatch.setattr("factx.backends.local.prime", lambda llama, messages, store, model: 0)
    backend = LocalBackend(Settings(model_path=str(gguf)), state_dir=tmp_path / "states")
    backend.warm()
    backend.warm()
    reply = backend.create(messages=CHAT)
    assert loaded_on == ["factx-load"] and {signal.SIGINT, signal.SIGTERM} <= blocked[0]
    assert not backend._warming.daemon  # an exit waits for the load, never runs beside llama.cpp's C code
    assert reply.choices[0].message.content == "{}" and backend._llama.calls == 1


def test_weights_that_fail_to_load_ahead_are_reported_by_the_call_that_needs_them(tmp_path: Path):
    backend = LocalBackend(Settings(model_path=str(tmp_path / "nope.gguf")), state_dir=tmp_path / "states")
    backend.warm()
    assert backend._warming is not None
    backend._warming.join(5)
    with pytest.raises(BackendError, match=r"nope\.gguf: no such model file$"):
        backend.create(messages=CHAT)
