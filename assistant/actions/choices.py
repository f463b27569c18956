"""The buttons of every question with choices, and reading a choice back.

A choice arrives as a button click (`/inform{"choice": "<value>"}`), as an intent (affirm/deny for
yes/no questions), as entities (agencies), or typed. Typed text is compared, normalised, with the
button titles of every shipped catalog, so "Yes", "ie" and "IE!" all work in any conversation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache

from rasa_sdk import Tracker

from assistant.actions.messages import Button, render
from assistant.locales import CatalogError, catalog_ids, shipped_languages
from assistant.understanding.text import normalise
from eligibility import AGENCIES

YES, NO = "yes", "no"

# question -> the values offered, in order; each value's title is the message `choice-<value>`.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "yes_no": (YES, NO),
    "agency": (*AGENCIES, "police+council"),
    "applicant_role": ("victim", "on_behalf"),
    "relationship": ("family", "friend", "carer", "councillor", "professional", "other"),
    "victim_consent": ("agrees", "cannot_consent", "at_risk", "refuses"),
    "victim_kind": ("individual", "business", "group"),
    "contact_preferred": ("phone", "email", "post", "text"),
    "none": ("none",),
    "any_time": ("any_time",),
    "no_reference": ("no_reference",),
    "not_sure": ("not_sure",),
    "review": ("send",),
}

# The intent each button's title means when typed instead of clicked: the intent its payload
# sends (menu buttons, yes/no); the choices of a question and "Change ..." are answers (`inform`).
BUTTON_INTENTS = {
    "button-what-is-it": "ask_what_is_case_review",
    "button-check": "ask_eligibility",  # explains the threshold, then offers the check
    "button-process": "ask_process",
    "button-support": "ask_support",
    "button-human": "request_human",
    "button-apply": "start_application",
    "button-not-now": "deny",
    "button-pass-on": "start_application",
    "button-try-again": "affirm",
    "choice-stop-delete": "affirm",
    "choice-stop-keep": "deny",
    "choice-yes": "affirm",
    "choice-no": "deny",
    "choice-not-sure": "dont_know",
}


def button_intent(msg_id: str) -> str | None:
    """The intent a typed button title should get, or None for a message that is no button."""
    if msg_id in BUTTON_INTENTS:
        return BUTTON_INTENTS[msg_id]
    if msg_id.startswith(("choice-", "change-")):
        return "inform"
    return None


@cache
def typed_title_intents() -> dict[str, str]:
    """Every button title of every shipped catalog, normalised -> the intent of its button. A
    title that two buttons with different intents share (in any languages) is left out."""
    found: dict[str, set[str]] = {}
    for language in shipped_languages():
        for msg_id in catalog_ids(language):
            intent = button_intent(msg_id)
            if intent is None:
                continue
            try:
                title = normalise(render(language, msg_id))
            except (CatalogError, KeyError, IndexError):  # a draft, or a title with a placeholder
                continue
            if title:
                found.setdefault(title, set()).add(intent)
    return {title: intents.pop() for title, intents in found.items() if len(intents) == 1}


# Yes/no questions also take the affirm/deny intents.
_INTENT_VALUES = {"affirm": YES, "deny": NO}


def title_id(value: str) -> str:
    return f"choice-{value.replace('+', '-').replace('_', '-')}"


def payload(value: str) -> str:
    return "/inform" + json.dumps({"choice": value}, separators=(",", ":"))


def buttons(*questions: str) -> list[Button]:
    return [Button(title_id(v), payload(v)) for q in questions for v in QUESTIONS[q]]


@cache
def titles(msg_id: str) -> frozenset[str]:
    """A button title as typed, in every shipped catalog that has it."""
    found = set()
    for language in shipped_languages():
        try:
            found.add(normalise(render(language, msg_id)))
        except CatalogError:  # a draft catalog; the catalog check reports it
            continue
    return frozenset(found)


def is_title(text: str | None, msg_id: str) -> bool:
    """Whether the text is this button's title, typed in any shipped language."""
    return bool(text) and normalise(text) in titles(msg_id)


def typed_choice(text: str | None, values: Iterable[str]) -> str | None:
    """The value whose button title (in any shipped language) the text is."""
    return next((value for value in values if is_title(text, title_id(value))), None)


def chosen(tracker: Tracker, *questions: str) -> str | None:
    """The value the latest message chose among the questions' values, or None."""
    values = [v for q in questions for v in QUESTIONS[q]]
    latest = tracker.latest_message or {}
    for entity in latest.get("entities") or []:
        if entity.get("entity") == "choice" and entity.get("value") in values:
            return entity["value"]
    text = latest.get("text")
    found = typed_choice(text, values)
    if found:
        return found
    if "yes_no" in questions:
        intent = (latest.get("intent") or {}).get("name")
        return _INTENT_VALUES.get(intent)
    return None


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Every value of `entity` in the latest message (a list value counts as several)."""
    values: list[str] = []
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") != entity:
            continue
        value = found.get("value")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item not in values:
                values.append(item)
    return values
