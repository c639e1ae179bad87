"""Properties that hold for any input: the reader, grounding and the normalisers, tried by Hypothesis.

Runs are derandomised and keep no example database, so the suite stays deterministic and leaves
no files behind; to search harder, raise ``max_examples`` and drop ``derandomize`` locally.

Bugs these found, now fixed: ``name_key`` and grounding's folding case-folded before decomposing
("𝐀" stayed a capital), folding was not idempotent ("¨", "⁻"), ``english_city`` changed a city's
own name on a second pass ("Yuzhou" -> "Chongqing"), and ``iso_date`` overflowed for publication
dates near year 1 or 9999.
"""

from __future__ import annotations

import hashlib
import re
import typing
import unicodedata
from datetime import date, timedelta

import pycountry
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from factx.errors import InputError
from factx.grounding import _clean_quote, _normalise, locate, long_enough
from factx.models import AgreementKind, AgreementStatus, PartyKind, _enum_spelling
from factx.normalizing import country_code, english_city, iso_date, name_key
from factx.reading import decode

FAST = settings(max_examples=60, deadline=None, database=None, derandomize=True)

#: Text as articles hold it: Latin letters with Italian and French accents, digits, punctuation,
#: typographic quotes and dashes, spaces and newlines.
_ARTICLE_CHARS = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list("àèéìòùÀÈÉçÇâêîôûëïü") + list(" \n\t.,;:!?()-–—'\"’‘“”«»…%€/") + [" "] * 12
)
ARTICLES = st.text(_ARTICLE_CHARS, min_size=1, max_size=300)
_WORDS = st.text(st.sampled_from(list("abcdefghilmnoprstuvzABCDEFGILMNOPRSTUVZ0123456789àèéìòùÈÉ'’")), min_size=1,
                 max_size=9)
_GAPS = st.sampled_from([" ", " ", " ", "  ", "\n", ", ", ". ", " – ", " - ", " “", "” ", " «", "» ", " (", ") "])
#: Articles as runs of words, so that slices of them are often long enough to be quotes.
WORDY = st.lists(st.tuples(_WORDS, _GAPS), min_size=4, max_size=40).map(lambda ws: "".join(w + g for w, g in ws))


# --- the reader -----------------------------------------------------------------------------

_CODECS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "cp1251", "shift_jis", "gbk"]


@st.composite
def input_bytes(draw: st.DrawFn) -> bytes:
    """Arbitrary bytes, or text in some encoding with a few bytes flipped, cut or inserted."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=400))
    codec = draw(st.sampled_from(_CODECS))
    data = bytearray(draw(st.text(max_size=150)).encode(codec, errors="replace"))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        data[at:at] = bytes([draw(st.integers(0x80, 0xFF))])
    return bytes(data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data)


@FAST
@given(input_bytes())
def test_decode_fails_only_with_input_error_and_gives_writable_text(data: bytes) -> None:
    try:
        doc = decode(data, "in.txt")
    except InputError as err:
        assert err.source == "in.txt" and "\n" not in str(err)
        return
    assert "\x00" not in doc.text and doc.text.strip()
    assert doc.text.encode("utf-8")  # no lone surrogate: the record can be written as JSON
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert all(w.isprintable() for w in doc.warnings)


@FAST
@given(st.text(min_size=1, max_size=200), st.data())
def test_utf8_with_a_few_bad_bytes_keeps_every_other_character(text: str, data: st.DataObject) -> None:
    """Bad bytes inserted between characters come back as U+FFFD, everything else as it was."""
    text = text.replace("\x00", "").replace("\ufffd", "") + "è"  # one multi-byte character at least
    assume(text.strip() and not text.startswith("\ufeff"))
    cut = data.draw(st.integers(0, len(text)))
    bad = data.draw(st.binary(min_size=1, max_size=1).filter(lambda b: b[0] >= 0xF8 or 0x80 <= b[0] < 0xC0))
    doc = decode(text[:cut].encode() + bad + text[cut:].encode(), "in.txt")
    assert doc.text == text[:cut] + "\ufffd" + text[cut:]
    assert doc.warnings == (f"1 byte that is not UTF-8 replaced with U+FFFD (at byte {len(text[:cut].encode())})",)


# --- grounding ------------------------------------------------------------------------------

_TYPOGRAPHY = str.maketrans({"'": "’", '"': "“", "-": "–"})


def _unaccented(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def _reflowed(s: str) -> str:
    return re.sub(r"\s+", lambda m: "\n" if len(m.group()) % 2 else " ", s)


_PERTURB = [lambda s: s, str.lower, str.upper, _unaccented, _reflowed, lambda s: s.translate(_TYPOGRAPHY)]


def _check_span(quote: str, text: str) -> None:
    """Whatever ``locate`` returns is a slice of ``text``, not much shorter than the quote claims."""
    span = locate(quote, text)
    if span is None:
        return
    assert 0 <= span.start < span.end <= len(text)
    assert text[span.start : span.end] == span.quote
    assert len(_normalise(span.quote)[0]) >= 0.75 * len(_clean_quote(quote))
    assert long_enough(quote)


@FAST
@given(st.text(max_size=80))
def test_folding_for_comparison_is_idempotent(value: str) -> None:
    """A quote already folded still matches: "¨" folds to a space that joins the spaces around it."""
    folded = _normalise(value)[0]
    assert _normalise(folded)[0] == folded


@FAST
@given(st.text(min_size=1, max_size=200), st.data())
def test_a_slice_of_any_unicode_text_is_a_real_slice_or_nothing(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    quote = text[start : data.draw(st.integers(start, len(text)))]
    _check_span(data.draw(st.sampled_from(_PERTURB))(quote), text)


@FAST
@given(st.text(min_size=1, max_size=300), st.text(max_size=80))
def test_any_quote_in_any_text_is_a_real_slice_or_nothing(text: str, quote: str) -> None:
    _check_span(quote, text)


@FAST
@given(st.one_of(ARTICLES, WORDY), st.data())
def test_a_slice_of_the_text_perturbed_is_found_as_a_real_slice(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    quote = text[start : data.draw(st.integers(start, len(text)))]
    perturbed = data.draw(st.sampled_from(_PERTURB))(quote)
    _check_span(perturbed, text)
    if long_enough(quote):
        span = locate(quote, text)
        assert span is not None and span.alignment == "exact"


@FAST
@given(WORDY, st.data())
def test_a_perturbed_quote_of_article_text_is_always_found(text: str, data: st.DataObject) -> None:
    assume(len(text) > 20)
    start = data.draw(st.integers(0, len(text) - 20))
    quote = text[start : data.draw(st.integers(start + 20, len(text)))]
    assume(long_enough(quote))
    perturbed = data.draw(st.sampled_from(_PERTURB))(quote)
    span = locate(perturbed, text)
    assert span is not None and span.alignment in ("exact", "normalised")


# --- the normalisers ------------------------------------------------------------------------


@FAST
@given(st.text(max_size=40))
def test_country_code_never_raises_and_is_idempotent(value: str) -> None:
    code = country_code(value)
    assert code is None or (re.fullmatch(r"[A-Z]{2}", code) and country_code(code) == code)


def test_every_alpha_2_code_is_its_own_country() -> None:
    wrong = {c.alpha_2: country_code(c.alpha_2) for c in pycountry.countries if country_code(c.alpha_2) != c.alpha_2}
    assert wrong == {}


@FAST
@given(st.text(max_size=40))
def test_name_key_is_idempotent(value: str) -> None:
    assert name_key(name_key(value)) == name_key(value)


_DATE_WORDS = st.sampled_from(
    ["lunedì", "oggi", "ieri", "lo scorso maggio", "3 marzo", "19 dicembre 2025", "2026-02", "dal 10 al 12 marzo",
     "il 3", "March 5, 2024", "5/3/2024", "12", "10:30", "2031", "0000", "9999-12-31", "0001-01-01"]
)


#: Publication dates at the calendar's ends, where counting days back or on overflows.
_EDGES = st.sampled_from([date.min, date.min + timedelta(days=6), date.max, date.max - timedelta(days=6)])


@FAST
@given(st.one_of(st.text(max_size=30), _DATE_WORDS), st.one_of(st.none(), st.dates(), _EDGES))
def test_iso_date_never_raises_and_is_idempotent(value: str, published: date | None) -> None:
    found = iso_date(value, published)
    assert found is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", found)
    assert iso_date(found, published) == found


@FAST
@given(
    st.one_of(st.text(max_size=30), st.sampled_from(["Roma", "Seul", "Pechino", "Rome", "Monaco", "Napoli"])),
    st.one_of(st.none(), st.sampled_from(["IT", "KR", "US", "DE", "FR", "XX"])),
)
def test_english_city_never_raises_and_is_idempotent(city: str, country: str | None) -> None:
    name, code = english_city(city, country)
    assert name is None or (name == name.strip() and name)
    assert english_city(name, code) == (name, code)


@pytest.mark.parametrize("enum", [PartyKind, AgreementKind, AgreementStatus])
def test_every_enum_value_spells_itself(enum: typing.Any) -> None:
    for value in typing.get_args(enum):
        variants = [value, value.upper(), value.replace("_", " "), value.replace("_", "-").title(), f" {value} "]
        assert {_enum_spelling(v) for v in variants} == {value}


@FAST
@given(st.text(max_size=30))
def test_enum_spelling_never_raises_and_is_idempotent(value: str) -> None:
    assert _enum_spelling(_enum_spelling(value)) == _enum_spelling(value)
