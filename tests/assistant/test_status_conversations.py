""""Where is my application?" through Rasa's REST channel against the running system (`stack`):
the real Rasa server with the trained model, the action server and the handoff service, in
English, Welsh, Polish and Arabic. An application is stored through the handoff intake API first;
then the applicant asks in words, gives the reference typed with spaces and in lower case and a
wrong postcode (not found, nothing said of the reference), tries again with the right one and is
told what the inbox recorded. What the assistant should say is rendered from the catalogs."""

from __future__ import annotations

import json
import urllib.request
from datetime import date

import pytest

from assistant.actions.messages import render
from assistant.actions.submission import application_document
from tests.assistant.conversations import Chat
from tests.assistant.slots import consented
from tests.assistant.trackers import tracker

pytestmark = pytest.mark.integration

# How someone asks, in words of their own (not the training examples).
ASKED = {
    "en": "hi where is my application up to",
    "cy": "helo, ble mae fy nghais i arni",
    "pl": "co sie dzieje z moim wnioskiem o przeglad",
    "ar": "اين وصل طلبي",
}


def post(stack, path: str, body: dict, headers: dict) -> dict:
    request = urllib.request.Request(
        stack.handoff_url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {stack.intake_token}", **headers})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def stored_application(stack, language: str) -> tuple[str, date]:
    """An application as the assistant sends it (postcode AN1 2BB): its reference and the day
    the threshold decision is due."""
    document = application_document(tracker(consented(language)))
    answer = post(stack, "/api/v1/applications", document,
                  {"Idempotency-Key": f"status-conversation-{language}"})
    return answer["reference"], date.fromisoformat(answer["deadlines"]["threshold_decision_due"])


def typed(reference: str) -> str:
    """"ASB-2026-7F3K9Q" as people type it: "asb 2026 7f3k9q"."""
    return " ".join(reference.lower().split("-"))


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
