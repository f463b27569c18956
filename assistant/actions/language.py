"""The conversation's language: the `language` slot, and the switch action.

The slot is set after every user message by the Rasa server itself (stack/language_slot.py runs
`language_for` inside Rasa's slot extraction: no call to the action server, no domain sent), from
the first of: an explicit switch (`change_language`, which the Rasa server's reading gives only
to a request, never to a language named as an answer), the language the user is clearly writing
in (the first typed message, or two sentences in a row; Roman Urdu counts as Urdu), or the page's
language in the message metadata (only until a language is set, so a later switch sticks). Every
other slot is kept.

The rules read a `Said`: the latest message and what was typed before it, as either side's
tracker gives them (Rasa's `DialogueStateTracker` on the Rasa server, rasa_sdk's `Tracker` here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rasa_sdk import Action, Tracker

from assistant.actions import service
from assistant.actions.choices import entity_values
from assistant.actions.messages import Button, direction, language_of, say
from assistant.language_detection import detect_language, language_named_in


@dataclass(frozen=True)
class Said:
    """What the language rules read of a conversation."""

    text: str  # the latest message's text ("/intent{...}" for a button or the page)
    intent: str | None  # the reading's intent name
    named: tuple[str, ...]  # the `language` entity's values in the latest message
    page: str | None  # the page's language (the message's metadata)
    typed: tuple[str, ...]  # every message typed so far, oldest first, the latest one last
    current: str | None  # the `language` slot
    asking: bool  # a form is asking a question (`requested_slot` set)


def typed(text: str | None) -> bool:
    """Typed by the user, not a button's or the page's `/intent` payload."""
    return bool(text) and not text.startswith("/")


def requested_language(said: Said) -> str | None:
    """The language the latest message asks for (shipped or not), if any. Whether a message
    asks is decided by reading it against the question asked (the Rasa server's reading sets
    `change_language`): a language named at the interpreter question is an answer."""
    if said.intent != "change_language":
        return None
    if said.named:
        return said.named[0]
    return language_named_in(said.text) if typed(said.text) else None


def written_in(said: Said, shipped: Sequence[str]) -> str | None:
    """The language the user is writing in, when that is clear enough to change to it: the
    first message typed (not an answer to a question), or the last two typed messages, each a
    sentence, both confidently in the same language. One short answer never changes it."""
    if not typed(said.text):
        return None
    if len(said.typed) <= 1 and not said.asking:
        return detect_language(said.typed[-1] if said.typed else said.text, shipped)
    last_two = [t for t in said.typed[-2:] if len(t.split()) >= 3]
    if len(last_two) < 2:
        return None
    found = {detect_language(text, shipped) for text in last_two}
    return found.pop() if len(found) == 1 else None


def language_for(said: Said) -> str | None:
    """The language the conversation should now be in, or None to leave it as it is."""
    shipped = service.languages()
    asked = requested_language(said)
    if asked in shipped:
        return asked
    written = written_in(said, shipped)
    if written and written != said.current:
        return written
    if said.current in shipped:
        return None
    return said.page if said.page in shipped else None


def switched(said: Said) -> tuple[str, dict[str, str] | None] | None:
    """The language to set now and, when it changed because of how they wrote rather than by
    asking, the `custom` that tells the page; None to leave the slot as it is. (A request is
    answered by `action_change_language`, whose answer tells the page.)"""
    wanted = language_for(said)
    if not wanted or wanted == said.current:
        return None
    by_writing = bool(said.current) and requested_language(said) is None
    return wanted, language_custom(wanted) if by_writing else None


def said_in(tracker: Tracker) -> Said:
    """rasa_sdk's view of the conversation as the rules read it."""
    latest = tracker.latest_message or {}
    return Said(
        text=latest.get("text") or "",
        intent=(latest.get("intent") or {}).get("name"),
        named=tuple(entity_values(tracker, "language")),
        page=(latest.get("metadata") or {}).get("language"),
        typed=tuple(e.get("text") for e in tracker.events
                    if e.get("event") == "user" and typed(e.get("text"))),
        current=tracker.get_slot("language"),
        asking=bool(tracker.get_slot("requested_slot")),
    )


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
        asked = requested_language(said_in(tracker))
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

