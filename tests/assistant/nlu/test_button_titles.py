"""ButtonTitleClassifier: a typed button title gets its button's intent, in every language."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.actions.choices import title_id
from assistant.actions.messages import render
from assistant.locales import catalog_ids, shipped_languages
from assistant.nlu.button_titles import ButtonTitleClassifier
from assistant.understanding.buttons import button_intent, typed_title_intents
from assistant.understanding.text import normalise

DIET_GUESS = {"name": "emergency", "confidence": 0.91}


def classify(text: str) -> Message:
    message = Message(data={TEXT: text, INTENT: dict(DIET_GUESS),
                            INTENT_RANKING_KEY: [dict(DIET_GUESS),
                                                 {"name": "deny", "confidence": 0.05}]})
    ButtonTitleClassifier(typed_title_intents()).process([message])
    return message


@pytest.mark.parametrize(("text", "intent"), [
    ("ابھی نہیں", "deny"),  # Urdu "Not now", which DIET once took for an emergency
    ("tak, zgadza sie", "inform"),  # Polish "Yes, they agree", typed without the accent
    ("ਮੇਰੀ ਅਰਜ਼ੀ ਭੇਜੋ", "inform"),  # Panjabi "Send my application" (a choice at the summary)
    ("Talk to a person!", "request_human"),
    ("ie", "affirm"),
    ("nid nawr", "deny"),
])
def test_a_typed_title_gets_its_buttons_intent_for_certain(text, intent):
    message = classify(text)
    assert message.get(INTENT) == {"name": intent, "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY) == [{"name": intent, "confidence": 1.0}]


@pytest.mark.parametrize("text", ["someone is outside with a knife", "yes they agree i think",
                                  "/affirm", ""])
def test_anything_else_keeps_what_diet_said(text):
    assert classify(text).get(INTENT) == DIET_GUESS


@pytest.mark.parametrize("language", shipped_languages())
def test_every_button_title_of_every_catalog_is_known(language):
    missing = []
    for msg_id in catalog_ids(language):
        intent = button_intent(msg_id)
        if intent and typed_title_intents().get(normalise(render(language, msg_id))) != intent:
            missing.append(msg_id)
    assert missing == []


def test_titles_are_those_of_the_catalogs():
    titles = typed_title_intents()
    assert titles[normalise(render("cy", title_id("police")))] == "inform"
    assert titles["yes"] == "affirm" and titles["no"] == "deny"
    assert "hello" not in titles
