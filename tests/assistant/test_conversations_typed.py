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


# Openings that say the agencies did nothing: the case review's very reason, never a status
# check (as "...and the council did nothing" once was) nor "I didn't understand".
NOTHING_DONE = [
    ("en", "been on to the council about the dealers on our landing for months, they've done nothing"),
    ("en", "police just dont want to know, they never do anything"),
    ("en", "council never did a thing"),
    ("cy", "dyw'r cyngor byth yn neud dim byd am y sŵn"),
    ("pl", "sąsiedzi hałasują co noc a policja nic z tym nie robi"),
    ("ur", "padosi raat bhar shor karte hain aur council kuch nahi karti"),
    ("es", "los vecinos hacen ruido todas las noches y el ayuntamiento no hace nada"),
]


@pytest.mark.parametrize(("language", "opening"), NOTHING_DONE)
def test_an_opening_saying_nobody_acted_gets_the_explanation(stack, language, opening):
    chat = Chat(stack, language)
    chat.send(opening, {"language": language})
    chat.expects("explain-not")
    chat.expects("offer-check")
    assert not any(c.get("asks") for c in chat.custom), "no form started"


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
