"""Tracker fixtures for the action tests: a conversation as rasa_sdk sees it, built in the test.

Smart-answers style: a test sets the earlier answers as slots, the latest message, and checks what
the action says (rendered from the real catalogs) and which slots it sets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 10)  # a Tuesday, as the stack fixture fixes it
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def message(
    text: str = "",
    intent: str | None = "inform",
    entities: Iterable[tuple[str, Any]] = (),
    metadata: dict | None = None,
) -> dict[str, Any]:
    """A parsed user message as the tracker holds it."""
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95} if intent else {},
        "entities": [{"entity": name, "value": value} for name, value in entities],
        "metadata": metadata or {},
    }


def choice(value: str) -> dict[str, Any]:
    """A button click: `/inform{"choice": value}`."""
    return message("/inform" + json.dumps({"choice": value}), "inform", [("choice", value)])


def tracker(
    slots: dict[str, Any] | None = None,
    latest: dict[str, Any] | None = None,
    active_loop: str | None = None,
    requested_slot: str | None = None,
    sender: str = "test-conversation",
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    values = {"language": "en", **(slots or {})}
    if requested_slot:
        values["requested_slot"] = requested_slot
    return Tracker(
        sender,
        values,
        latest or message(),
        events or [],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def answered(
    form: str,
    slot: str,
    latest: dict[str, Any],
    slots: dict[str, Any] | None = None,
    value: Any = None,
) -> Tracker:
    """The tracker after the user answered `slot`'s question in `form`: the answer extracted
    (from_text) and waiting for the form's validation, as Rasa hands it to the action server."""
    extracted = latest["text"] if value is None else value
    return tracker(
        {**(slots or {}), slot: extracted},
        latest,
        active_loop=form,
        requested_slot=slot,
        events=[
            {"event": "user", "text": latest["text"], "parse_data": latest},
            {"event": "slot", "name": slot, "value": extracted},
        ],
    )


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def said(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(texts(dispatcher))


def asks(dispatcher: CollectingDispatcher) -> list[str]:
    """The slots the messages ask for (a form's validation asks the next question itself)."""
    return [m["custom"]["asks"] for m in dispatcher.messages if (m.get("custom") or {}).get("asks")]


def said_first(dispatcher: CollectingDispatcher) -> str:
    """What was said before the question asked next (when one is)."""
    return "\n".join(m["text"] for m in dispatcher.messages
                     if m.get("text") and not (m.get("custom") or {}).get("asks"))


def button_titles(dispatcher: CollectingDispatcher) -> list[str]:
    return [b["title"] for m in dispatcher.messages for b in m.get("buttons", [])]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def next_question(form: FormValidationAction, slots_before: dict[str, Any],
                        events: list[dict[str, Any]]) -> Any:
    """The slot the form asks next: the validation action's `requested_slot`, or, where it leaves
    the choice to Rasa, what rasa_sdk picks from the form's own `required_slots()`.

    rasa_sdk leaves the choice to Rasa when `required_slots()` is the domain's list; Rasa's
    FormAction then asks the first of the list still empty, the rule rasa_sdk itself follows
    when it picks. Shown a domain that lists no slots for the form, rasa_sdk picks."""
    set_here = slot_events(events)
    if "requested_slot" in set_here:
        return set_here["requested_slot"]
    picked = await form.next_requested_slot(
        CollectingDispatcher(), tracker({**slots_before, **set_here}), {"forms": {}})
    return picked["value"]
