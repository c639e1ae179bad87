"""The exported schemas match the code, and the models normalise what models write."""

from __future__ import annotations

import json
from datetime import date

import pytest

from factx.models import Agreement, Federation, Mission, Mou, Party, Person, Place, Record, unknown
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
            "parties": [{"name": "Korean Film Council", "kind": "Public Body", "country": "Corea del Sud"}],
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


def test_a_country_in_brackets_after_a_body_is_its_country_not_its_name():
    assert Party(name="Università di Blida 2 (Algeria)").model_dump() == {
        "name": "Università di Blida 2", "kind": "university", "country": "DZ"}
    assert Party(name="Korea International Trade Association (KITA)").name.endswith("(KITA)")  # no country
    assert Party(name="Fiera Milano (Germania)", country="IT").name == "Fiera Milano (Germania)"  # told otherwise


def test_a_value_with_no_word_in_it_is_none() -> None:
    assert Federation.model_validate({"name": "F", "acronym": " ],"}).acronym is None
    assert unknown(" ],") and unknown("N/A") and not unknown("AIVI")


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


def test_a_state_is_no_city_and_a_place_is_no_venue_unless_it_is_both():
    assert Place(city="Angola", venue="Angola").model_dump() == {"city": None, "country": "AO", "venue": None}
    assert Place(city="Singapore").model_dump() == {"city": "Singapore", "country": "SG", "venue": None}
    assert Place(city="San Michele all'Adige", country="IT", venue="Adige").venue is None
    assert Place(city="Roma", venue="Palazzo Chigi").model_dump() == {"city": "Rome", "country": "IT", "venue": "Palazzo Chigi"}


def test_a_city_written_as_the_venue_is_the_city_in_its_own_country():
    assert Place(country="IT", venue="Maputo").model_dump() == {"city": "Maputo", "country": "MZ", "venue": None}
    assert Place(country="IT", venue="Villa Madama").model_dump() == {"city": None, "country": "IT", "venue": "Villa Madama"}


def test_a_building_or_an_office_written_as_the_city_is_no_city():
    assert Place(city="Palazzo Murena", country="IT").model_dump() == {"city": None, "country": "IT", "venue": "Palazzo Murena"}
    assert Place(city="Palazzo Murena", venue="Sala del Dottorato").venue == "Sala del Dottorato"
    assert Place(city="Sindaco", country="IT", venue="Palazzo Civico").model_dump() == {
        "city": None, "country": "IT", "venue": "Palazzo Civico"}
    assert Place(city="Villa Carlos Paz", country="AR").city == "Villa Carlos Paz"  # a city named so


def test_a_visit_lists_each_body_once_the_first_telling_kept():
    from factx.models import Mission

    told = [{"name": "Regione Umbria", "kind": "government", "country": "IT"}, {"name": "CCPIT", "country": "CN"},
            {"name": "Regione  Umbria", "kind": "company"}]
    met = [{"name": "Chongqing Municipality"}, {"name": "CCPIT"}, {"name": "Chongqing  municipality"}]
    visit = Mission(title="Visit", organizations=told, counterpart_organizations=met)
    assert [(p.name, p.kind) for p in visit.organizations] == [("Regione Umbria", "government"), ("CCPIT", "other")]
    assert [p.name for p in visit.counterpart_organizations] == ["Chongqing Municipality"]  # a sender is not also met


@pytest.mark.parametrize("event", ["Paris 2024 Paralympic Games", "Universiade invernale 2013", "inauguration"])
def test_an_occasion_is_no_venue(event):
    assert Place(city="Paris", venue=event).venue is None
    assert Place(city="Trento", venue="piazza Dante").venue == "piazza Dante"


def test_sectors_are_lower_case_fields_of_activity_not_the_cooperation_itself():
    deal = Agreement(title="Deal", sectors=["Film", "International Cooperation", "film", "other", "semiconductors"])
    assert deal.sectors == ["film", "semiconductors"]


def _sides(**fields) -> tuple[list[str], list[str]]:
    mission = Mission(title="Visit", **fields)
    return [p.name for p in mission.organizations], [p.name for p in mission.counterpart_organizations]


def test_a_mission_puts_each_state_on_its_side_and_no_sender_among_those_met():
    us, germany = Party(name="United States", kind="government", country="US"), Party(name="Germany", kind="government", country="DE")
    ministry = Party(name="Bundesministerium", kind="government", country="DE")
    assert _sides(origin_country="US", destination={"country": "DE"}, organizations=[us, germany],
                  counterpart_organizations=[us, germany, ministry]) == (["United States"], ["Germany", "Bundesministerium"])
    # with no known origin, a state met stays; a sender is still not met
    assert _sides(destination={"country": "DE"}, organizations=[us], counterpart_organizations=[us, germany]) == (
        ["United States"], ["Germany"])


def test_outcomes_are_what_came_of_a_visit_not_its_purpose_again():
    mission = Mission(title="Visit", purpose="To support trade between the two countries' farmers",
                      outcomes=["To support trade in machinery", "support trade between the two countries farmers",
                                "Two contracts signed for grain exports"])
    assert mission.outcomes == ["Two contracts signed for grain exports"]
    aims = Mission(title="Visit", outcomes=["Promotion of Dutch design in Asia", "Enhancement of cultural exchanges",
                                            "rafforzamento dei rapporti", "Office opened in Lagos"])
    assert aims.outcomes == ["Office opened in Lagos"]


def test_a_state_named_as_itself_is_named_in_english():
    assert [(p.name, p.country) for p in (Party(name="Corea del Sud", kind="government"), Party(name="USA"),
                                           Party(name="Regione Lombardia", country="IT"))] == [
        ("South Korea", "KR"), ("United States", "US"), ("Regione Lombardia", "IT")]
    assert Party(name="Georgia", country="US").name == "Georgia"  # the state of, not the country


def test_a_party_named_as_its_signatory_is_the_body_signed_for():
    signers = [Person(name="Anna Berg", organization="Region of Tyrol"), Person(name="Li Ming")]
    parties = [Party(name="Dr. Anna Berg", kind="government", country="AT"), Party(name="Li Ming", country="CN"),
               Party(name="Region of Tyrol"), Party(name="Yunnan Province", country="CN")]
    mou = Mou(title="Letter of intent", parties=parties, signatories=signers)
    assert [(p.name, p.kind, p.country) for p in mou.parties] == [
        ("Region of Tyrol", "government", "AT"), ("Yunnan Province", "other", "CN")]
    assert [p.name for p in Agreement(title="Accord", parties=parties, signatories=signers).parties] == [
        "Region of Tyrol", "Yunnan Province"]


def test_bodies_listed_as_signatories_in_the_role_party_are_the_parties_when_none_is_given():
    signers = [Person(name="Crane Currency", role="party"), Person(name="Q&T Hi-Tech Polymer", role="Party")]
    mou = Mou(title="MoU on bank notes", signatories=signers)
    assert ([p.name for p in mou.parties], mou.signatories) == (["Crane Currency", "Q&T Hi-Tech Polymer"], [])
    given = Mou(title="MoU", parties=[Party(name="Crane Currency")], signatories=signers)
    assert ([p.name for p in given.parties], given.signatories) == (["Crane Currency"], [])  # no one signed as them
    people = Agreement(title="Accord", signatories=[Person(name="Anna Berg", role="Mayor")])
    assert (people.parties, len(people.signatories)) == ([], 1)


def test_states_bodies_and_with_no_party_given_towns_among_the_signatories_are_parties_not_people():
    towns = Agreement(title="Twinning", signatories=[Person(name="Yangzhou", role="President"),
                                                     Person(name="Rimini", role="President")])
    assert ([p.name for p in towns.parties], towns.signatories) == (["Yangzhou", "Rimini"], [])
    signers = [Person(name="Michael Davis", role="President"), Person(name="Korea International Trade Association")]
    mou = Mou(title="MoU", parties=[Party(name="KITA")], signatories=signers)
    assert ([p.name for p in mou.parties], [p.name for p in mou.signatories]) == (["KITA"], ["Michael Davis"])
    # Parties given: a signatory whose name is also a town's is a person ("Lula" is a town in Sardinia).
    lula = Agreement(title="Partnership", parties=[Party(name="Brazil")], signatories=[Person(name="Lula", role="President")])
    assert [p.name for p in lula.signatories] == ["Lula"]


def test_a_federation_belongs_to_no_organ_of_its_own():
    forum = {"name": "Forum delle Associazioni degli Italiani nel Mondo", "acronym": "FAIM"}
    assert Federation(**forum, affiliation={"name": "Comitato di Coordinamento del FAIM"}).affiliation is None
    assert Federation(**forum, affiliation={"name": "Board of the Forum delle Associazioni degli Italiani nel Mondo"}
                      ).affiliation is None
    assert Federation(**forum, affiliation={"name": "Ministero degli Affari Esteri"}).affiliation.name == (
        "Ministero degli Affari Esteri")
    assert Federation(name="FAI", affiliation={"name": "FAIM"}).affiliation.name == "FAIM"  # words, not letters


def test_an_office_written_before_a_name_is_the_role_not_the_name():
    assert Person(name="Commissioner Jutta Urpilainen").model_dump() == {
        "name": "Jutta Urpilainen", "role": "Commissioner", "organization": None}
    assert Person(name="viceministro Li Wei", role="Vice Minister of Trade").role == "Vice Minister of Trade"
    assert Person(name="Dr. Ana Pérez").model_dump()["name"] == "Ana Pérez"
    for whole in ("Presidente della Regione Mario Rossi", "President", "the minister", "Kingsley Amis"):
        assert Person(name=whole).name == whole


def test_an_acronym_is_not_the_name_again_and_other_is_no_sector():
    fed = Federation(name="SMR Alliance", acronym="SMR alliance", sector="Other")
    assert (fed.acronym, fed.sector) == (None, None)
    assert Federation(name="Alliance for Zero-Emission Aviation", acronym="AZEA", sector="Aviation").sector == "aviation"


def test_a_party_named_for_a_known_city_takes_that_city_s_country():
    assert Party(name="Prefettura di Jiaxing", kind="government", country="IT").country == "CN"
    assert Party(name="Comune di Bologna", kind="government", country=None).country == "IT"
    assert Party(name="Comune di Macerata", kind="government", country=None).country is None  # 41,000 people: too small to tell


def test_a_visit_names_no_body_as_a_person_and_each_person_once():
    visit = Mission(
        title="Visit",
        organizations=[{"name": "Liguria International", "kind": "public_body", "country": "IT"}],
        counterpart_organizations=[{"name": "Peking University", "kind": "university", "country": "CN"}],
        leader={"name": "Emilia Rossi", "role": "President", "organization": "Regione Liguria"},
        delegation=[{"name": "Liguria International"}, {"name": "Regione Liguria"}, {"name": "Marco Bianchi"},
                    {"name": "Marco Bianchi", "role": "Councillor"}],
        counterparts=[{"name": "Peking University"}, {"name": "Li Wei"}],
    )
    assert [p.name for p in visit.delegation] == ["Marco Bianchi"]
    assert [p.name for p in visit.counterparts] == ["Li Wei"]
    assert visit.leader.name == "Emilia Rossi"


def test_a_party_s_kind_is_what_its_name_tells_and_a_state_is_a_government():
    assert Party(name="Camera di Commercio di Como-Lecco", kind="company").kind == "public_body"
    assert Party(name="Film London", kind="company").kind == "company"  # the name tells nothing: the model's
    assert Party(name="Italia", kind="other").kind == "government"


def test_a_sector_is_no_fact_type():
    fact = Agreement(title="T", sectors=["Film", "intergovernmental agreement", "federation", "trade mission", "tourism"])
    assert fact.sectors == ["film", "tourism"]


def test_a_party_naming_two_bodies_is_two_and_an_article_before_a_body_is_dropped():
    mou = Mou(title="MoU", parties=[{"name": "La Confindustria e la Confindustria Est Europa", "kind": "government"},
                                    {"name": "La Camera di Commercio e dell’Industria Italo-Ceca"},
                                    {"name": "Ministero dell'Ambiente e della Sicurezza Energetica"}])
    assert [(p.name, p.kind) for p in mou.parties] == [
        ("Confindustria", "association"), ("Confindustria Est Europa", "association"),
        ("Camera di Commercio e dell’Industria Italo-Ceca", "public_body"),
        ("Ministero dell'Ambiente e della Sicurezza Energetica", "government")]
    assert [Party(name=n).name for n in ("La Stampa", "La Spezia", "Il Comune di Roma")] == [
        "La Stampa", "La Spezia", "Comune di Roma"]  # a newspaper's and a city's article is their name's
