"""Normalising loose values: countries to ISO alpha-2, dates to ISO 8601 at their precision."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from factx.normalizing import (
    as_written, body_country, body_kind, country_code, written_as_person, date_range, day_named, english_city, find_publication_date, iso_date,
    split_title,
)
from helpers import seed

# A Wednesday, as in example 003 ("Mercoledì 4 Febbraio 2026").
PUBLISHED = date(2026, 2, 4)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # codes, any case
        ("it", "IT"), ("IT", "IT"), ("KR", "KR"), ("kr", "KR"), ("ITA", "IT"), ("kor", "KR"), ("CHN", "CN"),
        # English official and common names, inverted ISO forms
        ("Italy", "IT"), ("South Korea", "KR"), ("Republic of Korea", "KR"), ("Korea, Republic of", "KR"),
        ("China", "CN"), ("People's Republic of China", "CN"), ("United States", "US"),
        ("United States of America", "US"), ("United Kingdom", "GB"), ("Russia", "RU"),
        ("Russian Federation", "RU"), ("Vietnam", "VN"), ("Viet Nam", "VN"), ("Iran", "IR"),
        ("Iran, Islamic Republic of", "IR"), ("Taiwan", "TW"), ("North Korea", "KP"),
        ("Czechia", "CZ"), ("Türkiye", "TR"), ("North Macedonia", "MK"), ("Palestine", "PS"),
        ("Holy See", "VA"),
        # aliases pycountry lacks
        ("USA", "US"), ("US", "US"), ("U.S.A.", "US"), ("U.S.", "US"), ("UK", "GB"), ("Korea", "KR"), ("Corea", "KR"),
        ("UAE", "AE"), ("Great Britain", "GB"), ("Gran Bretagna", "GB"), ("Olanda", "NL"),
        # Italian, from pycountry's translations
        ("Italia", "IT"), ("Corea del Sud", "KR"), ("Corea del sud", "KR"), ("Corea del Nord", "KP"),
        ("Cina", "CN"), ("Repubblica Popolare Cinese", "CN"), ("Stati Uniti", "US"),
        ("Stati Uniti d'America", "US"), ("Stati Uniti d’America", "US"), ("Regno Unito", "GB"),
        ("Germania", "DE"), ("Giappone", "JP"), ("Francia", "FR"), ("Spagna", "ES"), ("Svizzera", "CH"),
        ("Paesi Bassi", "NL"), ("Emirati Arabi Uniti", "AE"), ("Arabia Saudita", "SA"),
        ("Costa d'Avorio", "CI"), ("Perù", "PE"), ("Santa Sede", "VA"),
        # other languages
        ("Allemagne", "DE"), ("Corée du Sud", "KR"), ("Russie", "RU"), ("Deutschland", "DE"),
        ("Südkorea", "KR"), ("Estados Unidos", "US"), ("Reino Unido", "GB"), ("Coreia do Sul", "KR"),
        ("Côte d'Ivoire", "CI"),
        # case, accents, punctuation and spacing do not matter
        ("  japan ", "JP"), ("ITALIA", "IT"), ("Giappone.", "JP"), ("cote d ivoire", "CI"),
    ],
)
def test_country_spellings_resolve_to_alpha_2(value: str, expected: str) -> None:
    assert country_code(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None, "", "   ", "Atlantis", "Europe", "EU", "Unione Europea", "European Union", "NATO", "Asia",
        "Africa", "Middle East", "Medio Oriente", "Sicilia", "California", "Roma", "Seoul", "XX", "ZZZ",
        # near-misses that fuzzy matching would turn into the wrong country
        "Korean", "Dominican", "Saint Martin", "Virgin Islands", "Îles Vierges",
    ],
)
def test_unknown_or_ambiguous_places_give_none(value: str | None) -> None:
    assert country_code(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-19", "2025-12-19"), ("2025-12", "2025-12"), ("2025", "2025"), ("2024-02-29", "2024-02-29"),
        ("19 dicembre 2025", "2025-12-19"), ("December 19, 2025", "2025-12-19"), ("Dicembre 19, 2025", "2025-12-19"),
        ("19/12/2025", "2025-12-19"), ("05/03/2025", "2025-03-05"), ("19.12.2025", "2025-12-19"),
        ("19 dic. 2025", "2025-12-19"), ("1° gennaio 2026", "2026-01-01"), ("il 3 marzo 2025", "2025-03-03"),
        ("Mercoledì 4 Febbraio 2026", "2026-02-04"), ("2025-12-01T10:00:00", "2025-12-01"),
        ("maggio 2025", "2025-05"), ("February 2026", "2026-02"), ("dec 2025", "2025-12"), ("12/2025", "2025-12"),
        ("2025-1-5", "2025-01-05"), ("nel 2024", "2024"), ("Q3 2025", "2025"),
        ("4 février 2026", "2026-02-04"), ("4. Februar 2026", "2026-02-04"), ("4 de febrero de 2026", "2026-02-04"),
    ],
)
def test_dates_with_a_year_need_no_publication_date(value: str, expected: str) -> None:
    assert iso_date(value) == expected
    assert iso_date(value, PUBLISHED) == expected


@pytest.mark.parametrize(
    "value", [None, "", "  ", "2025-02-30", "2025-13", "2025-00", "0000", "sometime", "presto", "TBD"]
)
def test_invalid_or_empty_dates_give_none(value: str | None) -> None:
    assert iso_date(value) is None
    assert iso_date(value, PUBLISHED) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("oggi", "2026-02-04"), ("today", "2026-02-04"), ("ieri", "2026-02-03"), ("yesterday", "2026-02-03"),
        ("domani", "2026-02-05"), ("2 giorni fa", "2026-02-02"),
        # a weekday: the latest one on or before publication, the publication day included
        ("lunedì", "2026-02-02"), ("Monday", "2026-02-02"), ("sabato", "2026-01-31"), ("giovedì", "2026-01-29"),
        ("mercoledì", "2026-02-04"), ("Wednesday", "2026-02-04"),
        ("mercoledì scorso", "2026-01-28"), ("last Wednesday", "2026-01-28"), ("lunedì scorso", "2026-02-02"),
        # a month: the latest one, "last"/"scorso" excluding the publication's own month
        ("lo scorso maggio", "2025-05"), ("last May", "2025-05"), ("maggio scorso", "2025-05"),
        ("dicembre", "2025-12"), ("febbraio", "2026-02"), ("lo scorso febbraio", "2025-02"),
        # a day and month: the nearest one, within half a year either side ("scorso": the one before)
        ("23 febbraio", "2026-02-23"), ("4 febbraio", "2026-02-04"), ("3 febbraio", "2026-02-03"),
        ("il 3 marzo", "2026-03-03"), ("19 December", "2025-12-19"), ("19/12", "2025-12-19"),
        ("3 agosto", "2026-08-03"), ("6 agosto", "2025-08-06"), ("luglio", "2026-07"), ("3 marzo scorso", "2025-03-03"),
        # German, Portuguese and French words around them
        ("am 3. März", "2026-03-03"), ("am vergangenen Freitag", "2026-01-30"), ("no dia 5 de março", "2026-03-05"),
        ("em maio passado", "2025-05"), ("le 4 février", "2026-02-04"),
    ],
)
def test_relative_dates_resolve_against_the_publication_date(value: str, expected: str) -> None:
    assert iso_date(value, PUBLISHED) == expected


@pytest.mark.parametrize(
    "value", ["oggi", "today", "lunedì", "Monday", "lo scorso maggio", "last May", "ieri", "23 febbraio", "dicembre"]
)
def test_relative_dates_without_publication_date_give_none(value: str) -> None:
    assert iso_date(value) is None


@pytest.mark.parametrize("value", ["12", "10:30", "la settimana scorsa", "last week"])
def test_values_without_a_date_or_its_precision_give_none(value: str) -> None:
    assert iso_date(value, PUBLISHED) is None


@pytest.mark.parametrize(
    ("published", "value", "expected"),
    [
        (date(2001, 3, 7), "oggi", "2001-03-07"),
        (date(2001, 3, 7), "lunedì", "2001-03-05"),
        (date(2001, 3, 7), "23 febbraio", "2001-02-23"),
        (date(2001, 3, 7), "lo scorso maggio", "2000-05"),
        (date(1995, 1, 10), "ieri", "1995-01-09"),
        (date(1995, 1, 10), "dicembre", "1994-12"),
        (date(2099, 6, 30), "oggi", "2099-06-30"),
        (date(2099, 6, 30), "last May", "2099-05"),
    ],
)
def test_results_never_depend_on_todays_date(published: date, value: str, expected: str) -> None:
    assert iso_date(value, published) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Roma, 19 dicembre 2025 – È nata oggi a Roma la nuova Federazione", date(2025, 12, 19)),
        ("    Mercoledì 4 Febbraio 2026\n\n[Notizie mercati esteri](#)", date(2026, 2, 4)),
        (" date 2025-12-01 Prosegue il percorso di internazionalizzazione", date(2025, 12, 1)),
        ("Giada Liguori\n\nDicembre 19, 2025\n\nRoma, 19 dicembre 2025 –", date(2025, 12, 19)),
        ("LONDON, March 3, 2026 — The two governments signed", date(2026, 3, 3)),
        ("Milano, 05/03/2025 - Firmato l'accordo", date(2025, 3, 5)),
        ("Lisboa, 15 de março de 2023 - A comitiva", date(2023, 3, 15)),
        ("Firmati 3 accordi nel 2025, l'ultimo il 5 marzo 2025 a Roma", date(2025, 3, 5)),
        ("(ANSA) - ROMA, 3 MAR - Il ministro ha firmato", None),
        ("Lo scorso maggio è stato firmato un accordo", None),
        ("Nothing here but 2025.", None),
        ("x" * 600 + " Roma, 19 dicembre 2025", None),
        ("", None),
    ],
)
def test_publication_date_comes_from_the_dateline(text: str, expected: date | None) -> None:
    assert find_publication_date(text) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("000", date(2025, 12, 1)), ("001", None), ("002", date(2025, 12, 19)), ("003", date(2026, 2, 4)), ("004", None)],
)
def test_publication_date_of_the_example_articles(prefix: str, expected: date | None) -> None:
    assert find_publication_date(seed(prefix).read_text(encoding="utf-8")) == expected


def test_importing_the_module_does_not_import_dateparser() -> None:
    code = "import sys, factx.normalizing; print('dateparser' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_letters_in_compatibility_forms_are_folded_too() -> None:
    assert country_code("𝐈𝐭𝐚𝐥𝐲") == "IT"  # mathematical bold: a capital until decomposed
    assert country_code("ＩＴＡＬＹ") == "IT"


def test_a_citys_own_name_is_kept_on_a_second_pass() -> None:
    assert english_city("Yuzhou", "CN") == ("Yuzhou", "CN")  # Chongqing, larger, is also called Yuzhou
    assert english_city(*english_city("Seul")) == english_city("Seul") == ("Seoul", "KR")
    assert english_city(" Roma ", "IT") == ("Rome", "IT")
    assert english_city("Atlantide", "IT") == ("Atlantide", "IT")


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (date.min, [None, None, None, None]),  # counting back leaves the calendar: null, no OverflowError
        (date(1, 1, 7), [None, None, None, None]),
        (date.max, ["9999-12-27", "9999-12-30", "9999-12-31", None]),  # a Friday: "venerdì" would look a day on
    ],
)
def test_relative_dates_at_the_calendars_ends_do_not_overflow(published: date, expected: list[str | None]) -> None:
    assert [iso_date(value, published) for value in ["lunedì", "ieri", "oggi", "venerdì"]] == expected


@pytest.mark.parametrize(
    ("city", "country", "expected"),
    [
        ("Manama", "SA", ("Manama", "BH")),  # only in Bahrain: the model's country loses
        ("Seul", "SA", ("Seoul", "KR")),
        ("Paris", "US", ("Paris", "US")),  # a Paris in the country given: kept
        ("Paris", "SA", ("Paris", "SA")),  # Paris lies in several countries: no guess
        ("Cittadina Inventata", "IT", ("Cittadina Inventata", "IT")),  # unknown: kept as written
    ],
)
def test_a_city_known_in_one_country_only_overrides_the_models_country(city, country, expected):
    assert english_city(city, country) == expected
    assert english_city(*expected) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("La Camera accoglierà dal 6 all’8 maggio una delegazione", ("2026-05-06", "2026-05-08")),  # coming: this May
    ("in Cina dal 7 al 15 gennaio scorso insieme", ("2026-01-07", "2026-01-15")),
    ("dall'11 al 13 marzo", ("2026-03-11", "2026-03-13")),
    ("dal 30 aprile al 2 maggio 2024", ("2024-04-30", "2024-05-02")),
    ("tra il 6 e l’8 maggio", ("2026-05-06", "2026-05-08")),
    ("will travel to Germany from October 17-18, where", ("2025-10-17", "2025-10-18")),
    ("from 6 to 8 May 2025", ("2025-05-06", "2025-05-08")),
    ("12–14 settembre 2023", ("2023-09-12", "2023-09-14")),
    ("May 6-8, 2025", ("2025-05-06", "2025-05-08")),
    ("dalle 10 alle 12", None), ("from 6 to 8 people", None), ("Articles 6-8 of the treaty", None),
    ("dal 8 al 6 maggio", None),  # the start after the end
])
def test_a_span_of_days_is_read_with_its_month_written_once(text: str, expected: tuple[str, str] | None) -> None:
    assert date_range(text, PUBLISHED) == expected


def test_a_span_of_days_without_its_year_needs_the_publication_date() -> None:
    assert date_range("dal 6 all’8 maggio") is None
    assert date_range("dal 6 all’8 maggio 2025") == ("2025-05-06", "2025-05-08")


@pytest.mark.parametrize(("text", "expected"), [
    ("India and Colombia on Tuesday signed the agreement", "2024-10-15"),  # published on a Wednesday
    ("il protocollo firmato ieri mattina in Comune", "2024-10-15"),
    ("Firmato oggi un protocollo d'intesa", "2024-10-16"),
    ("Domani, giovedì 17 ottobre, la firma", "2024-10-17"),
    ("hanno concordato lunedì di rafforzare", "2024-10-14"),
    ("signed on Saturday, 12 October 2024", "2024-10-12"),
    ("Le ministre a signé hier l'accord", "2024-10-15"),
    ("esta mañana se firmó el acuerdo", None),  # "mañana" is also the morning
    ("il 29 marzo, a Roma", None),  # a date, not a day named from the article's
])
def test_a_day_named_from_the_article_s_is_read_against_its_publication(text: str, expected: str | None) -> None:
    assert day_named(text, date(2024, 10, 16)) == expected
    assert day_named(text, None) is None


@pytest.mark.parametrize(("name", "given", "country"), [
    ("prefettura di Jiaxing", "IT", "CN"),  # the article's country given to a Chinese body
    ("American University of Sharjah", "US", "AE"),
    ("Camera di Commercio e Industria di Kiev (KCCI)", "IT", "UA"),
    ("Università di Trento", None, "IT"),
    ("Provincia di Siena", "IT", "IT"),
    ("University of Florida", "US", "US"),  # a US state, though a city in Colombia is also called so
    ("Development Bank of Asia", "PH", "PH"), ("Development Bank of Asia", None, None),  # a small place's name
    ("Embassy of Italy", "US", "US"),  # a state: whose embassy, not where
    ("Ministry of Foreign Affairs", "IT", "IT"),
    ("Shanghai Jiao Tong University", "IT", "CN"), ("New Delhi Municipal Council", "IT", "IN"),  # named first
    ("Roma Capitale", "IT", "IT"), ("Korea Chamber of Commerce", "KR", "KR"),
    ("Kai Ora Foods", "NZ", "NZ"), ("Brenta Seminatrici Spa", "IT", "IT"),  # a city's other names (Kayes, Breda) open no name
])
def test_a_body_named_for_a_city_the_program_knows_is_in_that_city_s_country(name, given, country):
    assert body_country(name, given) == country


@pytest.mark.parametrize(("name", "kind"), [
    ("Conferenza dei Rettori delle Università Italiane (CRUI)", "association"),  # the word nearest the start
    ("Ministero dell'Università e della Ricerca", "government"),
    ("Camera di Commercio e Industria di Kiev (KCCI)", "public_body"),
    ("Fondazione Apulia Film Commission", "public_body"),
    ("Beijing Institute of Technology, Zhuhai (BITZH)", "university"),
    ("Agenzia di stampa Italpress", "media"),  # the longer word at one place
    ("Sicilia Convention Bureau scarl", "company"),
    ("Istituto di Scienze del Patrimonio Culturale", "research"),
    ("Film London", None), ("Boeing", None),
    # German compounds, Portuguese and French
    ("Bundesministerium für Wirtschaft", "government"), ("Fachhochschule Köln", "university"),
    ("Bundesverband der Filmproduzenten", "association"), ("Ministério da Cultura", "government"),
    ("Câmara de Comércio Luso-Brasileira", "association"), ("Fédération des industries", "association"),
])
def test_a_body_s_kind_is_told_by_the_word_of_its_name_nearest_the_start(name, kind):
    assert body_kind(name) == kind


def test_every_kind_a_body_s_name_can_tell_is_a_party_kind():
    from typing import get_args

    from factx.models import PartyKind
    from factx.normalizing import _body_words

    assert set(_body_words()) <= set(get_args(PartyKind))


@pytest.mark.parametrize(("name", "body"), [
    ("Sindaco di Paliano", "Paliano"),  # a mayor's office is a town's, however small
    ("Vice Sindaco di Paliano", "Paliano"),
    ("Presidente della Regione Marche", "Regione Marche"),
    ("President of Kenya", "Kenya"),
    ("Ministro degli Esteri", None),  # an office's object that is no state, city or body by name
    ("Sindaco polacco Roman Ptak", None),
    ("Regione Marche", None),
])
def test_an_office_given_as_a_party_is_the_body_that_holds_it(name: str, body: str | None):
    from factx.models import Party
    from factx.normalizing import office_s_body

    assert office_s_body(name) == body
    assert Party(name=name, kind="other").name == (body or name)


@pytest.mark.parametrize(("written", "split"), [
    ("President Biden", ("President", "Biden")),
    ("Rettore Roberto Di Pietra", ("Rettore", "Roberto Di Pietra")),  # a rector signs for a university
    ("Dr. Jane Goodall", (None, "Jane Goodall")),
    ("Presidente del Consiglio Giorgia Meloni", (None, "Presidente del Consiglio Giorgia Meloni")),
])
def test_the_office_written_before_a_name_is_split_from_it(written, split):
    assert split_title(written) == split


@pytest.mark.parametrize(("day", "text", "published", "expected"), [
    ("2016-01-01", "avvenuto nel 2016, che ha", None, "2016"),  # padded: neither the day nor the month written
    ("2024-08-01", "In August 2024, the agency signed", None, "2024-08"),
    ("2024-05-23", "a declaration of intent on May 23, 2024.", None, "2024-05-23"),
    ("2024-05-06", "dal 6 all'8 maggio 2024", None, "2024-05-06"),
    ("2024-12-01", "firmato il primo dicembre", None, "2024-12-01"),
    ("2024-03-12", "unterzeichnet am 12.03.2024", None, "2024-03-12"),
    ("2024-12-01", "$1,5 billion in December", None, "2024-12"),  # an amount is no day
    ("2026-02-03", "firmato ieri a Roma", date(2026, 2, 4), "2026-02-03"),  # near the publication: a word of time
    ("2026-01", "lo scorso mese", date(2026, 2, 4), "2026-01"),
])
def test_a_date_keeps_only_the_precision_the_text_writes(day: str, text: str, published: date | None, expected: str) -> None:
    assert as_written(day, text, published) == expected


@pytest.mark.parametrize(("name", "person"), [
    ("Giulio Frascatani", True),  # "Giulio Frascatani, presidente della Camera"
    ("Mohamed Benaissa", True),  # "M. Mohamed Benaissa"
    ("Angelo Carrara", True),  # "il presidente Angelo Carrara"
    ("Confartigianato Bergamo", False), ("Camera di Commercio italiana", False), ("ICE Agenzia", False),
    ("European Film Academy", False),  # "the European Film Academy": "the" is no person's
])
def test_a_name_the_text_writes_beside_an_office_is_a_person_s(name: str, person: bool) -> None:
    text = ("Il presidente Angelo Carrara di Confartigianato Bergamo ha incontrato Giulio Frascatani, presidente della "
            "Camera di Commercio italiana, e M. Mohamed Benaissa. Il direttore ICE Agenzia ha parlato con the European "
            "Film Academy.")
    assert written_as_person(name, text) is person
