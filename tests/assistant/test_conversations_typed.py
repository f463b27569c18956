"""Turns where people type instead of pressing, through Rasa's REST channel against the running
system: a story as the opening, a question instead of an answer, an answer that leaves nowhere to
go. Each turn is checked against what the assistant says next (rendered from the catalogs)."""

from __future__ import annotations

import pytest

from assistant.actions.messages import render
from tests.assistant.conversations import Chat

pytestmark = pytest.mark.integration


def test_a_story_after_hello_gets_the_explanation_and_the_offer_to_check(stack):
    chat = Chat(stack, "en")
    chat.send("/greet", {"language": "en"})
    chat.send("hiya")
    chat.send("the lads upstairs have been blasting music at 3am for months and "
              "chucking rubbish off the balcony, im at the end of my tether")
    chat.expects("explain-not")
    chat.expects("offer-check")
    assert "/start_application" in [b["payload"] for r in chat.replies
                                    for b in r.get("buttons", [])]


def test_a_question_instead_of_a_reference_is_never_stored(stack):
    chat = Chat(stack, "en")
    chat.send("/greet", {"language": "en"})
    chat.send("/start_application")
    chat.send("2026-02-02")
    chat.send("2026-02-03")
    chat.send("the police")
    chat.expects("ask-incident-reference")
    chat.send("where would i find one of them")
    assert render("en", "fallback") not in chat.text  # an answer of some kind
    chat.expects("ask-incident-reference")  # asked again, nothing taken
    chat.send("no i never got given one")
    chat.expects("ask-incident-hate")


def test_an_answer_with_nowhere_to_go_offers_the_next_step(stack):
    chat = Chat(stack, "en")
    chat.send("/greet", {"language": "en"})
    chat.send("/ask_support")
    chat.expects("support-national")
    chat.expects("offer-check")
