"""The conversation's language: the `language` slot.

Set, after every user message (`action_validate_slot_mappings`), from the first of:
an explicit switch (`change_language` with a `language` entity), the page's language in the
message metadata (only until a language is chosen, so a later switch sticks), a language named in
the text ("Cymraeg"), or the language of the first message typed. Every other slot is kept.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.actions import service
from assistant.actions.choices import entity_values
from assistant.actions.messages import Button, direction, language_of, say
from assistant.language_detection import detect_language, language_named_in


def requested_language(tracker: Tracker) -> str | None:
    """The language the latest message asks for (shipped or not), if any."""
    latest = tracker.latest_message or {}
    if (latest.get("intent") or {}).get("name") == "change_language":
        named = entity_values(tracker, "language")
        if named:
            return named[0]
    text = latest.get("text") or ""
    if text.startswith("/"):
        return None
    return language_named_in(text)


def language_for(tracker: Tracker) -> str | None:
    """The language the conversation should now be in, or None to leave it as it is."""
    shipped = service.languages()
    current = tracker.get_slot("language")
    asked = requested_language(tracker)
    if asked in shipped:
        return asked
    if current in shipped:
        return None
    latest = tracker.latest_message or {}
    page = (latest.get("metadata") or {}).get("language")
    if page in shipped:
        return page
    text = latest.get("text") or ""
    if text and not text.startswith("/"):
        return detect_language(text, shipped)
    return None


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message, inside forms too."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        wanted = language_for(tracker)
        if wanted and wanted != tracker.get_slot("language"):
            return {"language": wanted}
        return {}


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
            custom={"language": language, "dir": direction(language)},
        )
        return []
