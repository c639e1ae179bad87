"""Grounding: the program, not the model, finds each evidence quote in the source."""

from __future__ import annotations

import json
from datetime import date

import pytest

from factx.grounding import MIN_QUOTE_CHARS, MIN_QUOTE_WORDS, Span, locate, long_enough, shown_quoted
from factx.models import (
    Agreement, Evidence, Federation, Mission, Mou, bound, dated, hosted, led, received, titled, turned,
)
from factx.normalizing import home_country, sector_unsaid
from factx.pipeline import Extractor
from helpers import Scripted, chat_completion

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
        "19 dicembre 2026",  # three words, one character off the dateline: a different date, not a misquote
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
    "E nata oggi a Roma la",
    "la nuova Federazione MIFE...",
    "È nata oggi a Milano la nuova Federazione MIFE – Made in Italy Film Export",
    "“Il cinema italiano ha talento”",
    "ha detto Andrea Iervolino, presidente della federazione",
]


def test_letters_in_compatibility_forms_are_folded_to_lower_case() -> None:
    text = "Roma – È nata la Federazione 𝐌𝐈𝐅𝐄 per il cinema."  # mathematical bold capitals
    span = locate("la Federazione MIFE per il cinema", text)
    assert span is not None and span.quote == "la Federazione 𝐌𝐈𝐅𝐄 per il cinema" and span.alignment == "normalised"


def test_the_end_takes_in_the_accent_of_a_decomposed_letter() -> None:
    text = "Roma – Il sindaco ha firmato un accordo con la Citta\u0300. Fine."
    span = locate("ha firmato un accordo con la Città", text)
    assert span is not None and span.quote == "ha firmato un accordo con la Citta\u0300"
    assert text[span.start : span.end] == span.quote


# --- the shortest quote that can support a fact -----------------------------------------


def test_the_minimum_is_three_words_and_fifteen_characters() -> None:
    assert (MIN_QUOTE_WORDS, MIN_QUOTE_CHARS) == (3, 15)


@pytest.mark.parametrize(
    ("quote", "enough"),
    [
        ("a Roma la nuova", True),  # 4 words, 15 characters
        ("oggi a Roma la", False),  # 14 characters
        ("Federazione MIFE", False),  # 16 characters, 2 words
        ("di", False),
        ('  "di"  ', False),
        ("... la ...", False),
        ("“nata oggi a Roma”", True),  # the wrapping quotes do not count, the rest is enough
        ("意大利和韩国签署了合作协议备忘录", True),  # no spaces: each ideograph is a word
        ("意大利和韩国", False),
    ],
)
def test_long_enough(quote: str, enough: bool) -> None:
    assert long_enough(quote) is enough


@pytest.mark.parametrize("quote", ["di", "Roma", "la nuova", "nata oggi a", "È nata oggi", "MIFE –  Made"])
def test_a_quote_too_short_is_not_located_even_when_it_is_in_the_text(quote: str) -> None:
    assert quote.split()[0] in TEXT
    assert locate(quote, TEXT) is None


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
    assert [str(w) for w in warnings] == ["federation 'Federazione Europea del Sughero': none of its names occurs in the text "
                        "(Federazione Europea del Sughero, FES), fact flagged as ungrounded"]


def test_a_sector_the_prompt_shows_is_kept_only_where_the_article_speaks_of_it():
    """ARTICLE is about "semiconduttori": the example "semiconductors" is the article's, "film" and
    "artificial intelligence" are copies of the prompt's examples; a sector the prompt never shows stays."""
    sectors = ["film", "semiconductors", "artificial intelligence"]
    fact, _ = ground("agreement", draft("agreement", evidence=["un accordo sui semiconduttori"], title="x",
                     sectors=sectors), ARTICLE, None)
    assert fact.sectors == ["semiconductors"]
    fact, _ = ground("federation", draft("federation", evidence=["un accordo sui semiconduttori"], name="Italia",
                     sector="film"), ARTICLE, None)
    assert fact.sector is None
    film = "La Film Commission e il Festival del cinema coreano hanno firmato un accordo a Roma."
    fact, _ = ground("agreement", draft("agreement", evidence=["hanno firmato un accordo a Roma"], title="x",
                     sectors=["film", "tourism", "artificial intelligence"]), film, None)
    assert fact.sectors == ["film", "tourism"]


def test_a_name_cut_after_an_initial_takes_the_surname_the_article_writes():
    text = "Today President Joseph R. Biden, Jr. and General Secretary Nguyen Phu Trong signed an agreement in Hanoi."
    fact, _ = ground("mission", draft("mission", evidence=["President Joseph R. Biden, Jr. and General Secretary"],
                     title="x", leader={"name": "President Joseph R."}, counterparts=[{"name": "Nguyen Phu T."}]), text, None)
    assert (fact.leader.name, fact.leader.role) == ("Joseph R. Biden", "President")
    assert fact.counterparts[0].name == "Nguyen Phu T."  # the article writes no name after it


def test_the_words_that_tell_a_shown_sector_need_their_case_where_a_language_uses_them_otherwise():
    """"ai" is an Italian preposition; "AI" names artificial intelligence."""
    assert sector_unsaid("artificial intelligence", "Un premio ai registi italiani.")
    assert not sector_unsaid("artificial intelligence", "A partnership on AI and chips.")
    assert not sector_unsaid("Semiconductors", "A partnership on AI and chips.")
    assert not sector_unsaid("tourism", "Un premio ai registi italiani.")  # not an example the prompt shows


def test_an_unfound_quote_keeps_null_offsets_and_is_flagged():
    fact, warnings = ground("mou", draft("mou", evidence=["The parties signed an MoU."], title="x"), ARTICLE, None)
    assert not fact.grounded and fact.evidence[0].start is None
    assert str(warnings[-1]) == "mou 'x': no evidence found in the text, fact flagged as ungrounded"


def test_dates_are_resolved_against_the_publication_date():
    published = date(2026, 3, 3)
    made = draft("agreement", published, evidence=["hanno firmato oggi"], title="x", date="oggi")
    fact, _ = ground("agreement", made, ARTICLE, published)
    assert fact.date == "2026-03-03"


def test_a_two_letter_quote_does_not_ground_a_fact():
    fact, warnings = ground("agreement", draft("agreement", evidence=["di"], title="Invented",
                            parties=[{"name": "Italia", "kind": "government", "country": "IT"}]), ARTICLE, None)
    assert not fact.grounded
    assert fact.evidence == [Evidence(quote="di", alignment="too_short")]
    assert [str(w) for w in warnings] == [
        "agreement 'Invented': quote too short to support a fact (under 3 words or 15 characters): 'di'",
        "agreement 'Invented': no evidence found in the text, fact flagged as ungrounded",
    ]


def test_strict_drops_a_fact_whose_only_quote_is_too_short():
    triage = json.dumps({"mentions": [{"quote": "hanno firmato oggi un accordo", "type": "agreement"}]})
    invented = {"evidence": ["di"], "title": "Chip pact", "parties": [{"name": "Italia", "kind": "government"}]}
    answers = (chat_completion(triage), chat_completion(json.dumps({"facts": [invented]})))
    lenient = Extractor(Scripted(*answers), types=("agreement",), triage=True).extract(ARTICLE)
    assert [(f.title, f.grounded) for f in lenient.facts] == [("Chip pact", False)]
    strict = Extractor(Scripted(*answers), types=("agreement",), strict=True, triage=True).extract(ARTICLE)
    assert strict.facts == []
    assert lenient.warnings == [
        "agreement 'Chip pact': quote too short to support a fact (under 3 words or 15 characters): 'di'",
        "agreement 'Chip pact': no evidence found in the text, fact flagged as ungrounded",
    ]
    assert strict.warnings == [f"{w}; the fact is not in the output" for w in lenient.warnings]


def test_a_warning_names_the_output_fact_that_carries_its_quote():
    """Merging keeps the fuller of two drafts: the warning about their quote names the fact the
    user reads, once, and a fact the output lost is said to be lost."""
    fuzzy = "È nata oggi a Milano la nuova Federazione MIFE – Made in Italy Film Export"
    thin = {"evidence": [fuzzy], "name": "MIFE"}
    full = {"evidence": [fuzzy, "Il governo ha approvato la legge di bilancio"], "name": "Federazione MIFE",
            "acronym": "MIFE", "founded_in": {"city": "Roma", "country": "IT"}}
    answer = chat_completion(json.dumps({"facts": [thin, full]}))
    record = Extractor(Scripted(answer), types=("federation",), triage=False).extract(TEXT)
    assert [f.name for f in record.facts] == ["Federazione MIFE"]
    assert record.warnings == [  # a quote not kept as evidence still names the fact kept
        f"federation 'Federazione MIFE': quote aligned fuzzily (score 96): {fuzzy!r}",
        "federation 'Federazione MIFE': quote not found in the text: 'Il governo ha approvato la legge di bilancio'",
    ]
    _, (caveat,) = ground("federation", draft("federation", evidence=[fuzzy], name="MIFE"), TEXT, None)
    assert caveat.told([]) == f"federation 'MIFE': quote aligned fuzzily (score 96): {fuzzy!r}; the fact is not in the output"


def test_how_each_quote_was_aligned_is_recorded():
    exact = ["È nata oggi a Roma", "una vera industria dell'export"]  # the second with a straight apostrophe
    fact, warnings = ground("federation", draft("federation", evidence=exact, name="Federazione MIFE"), TEXT, None)
    assert fact.grounded and warnings == []
    assert [(e.quote, e.alignment) for e in fact.evidence] == [
        ("È nata oggi a Roma", "exact"),
        ("una vera industria dell’export", "normalised"),
    ]
    assert [e["alignment"] for e in fact.model_dump(mode="json")["evidence"]] == ["exact", "normalised"]


def test_a_fuzzy_alignment_is_recorded_and_an_unfound_quote_beside_it_warned():
    quotes = [
        "È nata oggi a Milano la nuova Federazione MIFE – Made in Italy Film Export",  # one word changed
        "Il governo ha approvato la legge di bilancio",  # not in the text: dropped, as another was found
    ]
    fact, warnings = ground("federation", draft("federation", evidence=quotes, name="Federazione MIFE"), TEXT, None)
    assert fact.grounded
    assert [(e.quote, e.alignment) for e in fact.evidence] == [
        ("È nata oggi a Roma la nuova Federazione MIFE – Made in Italy Film Export", "fuzzy"),
    ]
    assert [str(w) for w in warnings] == [
        "federation 'Federazione MIFE': quote aligned fuzzily (score 96): "
        "'È nata oggi a Milano la nuova Federazione MIFE – Made in Italy Film Export'",
        "federation 'Federazione MIFE': quote not found in the text: 'Il governo ha approvato la legge di bilancio'",
    ]


def test_when_no_quote_is_found_each_says_why():
    quotes = ["Il governo ha approvato la legge di bilancio", "MIFE"]
    fact, _ = ground("federation", draft("federation", evidence=quotes, name="Federazione MIFE"), TEXT, None)
    assert not fact.grounded
    assert [(e.quote, e.start, e.alignment) for e in fact.evidence] == [
        ("Il governo ha approvato la legge di bilancio", None, "not_found"),
        ("MIFE", None, "too_short"),
    ]


def test_warnings_quoting_the_article_are_one_line():
    quotes = ["Il governo\nha approvato\r\n\tla legge\u2028di bilancio\x1b[2J", "dell’export\n\n"]
    fact, warnings = ground("mou", draft("mou", evidence=quotes, title="Un\nMoU"), TEXT, None)
    assert [str(w) for w in warnings] == [
        "mou 'Un MoU': quote not found in the text: 'Il governo ha approvato la legge di bilancio\\x1b[2J'",
        "mou 'Un MoU': quote too short to support a fact (under 3 words or 15 characters): 'dell’export'",
        "mou 'Un MoU': no evidence found in the text, fact flagged as ungrounded",
    ]
    assert all(len(str(w).splitlines()) == 1 and str(w).isprintable() for w in warnings)


def test_names_listed_in_a_warning_are_one_line():
    made = draft("federation", evidence=["un accordo sui semiconduttori"], name="Federazione\nEuropea",
                 acronym="F\x07ES")
    _, warnings = ground("federation", made, ARTICLE, None)
    assert [str(w) for w in warnings] == ["federation 'Federazione Europea': none of its names occurs in the text "
                        "(Federazione Europea, F\\x07ES), fact flagged as ungrounded"]


VISIT = (
    "TRENTO – La delegazione guidata dal viceministro Hao Ping, con 70 rappresentanti del settore, "
    "ha visitato il MUSE e incontrato la Provincia; domani sarà a Roma."
)


def _visit(**fields):
    quote = "La delegazione guidata dal viceministro Hao Ping"
    return ground("mission", draft("mission", evidence=[quote], **{"title": "Hao Ping in Trento", **fields}), VISIT,
                  None)[0]


def test_a_city_or_venue_the_article_never_names_is_dropped_and_one_it_names_in_any_language_is_kept():
    invented = _visit(destination={"city": "Milan", "country": "IT", "venue": "Palazzo Reale"})
    named = _visit(destination={"city": "Rome", "country": "IT", "venue": "MUSE"})
    local = _visit(destination={"city": "Trento", "country": "IT", "venue": None})
    assert (invented.destination.city, invented.destination.venue, invented.destination.country) == (None, None, "IT")
    assert (named.destination.city, named.destination.venue) == ("Rome", "MUSE")  # "Roma" in the text
    assert local.destination.city == "Trento"


def test_a_party_kind_is_no_office_and_a_group_or_an_office_is_no_person_and_a_body_has_a_name():
    fact = _visit(
        leader={"name": "Hao Ping", "role": "Vice Minister", "organization": "Government"},
        delegation=[{"name": "70 rappresentanti del settore", "role": None, "organization": None},
                    {"name": "viceministro Li Wei", "role": "government", "organization": "amministrazione provinciale"}],
        counterparts=[{"name": "esponenti della giunta", "role": None, "organization": None},
                      {"name": "German leaders", "role": None, "organization": None},
                      {"name": "PAC-ADE", "role": None, "organization": None},
                      {"name": "Secretary General", "role": "Secretary General", "organization": None}],
        organizations=[{"name": "amministrazione provinciale", "kind": "government", "country": "IT"},
                       {"name": "Provincia autonoma di Trento", "kind": "government", "country": "IT"}],
    )
    assert (fact.leader.name, fact.leader.role, fact.leader.organization) == ("Hao Ping", "Vice Minister", None)
    assert [(p.name, p.role, p.organization) for p in fact.delegation] == [("Li Wei", None, None)]
    assert fact.counterparts == []  # groups, a body, an office with no one's name
    assert [p.name for p in fact.organizations] == ["Provincia autonoma di Trento"]  # a body has a name


def test_a_person_is_on_one_side_of_a_visit_once_and_unknown_is_no_value():
    fact = _visit(
        leader={"name": "Hao Ping", "role": "Vice Minister", "organization": None},
        delegation=[{"name": "viceministro Hao Ping", "role": None, "organization": None},
                    {"name": "Li Wei", "role": None, "organization": None}],
        counterparts=[{"name": "Li Wei", "role": None, "organization": None},
                      {"name": "Ugo Rossi", "role": "President", "organization": None}],
        funding="Unknown", purpose="N/A",
    )
    assert [p.name for p in fact.delegation] == ["Li Wei"]  # the leader is not also a member
    assert [p.name for p in fact.counterparts] == ["Ugo Rossi"]  # a member is not also met
    assert (fact.funding, fact.purpose) == (None, None)


def test_a_title_that_only_names_the_type_is_made_from_who_went_where():
    led = _visit(title="Missione", leader={"name": "Hao Ping", "role": None, "organization": None},
                 destination={"city": "Trento", "country": "IT", "venue": None})
    sent = _visit(title="Visit", origin_country="CN", destination={"city": None, "country": "IT", "venue": None})
    named = _visit(title="Hao Ping in Trentino", leader={"name": "Hao Ping", "role": None, "organization": None})
    nowhere = _visit(title="Visit", leader={"name": "Hao Ping", "role": None, "organization": None})
    assert [titled(fact).title for fact in (led, sent, named, nowhere)] == [
        "Hao Ping delegation to Trento", "China delegation to Italy", "Hao Ping in Trentino", "Visit"]


def test_a_date_in_a_year_the_article_never_writes_is_dropped():
    def dated(text: str, published: date | None) -> tuple[str | None, str | None]:
        visit = draft("mission", evidence=["La delegazione guidata dal viceministro Hao Ping"], title="Hao Ping in Trento",
                      start_date="2023-10-17", end_date="2024-03")
        fact = ground("mission", visit, text, published)[0]
        return fact.start_date, fact.end_date

    assert dated(VISIT, None) == (None, None)  # no year in the text, no publication date: made up
    said = VISIT + " Arrivata il 17 ottobre, resterà fino a marzo."
    assert dated(said, date(2024, 1, 9)) == ("2023-10-17", "2024-03")  # next to the publication's year
    assert dated(VISIT, date(2024, 1, 9)) == ("2023", "2024")  # the day and month nowhere written: the years
    assert dated(VISIT + " Tornerà nel marzo 2024.", None) == (None, "2024-03")
    assert dated(VISIT, date(2026, 1, 9)) == (None, None)


def test_an_office_a_place_or_a_body_listed_as_a_person_is_dropped():
    fact = _visit(
        leader={"name": "Angola", "role": "President", "organization": None},
        delegation=[{"name": "Hao Ping", "role": None, "organization": None},
                    {"name": "Director of the Office of Public Engagement", "role": None, "organization": None},
                    {"name": "Consiglio di Territorio della Provincia", "role": None, "organization": None}],
        counterparts=[{"name": "Ugo de Rossi", "role": None, "organization": None}],
    )
    assert fact.leader is None
    assert [p.name for p in fact.delegation] == ["Hao Ping"]
    assert [p.name for p in fact.counterparts] == ["Ugo de Rossi"]  # a name's particle is no joining word


def test_a_country_the_article_never_names_is_dropped_one_named_or_made_a_word_of_is_kept():
    text = "President Biden will travel to Germany, where he will meet German leaders. Il ministro italiano resta a casa."
    quote = "President Biden will travel to Germany"

    def country(code: str, article: str) -> str | None:
        made = draft("mission", evidence=[quote], title="Trip", destination={"city": None, "country": code, "venue": None})
        return ground("mission", made, article, None)[0].destination.country

    assert country("DE", text) == "DE" and country("IT", text) == "IT"  # "italiano"
    assert country("IT", text.split(" Il ")[0]) is None  # no word of Italy, no Italian city
    assert country("FR", "President Biden will travel to Germany and then to Lyon.") == "FR"  # a city of it


def test_a_state_is_no_body_a_person_works_for():
    fact = _visit(leader={"name": "Hao Ping", "role": "Vice Minister", "organization": "Repubblica popolare cinese"})
    assert (fact.leader.role, fact.leader.organization) == ("Vice Minister", None)


def test_an_acronym_the_article_never_writes_and_a_sentence_as_venue_are_dropped():
    text = ("BRUSSELS – The Critical Medicines Alliance (CMA), set up in January 2024, met at the Berlaymont building. "
            "The Alliance for Zero-Emission Aviation met too.")
    quote = "The Critical Medicines Alliance (CMA), set up in January 2024"
    sentence = "The Critical Medicines Alliance (CMA), set up in January 2024, met at the Berlaymont building"

    def federation(acronym: str, venue: str) -> Federation:
        made = draft("federation", evidence=[quote], name="Critical Medicines Alliance", acronym=acronym,
                     founded_in={"city": None, "country": None, "venue": venue})
        return ground("federation", made, text, None)[0]

    kept, dropped = federation("CMA", "Berlaymont building"), federation("CRIMA", sentence)
    assert (kept.acronym, kept.founded_in.venue) == ("CMA", "Berlaymont building")
    assert (dropped.acronym, dropped.founded_in.venue) == (None, None)


def test_a_federation_leads_itself_an_officer_of_another_body_is_none_of_its_leaders():
    def leader(organization: str | None) -> dict[str, str | None]:
        return {"name": "Maria Rossi", "role": "President", "organization": organization}

    body = Federation(name="Baltic Battery Recycling Alliance", acronym="BBRA", leaders=[
        leader("BBRA"), leader("the Baltic Battery Recycling Alliance"), leader(None), leader("European Commission")])
    assert [p.organization for p in body.leaders] == ["BBRA", "the Baltic Battery Recycling Alliance", None]
    itself = Federation(name="Film Export U.K.", leaders=[leader(None), {"name": "Film Export U.K.", "role": "trade association"}])
    assert [p.name for p in itself.leaders] == ["Maria Rossi"]


def test_the_leader_is_the_one_the_quotes_say_leads_unless_the_model_named_that_person():
    host = _visit(leader={"name": "Ugo Rossi", "role": "President", "organization": None})
    assert (led(host).leader.name, led(host).leader.role) == ("Hao Ping", "viceministro")
    assert led(_visit(leader=None)).leader.name == "Hao Ping"
    same = _visit(leader={"name": "viceministro Hao Ping", "role": "Vice Minister of Culture", "organization": None})
    assert led(same) == same


@pytest.mark.parametrize(("quote", "leader"), [
    ("Guidata dal vice ministro allo Sviluppo economico Carlo Calenda", ("Carlo Calenda", "vice ministro allo Sviluppo economico")),
    ("guidata dal presidente della Regione, Stefano Bonaccini, durante la quale", ("Stefano Bonaccini", "presidente della Regione")),
    ("guidata dal vicepresidente dell'ICE Stefano Morandini, ha partecipato", ("Stefano Morandini", "vicepresidente dell'ICE")),
    ("a delegation led by KOTRA's Executive Vice President for Europe, Yoon Hye-jin. It included",
     ("Yoon Hye-jin", "KOTRA's Executive Vice President for Europe")),
    ("a delegation led by Minister for Trade Rachel Whitcombe. It arrived", ("Rachel Whitcombe", "Minister for Trade")),
    ("guidata dal ministro degli Affari Esteri Antonio Tajani", ("Antonio Tajani", "ministro degli Affari Esteri")),
    ("led by the President of Kenya William de Ruto.", ("William de Ruto", "President of Kenya")),
    ("trade led by New Zealand dairy exports.", None),  # no name ends the clause
    ("il vertice guidato dalla Corea del Sud.", None),  # a state leads no delegation
    ("The delegation visited Seoul.", None),
    ("la delegazione guidata dall’assessore alle Attività produttive Mirco Carloni e contraddistinta dal brand",
     ("Mirco Carloni", "assessore alle Attività produttive")),
    ("è guidata dal ministro Carlo Rossi, insieme a Paolo Verdi, presidente del comitato, Anna Neri, direttrice",
     ("Carlo Rossi", "ministro")),  # the first clause ends with the leader: those named later are with him
])
def test_who_leads_is_read_from_led_by_and_guidata_da(quote, leader):
    from factx.models import led_by

    assert led_by(quote) == leader


def _both_ends(origin: str, city: str | None, country: str, senders: list[tuple[str, str]]) -> Mission:
    """A visit as the small model tells one from abroad: hosts among the senders, a host leading."""
    return Mission(
        title="Visit", origin_country=origin, destination={"city": city, "country": country, "venue": "Palazzo Ducale"},
        organizations=[{"name": name, "kind": "government", "country": code} for name, code in senders],
        leader={"name": "Lucia Ferri", "role": "Mayor", "organization": "Comune di Mantova"},
        delegation=[{"name": "Park Ji-won", "role": "Deputy Mayor", "organization": "City of Gimhae"}],
        counterparts=[{"name": "Marco Sala", "role": "Councillor", "organization": None}],
    )


def test_a_visit_told_at_home_at_both_ends_came_from_the_foreign_sender():
    fact = hosted(turned(_both_ends("IT", "Mantua", "IT", [("Comune di Mantova", "IT"), ("City of Gimhae", "KR")]), "IT"))
    assert (fact.origin_country, fact.destination.city, fact.destination.country) == ("KR", "Mantua", "IT")
    assert [p.name for p in fact.organizations] == ["City of Gimhae"]
    assert [p.name for p in fact.counterpart_organizations] == ["Comune di Mantova"]
    assert fact.leader is None and [p.name for p in fact.delegation] == ["Park Ji-won"]  # the host led nothing
    assert [p.name for p in fact.counterparts] == ["Lucia Ferri", "Marco Sala"]


def test_a_visit_told_abroad_at_both_ends_with_a_home_sender_came_home():
    fact = hosted(turned(_both_ends("KR", "Gimhae", "KR", [("City of Gimhae", "KR"), ("Comune di Mantova", "IT")]), "IT"))
    assert (fact.origin_country, fact.destination.city, fact.destination.country) == ("KR", None, "IT")
    assert fact.destination.venue == "Palazzo Ducale"
    assert [p.name for p in fact.organizations] == ["City of Gimhae"]
    assert [p.name for p in fact.counterpart_organizations] == ["Comune di Mantova"]
    assert fact.leader is None


def test_the_senders_of_the_country_a_visit_went_to_are_its_hosts_and_their_people_those_met():
    fact = hosted(_both_ends("KR", "Mantua", "IT", [("Comune di Mantova", "IT"), ("City of Gimhae", "KR")]))
    assert ([p.name for p in fact.organizations], [p.name for p in fact.counterpart_organizations]) == (
        ["City of Gimhae"], ["Comune di Mantova"])
    assert (fact.leader, [p.name for p in fact.counterparts]) == (None, ["Lucia Ferri", "Marco Sala"])
    at_home = _both_ends("IT", "Mantua", "IT", [("Comune di Mantova", "IT")])
    assert hosted(at_home) == at_home  # within one country: nobody is where the others went


@pytest.mark.parametrize(("origin", "country", "senders", "home"), [
    ("KR", "IT", [("Comune di Mantova", "IT"), ("City of Gimhae", "KR")], "IT"),  # already two ends
    ("IT", "IT", [("Comune di Mantova", "IT"), ("Regione Lombardia", "IT")], "IT"),  # a visit within Italy
    ("FR", "FR", [("Ville de Lyon", "FR"), ("Stadt Köln", "DE")], "IT"),  # neither country is the article's
    ("IT", "IT", [("Comune di Mantova", "IT"), ("City of Gimhae", "KR")], None),  # English: from anywhere
])
def test_a_visit_is_left_as_told_unless_one_country_at_both_ends_has_another_beside_it(origin, country, senders, home):
    fact = _both_ends(origin, None, country, senders)
    assert turned(fact, home) == fact


@pytest.mark.parametrize(("language", "home"), [("it", "IT"), ("de", "DE"), ("zh", "CN"), ("en", None),
                                                ("zz", None), ("not a tag", None), (None, None)])
def test_an_article_comes_from_its_language_s_likely_country_and_english_from_anywhere(language, home):
    assert home_country(language) == home


@pytest.mark.parametrize(("start", "expected"), [
    (None, ("2026-05-06", "2026-05-08")),
    ("2026-04-28", ("2026-05-06", "2026-05-08")),  # the dateline copied
    ("2026-05-07", ("2026-05-07", None)),  # a date of the model's own: kept
])
def test_a_visit_is_dated_by_the_span_its_quote_states_when_the_model_gave_none_or_the_dateline(start, expected):
    quote = "La Camera accoglierà dal 6 all’8 maggio una delegazione della Camera di Kiev."
    fact = Mission(title="Kyiv chamber delegation to Como", start_date=start, evidence=[{"quote": quote}])
    found = dated(fact, date(2026, 4, 28))
    assert (found.start_date, found.end_date) == expected
    assert dated(fact, None).start_date == start  # no year to give the span


@pytest.mark.parametrize(("given", "expected"), [(None, "2024-10-15"), ("2024-10-16", "2024-10-15"), ("2024-09", "2024-09")])
def test_a_fact_is_dated_by_the_day_its_quote_names_when_the_model_gave_none_or_the_dateline(given, expected):
    quote = "India and Colombia on Tuesday signed the Audio-Visual Co-Production Agreement."
    accord = Agreement(title="Audio-Visual Co-Production Agreement", date=given, evidence=[{"quote": quote}])
    memo = Mou(title="Film MoU", date=given, evidence=[{"quote": quote}])
    club = Federation(name="Film Producers Alliance", founded_on=given, evidence=[{"quote": quote}])
    assert [dated(f, date(2024, 10, 16)) for f in (accord, memo, club)] == [
        accord.model_copy(update={"date": expected}), memo.model_copy(update={"date": expected}),
        club.model_copy(update={"founded_on": expected})]
    assert dated(accord, None).date == given  # no article's day to count from


@pytest.mark.parametrize(("quote", "destination"), [
    ("The President will travel to Germany from October 17-18.", (None, "DE", "Palazzo Chigi")),
    ("Members traveled to the United States for the forum.", (None, "US", "Palazzo Chigi")),
    ("Il presidente sarà in visita a Pechino per tre giorni.", ("Beijing", "CN", "Palazzo Chigi")),
    ("La delegazione in missione in Cina ha firmato.", (None, "CN", "Palazzo Chigi")),
    ("The visit to Mr Rossi was brief.", (None, None, "Palazzo Chigi")),  # a person is no place ("Mr": no Mauritania)
    ("FACT SHEET: Republic of Korea State Visit to the United States", (None, "US", "Palazzo Chigi")),  # a headline's capital
    ("Anlässlich ihres offiziellen Besuches in Luxemburg wurde sie empfangen.", (None, "LU", "Palazzo Chigi")),
])
def test_a_visit_with_no_destination_goes_where_its_quote_travels_to(quote, destination):
    fact = bound(Mission(title="Visit", destination={"venue": "Palazzo Chigi"}, evidence=[{"quote": quote}]))
    assert (fact.destination.city, fact.destination.country, fact.destination.venue) == destination


def test_a_visit_with_a_destination_keeps_it():
    fact = Mission(title="Visit", destination={"country": "FR"}, evidence=[{"quote": "He will travel to Germany."}])
    assert bound(fact) == fact


def test_a_federation_does_not_belong_to_itself():
    body = Federation(name="Alleanza Italiana Export", acronym="AIE",
                      affiliation={"name": "AIE", "kind": "association", "country": "IT"})
    assert body.affiliation is None
    other = Federation(name="Alleanza Italiana Export", affiliation={"name": "Confindustria", "kind": "association"})
    assert other.affiliation.name == "Confindustria"


def test_a_country_the_article_never_names_is_the_model_s_guess():
    """The small model gives bodies the first code it was shown; the body's name may say its own."""
    from factx.grounding import countries_said

    text = "In Beijing, the Macau Government Tourism Office and the China Film Producers' Association signed a memo."
    parties = [{"name": "Macau Government Tourism Office", "country": "IT"},
               {"name": "China Film Producers' Association", "country": "CN"},
               {"name": "Corporate Council on Africa", "country": "IT"}]
    memo = Mou(title="Memo", parties=parties, evidence=[Evidence(quote=text, start=0, end=len(text))])
    assert [p.country for p in countries_said(memo, text, None).parties] == ["MO", "CN", None]
    assert [p.country for p in countries_said(memo, text, "IT").parties] == ["IT", "CN", "IT"]  # home: often unnamed
    visit = Mission(title="Visit", origin_country="IT", destination={"city": "Beijing", "country": "CN"})
    assert countries_said(visit, text, None).origin_country is None
    assert countries_said(visit, text + " Italian officials came too.", None).origin_country == "IT"


GUESTS = (
    "Claude Meisch empfängt Annegret Kramp-Karrenbauer\n\n"
    "Anlässlich ihres offiziellen Besuches in Luxemburg wurde die Ministerpräsidentin Annegret Kramp-Karrenbauer "
    "am 10. März 2014 von Minister Claude Meisch empfangen. Im Hochschulbereich unterschrieben Claude Meisch und "
    "Annegret Kramp-Karrenbauer eine Absichtserklärung."
)


def test_a_fact_quoting_a_headline_is_given_the_sentence_it_was_shown_that_tells_it():
    headline = "Claude Meisch empfängt Annegret Kramp-Karrenbauer"
    parties = [{"name": "Claude Meisch"}, {"name": "Annegret Kramp-Karrenbauer"}]
    mou = ground("mou", draft("mou", evidence=[headline], title="Letter of intent", parties=parties), GUESTS, None)[0]
    shown = ["Im Hochschulbereich unterschrieben Claude Meisch und Annegret Kramp-Karrenbauer eine Absichtserklärung."]
    told = shown_quoted(mou, shown, GUESTS)
    assert [(e.quote, e.alignment) for e in told.evidence] == [(headline, "exact"), (shown[0], "shown")]
    assert GUESTS[told.evidence[1].start:told.evidence[1].end] == shown[0]
    alone = ground("mou", draft("mou", evidence=[headline], title="x", parties=[{"name": "Somebody Else"}, parties[0]]),
                   GUESTS, None)[0]
    assert shown_quoted(alone, shown, GUESTS) == alone  # one of its two names only: another fact's sentence


@pytest.mark.parametrize(("quote", "leader"), [
    ("wurde die Ministerpräsidentin Annegret Kramp-Karrenbauer am 10. März 2014 von Minister Claude Meisch empfangen",
     "Annegret Kramp-Karrenbauer"),
    ("Il Rettore Maurizio Oliviero ha ricevuto a Palazzo Murena il Prof. Olivier Artus", "Olivier Artus"),
    ("La delegazione guidata da Claude Meisch è stata ricevuta dal sindaco Annegret Kramp-Karrenbauer", "Claude Meisch"),
])
def test_a_visit_led_by_the_host_of_a_reception_is_led_by_its_guest(quote: str, leader: str):
    host, guest = ("Maurizio Oliviero", "Olivier Artus") if "Artus" in quote else ("Claude Meisch", "Annegret Kramp-Karrenbauer")
    visit = Mission(title="Visit", leader={"name": host}, delegation=[{"name": guest}], evidence=[Evidence(quote=quote)])
    settled = received(visit)
    assert settled.leader.name == leader
    assert [p.name for p in settled.delegation + settled.counterparts] == [guest if leader == host else host]


def test_the_dateline_given_as_a_party_is_none():
    text = ("Sicilia e Marocco più vicini.\n\nPALERMO (ITALPRESS) – La Camera di Commercio di Palermo e la Camera "
            "di Marrakech hanno gettato le basi per un accordo.")
    parties = [{"name": "Palermo (ITALPRESS)", "kind": "media", "country": "IT"},
               {"name": "Camera di Commercio di Palermo", "kind": "public_body", "country": "IT"}]
    accord = ground("agreement", draft("agreement", evidence=[text[31:]], title="x", parties=parties), text, None)[0]
    assert [p.name for p in accord.parties] == ["Camera di Commercio di Palermo"]
