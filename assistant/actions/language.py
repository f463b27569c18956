"""The conversation's language: the `language` slot.

Set, after every user message (`action_validate_slot_mappings`), from the first of: an explicit
switch (`change_language`, which the Rasa server's reading gives only to a request, never to a
language named as an answer), the language the user is clearly writing in (the first typed
message, or two sentences in a row; Roman Urdu counts as Urdu), or the page's language in the
message metadata (only until a language is set, so a later switch sticks). Every other slot is
kept.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.actions import service
from assistant.actions.choices import entity_values
from assistant.actions.messages import Button, direction, language_of, say
from assistant.language_detection import detect_language, language_named_in, warm_up


def requested_language(tracker: Tracker) -> str | None:
    """The language the latest message asks for (shipped or not), if any. Whether a message
    asks is decided by reading it against the question asked (the Rasa server's reading sets
    `change_language`): a language named at the interpreter question is an answer."""
    latest = tracker.latest_message or {}
    if (latest.get("intent") or {}).get("name") != "change_language":
        return None
    named = entity_values(tracker, "language")
    if named:
        return named[0]
    text = latest.get("text") or ""
    return None if text.startswith("/") else language_named_in(text)


def typed(text: str | None) -> bool:
    """Typed by the user, not a button's or the page's `/intent` payload."""
    return bool(text) and not text.startswith("/")


def typed_texts(tracker: Tracker) -> list[str]:
    """What the user typed in this conversation, oldest first, the latest message last."""
    return [e.get("text") for e in tracker.events
            if e.get("event") == "user" and typed(e.get("text"))]


def written_in(tracker: Tracker, shipped) -> str | None:
    """The language the user is writing in, when that is clear enough to change to it: the
    first message typed (not an answer to a question), or the last two typed messages, each a
    sentence, both confidently in the same language. One short answer never changes it."""
    texts = typed_texts(tracker)
    latest = tracker.latest_message or {}
    if not typed(latest.get("text")):
        return None
    if len(texts) <= 1 and not tracker.get_slot("requested_slot"):
        return detect_language(texts[-1] if texts else latest["text"], shipped)
    last_two = [t for t in texts[-2:] if len(t.split()) >= 3]
    if len(last_two) < 2:
        return None
    found = {detect_language(text, shipped) for text in last_two}
    return found.pop() if len(found) == 1 else None


def language_for(tracker: Tracker) -> str | None:
    """The language the conversation should now be in, or None to leave it as it is."""
    shipped = service.languages()
    current = tracker.get_slot("language")
    asked = requested_language(tracker)
    if asked in shipped:
        return asked
    written = written_in(tracker, shipped)
    if written and written != current:
        return written
    if current in shipped:
        return None
    page = ((tracker.latest_message or {}).get("metadata") or {}).get("language")
    return page if page in shipped else None


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message, inside forms too."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        wanted = language_for(tracker)
        if not wanted or wanted == tracker.get_slot("language"):
            return {}
        if tracker.get_slot("language") and requested_language(tracker) is None:
            # Switched because of how they wrote, not by asking: tell the page.
            dispatcher.utter_message(json_message=language_custom(wanted))
        return {"language": wanted}


def language_custom(language: str) -> dict[str, str]:
    """The `custom` of a message after the language changed."""
    return {"language": language, "dir": direction(language)}


def language_buttons(current: str) -> list[Button]:
    return [
        Button(f"language-name-{code}", f'/change_language{{"language":"{code}"}}')
        for code in service.languages()
        if code != current
    ]


class ActionChangeLanguage(Action):
    """Answers a switch in the new language, with `custom` telling the page its language and
    direction; a language not offered gets the languages that are."""

    def name(self) -> str:
        return "action_change_language"

    async def run(self, dispatcher, tracker, domain):
        language = language_of(tracker)
        asked = requested_language(tracker)
        if asked and asked not in service.languages():
            say(dispatcher, language, "language-not-available", buttons=language_buttons(language))
            return []
        say(
            dispatcher,
            language,
            "language-changed",
            custom=language_custom(language),
        )
        return []


# The action server imports every module at start-up: load the language detector's models now,
# so the first message of the first conversation does not wait seconds for them.
warm_up(service.languages())
