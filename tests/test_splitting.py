"""Splitting long documents into overlapping windows that start at sentence boundaries."""

from __future__ import annotations

import pytest

from factx.splitting import sentence_starts, sentences, whole_sentences, windows

SENTENCES = [f"Frase numero {i} del comunicato, con qualche parola in più. " for i in range(60)]
LONG = "".join(SENTENCES)


def test_sentence_starts_follow_end_punctuation_quotes_and_blank_lines():
    text = 'Uno. «Due!» Tre…\n\nquattro "cinque." Sei'
    starts = sentence_starts(text)
    assert [text[s:s + 3] for s in starts] == ["Uno", "«Du", "Tre", "qua", "Sei"]


def test_a_title_an_initial_or_a_saint_cut_short_ends_no_sentence():
    text = ("Mr. Michael Davis welcomed the delegation to St. Kitts and Nevis. Joseph R. Biden flew to the U.S. "
            "Then (Prof. Rossi) spoke.\nSt.\nNext line.")
    assert sentences(text) == ["Mr. Michael Davis welcomed the delegation to St. Kitts and Nevis.",
                               "Joseph R. Biden flew to the U.S.", "Then (Prof. Rossi) spoke.", "St.", "Next line."]
    assert [text[s:s + 6] for s in sentence_starts(text)] == ["Mr. Mi", "Joseph", "Then (", "St.\nNe", "Next l"]


def test_whole_sentences_run_on_past_semicolons_and_single_line_breaks():
    text = "Board of WFUCA\nPresident: Mr. Bolat Akchulakov\nTreasurer: Ms. Anna Rossi. Next; and more.\n\nEnd"
    assert whole_sentences(text) == [
        "Board of WFUCA\nPresident: Mr. Bolat Akchulakov\nTreasurer: Ms. Anna Rossi.", "Next; and more.", "End"]


def test_a_short_text_is_one_window():
    assert windows("Una sola frase.", 100, 10) == [(0, 15)]


def test_windows_cover_the_text_within_the_size_and_overlap_at_sentence_starts():
    spans = windows(LONG, 500, 120)
    assert len(spans) > 5
    assert spans[0][0] == 0 and spans[-1][1] == len(LONG)
    starts = set(sentence_starts(LONG))
    for (a, b), (c, d) in zip(spans, spans[1:]):
        assert b - a <= 500 and d - c <= 500
        assert c in starts and b in starts  # cut and resumed between sentences
        assert a < c < b  # consecutive windows overlap, and always move on
        assert b - c <= 120 + len(SENTENCES[0])  # by about the overlap asked for
    # every sentence is read whole in some window
    for i, sentence in enumerate(SENTENCES):
        at = LONG.index(sentence)
        assert any(a <= at and at + len(sentence) <= b for a, b in spans), i


def test_text_without_sentence_ends_is_cut_at_spaces_then_anywhere():
    words = "parola " * 200
    for a, b in windows(words, 100, 20):
        assert b - a <= 100 and (b == len(words) or words[b - 1] == " ")
    blob = "x" * 250
    assert windows(blob, 100, 20) == [(0, 100), (100, 200), (200, 250)]


@pytest.mark.parametrize(("size", "overlap"), [(100, 100), (100, -1)])
def test_the_overlap_must_be_smaller_than_the_window(size: int, overlap: int):
    with pytest.raises(ValueError, match="must exceed the overlap"):
        windows(LONG, size, overlap)


def test_a_day_written_as_an_ordinal_before_its_month_ends_no_sentence():
    text = "Sie wurde am 10. März 2014 empfangen. Danach sprach sie. Es waren 12. Dann kam der Mai."
    assert sentences(text) == ["Sie wurde am 10. März 2014 empfangen.", "Danach sprach sie.", "Es waren 12.",
                               "Dann kam der Mai."]
