"""Which calls the pipeline makes: per spotted type, or after the model's triage; windows of long texts."""

from __future__ import annotations

import json

from factx.pipeline import Extractor
from helpers import Scripted, chat_completion

TEXT = (
    "Roma, 3 marzo 2026 – Il ministro Luca Verdi ha guidato oggi una missione a Hanoi. "
    "La squadra di calcio ha vinto la partita."
)
MISSION = {
    "evidence": ["Il ministro Luca Verdi ha guidato oggi una missione a Hanoi"],
    "title": "Italian mission to Vietnam",
    "leader": {"name": "Luca Verdi", "role": "Minister", "organization": None},
    "destination": {"city": "Hanoi", "country": "Vietnam", "venue": None},
    "start_date": "oggi",
}


def _triage(*mentions: tuple[str, str]) -> str:
    return json.dumps({"mentions": [{"quote": q, "type": t} for q, t in mentions]})


def test_only_types_whose_quote_is_in_the_text_are_extracted():
    backend = Scripted(
        chat_completion(_triage(("ha guidato oggi una missione a Hanoi", "mission"),
                                ("Italia e Vietnam hanno firmato un memorandum", "mou"))),
        chat_completion(json.dumps({"facts": [MISSION]})),
    )
    record = Extractor(backend, triage=True).extract(TEXT)
    assert len(backend.requests) == 2  # triage, then the mission only: the mou quote is invented
    assert "mission" in backend.requests[1]["messages"][-1]["content"].rsplit('"""', 1)[1]
    (fact,) = record.facts
    assert (fact.type, fact.destination.country, fact.start_date) == ("mission", "VN", "2026-03-03")
    assert record.stats.model_calls == 2


def test_a_text_with_no_facts_costs_one_call():
    backend = Scripted(chat_completion(_triage()))
    record = Extractor(backend, triage=True).extract(TEXT)
    assert len(backend.requests) == 1 and record.facts == [] and record.warnings == []


def test_requested_types_bound_the_triage():
    backend = Scripted(chat_completion(_triage(("ha guidato oggi una missione a Hanoi", "mission"))))
    record = Extractor(backend, types=("agreement", "mou"), triage=True).extract(TEXT)
    assert len(backend.requests) == 1 and record.facts == []


def test_an_unusable_triage_falls_back_to_every_requested_type():
    empty = chat_completion('{"facts": []}')
    backend = Scripted(chat_completion("not json"), chat_completion("still not json"), empty, empty)
    record = Extractor(backend, types=("mou", "federation"), triage=True).extract(TEXT)
    assert len(backend.requests) == 4  # two tries at the triage, then both types
    assert record.warnings[0].startswith("triage: invalid answer after 2 tries")


def test_without_triage_every_type_whose_words_occur_is_asked():
    text = TEXT + " Le città hanno firmato un accordo e un memorandum; è nata una federazione."
    empty = chat_completion('{"facts": []}')
    backend = Scripted(*[empty] * 4)
    Extractor(backend, triage=False).extract(text)
    assert len(backend.requests) == 4


def test_a_long_text_is_read_in_windows_and_a_fact_seen_twice_is_kept_once():
    mission = "Il ministro Luca Verdi ha guidato oggi una missione a Hanoi"
    # 930-character windows overlap by 62: end the first window right after the
    # mission's sentence, so the second one starts with it again
    text = "Piove. " * ((930 - len(mission) - 2) // 7) + mission + ". " + "Piove. " * 130
    triage = chat_completion(_triage((mission, "mission")))
    thin = {**MISSION, "leader": None}
    backend = Scripted(
        triage, chat_completion(json.dumps({"facts": [MISSION]})),
        triage, chat_completion(json.dumps({"facts": [thin]})),
        chat_completion(_triage()),
    )
    record = Extractor(backend, window_chars=930, triage=True).extract(text)
    read = [r["messages"][-1]["content"].split('"""')[1].strip() for r in backend.requests[::2]]
    assert len(read) == 3 and all(len(part) <= 930 for part in read)
    assert [mission in part for part in read] == [True, True, False]
    (fact,) = record.facts  # the two answers are merged into the fuller one
    assert fact.leader is not None and fact.leader.name == "Luca Verdi"
    (evidence,) = fact.evidence
    assert text[evidence.start:evidence.end] == mission == evidence.quote
    assert record.stats.model_calls == 5


def test_the_backend_is_warmed_before_the_first_question_and_not_for_a_text_that_asks_nothing():
    class WarmedFirst(Scripted):
        def warm(self) -> None:
            self.requests.append({"warm": True})

    backend = WarmedFirst(chat_completion(json.dumps({"facts": [MISSION]})))
    Extractor(backend, types=("mission",), triage=False).extract(TEXT)
    assert [list(r) for r in backend.requests][:1] == [["warm"]] and len(backend.requests) == 2
    idle = WarmedFirst()
    Extractor(idle, types=("mission",), triage=False).extract("Il tempo a Roma oggi è sereno, con vento debole.")
    assert idle.requests == []  # no word of a visit: no question, no weights


LAUNCH = ("Thirty-one British film sales companies have joined forces to launch a trade association, "
          "Film Export U.K., aimed at promoting British films overseas.")
TRADE_BODY = {"evidence": [LAUNCH[:86]], "name": "Film Export U.K.", "acronym": None, "leaders": []}


def test_an_empty_answer_beside_a_sentence_stating_the_fact_is_asked_again_on_that_sentence():
    text = "LONDON -- The weather was fine. " * 9 + LAUNCH + " The reception was at the House of Lords." * 4
    empty = chat_completion('{"facts": []}')
    backend = Scripted(empty, chat_completion(json.dumps({"facts": [TRADE_BODY]})))
    record = Extractor(backend, types=("federation",), triage=False).extract(text)
    assert [f.name for f in record.facts] == ["Film Export U.K."]
    article = backend.requests[1]["messages"][-1]["content"]
    assert LAUNCH in article and "weather" not in article and "House of Lords" not in article


def test_an_empty_answer_is_final_when_the_sentence_stating_the_fact_was_most_of_what_was_shown():
    backend = Scripted(chat_completion('{"facts": []}'))
    record = Extractor(backend, types=("federation",), triage=False).extract(LAUNCH + " The reception was long.")
    assert len(backend.requests) == 1 and record.facts == []


def test_an_empty_answer_is_final_when_no_sentence_states_the_fact():
    text = "The weather was fine. The film association held its annual dinner. The reception was long."
    backend = Scripted(chat_completion('{"facts": []}'))
    record = Extractor(backend, types=("federation",), triage=False).extract(text)
    assert len(backend.requests) == 1 and record.facts == []
