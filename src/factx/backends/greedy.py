"""Greedy decoding under a grammar, asking the grammar about the model's first choice only.

llama-cpp-python chains the grammar before the greedy pick, so at every token the grammar
checks all 151,936 candidates of the vocabulary: measured here, ~45 ms a token against
~120 ms for the model's own step, a third of a document's seconds. llama.cpp's own
sampler (``common_sampler_sample``) asks the grammar about the chosen token first and
checks the whole vocabulary only when it refuses that one. At temperature 0 the pick is
the same token either way: the best token the grammar allows.

An answer copies much of its prompt: quotes, names, places, and the keys of the fact before.
So each step also checks a guess (prompt lookup): the tokens that followed, in the prompt or
the answer so far, the last few tokens written. One batch reads the chosen token and the
guess, the model's own pick is taken at every position, and the guess is kept up to its
first wrong token. A batch costs more than one token (here ~160 ms for four against ~95 ms
for one), so the guess is short and made only on a run of three tokens or more seen before.
The picks are the model's own, but a batch's arithmetic differs from a single token's in the
last bits, so where two tokens are near-tied the answer may take the other one.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import Llama

#: One ``llama_token_data`` (id, logit, p) as numpy lays it out, to hand a whole vocabulary to C at once.
_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


class GrammarFirstGreedy:
    """The sampler llama-cpp-python's ``generate`` calls: ``sample(ctx, idx)`` picks, and the grammar accepts, one token."""

    def __init__(self, llama: Llama, grammar: Any) -> None:
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode(), grammar._root.encode())
        if not self._grammar:
            raise ValueError("llama.cpp could not parse the answer's grammar")  # LocalBackend: one line
        self._vocab = llama.n_vocab()
        self._one = (llama_cpp.llama_token_data * 1)()
        self._all = np.zeros(self._vocab, dtype=_TOKEN_DATA)
        self._all["id"] = np.arange(self._vocab)

    def __del__(self) -> None:
        if getattr(self, "_grammar", None):  # NULL when llama.cpp refused the grammar
            llama_cpp.llama_sampler_free(self._grammar)
            self._grammar = None

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx.ctx, idx), shape=(self._vocab,))
        token = int(np.argmax(logits))
        if not self._allowed(token, float(logits[token])):
            token = self._best_allowed(logits)
        llama_cpp.llama_sampler_accept(self._grammar, token)
        return token

    def _allowed(self, token: int, logit: float) -> bool:
        self._one[0] = llama_cpp.llama_token_data(token, logit, 0.0)
        self._apply(ctypes.cast(self._one, ctypes.POINTER(llama_cpp.llama_token_data)), 1)
        return bool(np.isfinite(self._one[0].logit))

    def _best_allowed(self, logits: np.ndarray) -> int:
        """What the chain would pick: the grammar over every candidate, then the highest logit left."""
        self._all["logit"] = logits
        self._apply(self._all.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data)), self._vocab)
        return int(np.argmax(self._all["logit"]))

    def _apply(self, data: Any, size: int) -> None:
        candidates = llama_cpp.llama_token_data_array(data=data, size=size, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(candidates))


#: Tokens guessed per step, and the longest and shortest run of last tokens looked up to guess them:
#: replayed on 77 recorded answers with this machine's batch costs, 3 tokens on runs of 3-5 wrote a
#: token in 71 ms against 95 (8 tokens on runs of 2-4: 82 ms).
GUESS_TOKENS = 3
LOOKUP_LONGEST = 5
LOOKUP_SHORTEST = 3


def guess(tokens: np.ndarray, count: int = GUESS_TOKENS) -> np.ndarray:
    """The ``count`` tokens that followed the last occurrence before the end of the longest run of last tokens."""
    for size in range(min(LOOKUP_LONGEST, len(tokens) - 1), LOOKUP_SHORTEST - 1, -1):
        windows = np.lib.stride_tricks.sliding_window_view(tokens[:-1], size)
        found = np.flatnonzero((windows == tokens[-size:]).all(axis=1))
        if len(found):
            start = found[-1] + size
            return tokens[start : start + count]
    return tokens[:0]


class Greedy(Llama):
    """``Llama`` with ``GrammarFirstGreedy`` for what factx asks: temperature 0, a grammar, no penalty;
    and tokens guessed from the prompt, checked in the batch that reads the token chosen before them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: False: one token a step (the benchmark's floor is timed so)
        self.guessing = True
        self._guessed = False
        # set after loading: given to Llama, a draft model makes it keep every position's logits (GBs)
        self.draft_model = self._guess  # type: ignore[assignment]  # called as one: tokens in, guess out

    def _guess(self, tokens: np.ndarray) -> np.ndarray:
        guessed = guess(tokens) if self.guessing else tokens[:0]
        self._guessed = len(guessed) > 0  # ``generate`` reads the chosen token and the guess next
        return guessed

    def eval(self, tokens: Sequence[int]) -> None:
        """Read ``tokens``; a chosen token and the guess after it with the logits of every position, to check it."""
        if not self._guessed:
            super().eval(tokens)
            return
        self._guessed = False
        self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
        self._batch.set_batch(batch=tokens, n_past=self.n_tokens, logits_all=True)
        self._ctx.decode(self._batch)
        self.input_ids[self.n_tokens : self.n_tokens + len(tokens)] = tokens
        self.n_tokens += len(tokens)
        self._requires_eval = False

    def _init_sampler(self, **options: Any) -> Any:
        plain = options.get("temp") == 0.0 and options.get("logits_processor") is None and (
            options.get("repeat_penalty", 1.0) == 1.0 and not options.get("frequency_penalty")
            and not options.get("presence_penalty"))
        if plain and options.get("grammar") is not None:
            return GrammarFirstGreedy(self, options["grammar"])
        return super()._init_sampler(**options)
