"""Grounding: the program, not the model, finds each evidence quote in the source."""

from __future__ import annotations

import pytest

from factx.grounding import Span, echoes, locate
from factx.models import Evidence, Federation, Mission

FIRST = (
    "Roma, 19 dicembre 2025 – È nata oggi a Roma la nuova Federazione MIFE – Made in Italy "
    "Film Export, un organismo che vuole trasformare il cinema italiano in una vera industria dell’export."
)
SECOND = (
    "“Il cinema italiano ha talento, storia e creatività, ma per troppo tempo non è stato\n"
    "considerato un settore strategico per l’export”, ha detto Andrea Iervolino, presidente  della Federazione."
)
TEXT = FIRST + "\n\n" + SECOND


def test_exact_quote_gets_verbatim_offsets() -> None:
    span = locate("È nata oggi a Roma", TEXT)
    assert span == Span(25, 43, "È nata oggi a Roma", 100.0, True)
    assert TEXT[span.start : span.end] == span.quote


def test_wrapping_quotes_and_whitespace_are_stripped_before_matching() -> None:
    span = locate('  "una vera industria"  ', TEXT)
    assert span is not None and span.exact
    assert span.quote == "una vera industria"


def test_straight_apostrophe_aligns_to_curly_original() -> None:
    span = locate("una vera industria dell'export", TEXT)
    assert span is not None
    assert span.quote == "una vera industria dell’export"
    assert (span.score, span.exact) == (99.0, False)
    assert span.start == FIRST.index("una vera industria")


def test_hyphen_matches_en_dash() -> None:
    span = locate("Federazione MIFE - Made in Italy Film Export", TEXT)
    assert span is not None
    assert span.quote == "Federazione MIFE – Made in Italy Film Export"
    assert span.score == 99.0


def test_whitespace_and_newlines_are_collapsed() -> None:
    span = locate("non è stato considerato un settore strategico", TEXT)
    assert span is not None
    assert span.quote == "non è stato\nconsiderato un settore strategico"
    assert span.score == 99.0
    span = locate("presidente della Federazione", TEXT)
    assert span is not None and span.quote == "presidente  della Federazione"
    assert span.score == 99.0


def test_missing_accent_is_tolerated() -> None:
    span = locate("E nata oggi a Roma", TEXT)
    assert span is not None
    assert span.quote == "È nata oggi a Roma"
    assert span.start == 25 and not span.exact


@pytest.mark.parametrize(
    "quote", ["la nuova Federazione MIFE...", "la nuova Federazione MIFE …", "...la nuova Federazione MIFE"]
)
def test_ellipsis_truncation_is_dropped(quote: str) -> None:
    span = locate(quote, TEXT)
    assert span is not None
    assert span.quote == "la nuova Federazione MIFE"
    assert span.score == 99.0


def test_one_changed_word_in_a_long_quote_is_grounded_fuzzily() -> None:
    quote = "È nata oggi a Milano la nuova Federazione MIFE – Made in Italy Film Export"  # 12 words + dash
    span = locate(quote, TEXT)
    assert span is not None
    assert span.quote == "È nata oggi a Roma la nuova Federazione MIFE – Made in Italy Film Export"
    assert 85.0 <= span.score < 99.0
    assert not span.exact


def test_fuzzy_span_snaps_to_whole_words() -> None:
    # starts and ends mid-word ("ata", "Expo") and changes one word
    span = locate("ata oggi a Roma la nuova Federazione MIFE – Made in Italia Film Expo", TEXT)
    assert span is not None
    assert span.quote == "nata oggi a Roma la nuova Federazione MIFE – Made in Italy Film Export"


def test_stricter_threshold_rejects_what_the_default_accepts() -> None:
    quote = "È nata oggi a Milano la nuova Federazione MIFE – Made in Italy Film Export"
    assert locate(quote, TEXT) is not None
    assert locate(quote, TEXT, min_score=99.0) is None


@pytest.mark.parametrize(
    "quote",
    [
        "The new federation was born today in Rome",  # translation
        "Oggi a Roma è stata fondata una nuova federazione del cinema",  # paraphrase
        "Il governo ha approvato la legge di bilancio per il prossimo anno",  # absent
        "Roma Milano",  # short, absent: must not latch onto "Roma"
        "dicembre 2026",  # two words, one character off "dicembre 2025": a different date
        "",
        "   ",
        "...",
    ],
)
def test_quotes_not_in_the_text_are_not_grounded(quote: str) -> None:
    assert locate(quote, TEXT) is None


def test_added_clause_is_not_grounded_to_its_prefix_even_when_lenient() -> None:
    # the source stops at "Federazione."; a window that much shorter than the quote is not evidence
    quote = "ha detto Andrea Iervolino, presidente della Federazione e produttore internazionale di film"
    assert locate(quote, TEXT, min_score=70.0) is None


def test_first_occurrence_wins() -> None:
    span = locate("il cinema italiano", TEXT)
    assert span is not None and span.start == FIRST.index("il cinema italiano")
    span = locate("Il cinema italiano", TEXT)  # exact, only in the second paragraph
    assert span is not None and span.start == TEXT.index("Il cinema italiano")
    span = locate("cinema italiano ha talento", TEXT.lower() + " " + TEXT.lower())
    assert span is not None and span.start == TEXT.lower().index("cinema italiano ha talento")
    span = locate("È nata oggi a Milano la nuova Federazione MIFE", TEXT + "\n\n" + TEXT)  # fuzzy
    assert span is not None and not span.exact and span.start == 25


def test_long_quote_with_changes_is_grounded() -> None:
    body = (TEXT + "\n\n") * 4
    quote = " ".join([SECOND, FIRST, SECOND[:80]]).replace("’", "'").replace("“", '"').replace("”", '"')
    quote = quote.replace("–", "-").replace("talento", "talenti", 1).replace("strategico", "strategica")
    assert len(quote) > 400
    span = locate(quote, body)
    assert span is not None and not span.exact and span.score <= 98.0
    # the model's wrapping quote mark is stripped, so the span starts inside the source's “
    assert span.start == body.index(SECOND) + 1 and span.quote.startswith("Il cinema")
    assert span.quote.endswith("ma per troppo tempo non è")


QUOTES = [
    "È nata oggi a Roma",
    "una vera industria dell'export",
    "Federazione MIFE - Made in Italy",
    "non è stato considerato un settore",
    "E nata oggi",
    "la nuova Federazione MIFE...",
    "È nata oggi a Milano la nuova Federazione MIFE – Made in Italy Film Export",
    "“Il cinema italiano ha talento”",
    "ha detto Andrea Iervolino, presidente della federazione",
]


@pytest.mark.parametrize("quote", QUOTES)
def test_every_span_is_a_real_slice_of_the_text(quote: str) -> None:
    span = locate(quote, TEXT)
    assert span is not None
    assert TEXT[span.start : span.end] == span.quote
    assert span.quote == span.quote.strip()
    assert span.exact == (span.score == 100.0)


# --- ground(): from a model's draft to a contract fact -------------------------

from factx.grounding import ground  # noqa: E402
from factx.prompting import answer_model  # noqa: E402

ARTICLE = (
    "Roma, 3 marzo 2026 – L'Italia e la Corea del Sud hanno firmato oggi un accordo "
    "sui semiconduttori. Alla cerimonia erano presenti i professori dell'ateneo."
)


def draft(fact_type: str, published=None, **fields):
    item = answer_model(fact_type).model_validate({"facts": [fields]}, context={"published": published})
    return item.facts[0]


def test_ground_sets_offsets_from_the_text_not_the_model():
    quote = "hanno firmato oggi un accordo sui semiconduttori"
    fact, warnings = ground("agreement", draft("agreement", evidence=[quote], title="x",
                            parties=[{"name": "Italy", "kind": "government", "country": "IT"}]), ARTICLE, None)
    (evidence,) = fact.evidence
    assert ARTICLE[evidence.start:evidence.end] == quote and fact.grounded and warnings == []


def test_a_state_named_in_another_language_still_counts_as_mentioned():
    fact, _ = ground("agreement", draft("agreement", evidence=["un accordo sui semiconduttori"], title="x",
                     parties=[{"name": "South Korea", "kind": "government", "country": "KR"}]), ARTICLE, None)
    assert fact.grounded


def test_a_real_quote_cannot_carry_a_fact_about_names_absent_from_the_text():
    fact, warnings = ground("federation", draft("federation", evidence=["un accordo sui semiconduttori"],
                            acronym="FES", name="Federazione Europea del Sughero"), ARTICLE, None)
    assert not fact.grounded
    assert warnings == ["federation 'Federazione Europea del Sughero': none of its names occurs in the text "
                        "(Federazione Europea del Sughero, FES), fact flagged as ungrounded"]


def test_an_unfound_quote_keeps_null_offsets_and_is_flagged():
    fact, warnings = ground("mou", draft("mou", evidence=["The parties signed an MoU."], title="x"), ARTICLE, None)
    assert not fact.grounded and fact.evidence[0].start is None
    assert warnings[-1] == "mou 'x': no evidence found in the text, fact flagged as ungrounded"


def test_dates_are_resolved_against_the_publication_date():
    from datetime import date

    published = date(2026, 3, 3)
    made = draft("agreement", published, evidence=["hanno firmato oggi"], title="x", date="oggi")
    fact, _ = ground("agreement", made, ARTICLE, published)
    assert fact.date == "2026-03-03"


def test_echoes_tells_a_copied_example_from_a_missing_quote():
    prompt = "Example: Il ministro Paolo Neri ha guidato oggi una missione in Portogallo."
    text = "Roma – La ministra Anna Rossi è partita per Tokyo."

    def mission(quote: str, title: str = "Mission to Japan") -> Mission:
        span = locate(quote, text)
        evidence = [Evidence(quote=quote, start=span.start, end=span.end) if span else Evidence(quote=quote)]
        return Mission(title=title, evidence=evidence)

    assert echoes(mission("Il ministro Paolo Neri ha guidato oggi una missione in Portogallo"), text, prompt)
    assert not echoes(mission("La ministra Anna Rossi è partita per Tokyo"), text, prompt)
    assert not echoes(mission("Una frase inventata che non sta da nessuna parte"), text, prompt)
    assert not echoes(mission("x").model_copy(update={"evidence": []}), text, prompt)


def test_echoes_catches_a_copied_title_or_name_behind_a_real_quote():
    prompt = 'Answer: {"title": "Italy-Portugal energy agreement", "name": "Federazione Europea del Sughero"}'
    text = "Roma – La ministra Anna Rossi è partita per Tokyo. La Federazione Europea del Sughero non c'entra."
    quote = "La ministra Anna Rossi è partita per Tokyo"
    span = locate(quote, text)
    assert span is not None
    real = [Evidence(quote=quote, start=span.start, end=span.end)]
    assert echoes(Mission(title="Italy-Portugal energy agreement", evidence=real), text, prompt)
    assert not echoes(Mission(title="Italian mission to Japan", evidence=real), text, prompt)
    # a name the text itself says is never an echo, even if the example says it too
    assert not echoes(Federation(name="Federazione Europea del Sughero", evidence=real), text, prompt)
    assert echoes(Federation(name="Federazione Europea del Sughero", evidence=real), text[:50], prompt)
