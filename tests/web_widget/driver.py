"""The widget's application driver, as a user does it: by clicking and typing or by keyboard
alone. It answers whatever the assistant asks: it picks the buttons by their payloads and the
typed answers by the slot Rasa is filling, so it does not depend on the wording of any message;
it ends when a reference number is shown. Then `stored_document` finds that application in the
handoff service's database."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import timedelta

from .conftest import Visit

REFERENCE = re.compile(r"\bASB-\d{4}-[0-9A-Z]{6}\b")
MAX_TURNS = 80
# Typed answers, by the slot being asked for. Made-up details of a made-up person.
TYPED = {
    "applicant_name": "Sam Taylor",
    "victim_name": "Sam Taylor",
    "victim_address": "12 High Street, Anytown",
    "victim_postcode": "AN1 2BC",
    "contact_phone": "07700 900123",
    "contact_email": "sam.taylor@example.org",
    "safe_times": "Weekday evenings",
    "impact": "The shouting outside my flat every night means I cannot sleep.",
    "vulnerabilities": "none",
    "accessibility_needs": "none",
    "interpreter_language": "none",
    "incident_reference": "I don't know",
}
# The answer box's autocomplete for a victim applying for themselves, by slot; "off" otherwise.
PURPOSES = {"victim_name": "name", "victim_address": "street-address",
            "victim_postcode": "postal-code", "contact_phone": "tel", "contact_email": "email"}
INPUT_MODES = {"contact_phone": "tel", "contact_email": "email"}
# Button choices, by the value in the payload /inform{"choice": value}, first match wins.
CHOICES = ["victim", "individual", "email", "agrees", "police", "no_reference", "none",
           "any_time", "send"]
YES_BY_SLOT = {"incident_hate": False}
INCIDENTS = 3
EXCLUDED_PAYLOADS = ("/restart", "/stop", "/change_language", "/request_human", "/emergency")


class Driver:
    """Answers the assistant through the widget until a reference number appears."""

    def __init__(self, visit: Visit, stack, keyboard: bool = False, typed: dict = TYPED):
        self.visit = visit
        self.stack = stack
        self.keyboard = keyboard
        self.typed = typed  # the typed answers, by slot
        self.incident_dates: list = []
        self.more_asked = 0
        self.turns: list[str] = []

    # ---- what the assistant is asking ----
    def requested_slot(self) -> str | None:
        sender = self.visit.stored()["sender"]
        url = f"{self.stack.rasa_url}/conversations/{sender}/tracker?include_events=NONE"
        token = getattr(self.stack, "rasa_token", None)  # when the stack protects Rasa's API
        if token:
            url += f"&token={token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            tracker = json.loads(response.read())
        return (tracker.get("slots") or {}).get("requested_slot")

    def reference(self) -> str | None:
        for text in self.visit.bot_texts():
            found = REFERENCE.search(text)
            if found:
                return found.group(0)
        return None

    # ---- doing it ----
    def focus_by_tab(self, locator) -> None:
        handle = locator.element_handle()
        for _ in range(80):
            if self.visit.page.evaluate("el => document.activeElement === el", handle):
                return
            self.visit.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {locator}")

    def press(self, locator) -> None:
        if self.keyboard:
            self.focus_by_tab(locator)
            self.visit.page.keyboard.press("Enter")
        else:
            locator.click()

    def type(self, text: str, slot: str | None = None) -> None:
        box = self.visit.page.locator("#asbw-input")
        # The user's own details tell the browser what they are (WCAG 2.2, 1.3.5).
        assert box.get_attribute("autocomplete") == PURPOSES.get(slot or "", "off"), slot
        if slot in INPUT_MODES:
            assert box.get_attribute("inputmode") == INPUT_MODES[slot]
        if self.keyboard:
            self.focus_by_tab(box)
            self.visit.page.keyboard.type(text)
            if box.evaluate("b => b.tagName") == "TEXTAREA":
                # Enter makes a new line in a long answer: Tab on to the Send button.
                self.press(self.visit.page.locator(".asbw-form:not(.asbw-date-form) button"))
            else:
                self.visit.page.keyboard.press("Enter")
        else:
            box.fill(text)
            self.visit.page.locator(".asbw-form:not(.asbw-date-form) button").click()

    def pick_date(self, when) -> None:
        """GOV.UK's date input: day, month and year, then "Send date"."""
        page = self.visit.page
        maximum = page.locator(".asbw-date-form").get_attribute("data-max")
        if maximum:
            assert when.isoformat() <= maximum
        parts = {"day": when.day, "month": when.month, "year": when.year}
        if self.keyboard:
            self.focus_by_tab(page.locator("#asbw-day"))
            for name, value in parts.items():
                assert page.evaluate("document.activeElement.id") == f"asbw-{name}"
                page.keyboard.type(str(value))
                page.keyboard.press("Enter" if name == "year" else "Tab")
        else:
            for name, value in parts.items():
                page.locator(f"#asbw-{name}").fill(str(value))
            page.locator(".asbw-date-form button").click()

    def choose(self, slot: str | None) -> bool:
        replies = self.visit.replies()
        if not replies:
            return False
        payloads = [payload for _, payload in replies]
        wanted = None
        if "/start_application" in payloads:
            wanted = "/start_application"
        values = {json.loads(p[len("/inform"):]).get("choice"): p
                  for p in payloads if p.startswith("/inform{")}
        if wanted is None and ("yes" in values or "/affirm" in payloads):
            yes = YES_BY_SLOT.get(slot, True)
            if slot == "more_incidents":
                self.more_asked += 1
                yes = self.more_asked < INCIDENTS
            wanted = values.get("yes" if yes else "no") or ("/affirm" if yes else "/deny")
        if wanted is None:
            wanted = next((values[c] for c in CHOICES if c in values), None)
        if wanted is None:
            wanted = next((p for p in payloads if not p.startswith(EXCLUDED_PAYLOADS)), None)
        if wanted is None:
            return False
        title = next(t for t, p in replies if p == wanted)
        self.turns.append(f"{slot}: [{title}]")
        self.press(self.visit.page.locator(f".asbw-replies button[data-payload='{wanted}']"))
        return True

    def answer_once(self) -> None:
        before = len(self.visit.page.locator(".asbw-bot").all())
        slot = self.requested_slot()
        today = self.stack.today
        if self.visit.page.locator(".asbw-date-form").is_visible():
            if slot == "report_date" and self.incident_dates:
                when = self.incident_dates[-1] + timedelta(days=1)
            else:
                when = today - timedelta(days=100 - 40 * len(self.incident_dates))
                self.incident_dates.append(when)
            self.turns.append(f"{slot}: {when}")
            self.pick_date(when)
        elif not self.choose(slot):
            text = self.typed.get(slot or "", "yes")
            self.turns.append(f"{slot}: {text}")
            self.type(text, slot)
        self.visit.wait_for_bot(before + 1)

    def run(self) -> str:
        for _ in range(MAX_TURNS):
            found = self.reference()
            if found:
                return found
            self.answer_once()
            looping = sorted({turn for turn in self.turns if self.turns.count(turn) > 6})
            if looping:
                story = "\n".join(self.turns[-25:] + self.visit.bot_texts()[-3:])
                raise AssertionError(f"the conversation goes round ({looping}):\n{story}")
        story = "\n".join(self.turns[-25:] + self.visit.bot_texts()[-3:])
        raise AssertionError(f"no reference after {MAX_TURNS} turns:\n{story}")


def stored_document(stack, reference: str) -> dict:
    """The application as the handoff service stored it."""
    with stack.handoff_db() as db:
        row = db.execute("select document from applications where reference = ?",
                         (reference,)).fetchone()
    assert row is not None, f"{reference} is not in the handoff database"
    return json.loads(row["document"])


def the_reference_points_to_the_record(visit: Visit, reference: str) -> None:
    """After sending, the message with the reference names the widget's "Save or print my
    answers" button in the user's language (its own label), the button is there, and the page
    it opens holds the reference."""
    label = visit.words()["record"]
    said = [text for text in visit.bot_texts() if reference in text]
    assert said, f"no message shows {reference}"
    assert label in said[-1], f"{said[-1]!r} does not name the button {label!r}"
    button = visit.control("record")
    assert button.is_visible()
    button.click()
    record = visit.page.locator(".asbw-record")
    record.wait_for()
    assert reference in record.inner_text()
    visit.control("back_to_chat").click()
    assert visit.panel.is_visible() and record.is_hidden()


def start(visit: Visit, path: str, keyboard: bool) -> None:
    visit.page.goto(visit.base_url + path)
    launcher = visit.control("launcher")
    launcher.wait_for()
    if keyboard:
        Driver(visit, None, keyboard=True).focus_by_tab(launcher)
        ring = visit.page.evaluate(
            "() => getComputedStyle(document.activeElement).outlineStyle")
        assert ring == "solid", "the keyboard focus must be visible"
        visit.page.keyboard.press("Enter")
    else:
        launcher.click()
    visit.wait_for_bot(1)
    assert visit.page.evaluate("document.activeElement.id") == "asbw-input"
