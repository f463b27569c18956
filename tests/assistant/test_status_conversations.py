""""Where is my application?" through Rasa's REST channel against the running system (`stack`):
the real Rasa server with the trained model, the action server and the handoff service, in
English, Welsh, Polish and Arabic. An application is stored through the handoff intake API first;
then the applicant asks in words, gives the reference typed with spaces and in lower case and a
wrong postcode (not found, nothing said of the reference), tries again with the right one and is
told what the inbox recorded. What the assistant should say is rendered from the catalogs."""

from __future__ import annotations

import json
import urllib.request

import pytest

from assistant.actions.messages import render
from tests.assistant.conversations import Chat, stored_application, typed

pytestmark = pytest.mark.integration

# How someone asks, in words of their own (not the training examples).
ASKED = {
    "en": "hi where is my application up to",
    "cy": "helo, ble mae fy nghais i arni",
    "pl": "co sie dzieje z moim wnioskiem o przeglad",
    "ar": "اين وصل طلبي",
}


def slots(stack, sender: str) -> dict:
    url = stack.api_url(f"/conversations/{sender}/tracker")
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["slots"]


@pytest.mark.parametrize("language", list(ASKED))
def test_where_is_my_application(stack, language):
    reference, decision_due = stored_application(stack, language)
    chat = Chat(stack, language)
    chat.send("/greet", {"language": language})
    assert render(language, "button-status") in chat.buttons

    chat.send(ASKED[language])
    chat.expects("ask-status-reference")
    assert {"asks": "status_reference"} in chat.custom
    chat.send(typed(reference))
    chat.expects("ask-status-postcode")
    chat.send("AN9 9ZZ")  # not the postcode given
    chat.expects("status-not-found")
    assert reference not in chat.text and reference[-6:] not in chat.text
    assert render(language, "button-try-again") in chat.buttons

    chat.send("/ask_status")  # "Try again"
    chat.expects("ask-status-reference")
    chat.send(typed(reference))
    chat.send("an1 2bb")
    chat.expects("status-found", reference=reference, day=stack.today)
    chat.expects("status-next-wait-decision", day=decision_due)
    kept = slots(stack, chat.sender)
    assert (kept["status_reference"], kept["status_postcode"], kept["status_tries"]) == (
        None, None, 1)


# Someone who asks where their application is but has not applied: what they type at the
# reference question, in words of their own.
NONE_YET = {
    "en": "i dont have one, i havent sent anything yet",
    "cy": "does gen i ddim un",
    "pl": "nie mam zadnego numeru",
    "ar": "ليس لدي رقم",
}


@pytest.mark.parametrize("language", list(NONE_YET))
def test_no_reference_yet_leads_to_the_eligibility_check(stack, language):
    chat = Chat(stack, language)
    chat.send("/greet", {"language": language})
    chat.send(ASKED[language])
    chat.expects("ask-status-reference")
    chat.send(NONE_YET[language])
    chat.expects("status-reference-not-understood")
    check, human = render(language, "button-check"), render(language, "button-human")
    assert check in chat.buttons and human in chat.buttons
    chat.press(check)
    assert any(c.get("asks") == "incident_date" for c in chat.custom), chat.text
    kept = slots(stack, chat.sender)
    assert (kept["requested_slot"], kept["status_reference"]) == ("incident_date", None)


def test_asking_to_apply_at_the_reference_question(stack):
    chat = Chat(stack, "en")
    chat.send("/greet", {"language": "en"})
    chat.send(ASKED["en"])
    chat.expects("ask-status-reference")
    chat.send("oh right, can i start an application instead")
    assert any(c.get("asks") == "incident_date" for c in chat.custom), chat.text
