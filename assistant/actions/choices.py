"""The buttons of every question with choices, and reading a choice back (what a typed title
means to the NLU is `assistant.understanding.buttons`).

A choice arrives as a button click (`/inform{"choice": "<value>"}`), as an intent (affirm/deny for
yes/no questions), as entities (agencies), or typed. Typed text is compared, normalised, with the
button titles of every shipped catalog, so "Yes", "ie" and "IE!" all work in any conversation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from rasa_sdk import Tracker

from assistant.actions.messages import Button, render
from assistant.locales import CatalogError, shipped_languages
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
    return values_of(entity, (tracker.latest_message or {}).get("entities"))


def values_of(entity: str, entities: list[dict[str, Any]] | None) -> list[str]:
    """Every value of `entity` among a message's entities, first seen first (a list value
    counts as several)."""
    values: list[str] = []
    for found in entities or []:
        if found.get("entity") != entity:
            continue
        value = found.get("value")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item not in values:
                values.append(item)
    return values
