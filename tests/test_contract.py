"""The exported schemas match the code, and the models normalise what models write."""

from __future__ import annotations

import json
from datetime import date

import pytest

from factx.models import Agreement, Federation, Mission, Party, Place, Record
from factx.resources import data_path
from factx.validating import problems, schemas


@pytest.mark.parametrize("name", ["record", "agreement", "mou", "mission", "federation"])
def test_exported_schema_matches_the_code(name):
    stored = json.loads(data_path("schemas", f"{name}.schema.json").read_text(encoding="utf-8"))
    assert stored == schemas()[name], "schemas/ drifted: run `factx schema --write schemas`"


def test_contract_field_names_are_all_there():
    mission = schemas()["mission"]["properties"]
    assert {"title", "leader", "delegation", "organizations", "origin_country", "destination", "start_date",
            "end_date", "counterparts", "counterpart_organizations", "purpose", "sectors", "outcomes",
            "funding", "evidence"} <= set(mission)
    record = schemas()["record"]["properties"]
    assert {"source", "sha256", "language", "model", "facts", "warnings"} <= set(record)


def test_validators_normalise_countries_enums_and_dates():
    fact = Agreement.model_validate(
        {
            "title": "x", "kind": "Co-production", "status": "Signed",
            "parties": [{"name": "Corea", "kind": "Public Body", "country": "Corea del Sud"}],
            "date": "lunedì", "place": {"city": "Pechino", "country": None},
        },
        context={"published": date(2026, 2, 4)},
    )
    assert (fact.kind, fact.status) == ("co_production", "signed")
    assert fact.parties[0].kind == "public_body" and fact.parties[0].country == "KR"
    assert fact.date == "2026-02-02"
    assert fact.place == Place(city="Beijing", country="CN", venue=None)


def test_relative_dates_without_a_publication_date_become_null():
    assert Mission.model_validate({"title": "x", "start_date": "oggi"}).start_date is None


def test_blank_text_and_repeated_phrases_are_cleaned():
    fed = Federation.model_validate({"name": "F", "acronym": " ", "goals": ["a", " a ", "", "b"]})
    assert fed.acronym is None and fed.goals == ["a", "b"]


def test_unknown_country_is_null_not_a_guess():
    assert Party(name="EU", country="Europe").country is None


def test_schema_rejects_what_the_contract_forbids():
    record = Record(source="a", sha256="0" * 64, model="m").model_dump(mode="json")
    record["facts"] = [Federation(name="F").model_dump(mode="json")]
    assert problems(record) == []
    record["facts"][0]["founded_in"] = {"city": "Rome", "country": "Italy", "venue": None}
    assert problems(record) == ["facts/0/founded_in/country: 'Italy' does not match '^[A-Z]{2}$'"]


def test_offsets_are_checked_against_the_source():
    record = Record(source="a", sha256="0" * 64, model="m").model_dump(mode="json")
    fed = Federation(name="F").model_dump(mode="json")
    fed["evidence"] = [{"quote": "nata", "start": 2, "end": 6}]
    record["facts"] = [fed]
    assert problems(record, "È nata oggi") == []
    assert problems(record, "xx nata oggi") == ["facts/0/evidence/0: text[2:6] is not the quote"]
