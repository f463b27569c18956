"""AgencyWords: the agencies a message names are found by their words in every language, each
once, and a word DIET took for an agency that is none is dropped."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.agencies import AgencyWords, agency_words, find_agencies


def agencies(text: str, diet: list[dict] | None = None) -> list[str]:
    message = Message(data={TEXT: text, ENTITIES: list(diet or [])})
    AgencyWords(agency_words()).process([message])
    return sorted(e["value"] for e in message.get(ENTITIES) if e["entity"] == "agency")


@pytest.mark.parametrize(("text", "expected"), [
    ("i reported it to both the police and the council", ["council", "police"]),
    ("wnes i riportio fe i'r heddlu a'r cyngor", ["council", "police"]),
    ("پولیس اور کونسل کو", ["council", "police"]),
    ("zgłosiłam policji i radzie", ["council", "police"]),
    ("the housing association and my gp", ["health", "housing"]),
    ("the noise goes on every night", []),
    # slang for the police
    ("a la poli otra vez", ["police"]),
    ("liguei pra bofia", ["police"]),
    # one word for "other" beside a named agency means "again" or "another"
    ("policia outra vez", ["police"]),
    ("y cyngor eto, a'r tro arall yr heddlu", ["council", "police"]),
    # "other" said as such is kept
    ("a outra pessoa", ["other"]),
    ("the police and someone else", ["other", "police"]),
    # a typo never reaches "other": "outra" alone is no agency
    ("outra", []),
])
def test_agencies_named_in_words_are_found(text, expected):
    assert agencies(text) == expected


def test_diet_and_words_together_give_each_agency_once():
    diet = [{"entity": "agency", "value": "police", "start": 21, "end": 27},
            {"entity": "agency", "value": "riportio", "start": 6, "end": 14}]
    assert agencies("wnes i riportio fe i'r heddlu a'r cyngor", diet) == ["council", "police"]


def test_the_agencies_stay_in_the_order_typed():
    diet = [{"entity": "agency", "value": "council", "start": 10, "end": 15}]
    message = Message(data={TEXT: "پولیس اور کونسل کو", ENTITIES: diet})
    AgencyWords(agency_words()).process([message])
    assert [e["value"] for e in message.get(ENTITIES)] == ["police", "council"]


def test_spans_are_the_words_typed():
    text = "I told the Police and the council"
    assert [text[e["start"]:e["end"]] for e in find_agencies(text, agency_words())] == [
        "the Police", "the council"]


def test_payloads_and_other_entities_are_left_alone():
    other = {"entity": "language", "value": "cy", "start": 0, "end": 7}
    message = Message(data={TEXT: '/inform{"choice":"police"}', ENTITIES: [other]})
    AgencyWords(agency_words()).process([message])
    assert message.get(ENTITIES) == [other]
