"""Prompt lookup: the tokens guessed after the last few written (``backends.greedy.guess``)."""

from __future__ import annotations

import numpy as np

from factx.backends.greedy import GUESS_TOKENS, LOOKUP_SHORTEST, guess


def test_the_guess_continues_the_last_occurrence_of_the_longest_run_of_last_tokens() -> None:
    #                 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17
    tokens = np.array([1, 2, 3, 8, 8, 0, 1, 2, 3, 4, 5, 6, 7, 9, 9, 1, 2, 3], dtype=np.intc)
    assert guess(tokens, 3).tolist() == [4, 5, 6]  # "1 2 3" last seen at 6-8 (not 0-2)
    four = np.array([0, 1, 2, 3, 4, 4, 9, 1, 2, 3, 5, 5, 0, 1, 2, 3], dtype=np.intc)
    assert guess(four, 3).tolist() == [4, 4, 9]  # "0 1 2 3", at 0, beats the later "1 2 3" (7-9)
    assert guess(tokens, 2).tolist() == [4, 5]


def test_no_guess_on_a_run_shorter_than_the_shortest_looked_up() -> None:
    assert LOOKUP_SHORTEST >= 2
    seen_once = np.array([*range(20), *range(LOOKUP_SHORTEST - 1)], dtype=np.intc)  # too short a repeat
    assert guess(seen_once).size == 0
    seen = np.array([*range(20), *range(LOOKUP_SHORTEST)], dtype=np.intc)
    assert guess(seen).tolist() == list(range(LOOKUP_SHORTEST, LOOKUP_SHORTEST + GUESS_TOKENS))
    assert guess(np.array([7], dtype=np.intc)).size == 0
