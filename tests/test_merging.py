"""Merging facts that report the same thing twice (repeats, overlapping windows)."""

from __future__ import annotations

import pytest

from factx.merging import (
    drop_nobody, drop_restated, drop_unmarked, founded_named, full_named, leader_told, merge_duplicates, merge_mentions,
    officers_told, retyped, with_outcomes, worded,
)
from factx.models import Agreement, Evidence, Fact, Federation, Mission, Mou, Party


def _ev(start: int, end: int) -> Evidence:
    return Evidence(quote="x" * (end - start), start=start, end=end)


def test_same_type_with_overlapping_evidence_becomes_the_fuller_fact_with_both_quotes():
    thin = Agreement(title="Deal", evidence=[_ev(10, 50)])
    full = Agreement(title="Italy-Kenya deal", parties=[Party(name="Italia", country="IT")], evidence=[_ev(40, 90), _ev(0, 5)])
    other = Agreement(title="Another deal", evidence=[_ev(200, 240)])
    merged = merge_duplicates([thin, other, full])
    assert [f.title for f in merged] == ["Italy-Kenya deal", "Another deal"]
    assert [(e.start, e.end) for e in merged[0].evidence] == [(0, 5), (10, 50), (40, 90)]


def test_a_tie_keeps_the_first_and_the_same_span_is_not_repeated():
    first, second = Agreement(title="A", evidence=[_ev(10, 50)]), Agreement(title="B", evidence=[_ev(10, 50)])
    (merged,) = merge_duplicates([first, second])
    assert merged.title == "A" and len(merged.evidence) == 1


def test_touching_spans_other_types_and_ungrounded_facts_stay_apart():
    facts = [
        Agreement(title="A", evidence=[_ev(10, 50)]),
        Agreement(title="B", evidence=[_ev(50, 80)]),  # touches, does not overlap
        Mou(title="C", evidence=[_ev(10, 50)]),  # another type: not merged here
        Agreement(title="D", evidence=[Evidence(quote="nowhere")], grounded=False),
        Agreement(title="E", evidence=[Evidence(quote="nowhere")], grounded=False),
    ]
    assert [f.title for f in merge_duplicates(facts)] == ["A", "B", "C", "D", "E"]


def _quoted(cls, quote: str, start: int, **fields):
    return cls(evidence=[Evidence(quote=quote, start=start, end=start + len(quote))], **fields)


def test_a_fact_told_on_another_types_passage_in_that_types_words_is_dropped():
    sentence = "ICE and AICEP signed a memorandum of understanding on wine"
    mou = _quoted(Mou, sentence, 0, title="ICE-AICEP MoU")
    agreement = _quoted(Agreement, sentence, 0, title="ICE-AICEP agreement")
    assert drop_restated([agreement, mou]) == [mou]


def test_a_passage_that_names_both_types_keeps_both():
    sentence = "The delegation led by the minister signed a trade agreement in Hanoi"
    mission = _quoted(Mission, sentence, 0, title="Mission to Vietnam")
    agreement = _quoted(Agreement, sentence, 0, title="Trade agreement")
    assert drop_restated([mission, agreement]) == [mission, agreement]


def test_a_visit_told_beside_another_types_name_is_kept_and_a_launch_is_not():
    sentence = "The accord was reached during the first visit of a Greek prime minister to Chile in 20 years"
    visit = _quoted(Mission, sentence, 0, title="Prime minister's visit to Chile")
    accord = _quoted(Agreement, sentence, 0, title="Greece-Chile accord")
    assert drop_restated([visit, accord]) == [visit, accord]
    launch = "Ministers launched the Alliance for Clean Shipping in Oslo"
    alliance = _quoted(Federation, launch, 200, name="Alliance for Clean Shipping")
    echo = _quoted(Mission, launch, 200, title="Ministers in Oslo")
    assert drop_restated([echo, alliance]) == [alliance]


def test_facts_on_separate_passages_are_all_kept():
    mou = _quoted(Mou, "ICE and AICEP signed a memorandum", 0, title="MoU")
    agreement = _quoted(Agreement, "ICE and AICEP signed a memorandum", 100, title="Other")
    assert drop_restated([mou, agreement]) == [mou, agreement]


def test_a_fact_whose_quotes_hold_no_word_of_its_type_is_dropped():
    goals = _quoted(Agreement, "Both countries intend to mobilise public and private finance for clean energy.", 0, title="Goals")
    union = _quoted(Federation, "He will meet German leaders to coordinate on geopolitical priorities.", 90, name="European Union")
    deal = _quoted(Agreement, "Italy and Kenya signed a cooperation accord on water.", 200, title="Italy-Kenya accord")
    visit = _quoted(Mission, "The minister visited the port of Mombasa on Monday.", 300, title="Visit to Kenya")
    alliance = _quoted(Federation, "The Commission launched the European Battery Alliance today.", 400, name="European Battery Alliance")
    facts = [goals, union, deal, visit, alliance]
    assert drop_unmarked(facts, _article(*facts)) == [deal, visit, alliance]


def test_one_marked_quote_is_enough_and_a_cue_counts_for_missions_not_for_mous():
    two = Mission(title="Trip", evidence=[Evidence(quote="They met the mayor."), Evidence(quote="The trip to Osaka ended.")])
    signed = _quoted(Mou, "The two agencies signed a text on training.", 0, title="Training")
    assert drop_unmarked([two, signed], _article(two, signed)) == [two]


def test_accords_signed_one_day_by_one_person_among_the_same_bodies_are_one():
    from factx.models import Person

    def mou(title: str, parties: list[str], signer: str, at: int, day: str = "2022-05-13") -> Mou:
        return _quoted(Mou, title, at, title=title, date=day, signatories=[Person(name=signer)],
                       parties=[Party(name=p) for p in parties])

    full = mou("MoU signed between Cyprus and China", ["Cyprus", "China"], "Prodromos Prodromou", 0)
    headline = mou("Cyprus and China sign MoU on higher education", ["China"], "Minister Prodromos Prodromou", 100)
    assert [len(m.evidence) for m in merge_duplicates([full, headline])] == [2]
    other = mou("Siena and Meikai MoU", ["Università di Siena", "Meikai University"], "Roberto Di Pietra", 200)
    second = mou("Siena and Asahi MoU", ["Università di Siena", "Asahi University"], "Roberto Di Pietra", 300)
    assert len(merge_duplicates([other, second])) == 2  # one rector, two universities: two accords
    assert len(merge_duplicates([full, mou("Cyprus and China sign MoU", ["China"], "Prodromou", 400, "2022-05-20")])) == 2


def test_an_accord_told_in_the_plural_between_one_body_and_several_of_another_country_is_one_with_each():
    from factx.merging import split_listed
    from factx.models import Person

    def accord(quote: str, *parties: tuple[str, str]) -> Agreement:
        return _quoted(Agreement, quote, 0, title="University of Siena agreements", signatories=[
            Person(name="Roberto Di Pietra", organization="Università di Siena"), Person(name="Ken Sato", organization="Meikai University")],
            parties=[Party(name=n, kind="university", country=c) for n, c in parties])

    siena = ("Università di Siena", "IT")
    japan = [("Shimonoseki City University", "JP"), ("Meikai University", "JP"), ("Asahi University", "JP")]
    four = accord("la firma di quattro nuovi accordi con importanti atenei nipponi", siena, *japan)
    split = split_listed([four])
    assert [[p.name for p in f.parties] for f in split] == [[siena[0], name] for name, _ in japan]
    assert [[p.name for p in f.signatories] for f in split] == [["Roberto Di Pietra"], ["Roberto Di Pietra", "Ken Sato"],
                                                              ["Roberto Di Pietra"]]  # each partner's signer with it only
    letter = accord("una lettera di intenti tra le università di Trento, Bolzano e Innsbruck", siena, *japan)
    assert split_listed([letter]) == [letter]  # one accord among them all
    two_sides = accord("gli accordi firmati", siena, ("Università di Trento", "IT"), *japan[:2])
    assert split_listed([two_sides]) == [two_sides]  # two bodies on each side: who signed with whom is not told


def _article(*facts: Fact) -> str:
    """An article of the facts' quotes, one sentence each."""
    return "\n".join(e.quote for f in facts for e in f.evidence)


def test_a_federation_is_told_by_a_sentence_naming_it_beside_its_organs_wherever_the_model_quoted():
    congress = "The 10th World Congress of the World Federation of Film Clubs (WFFC) was held in Seoul."
    wffc = _quoted(Federation, congress, 0, name="World Federation of Film Clubs", acronym="WFFC")
    passing = _quoted(Federation, "The Paris Film Federation sent greetings.", 100, name="Paris Film Federation")
    article = f"{congress}\nThe Paris Film Federation sent greetings.\nElection of the new Executive Board of WFFC;"
    assert drop_unmarked([wffc, passing], article) == [wffc]
    assert drop_unmarked([wffc, passing], article.replace("WFFC;", "the Congress;")) == []  # organs of no one named
    members = f"{congress}\nWFFC members and the Film Council joined the festival."  # a body in passing; a council by name
    assert drop_unmarked([wffc], members) == []


def test_a_federation_is_told_by_organs_chosen_in_the_sentence_after_one_naming_it():
    joined = "Ice-Agenzia e Crui hanno fatto il proprio ingresso in Uni-Italia."
    board = "Il nuovo Consiglio di amministrazione, presieduto dal professor Francesco Profumo, si è riunito."
    quote = "Il rafforzamento della governance dell'Associazione conferma la volontà del Sistema Italia."
    body = _quoted(Federation, quote, 0, name="Uni-Italia")
    assert drop_unmarked([body], f"{quote} {joined} {board}") == [body]
    assert drop_unmarked([body], f"{quote} {board} {joined}") == []  # a board before it is named: whose?
    other = board.replace("Il nuovo Consiglio", "Il nuovo Consiglio della Federazione Italiana Editori")
    assert drop_unmarked([body], f"{quote} {joined} {other}") == []  # another federation's board


def test_a_federation_created_in_spanish_is_told() -> None:
    quote = "Crean la Federación Binacional de Cámaras de Comercio."
    body = _quoted(Federation, quote, 0, name="Federación Binacional de Cámaras de Comercio")
    assert drop_unmarked([body], quote) == [body]


def test_a_country_is_no_federation():
    ukraine = _quoted(Federation, "demanding the Russian Federation to withdraw from Ukraine", 0, name="Ukraine")
    federation = _quoted(Federation, "the Russian Federation of Judo elected its board", 100, name="Russian Judo Federation")
    assert drop_unmarked([ukraine, federation], _article(ukraine, federation)) == [federation]


def test_one_body_reported_twice_under_the_same_name_is_one_fact_with_both_quotes():
    first = _quoted(Federation, "The Critical Medicines Alliance was set up in January.", 0, name="Critical Medicines Alliance")
    again = _quoted(Federation, "The Alliance is set up for five years.", 300, name="critical medicines alliance", acronym="CMA")
    other = _quoted(Federation, "The Battery Alliance met.", 500, name="Battery Alliance")
    (merged, kept) = merge_duplicates([first, again, other])
    assert merged.acronym == "CMA" and [e.start for e in merged.evidence] == [0, 300] and kept == other


def test_a_fact_quoted_only_as_this_partnership_is_the_one_told_before():
    first = _quoted(Agreement, "Brazil and the United States launched a Partnership for the Energy Transition.", 0, title="Partnership")
    mou = _quoted(Mou, "The agencies signed a memorandum on training.", 100, title="Training MoU")
    again = _quoted(Agreement, "This new partnership presents a strategic opportunity.", 200, title="Strategic opportunity")
    other = _quoted(Agreement, "Italy and Kenya signed a water agreement.", 300, title="Water agreement")
    merged = merge_mentions([first, mou, again, other])
    assert [f.title for f in merged] == ["Partnership", "Training MoU", "Water agreement"]
    assert [e.start for e in merged[0].evidence] == [0, 200]


def test_with_no_fact_of_its_type_before_a_back_reference_stays():
    alone = _quoted(Agreement, "A sottolineare le potenzialità di questo accordo sarà il ministro.", 0, title="Accordo")
    assert merge_mentions([alone]) == [alone]


def test_a_short_form_of_a_bodys_name_on_no_other_date_is_the_same_body():
    full = _quoted(Federation, "the Commission launched the European Solar Photovoltaic Industry Alliance", 0,
                   name="European Solar Photovoltaic Industry Alliance", founded_on="2022-12-09")
    short = _quoted(Federation, "The European Solar Alliance will meet twice a year.", 400,
                    name="European Solar Alliance", founded_on="2022-12-09")
    (merged,) = merge_duplicates([short, full])
    assert merged.name == "European Solar Photovoltaic Industry Alliance" and [e.start for e in merged.evidence] == [0, 400]


def test_a_name_sharing_only_its_head_word_or_another_date_is_another_body():
    solar = _quoted(Federation, "the Solar Industry Alliance was founded", 0, name="Solar Industry Alliance",
                    founded_on="2022-12-09")
    older = _quoted(Federation, "the Solar Alliance, founded in 2015", 300, name="Solar Alliance", founded_on="2015")
    vague = _quoted(Federation, "The Alliance met in Rome.", 600, name="The Alliance")
    assert merge_duplicates([solar, older, vague]) == [solar, older, vague]


def test_one_leaders_visit_to_one_country_in_one_year_is_one_mission():
    def visit(start: int, leader: str, country: str | None, day: str | None) -> Mission:
        return _quoted(Mission, f"{leader} travelled abroad for talks.", start, title="Visit",
                       leader={"name": leader}, destination={"country": country}, start_date=day)

    first, again = visit(0, "President Biden", "AO", "2024-12-02"), visit(200, "President Biden Jr.", None, "2024-12")
    later, elsewhere = visit(400, "President Biden", "AO", "2022-05-01"), visit(600, "President Biden", "DE", None)
    other = visit(800, "Lloyd Austin", "AO", "2024-12-02")
    merged = merge_duplicates([first, again, later, elsewhere, other])
    assert [[e.start for e in m.evidence] for m in merged] == [[0, 200], [400], [600], [800]]


def test_two_bare_visits_to_one_city_one_led_by_no_one_named_are_one_mission():
    def trip(start: int, title: str, leader: str | None, city: str) -> Mission:
        return _quoted(Mission, f"La delegazione è arrivata a {city}.", start, title=title,
                       leader={"name": leader} if leader else None, destination={"city": city, "country": "BR"})

    one, again = trip(0, "Mission", "Fernando Pimentel", "Belo Horizonte"), trip(200, "Mission", None, "Belo Horizonte")
    assert len(merge_duplicates([one, again])) == 1
    named = trip(200, "Regional delegation to Belo Horizonte", None, "Belo Horizonte")  # a title of its own
    elsewhere = trip(400, "Mission", None, "São Paulo")
    both_led = trip(600, "Mission", "Franco Aprile", "Belo Horizonte")
    assert len(merge_duplicates([one, named, elsewhere, both_led])) == 4


def test_a_visit_told_again_without_its_leader_but_with_him_among_its_members_is_one_mission():
    def trip(start: int, leader: str | None, members: list[str], city: str) -> Mission:
        return _quoted(Mission, f"The delegation reached {city} for talks.", start, title="Visit",
                       leader={"name": leader} if leader else None, delegation=[{"name": m} for m in members],
                       destination={"city": city, "country": "CN"})

    led = trip(0, "Pierluigi Peracchini", ["Paolo Asti"], "Nanning")
    again = trip(200, None, ["Peracchini", "Paolo Asti"], "Zhuhai")
    strangers = trip(400, None, ["Paolo Asti"], "Shanghai")  # its members hold no leader of another
    merged = merge_duplicates([led, again, strangers])
    assert [[e.start for e in m.evidence] for m in merged] == [[0, 200], [400]]


def test_one_title_of_three_words_or_more_is_one_fact_a_bare_type_word_is_not():
    first = _quoted(Mou, "the United States will enter into a new MOU for assistance", 0, title="MOU for Jordan")
    again = _quoted(Mou, "One of the most significant bilateral instruments, the MOU", 300, title="MoU for Jordan")
    bare = [_quoted(Mission, "The delegation visited Seoul.", 600, title="Mission"),
            _quoted(Mission, "Another delegation went to Tokyo.", 900, title="Mission")]
    merged = merge_duplicates([first, again, *bare])
    assert [[e.start for e in m.evidence] for m in merged] == [[0, 300], [600], [900]]


def test_a_partnership_only_described_is_no_agreement():
    standing = _quoted(Agreement, "The United States and Peru maintain a long-standing partnership.", 0, title="Partnership")
    launched = _quoted(Agreement, "Brazil and the United States launched a new partnership on energy.", 100, title="Energy")
    assert drop_unmarked([standing, launched], _article(standing, launched)) == [launched]


def test_events_dated_years_before_the_article_are_history_it_recalls():
    from datetime import date

    from factx.merging import RECALLED_YEARS, drop_recalled

    old = Mission(title="Old visit", start_date="1963-01", evidence=[_ev(0, 5)])
    recent = Agreement(title="Deal", date=f"{2024 - RECALLED_YEARS + 1}", evidence=[_ev(5, 9)])
    undated = Mou(title="MoU", evidence=[_ev(9, 12)])
    founded = Federation(name="Old Federation", founded_on="1950", evidence=[_ev(12, 20)])
    kept = drop_recalled([old, recent, undated, founded], date(2024, 11, 8))
    assert [getattr(f, "title", None) or f.name for f in kept] == ["Deal", "MoU", "Old Federation"]
    assert drop_recalled([old], None) == [old]  # no publication date: nothing to measure against


def test_a_fact_is_judged_by_the_quotes_of_all_its_tellings():
    from factx.models import Person

    named = _quoted(Federation, "la Federazione Cinema Export", 0, name="Federazione Cinema Export")
    founded = _quoted(Federation, "È nata oggi la Federazione Cinema Export", 40, name="Federazione Cinema Export",
                      leaders=[Person(name="Anna Neri", role="President")])
    passing = _quoted(Federation, "producer associations in the region", 100, name="Producers")
    kept = drop_unmarked(merge_duplicates([named, founded, passing]), _article(named, founded, passing))
    assert [(f.name, len(f.evidence)) for f in kept] == [("Federazione Cinema Export", 2)]


def test_a_fact_the_model_titled_as_another_types_fact_is_that_fact():
    mou = _quoted(Mou, "MoU between AICS and ADM for joint programs", 0, title="MoU between AICS and ADM")
    again = _quoted(Agreement, "the two directors signed a collaboration agreement today", 200, title="MoU between AICS and ADM")
    own = _quoted(Agreement, "the two directors signed a framework agreement today", 400, title="Framework agreement AICS ADM")
    assert drop_restated([mou, again, own]) == [mou, own]
    letter = _quoted(Mou, "the assessor signs a letter of intent", 0, title="Letter of Intent")
    visit = _quoted(Mission, "the Chinese delegation met the assessor", 100, title="Letter of Intent")
    assert drop_restated([letter, visit]) == [letter, visit]  # the type's words alone tell nothing
    renewed = _quoted(Agreement, "Liguria and Sverdlovsk renewed their cooperation agreement", 0,
                      title="Renewed cooperation agreement with Sverdlovsk")
    hosted = _quoted(Mission, "Liguria International prepared a programme of visits for the Russian delegation", 100,
                     title="Renewed cooperation agreement with Sverdlovsk")
    assert drop_restated([renewed, hosted]) == [renewed, hosted]  # a visit titled as the accord it renewed


def test_an_agreement_told_only_in_a_memorandums_words_becomes_that_memorandum():
    signing = "Alle ore 10 sarà firmato un Protocollo d'Intesa tra la Camera di Commercio di Bari e la KCCI"
    parties = [Party(name="Camera di Commercio di Bari", kind="public_body", country="IT")]
    told = _quoted(Agreement, signing, 0, title="Bari-KCCI", kind="partnership", date="2025-05-06", parties=parties)
    accord = _quoted(Agreement, "Bari e Kiev hanno firmato un accordo di cooperazione", 200, title="Bari-Kyiv accord")
    visit = _quoted(Agreement, "La Camera accoglierà una delegazione di Kiev", 300, title="Visit")  # no memorandum word
    mou, kept, untold = retyped([told, accord, visit])
    assert (mou.type, mou.title, mou.date, mou.parties, mou.evidence) == ("mou", "Bari-KCCI", "2025-05-06", parties, told.evidence)
    assert (mou.aims, mou.context) == ([], None)
    assert (kept, untold) == (accord, visit)
    both = _quoted(Agreement, "firmato un accordo e un protocollo d'intesa", 0, title="Both")
    assert retyped([both]) == [both]  # told as an agreement too
    unfound = Agreement(title="U", evidence=[Evidence(quote=signing)], grounded=False)
    assert retyped([unfound]) == [unfound]  # quotes not in the text are not the article's words to judge


@pytest.mark.parametrize(("title", "quote", "kind", "status"), [
    ("Audio-Visual Co-Production Agreement", "Kenya and Chile sign an audio-visual agreement.", "co_production", "signed"),
    ("Accord", "Firmato l'accordo di coproduzione tra Kenya e Cile.", "co_production", "signed"),
    ("Renewed cooperation agreement", "Kenya and Chile signed the agreement.", "cooperation", "expanded"),
    ("Accord", "si è definito il rinnovo per cinque anni dell'accordo tra le due regioni", "cooperation", "expanded"),
    # a commitment renewed beside a new accord, and renewable energy, renew no accord
    ("Accord", "hanno rinnovato il loro impegno comune e poi hanno firmato un nuovo accordo.", "cooperation", "signed"),
    ("Renewable energy agreement", "Kenya and Chile signed a renewable energy agreement.", "cooperation", "signed"),
])
def test_an_agreements_kind_and_renewal_are_read_from_its_words(title, quote, kind, status):
    fact = worded(Agreement(title=title, kind="cooperation", evidence=[Evidence(quote=quote)]))
    assert (fact.kind, fact.status) == (kind, status)


def test_a_proposed_renewal_stays_proposed_and_other_types_are_left_alone():
    proposed = Agreement(title="Accord", status="proposed", evidence=[Evidence(quote="the agreement will be renewed")])
    assert worded(proposed).status == "proposed"
    memo = Mou(title="Renewed co-production memorandum")
    assert worded(memo) == memo


def test_a_visit_s_outcomes_hold_the_accords_made_during_it():
    city_hall = {"name": "Comune di Lecce", "kind": "government", "country": "IT"}
    visit = Mission(title="Gimhae delegation to Lecce", organizations=[{"name": "City of Gimhae", "kind": "government"}],
                    counterpart_organizations=[city_hall, {"name": "Italy", "kind": "government", "country": "IT"}],
                    outcomes=["Visit to the old town"], evidence=[_ev(0, 40)])
    memo = Mou(title="Lecce-Gimhae memorandum of friendship", parties=[city_hall], evidence=[_ev(100, 140)])
    told = Agreement(title="Lecce-Gimhae tourism accord", status="proposed", evidence=[_ev(20, 60)])  # a quote shared
    states = Agreement(title="Italy-Korea cultural agreement", parties=[{"name": "Italy"}], evidence=[_ev(300, 340)])  # a state
    bare = Agreement(title="Agreement", evidence=[_ev(10, 30)])  # says nothing of itself
    (kept, *_) = with_outcomes([visit, memo, told, states, bare])
    assert kept.outcomes == ["Lecce-Gimhae memorandum of friendship signed", "Lecce-Gimhae tourism accord proposed",
                             "Visit to the old town"]


def test_a_bare_agreement_between_a_memorandum_s_bodies_on_its_day_is_that_memorandum():
    film = [Party(name="Puglia Film Fund", kind="public_body"), Party(name="Film Oslo", kind="public_body")]
    memo = Mou(title="Puglia-Oslo film memorandum", parties=film, date="2026-03-02", evidence=[_ev(0, 40)])
    loose = Agreement(title="Agreement", parties=film[::-1], date="2026-03-02", evidence=[_ev(100, 140)])
    titled = Agreement(title="Puglia-Oslo co-production treaty", parties=film, date="2026-03-02", evidence=[_ev(200, 240)])
    states = [Party(name="Italy", kind="government"), Party(name="Norway", kind="government")]
    two_states = [Mou(title="Italy-Norway memorandum", parties=states, evidence=[_ev(300, 340)]),
                  Agreement(title="Agreement", parties=states, evidence=[_ev(400, 440)])]
    assert [f.title for f in drop_restated([memo, loose, titled, *two_states])] == [
        "Puglia-Oslo film memorandum", "Puglia-Oslo co-production treaty", "Italy-Norway memorandum", "Agreement"]
    other_day = loose.model_copy(update={"date": "2025-01-10"})
    assert len(drop_restated([memo, other_day])) == 2
    guests = [*film, Party(name="Imprenditori italiani", kind="company")]  # the ceremony's guests listed too
    assert drop_restated([memo, loose.model_copy(update={"parties": guests})]) == [memo]
    elsewhere = [film[0], Party(name="Film Bergen", kind="public_body")]  # one body shared is not enough
    assert len(drop_restated([memo, loose.model_copy(update={"parties": elsewhere})])) == 2


def test_a_visit_that_names_nobody_who_went_is_travel():
    travel = Mission(title="Travel to Italy", destination={"country": "IT"})
    led = Mission(title="Visit", leader={"name": "Ana Ruiz"})
    member = Mission(title="Visit", delegation=[{"name": "Ana Ruiz"}])
    sent = Mission(title="Visit", organizations=[{"name": "Comune di Lecce", "kind": "government"}])
    memo = Mou(title="Memo")
    named = Mission(title="Trade mission to Hanoi", evidence=[Evidence(quote="La missione imprenditoriale partirà")])
    assert drop_nobody([travel, led, member, sent, memo, named]) == [led, member, sent, memo, named]


def test_a_federation_named_by_a_word_the_text_writes_only_in_lower_case_is_none():
    text = "The new Alliance of Film Schools proposed mediation. The Alliance of Film Schools elected its board."
    said = [Evidence(quote="The new Alliance of Film Schools proposed mediation.", start=0, end=51)]
    common, body = Federation(name="Mediation", evidence=said), Federation(name="Alliance of Film Schools", evidence=said)
    assert drop_unmarked([common, body], text) == [body]


def test_a_federation_the_model_could_not_name_is_none():
    nameless = [Federation(name=word) for word in ("unknown", "N/A", "Not specified")]
    named = Federation(name="Cluster Nautico")
    assert drop_nobody([*nameless, named]) == [named]


def test_an_accord_told_again_under_a_bare_title_between_the_same_bodies_is_one():
    states = [Party(name="Brazil", kind="government"), Party(name="United States", kind="government")]
    named = Agreement(title="Brazil-U.S. energy partnership", parties=states, evidence=[_ev(0, 40)])
    bare = Agreement(title="Agreement", parties=states[::-1], evidence=[_ev(300, 340)])
    other = Agreement(title="Agreement", parties=[states[0], Party(name="Chile", kind="government")], evidence=[_ev(500, 540)])
    alone = Agreement(title="Agreement", parties=states[:1], evidence=[_ev(700, 740)])  # one body says too little
    merged = merge_duplicates([named, bare, other, alone])
    assert [f.title for f in merged] == ["Brazil-U.S. energy partnership", "Agreement", "Agreement"]
    assert len(merged[0].evidence) == 2


def test_accords_titled_by_their_parties_or_one_subject_within_the_other_s_are_one_other_subjects_two() -> None:
    bodies = [Party(name="St. Kitts Nevis Chamber of Industry and Commerce", kind="association"),
              Party(name="Korea International Trade Association", kind="association")]
    with_one = Mou(title="Memorandum of Understanding (MOU) with St. Kitts-Nevis Chamber of Industry and Commerce",
                   parties=bodies, date="2023-03-09", evidence=[_ev(0, 40)])
    both_sign = Mou(title="Korea International Trade Association and St. Kitts-Nevis Chamber Sign Memorandum of "
                    "Understanding", parties=bodies[::-1], date="2023-03-09", evidence=[_ev(300, 340)])
    assert len(merge_duplicates([with_one, both_sign])) == 1
    states = [Party(name="Morocco", kind="government"), Party(name="Chile", kind="government")]
    farming, fishing = (Mou(title=f"Memorandum of Understanding on {subject}", parties=states, date="2004-12-02",
                            evidence=[_ev(at, at + 40)]) for subject, at in (("Agriculture", 0), ("Fisheries", 300)))
    assert len(merge_duplicates([farming, fishing])) == 2
    cultural = Agreement(title="Agreement on Cultural Cooperation", parties=states, evidence=[_ev(500, 540)])
    broad = Agreement(title="Cooperation Agreement of Morocco and Chile", parties=states, evidence=[_ev(600, 640)])
    assert [f.title for f in merge_duplicates([cultural, broad])] == ["Agreement on Cultural Cooperation"]


def test_the_one_visit_is_led_by_whom_the_article_says_wherever_the_model_quoted():
    told = "È stato presentato il programma della delegazione di imprenditori guidata dall'assessore Mirco Carloni."
    described = "La missione a Dubai coinvolge oltre 100 soggetti."
    text = f"{told} {described}"
    visit = _quoted(Mission, described, len(told) + 1, title="Mission to Dubai", leader={"name": "Francesco Acquaroli"})
    memo = _quoted(Mou, told, 0, title="Memo")
    (led, kept) = leader_told([visit, memo], text)
    assert [e.quote for e in led.evidence] == [told, described] and kept is memo
    assert text[led.evidence[0].start:led.evidence[0].end] == told
    assert leader_told([visit, visit.model_copy(update={"title": "Another"})], text)[0] is visit  # whose is whose?
    assert leader_told([visit], f"{told} La seconda delegazione è guidata da Anna Neri.")[0] is visit
    promoted, guided = "La missione è promossa dai Ministeri.", "L'iniziativa è guidata dal ministro Carlo Rossi."
    other = _quoted(Mission, described, 0, title="Mission to Dubai")
    (after,) = leader_told([other], f"{described} {promoted} {guided}")
    assert [e.quote for e in after.evidence] == [described, guided]  # the mission of the sentence before it
    assert leader_told([other], f"{described} Il governo si riunisce. {guided}")[0] is other  # no mission before it


def test_a_federation_named_for_the_body_that_founded_it_is_the_one_founded():
    launch = "In April, USAID launched the Africa Tech for Trade Alliance and closed $274 million in financing."
    founder = _quoted(Federation, launch, 0, name="Agency for International Development", acronym="USAID",
                      leaders=[{"name": "Samantha Power", "role": "Administrator"}])
    (alliance,) = founded_named([founder])
    assert (alliance.name, alliance.acronym, alliance.leaders) == ("Africa Tech for Trade Alliance", None, [])
    own = _quoted(Federation, launch, 0, name="Trade Alliance of Africa")  # a federation's word: the model's reading
    merger = _quoted(Federation, "Dalla fusione delle tre associazioni nasce Confindustria Emilia.", 0,
                     name="Confindustria Emilia")  # the body founded is the one named
    assert founded_named([own, merger]) == [own, merger]


def test_accords_among_the_same_three_bodies_or_more_are_one_however_titled():
    """A twinning of three towns told in the headline, the body and the ceremony, one name spelled two ways
    and one given with its office's word; two countries' accords under their own titles stay two."""
    towns = ["Bracciano", "Chatenay-Malabry", "Neusaess"]

    def accord(title: str, names: list[str], at: int) -> Agreement:
        return Agreement(title=title, parties=[Party(name=n) for n in names], evidence=[_ev(at, at + 40)])

    merged = merge_duplicates([
        accord("Twinning of Bracciano, Chatenay-Malabry and Neusaess", towns, 0),
        accord("Twinning with the two northern towns", ["Comune di Bracciano", "Chatenay-Malabry", "Neussaess"], 100),
        accord("Bracciano", towns[::-1], 200),
    ])
    assert [(f.title, len(f.evidence)) for f in merged] == [("Twinning of Bracciano, Chatenay-Malabry and Neusaess", 3)]
    states = ["United States", "Vietnam"]
    two = merge_duplicates([accord("Comprehensive Strategic Partnership", states, 0),
                            accord("Dioxin remediation partnership at Bien Hoa", states, 100)])
    assert len(two) == 2
    other = accord("Twinning of Bracciano, Chatenay-Malabry and Monaco", [*towns[:2], "Monaco"], 300)
    assert len(merge_duplicates([accord("Twinning", towns, 0), other])) == 2


def test_a_bare_accord_signed_by_the_same_people_on_its_day_is_one_whatever_its_parties():
    """The small model splits "Pessano con Bornago" into two parties in one telling and not in the other."""
    from factx.models import Person

    signers = [Person(name="Alberto Villa", role="Mayor"), Person(name="Manuel De Araujo", role="Mayor")]

    def mou(parties: list[str], at: int, day: str = "2024-07-15", people: list[Person] = signers) -> Mou:
        return Mou(title="Agreement", date=day, parties=[Party(name=p) for p in parties], signatories=people,
                   evidence=[_ev(at, at + 40)])

    split = mou(["Pessano", "Bornago", "Mozambique"], 0)
    assert len(merge_duplicates([split, mou(["Pessano con Bornago", "Quelimane"], 100)])) == 1
    assert len(merge_duplicates([split, mou(["Pessano con Bornago", "Quelimane"], 100, "2024-07-16")])) == 2
    assert len(merge_duplicates([split, mou(["Pessano con Bornago", "Quelimane"], 100, people=signers[:1])])) == 2


def test_undated_accords_signed_by_one_person_among_the_same_bodies_are_one():
    from factx.models import Person

    signer = [Person(name="Georges Siffredi", role="Mayor")]
    three = Agreement(title="Twinning of three towns", signatories=signer, evidence=[_ev(0, 40)],
                      parties=[Party(name=n) for n in ("Bracciano", "Chatenay-Malabry", "Neusaess")])
    two = Agreement(title="Twinning of Bracciano and Chatenay-Malabry", signatories=signer, evidence=[_ev(100, 140)],
                    parties=[Party(name=n) for n in ("Bracciano", "Chatenay-Malabry")])
    assert len(merge_duplicates([three, two])) == 1
    dated = two.model_copy(update={"date": "2016-04-23"})
    assert len(merge_duplicates([three, dated])) == 2  # one dated, one not: not known to be one signing


def test_a_federation_named_by_its_short_form_is_named_in_full_as_the_article_writes_it():
    text = ("Nasce Ita.C.A., nuova associazione di produttori. È quella della neonata Associazione Italiana Cinema e "
            "Audiovisivo, ovvero Ita.C.A.: una nuova realtà. An Inaugural Assembly of the Global Public Diplomacy "
            "Network (GPDNET) has opened. The ANICA board met.")
    short = _quoted(Federation, "Nasce Ita.C.A., nuova associazione di produttori.", 0, name="Ita.C.A.")
    network = Federation(name="GPDNET", evidence=[_ev(0, 10)])
    unwritten = Federation(name="ANICA", evidence=[_ev(0, 10)])  # the article writes no full name beside it
    named = full_named([short, network, unwritten], text)
    assert [(f.name, f.acronym) for f in named] == [
        ("Associazione Italiana Cinema e Audiovisivo", "Ita.C.A."), ("Global Public Diplomacy Network", "GPDNET"),
        ("ANICA", None)]


def test_a_federations_officers_named_after_their_office_join_its_leaders():
    organs = ("Gli organi di Confindustria Emilia: il presidente sarà Alberto Vacchi, attuale numero uno di Unindustria Bologna, e vicepresidenti "
              "Valter Caiumi (Modena) e Riccardo Maiarelli (Ferrara).")
    text = f"Nasce Confindustria Emilia. {organs} Asseprim firma. Il presidente Asseprim Umberto Bellini e Confindustria Emilia."
    body = _quoted(Federation, "Nasce Confindustria Emilia.", 0, name="Confindustria Emilia")
    (told,) = officers_told([body], text)
    assert [(p.name, p.role, p.organization) for p in told.leaders] == [
        ("Alberto Vacchi", "President", "Confindustria Emilia"), ("Valter Caiumi", "Vice President", "Confindustria Emilia"),
        ("Riccardo Maiarelli", "Vice President", "Confindustria Emilia")]
    # Another body's office is none of its: its name before the office, or the name run into the office's.
    others = "Parlano GS Group Chairman Huh Tae-soo e il presidente Asseprim Umberto Bellini di Confindustria Emilia."
    assert officers_told([body], f"Nasce Confindustria Emilia. Asseprim firma. {others}")[0].leaders == []


def test_officers_are_read_where_the_federation_or_its_leader_is_named_and_no_other_federation():
    text = ("Michael Weber is the founding president of Europa International. Weber is joined on the board by "
            "vice-presidents Frederik Stege (TrustNordisk) and Daniela Elstner, with Nelleke Driessen as deputy. "
            "EFEX and Europa International met, and EFEX vice-president Dieter Menz spoke.")
    body = _quoted(Federation, text[:63], 0, name="Europa International",
                   leaders=[{"name": "Michael Weber", "role": "founding president"}])
    other = _quoted(Federation, "EFEX and Europa International met", text.index("EFEX"), name="EFEX")
    told, kept = officers_told([body, other], text)
    assert [(p.name, p.role) for p in told.leaders] == [
        ("Michael Weber", "founding president"), ("Frederik Stege", "Vice President"), ("Daniela Elstner", "Vice President")]
    assert kept.leaders == []  # the sentence naming EFEX names Europa International too: whose office is not said


def test_an_officer_named_before_the_federation_s_office_set_beside_the_name_joins_its_leaders():
    text = ("Nasce la Federazione delle Accademie Cinematografiche in Europa. «Un cerchio di solidarietà», ha detto "
            "Yann Tonnar, presidente della Luxembourg Film Academy e presidente del consiglio di amministrazione della "
            "Federazione. Alla Federazione aderisce l'Accademia del Cinema, ha detto Anna Blu, presidente dell'Accademia.")
    body = _quoted(Federation, text[:70], 0, name="Federazione delle Accademie Cinematografiche in Europa")
    (told,) = officers_told([body], text)
    assert [(p.name, p.role) for p in told.leaders] == [("Yann Tonnar", "Chair of the Board")]  # not the academies'


def test_a_leaders_role_naming_another_leader_takes_the_office_written_before_it():
    text = "Presieduta da Giorgio Scorza (vicepresidente Riccardo Trigona), Animation Italia nasce a Roma."
    body = _quoted(Federation, text, 0, name="Animation Italia",
                   leaders=[{"name": "Giorgio Scorza", "role": "vicepresidente Riccardo Trigona"}])
    (told,) = officers_told([body], text)
    assert [(p.name, p.role) for p in told.leaders] == [("Giorgio Scorza", "President"), ("Riccardo Trigona", "Vice President")]


def test_an_officer_named_before_the_office_taken_joins_the_one_federations_leaders():
    text = ("The European Film Commissions Network unveiled its first board, led by its president. "
            "Film France's Patrick Lamassoure will be the organization's general secretary; Marianne Gassner from "
            "the Stuttgart Region Film Commission was elected treasurer; Mario Rossi was elected president of the "
            "Luxembourg Film Academy.")
    body = _quoted(Federation, text[:60], 0, name="European Film Commissions Network")
    (told,) = officers_told([body], text)
    assert [(p.name, p.role) for p in told.leaders] == [
        ("Patrick Lamassoure", "Secretary General"), ("Marianne Gassner", "Treasurer")]  # not the Academy's president
    other = _quoted(Federation, "Another Alliance", 0, name="Another Alliance")
    assert officers_told([body, other], text)[0].leaders == []  # two federations: "the organization" is whose?
