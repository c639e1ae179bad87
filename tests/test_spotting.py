"""The program's first look: which sentences may state each fact type, by trigger words."""

from __future__ import annotations

import json

import pytest

from factx import spotting
from factx.models import FACT_TYPES
from factx.pipeline import Extractor
from helpers import ROOT, Scripted, chat_completion

TEXT = (
    "TRENTO – Il presidente ha ricevuto oggi una delegazione della Baviera.\n"
    "Le due regioni hanno concluso un memorandum sul turismo. "
    "La squadra di calcio ha vinto la partita!"
)


def test_each_type_is_spotted_in_its_own_sentences_only():
    (mission,) = spotting.spot(TEXT, "mission")
    assert mission == "TRENTO – Il presidente ha ricevuto oggi una delegazione della Baviera."
    assert spotting.spot(TEXT, "mou") == ["Le due regioni hanno concluso un memorandum sul turismo."]
    assert spotting.spot(TEXT, "federation") == []


@pytest.mark.parametrize(
    ("sentence", "fact_type"),
    [
        ("President Biden will travel to Luanda next week.", "mission"),
        ("Una missione commerciale partirà per Tokyo.", "mission"),
        ("La délégation française est arrivée à Rome.", "mission"),
        ("The two ports established a sister city partnership.", "agreement"),
        ("Firmato l'accordo di coproduzione.", "agreement"),
        ("They signed a Memorandum of Understanding (MOU).", "mou"),
        ("Le università firmeranno una lettera di intenti.", "mou"),
        ("Sarà firmato il protocollo di intesa fra le due Camere.", "mou"),
        ("Customs signed a joint declaration of intent on May 23.", "mou"),
        ("Le parti hanno sottoscritto una dichiarazione d’intenti.", "mou"),
        ("Signature d’un accord-cadre culturel et de 3 mémorandums.", "mou"),
        ("Le deuxième mémorandum d’entente a été signé.", "mou"),
        ("The Commission launches the Alliance for Zero Emission Aviation.", "federation"),
        ("È nata la Federazione europea del sughero.", "federation"),
        ("Il consorzio riunisce venti imprese.", "federation"),
        # German names end compound words; Portuguese and French have their own
        ("Eine Wirtschaftsdelegation aus Bayern reist nach Kanada.", "mission"),
        ("Der Minister war zu einem Staatsbesuch in Brasilien.", "mission"),
        ("Die Handelsmission nach Indien beginnt morgen.", "mission"),
        ("Die beiden Hochschulen unterzeichneten eine Kooperationsvereinbarung.", "agreement"),
        ("Das Koproduktionsabkommen wurde verlängert.", "agreement"),
        ("Der neue Dachverband wurde in Berlin gegründet.", "federation"),
        ("Uma comitiva empresarial visitou Luanda.", "mission"),
        ("As duas universidades assinaram um convênio de cooperação.", "agreement"),
        ("Foi criada a Associação dos Produtores.", "federation"),
        ("Une mission économique s'est rendue à Dakar.", "mission"),
        ("Un protocole d'entente a été signé.", "mou"),
        ("Las universidades firmaron un convenio marco.", "agreement"),
    ],
)
def test_trigger_words_in_several_languages(sentence, fact_type):
    assert spotting.spot(sentence, fact_type) == [sentence]


def test_words_inside_other_words_are_not_triggers():
    assert spotting.spot("The Commission met the Huskies and their coach at the stadium.", "mission") == []
    assert spotting.spot("Un accordion suonava in piazza.", "agreement") == []
    assert spotting.spot("Die Kommission senkt die Preise für Kreise.", "mission") == []


def test_at_most_max_sentences_in_text_order_and_a_long_one_is_cut_around_its_word():
    text = " ".join(f"Delegation number {i} arrived." for i in range(spotting.MAX_SENTENCES + 3))
    found = spotting.spot(text, "mission")
    assert found == [f"Delegation number {i} arrived." for i in range(spotting.MAX_SENTENCES)]
    long = "word " * 300 + "the delegation arrived " + "word " * 300
    (cut,) = spotting.spot(long, "mission")
    assert "the delegation arrived" in cut and len(cut) <= spotting.MAX_SENTENCE_CHARS and cut in long


def test_the_trigger_list_names_every_fact_type_and_each_word_compiles():
    words = json.loads((ROOT / "prompts" / "triggers.json").read_text(encoding="utf-8"))
    assert sorted(t for t in words if not t.startswith("_")) == sorted(FACT_TYPES)


def test_a_type_with_no_trigger_word_costs_no_call_and_the_question_shows_the_sentences():
    backend = Scripted(chat_completion('{"facts": []}'), chat_completion('{"facts": []}'))
    record = Extractor(backend).extract(TEXT)
    asked = [r["messages"][-1]["content"].rsplit('"""', 1)[1] for r in backend.requests]
    assert len(asked) == 2 and record.stats.model_calls == 2  # mou and mission; no agreement, no federation word
    assert "List every memorandum" in asked[0] and "- Le due regioni hanno concluso un memorandum" in asked[0]
    assert "List every mission" in asked[1] and "- TRENTO – Il presidente ha ricevuto oggi" in asked[1]


def test_a_text_without_any_trigger_word_costs_no_call():
    backend = Scripted()
    record = Extractor(backend).extract("Piove su Trento da tre giorni. Domani torna il sole.")
    assert backend.requests == [] and record.facts == [] and record.stats.model_calls == 0


@pytest.mark.parametrize(
    ("sentence", "named"),
    [
        ("Today the Commission launches the Alliance for Zero Emission Aviation.", True),
        ("La Federazione punta a cambiare il cinema.", True),
        ("to strengthen our Euro-Atlantic alliances and partnerships.", False),
        ("in rappresentanza di associazioni nazionali o società di 22 paesi", False),
        ("An Inaugural Assembly of the Global Trade Network has opened in Seoul.", True),
        ("Nasce Rete Export, la rete dei consorzi.", True),
        ("creating a wider trade network between the islands", False),
        ("i consorzi hanno scelto di unirsi in rete", False),
    ],
)
def test_a_body_is_named_when_its_word_has_a_capital(sentence: str, named: bool):
    assert spotting.proper_name(sentence, "federation") is named


def _facts_schema(request: dict) -> dict:
    return request["response_format"]["json_schema"]["schema"]["properties"]["facts"]


def test_a_named_alliance_must_be_answered_with_a_fact_and_alliances_in_passing_need_not():
    launch = "Brussels, 3 May. The Commission launches the Alliance for Zero Emission Aviation, with 74 members."
    passing = "The minister will strengthen alliances and partnerships with the region."
    backend = Scripted(*[chat_completion('{"facts": []}')] * 3)
    Extractor(backend, types=("federation",)).extract(launch)
    Extractor(backend, types=("federation", "agreement")).extract(passing)
    named, in_passing, agreement = (_facts_schema(r) for r in backend.requests)
    assert named.get("minItems") == 1
    assert "minItems" not in in_passing and "minItems" not in agreement


@pytest.mark.parametrize(
    ("quote", "back"),
    [
        ("This new partnership presents a strategic opportunity.", True),
        ("A sottolineare le potenzialità di questo accordo sarà il ministro.", True),
        ("quest'accordo prevede scambi di studenti", True),
        ("The partnership intends to serve as a framework.", False),
        ("They signed this agreement and a new agreement on water.", False),
        ("The two agencies met on Monday.", False),
    ],
)
def test_a_quote_refers_back_when_every_name_of_the_type_follows_a_demonstrative(quote: str, back: bool):
    assert spotting.refers_back(quote, "agreement") is back


def test_spotted_sentences_are_asked_at_most_four_at_a_time_evenly():
    assert [len(g) for g in spotting.groups([f"s{i}" for i in range(7)])] == [3, 4]
    assert spotting.groups([]) == [] and spotting.groups(["a"]) == [["a"]]


def test_a_text_naming_many_agreements_is_asked_in_questions_of_four_sentences():
    text = " ".join(f"Region {i} signed an agreement on topic {i}." for i in range(6))
    backend = Scripted(*[chat_completion('{"facts": []}')] * 2)
    Extractor(backend, types=("agreement",)).extract(text)
    shown = [[line for line in r["messages"][-1]["content"].splitlines() if line.startswith("- ")] for r in backend.requests]
    assert shown == [[f"- Region {i} signed an agreement on topic {i}." for i in range(3)],
                     [f"- Region {i} signed an agreement on topic {i}." for i in range(3, 6)]]


@pytest.mark.parametrize(("quote", "told"), [
    ("The two countries maintain a long-standing security and defense partnership.", False),
    ("Today we commemorate our indispensable partnership with Peru.", False),
    ("This new partnership presents a strategic opportunity.", True),
    ("The Partnership will formalize regular collaboration between the two governments.", True),
    ("Le parti hanno firmato un partenariato strategico.", True),
    ("The two countries signed an agreement on water.", True),  # a name tells it alone
    ("Un accordo di coproduzione.", True),
])
def test_a_partnership_tells_an_agreement_only_beside_an_act(quote: str, told: bool):
    assert spotting.tells(quote, "agreement") is told
    assert spotting.spot(quote, "agreement") == [quote]  # still spotted: the model is asked, the program judges


SPORT = (
    "The champions came to the White House. The team won the league in a season of 60 games; "
    "the coach thanked the players and the fans. They visited the Oval Office. The delegation was seen off "
    "by the President of the Board of Directors of the National Football Federation."
)


def test_a_text_about_a_sport_is_not_asked_for_missions_agreements_or_federations():
    assert spotting.unasked(SPORT) == {"mission", "agreement", "federation"}
    backend = Scripted()
    record = Extractor(backend).extract(SPORT)
    assert backend.requests == [] and record.facts == []


@pytest.mark.parametrize("text", [
    # a sporting director's "missione" to sign a forward: the market's words make the text a sport's
    "Partita la seconda missione del ds a Londra per il centravanti: non c'è ancora l'accordo con il club. "
    "Il direttore sportivo punta a chiudere prima delle visite mediche, poi gli allenamenti con il nuovo "
    "terzino, mentre la cessione del vecchio attaccante resta in sospeso.",
    # a lawsuit over a launch "deal": the court's words make the text a court case's
    "A federal judge has asked the Air Force and the company to try mediation to resolve a lawsuit over the "
    "deal. The company sued in April; the court heard the plaintiff and the defendant, and the judge denied "
    "a motion to dismiss. Attorneys for both sides will report on the missions in question.",
])
def test_a_football_transfer_or_a_court_case_is_not_asked_for_missions_agreements_or_federations(text: str):
    assert spotting.unasked(text) == {"mission", "agreement", "federation"}


def test_a_memorandum_between_a_court_and_a_university_is_asked_as_usual():
    assert spotting.unasked("Il Tribunale e l'Università hanno firmato un protocollo d'intesa sui tirocini.") == frozenset()


def test_a_cooperation_text_that_mentions_a_sport_is_asked_as_usual():
    text = (
        "The Minister of Sport led a delegation to Tokyo and signed an agreement on training for athletes "
        "with the Japanese government, ahead of the Olympic season, in a programme that covers culture, "
        "tourism, research and the exchange of coaches between the two countries."
    )
    assert spotting.unasked(text) == frozenset()
    assert spotting.unasked("") == frozenset()


@pytest.mark.parametrize(
    ("quote", "told"),
    [
        ("La Commissione accoglie con favore l'accordo politico sul programma.", False),
        ("Parliament and Council reached a provisional agreement on the regulation.", False),
        ("Siamo d'accordo con il sindaco.", False),
        ("Le parti, di comune accordo, rinviano l'incontro.", False),
        ("They will create a phone tree in partnership with local groups.", False),
        ("Il comune, in partenariato con le scuole, ha creato un orto.", False),
        ("The two ministries signed a new partnership on clean energy.", True),
        ("Firmato l'accordo di cooperazione tra le due regioni.", True),
        ("L'accordo politico è rinviato, ma le due città hanno firmato un accordo culturale.", True),
        ("È stata firmata un’intesa strategica tra le due agenzie.", True),
        ("L'intesa durerà tre anni.", True),
        ("ACCORDO CON I SINDACATI MA I COBAS SONO CONTRARI", False),  # a labour accord: no cooperation
        ("La riorganizzazione ha preso forma con l’accordo dei sindacati confederali.", False),
        ("Workers ratified a new collective agreement with the airline.", False),
        ("The European Union agreement with Japan was signed in Tokyo.", True),
        ("Il rettore ha firmato tre intese con le università cinesi.", True),
    ],
)
def test_phrases_that_use_the_word_for_no_agreement_tell_none(quote, told):
    assert spotting.tells(quote, "agreement") is told
    assert spotting.names(quote, "agreement") is told
    assert bool(spotting.spot(quote, "agreement")) is told


@pytest.mark.parametrize(
    ("quote", "told"),
    [
        ("The Commission officially launches the Alliance for Zero Emission Aviation.", True),
        ("È nata oggi a Roma la nuova Federazione dei produttori.", True),
        ("The Alliance brings together 300 members from industry and research.", True),
        ("Il presidente dell'Associazione ha presentato il piano.", False),  # a body named with its head in passing
        ("Mario Rossi, who also heads the Korea Enterprises Federation, spoke.", False),
        ("The Federation's congress elected a new board.", True),
        ("The agency supports lending to producer associations in the Amazon.", False),
        ("They renewed their commitment, including through the Global Coalition against piracy.", False),
        ("The Alliance elected its president, Maria Rossi.", True),
        ("President Obama and the King reaffirmed their role in the Global Coalition against piracy.", False),
        ("Il Presidente Mattarella ha salutato i delegati dell'Associazione.", False),
    ],
)
def test_a_federation_is_told_only_with_its_founding_or_its_organs(quote, told):
    assert spotting.tells(quote, "federation") is told
    assert spotting.names(quote, "federation")  # still named, so still spotted and asked for


@pytest.mark.parametrize(
    ("sentence", "chosen"),
    [
        ("Nasce il 5 dicembre l'unione degli industriali della regione.", True),
        ("Dalla fusione delle tre associazioni nasceranno due consorzi.", True),
        ("The association held its annual meeting in May.", False),
        ("The alliance was established in 2020 by nine institutes.", True),
        ("Training will facilitate MAF development and establish long-term rapport between leaders.", False),
        ("The two councils established close ties and diplomatic relations.", False),
    ],
)
def test_a_body_born_is_a_body_founded(sentence: str, chosen: bool):
    assert spotting.chosen(sentence) is chosen


@pytest.mark.parametrize(
    "sentence",
    [
        "Non era di certo una missione impossibile, ma il film ha vinto il weekend.",
        "Mission: Impossible tops the box office for a second week.",
    ],
)
def test_the_idiom_of_an_impossible_mission_names_no_mission(sentence: str):
    assert spotting.spot(sentence, "mission") == []
    assert spotting.spot(sentence.replace("impossibile", "commerciale").replace(": Impossible", "s to Rome"), "mission")


@pytest.mark.parametrize(
    ("quote", "told"),
    [
        ("Joint Statement Following the Meeting of the Two Presidents in Jeddah", False),
        ("Il documento è stato firmato ieri dai due ministri.", False),
        ("The two ministers signed an agreement on maritime security.", True),
        ("The leaders launched a new partnership on clean energy.", True),
        ("Il prestito è stato firmato con Intesa Sanpaolo.", False),  # a bank, not an understanding
    ],
)
def test_an_agreement_is_told_only_in_words_that_name_one(quote, told):
    assert spotting.tells(quote, "agreement") is told
    assert spotting.spot(quote, "agreement")  # a cue still picks the sentence to show the model


LIST = ("Nel corso del Vertice sono stati sottoscritti un Memorandum sulla pesca, un Accordo sul restauro del "
        "Museo del Cairo e un Memorandum sulla protezione dei beni culturali. Il Memorandum sulla pesca durerà tre anni.")


def test_each_fact_a_list_names_is_its_own_clause_until_a_reported_fact_quotes_it():
    types = ("agreement", "mou")
    clauses = spotting.unreported(LIST, "mou", [], types)
    assert [LIST[s:e] for s, e in clauses] == ["stati sottoscritti un Memorandum sulla pesca",
                                                "un Memorandum sulla protezione dei beni culturali."]
    assert [LIST[s:e] for s, e in spotting.unreported(LIST, "agreement", [], types)] == [
        "un Accordo sul restauro del Museo del Cairo"]
    first = LIST.index("Memorandum sulla pesca")
    assert [LIST[s:e] for s, e in spotting.unreported(LIST, "mou", [(first, first + 22)], types)] == [
        "un Memorandum sulla protezione dei beni culturali."]


@pytest.mark.parametrize("sentence", [
    "The delegation led by the minister signed an agreement in Hanoi.",  # two facts of two types: both asked already
    "The Agreement on film co-production between Italy and Japan was signed in Tokyo.",  # one item, two names
    "Il Memorandum, come questo memorandum, vale tre anni.",  # a name that refers back is no new item
])
def test_a_sentence_naming_one_fact_or_two_of_two_types_is_no_list(sentence: str):
    assert all(spotting.unreported(sentence, t, [], FACT_TYPES) == [] for t in FACT_TYPES)


def test_typographic_apostrophes_trigger_as_plain_ones():
    assert spotting.spot("L’Algeria ha firmato una lettera d’intenti con la fondazione.", "mou")
    assert not spotting.tells("Siamo d’accordo con il sindaco.", "agreement")


def test_a_list_the_first_answer_leaves_half_told_is_asked_again_clause_by_clause():
    first = '{"facts": [{"evidence": ["un Memorandum sulla pesca"], "title": "Fishing MoU"}]}'
    second = '{"facts": [{"evidence": ["un Memorandum sulla protezione dei beni culturali."], "title": "Heritage MoU"}]}'
    backend = Scripted(chat_completion(first), chat_completion(second), chat_completion('{"facts": []}'))
    record = Extractor(backend, types=("mou",)).extract(LIST)
    assert sorted(f.title for f in record.facts) == ["Fishing MoU", "Heritage MoU"]
    shown = [line for line in backend.requests[1]["messages"][-1]["content"].splitlines() if line.startswith("- ")]
    assert shown == ["- un Memorandum sulla protezione dei beni culturali."]
    assert len(backend.requests) == 2  # every clause told: nothing asked a third time


@pytest.mark.parametrize("sentence", [
    "L'Ambasciatore, per l'occasione, era accompagnato dal Ministro plenipotenziario Juan Forero.",
    "The talks were led by the two foreign ministers.",
])
def test_who_leads_or_accompanies_picks_a_sentence_but_tells_no_trip(sentence):
    assert spotting.spot(sentence, "mission") == [sentence]  # shown to the model
    assert not spotting.tells(sentence, "mission")  # but no mission is kept on those words alone
    assert spotting.tells("La delegazione, accompagnata dal ministro, ha visitato Tokyo.", "mission")


@pytest.mark.parametrize(("quote", "body"), [
    ("USAID launched the Africa Tech for Trade Alliance.", "Africa Tech for Trade Alliance"),
    ("élu à l’unanimité président de cette nouvelle Association.", None),  # only the type's word: no name
    ("an order of rockets from SpaceX-rival United Launch Alliance.", None),  # "Launch" is part of a name
])
def test_the_body_a_quote_tells_founded_is_a_name_after_an_act_outside_names(quote: str, body: str | None):
    assert spotting.founded(quote) == body


def test_a_short_form_is_spelled_out_by_the_words_its_letters_begin():
    text = "L’Assemblée Constitutive du Fonds Panafricain du Cinéma et de l’Audiovisuel (FPCA) réunie à Tunis."
    assert spotting.spelled_out("FPCA", text) == "Fonds Panafricain du Cinéma et de l’Audiovisuel"
    assert spotting.spelled_out("ICE", "Fonds Panafricain (ICE)") is None
