"""The one way a bot message is sent: a message id looked up in the catalog of the conversation's
language, named placeholders filled (dates written out in words with Babel), buttons attached.

No user-facing words live in Python: only message ids and data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel import Locale
from babel.dates import format_date
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.locales import message
from languages import BY_CODE


@dataclass(frozen=True)
class Button:
    """A button: its title is a message id; its payload is what the click sends."""

    title: str
    payload: str


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    if language in service.languages():
        return language
    return service.deployment().default_language


def babel_locale(language: str) -> str:
    """The Babel locale the language's dates are written in (the registry's)."""
    entry = BY_CODE.get(language)
    return entry.locale if entry else language


def direction(language: str) -> str:
    """"rtl" or "ltr": the registry's, else Babel's for a language the registry lacks."""
    entry = BY_CODE.get(language)
    if entry:
        return entry.direction
    order = Locale.parse(babel_locale(language)).character_order
    return "rtl" if order == "right-to-left" else "ltr"


def day_in_words(day: date, language: str) -> str:
    """A date as people say it: "Tuesday, 3 March 2026", "Dydd Mawrth, 3 Mawrth 2026"."""
    return format_date(day, format="full", locale=babel_locale(language))


def month_in_words(day: date, language: str) -> str:
    """A month and year: "March 2026", "Mawrth 2026"."""
    return format_date(day, format="MMMM y", locale=babel_locale(language))


def _value(value: Any, language: str) -> Any:
    if isinstance(value, date):
        return day_in_words(value, language)
    return value


def render(language: str, msg_id: str, **params: Any) -> str:
    """The text of `msg_id` in `language` with its placeholders filled."""
    values = {key: _value(value, language) for key, value in params.items()}
    return message(language, msg_id).format(**values)


def button_dicts(language: str, buttons: Iterable[Button]) -> list[dict[str, str]]:
    return [{"title": render(language, b.title), "payload": b.payload} for b in buttons]


def say(
    dispatcher: CollectingDispatcher,
    language: str,
    msg_id: str,
    *,
    buttons: Iterable[Button] = (),
    custom: Mapping[str, Any] | None = None,
    **params: Any,
) -> None:
    """Send one message. `custom` follows the REST contract (date input, language change)."""
    kwargs: dict[str, Any] = {"text": render(language, msg_id, **params)}
    rendered = button_dicts(language, buttons)
    if rendered:
        kwargs["buttons"] = rendered
    if custom:
        # rasa_sdk sends `json_message` as the message's `custom` field.
        kwargs["json_message"] = dict(custom)
    dispatcher.utter_message(**kwargs)


def date_input(latest: date | None = None) -> dict[str, str]:
    """The `custom` of a message that asks for a date: the widget shows a date picker."""
    return {"input": "date", "max": (latest or service.today()).isoformat()}
