"""The embedded model's state after the fixed prompt prefix, kept on disk across processes.

Every request starts with the same instructions (the system prompt and any example
turns: everything before the last user turn). Reading them costs seconds on a CPU,
once per process. The first call of a process therefore loads llama.cpp's state
for exactly those tokens from the cache dir, or evaluates them and saves that
state; llama-cpp-python's own prefix matching (it keeps the KV cache of the longest
common prefix with the previous prompt) then reads only the article and question.

A state file is an ``.npz`` (numpy's zip, CRC-checked): a missing, partial,
corrupt or foreign file is a miss, never a crash; a folder that cannot be written
costs one warning and the run goes on.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from factx.errors import one_line
from factx.reading import os_reason
from factx.writing import drop_oldest, replacing

#: Bumped when what a state file holds changes, so older files miss instead of loading wrongly.
FORMAT = 1
#: States kept on disk (tens of MB each); the least recently used go first.
KEEP = 8


def physical_cores(cpuinfo: str, allowed: set[int]) -> int:
    """How many distinct cores the ``allowed`` CPUs sit on: hyperthreads of one core count once.

    llama.cpp is bound by memory bandwidth and each core's vector units; a second
    thread on the same core only competes with the first.
    """
    cores: set[tuple[str | None, str]] = set()
    for block in cpuinfo.split("\n\n"):
        fields = dict((k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in block.splitlines()))
        cpu = fields.get("processor", "")
        if cpu.isdigit() and int(cpu) in allowed:
            cores.add((fields.get("physical id"), fields.get("core id", cpu)))
    return len(cores) or len(allowed) or 1


def default_threads() -> int:
    """Threads for llama.cpp: the physical cores this process may use (``/proc/cpuinfo``, affinity)."""
    try:
        allowed = os.sched_getaffinity(0)
    except AttributeError:  # macOS, Windows: no affinity API
        allowed = set(range(os.cpu_count() or 1))
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        cpuinfo = ""
    return physical_cores(cpuinfo, allowed)


def file_identity(path: Path) -> str:
    """Names a GGUF given by path in a key: its name, size and mtime.

    Hashing a 1 GB file would cost seconds per process, the very time a saved state saves.
    """
    stat = path.stat()
    return f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"


def state_key(model: str, version: str, n_ctx: int, tokens: Sequence[int]) -> str:
    """The file name of a state: the weights, llama-cpp-python's version, the context size and the tokens."""
    digest = hashlib.sha256(np.asarray(tokens, dtype="<i4").tobytes()).hexdigest()
    described = json.dumps({"format": FORMAT, "model": model, "llama_cpp": version, "n_ctx": n_ctx, "tokens": digest})
    return hashlib.sha256(described.encode()).hexdigest()[:32]


class StateStore:
    """A folder of saved states, one ``<key>.npz`` each."""

    def __init__(self, root: Path, warn: Callable[[str], None] | None = None) -> None:
        self.root = Path(root)
        self.warn = warn or _stderr_warning
        self.writable = True

    def load(self, key: str, tokens: Sequence[int]) -> np.ndarray | None:
        """The saved llama.cpp state (bytes) for exactly ``tokens``, or None."""
        path = self.root / f"{key}.npz"
        try:
            with np.load(path, allow_pickle=False) as saved:
                if not np.array_equal(saved["tokens"], np.asarray(tokens, dtype="<i4")):
                    return None
                state: np.ndarray = saved["state"]
            os.utime(path)  # recently used: kept when older states are pruned
        except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile):
            return None  # missing, partial, corrupt or of another format: read the prefix again
        return state if state.dtype == np.uint8 and state.ndim == 1 else None

    def save(self, key: str, tokens: Sequence[int], state: np.ndarray) -> None:
        """Write atomically (a temp file, then rename); warn once, never fail, if the folder cannot take it."""
        if not self.writable:
            return
        try:
            with replacing(self.root / f"{key}.npz", binary=True) as out:  # a file in the way: "not a directory"
                np.savez(out, tokens=np.asarray(tokens, dtype="<i4"), state=state)
            self._prune()
        except OSError as err:
            self.writable = False
            self.warn(
                f"cannot save the model's prompt state in {one_line(self.root)}: {os_reason(err)}; "
                "every run reads the instructions again"
            )

    def _prune(self) -> None:
        """Keep the most recently used states only: each prompt or model change leaves one behind."""
        drop_oldest(self.root.glob("*.npz"), KEEP)


def _stderr_warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def prefix_tokens(llama: Any, messages: list[dict[str, Any]]) -> list[int]:
    """The tokens of ``messages[:-1]`` as the chat template renders them, kept only as far as they start the
    rendering of all ``messages`` (so a template that writes an earlier turn differently once more follow
    costs speed, never correctness). Empty when the model has no template of its own to render with.
    """
    if len(messages) < 2:
        return []
    template = llama.metadata.get("tokenizer.chat_template")
    if not template or llama.chat_format != "chat_template.default":
        return []
    tokens = _prompt_tokens(llama, messages)
    fixed = _prompt_tokens(llama, messages[:-1], add_generation_prompt=False)
    return tokens[: len(os.path.commonprefix([fixed, tokens]))]


def from_prefix(llama: Any, messages: list[dict[str, Any]], fixed: int) -> None:
    """Read a new document's prompt from the end of the ``fixed`` instructions, not from wherever it
    first differs from the last prompt (the few tokens of the template before the article).

    Evaluated from the same point in every process, a document is read in the same batches whether
    it comes first or after others, so its answers do not depend on the documents before it (the
    last bits of a batch's arithmetic depend on where the batch starts). Further calls on the same
    document still reuse its article: they share far more than ``_SAME_DOCUMENT`` tokens past it.
    """
    if not fixed or llama.n_tokens <= fixed:
        return
    tokens = _prompt_tokens(llama, messages)
    shared = len(os.path.commonprefix([llama.input_ids[: llama.n_tokens].tolist(), tokens]))
    if shared < fixed + _SAME_DOCUMENT:
        llama.n_tokens = fixed


#: Tokens past the instructions two prompts share when they hold the same document: its header and
#: more than a few of its words.
_SAME_DOCUMENT = 32


def _prompt_tokens(llama: Any, messages: list[dict[str, Any]], add_generation_prompt: bool = True) -> list[int]:
    """The tokens of ``messages`` as the model's chat template renders them."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    special = {"eos_token": _token_text(llama, llama.token_eos()), "bos_token": _token_text(llama, llama.token_bos())}
    rendered = Jinja2ChatFormatter(llama.metadata["tokenizer.chat_template"], **special,
                                   add_generation_prompt=add_generation_prompt)(messages=messages)
    return llama.tokenize(rendered.prompt.encode(), add_bos=not rendered.added_special, special=True)


def _token_text(llama: Any, token: int) -> str:
    return llama.detokenize([token], special=True).decode("utf-8", "replace") if token >= 0 else ""


def prime(llama: Any, messages: list[dict[str, Any]], store: StateStore, model: str) -> int:
    """Put ``llama`` in the state after the fixed prefix of ``messages``: loaded if saved, else read and saved.

    Returns the prefix's length in tokens (0: nothing to keep). The prefix is always evaluated on its
    own, loaded or not, so a run with a saved state computes exactly what a run without one does.
    """
    from llama_cpp import __version__

    tokens = prefix_tokens(llama, messages)
    if not tokens:
        return 0
    key = state_key(model, __version__, llama.n_ctx(), tokens)
    saved = store.load(key, tokens)
    if saved is None or not _set_state(llama, tokens, saved):
        llama.reset()
        llama.eval(tokens)
        store.save(key, tokens, _get_state(llama))
    return len(tokens)


# llama.cpp's own state calls, not Llama.save_state/load_state: those also copy the ``scores``
# buffer (n_batch x vocabulary floats, 311 MB here) that nothing reads without logits_all.
def _get_state(llama: Any) -> np.ndarray:
    import llama_cpp

    size = llama_cpp.llama_state_get_size(llama.ctx)
    state = np.empty(size, dtype=np.uint8)
    written = llama_cpp.llama_state_get_data(llama.ctx, (ctypes.c_uint8 * size).from_buffer(state), size)
    return state[:written]


def _set_state(llama: Any, tokens: Sequence[int], state: np.ndarray) -> bool:
    """Load a saved state; False if llama.cpp refuses it. The KV cache then holds exactly ``tokens``."""
    import llama_cpp

    size = len(state)
    if llama_cpp.llama_state_set_data(llama.ctx, (ctypes.c_uint8 * size).from_buffer(state), size) != size:
        return False
    llama.input_ids[: len(tokens)] = tokens
    llama.n_tokens = len(tokens)  # what llama-cpp-python matches the next prompt against
    return True
