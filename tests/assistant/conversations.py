"""What the conversation tests share: `Chat`, one conversation through Rasa's REST channel
against the running system (`stack` fixture), the languages beyond English and Welsh, and a
2nd-report link from the running handoff service."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import date

from assistant.actions.choices import payload
from assistant.actions.messages import render
from assistant.actions.submission import application_document
from handoff.prefill_link import FRAGMENT
from languages import CODES
from tests.assistant.slots import consented
from tests.assistant.trackers import tracker

# The languages after English and Welsh (draft translations): a catalog, glossary and table each.
FURTHER_LANGUAGES = tuple(code for code in CODES if code not in ("en", "cy"))


class Chat:
    """One conversation: send a message, keep what the assistant answered."""

    def __init__(self, stack, language: str = "en"):
        self.stack = stack
        self.sender = f"test-{uuid.uuid4().hex[:12]}"
        self.language = language
        self.replies: list[dict] = []

    def send(self, message: str, metadata: dict | None = None) -> str:
        self.replies = self.stack.send(self.sender, message, metadata)
        return self.text

    def choose(self, value: str) -> str:
        return self.send(payload(value))

    def press(self, title: str) -> str:
        """Press the button the last answer offered with this title (its payload sent)."""
        found = [b["payload"] for r in self.replies for b in r.get("buttons", [])
                 if b["title"] == title]
        assert found, f"no button {title!r} in {self.buttons}"
        return self.send(found[0])

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.replies if r.get("text"))

    @property
    def buttons(self) -> list[str]:
        return [b["title"] for r in self.replies for b in r.get("buttons", [])]

    @property
    def custom(self) -> list[dict]:
        return [r["custom"] for r in self.replies if r.get("custom")]

    def expects(self, msg_id: str, **params) -> None:
        wanted = render(self.language, msg_id, **params)
        assert wanted in self.text, f"expected {wanted!r}, got:\n{self.text}"

    def stored(self, reference: str) -> dict:
        with self.stack.handoff_db() as db:
            row = db.execute("select document from applications where reference = ?",
                             (reference,)).fetchone()
        assert row is not None, f"{reference} is not in the handoff database"
        return json.loads(row["document"])

    def reference(self) -> str:
        for word in self.text.replace("(", " ").replace(")", " ").replace(".", " ").split():
            if word.startswith("ASB-") and len(word) == 15:
                return word
        raise AssertionError(f"no reference in:\n{self.text}")


# An agency's two reports of one problem: a 2nd report within six months, below the threshold.
TWO_REPORTS = [{"reported_on": "2026-01-06", "reported_to": ["police"]},
               {"reported_on": "2026-03-02", "reported_to": ["council"], "occurred_on": "2026-03-01"}]


def second_report_link(stack, reports: list[dict] = TWO_REPORTS) -> str:
    """What an agency's case system gets from the running handoff service for `reports`: the
    value of the assistant link's fragment."""
    request = urllib.request.Request(
        f"{stack.handoff_url}/api/v1/second-report", data=json.dumps({"reports": reports}).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {stack.intake_token}"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        link = json.loads(response.read())["assistant_link"]["url"]
    return link.split(f"#{FRAGMENT}=", 1)[1]


def post(stack, path: str, body: dict, headers: dict) -> dict:
    """POST to the running handoff service with the intake token: the answer's JSON."""
    request = urllib.request.Request(
        stack.handoff_url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {stack.intake_token}", **headers})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def stored_application(stack, language: str) -> tuple[str, date]:
    """A new application as the assistant sends it (postcode AN1 2BB), stored by the running
    handoff service: its reference and the day the threshold decision is due."""
    document = application_document(tracker(consented(language)))
    answer = post(stack, "/api/v1/applications", document,
                  {"Idempotency-Key": f"conversation-test-{uuid.uuid4().hex}"})
    return answer["reference"], date.fromisoformat(answer["deadlines"]["threshold_decision_due"])


def typed(reference: str) -> str:
    """"ASB-2026-7F3K9Q" as people type it: "asb 2026 7f3k9q"."""
    return " ".join(reference.lower().split("-"))
