"""The `language` slot, set inside the Rasa server after every user message.

Rasa 3.6 ends its slot extraction (`action_extract_slots`, after every user message) by calling
the custom action `action_validate_slot_mappings` when the domain lists one. Setting the language
that way cost every message a call to the action server carrying the whole domain (20 kB of JSON
made and parsed), and a copy of the conversation the Rasa server rebuilt event by event to send:
under load about 7% of the Rasa server's CPU and a third of the action server's calls.

The domain lists no such action now; this runs the same rules (`assistant.actions.language`) in
the Rasa server on its own tracker, at the same point, and adds what the action returned: the
`language` slot and, when the language changed because of how the user writes, a message whose
`custom` tells the page. The language detector's models load when this is installed (or while the
Rasa server waits for its model to be trained: stack.rasa_server), not at the first message.
"""

from __future__ import annotations

import itertools

from rasa.core.actions.action import ActionExtractSlots, create_bot_utterance
from rasa.core.channels.channel import OutputChannel
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.actions import service
from assistant.actions.choices import values_of
from assistant.actions.language import Said, switched, typed
from assistant.language_detection import warm_up
from stack import rasa_patches

_rasa_validation = ActionExtractSlots._execute_validation_action  # Rasa's own


def said_in(tracker: DialogueStateTracker, extracted: list[Event]) -> Said:
    """The Rasa server's conversation as the rules read it, with the slots just extracted."""
    latest = tracker.latest_message or UserUttered()
    slots = {event.key: event.value for event in extracted if isinstance(event, SlotSet)}
    start = tracker.idx_after_latest_restart()
    return Said(
        text=latest.text or "",
        intent=(latest.intent or {}).get("name"),
        named=tuple(values_of("language", latest.entities)),
        page=(latest.metadata or {}).get("language"),
        typed=tuple(event.text for event in itertools.islice(tracker.events, start, None)
                    if isinstance(event, UserUttered) and typed(event.text)),
        current=slots.get("language", tracker.get_slot("language")),
        asking=bool(slots.get("requested_slot", tracker.get_slot("requested_slot"))),
    )


def language_events(tracker: DialogueStateTracker, extracted: list[Event]) -> list[Event]:
    """What setting the language adds after the extracted slots: nothing, or the slot (after
    the message for the page when the language changed by how they write)."""
    change = switched(said_in(tracker, extracted))
    if change is None:
        return []
    language, custom = change
    told = [create_bot_utterance({"custom": custom})] if custom else []
    return [*told, SlotSet("language", language)]


async def execute_validation_action(
    self: ActionExtractSlots, extraction_events: list[Event], output_channel: OutputChannel,
    nlg: NaturalLanguageGenerator, tracker: DialogueStateTracker, domain: Domain,
) -> list[Event]:
    """Rasa's validation of the extracted slots, then the language."""
    events = await _rasa_validation(self, extraction_events, output_channel, nlg, tracker, domain)
    return events + language_events(tracker, events)


def install() -> None:
    """Make the change, only on the Rasa version it was written against."""
    rasa_patches.require_rasa_version("stack.language_slot",
                                      "ActionExtractSlots._execute_validation_action")
    ActionExtractSlots._execute_validation_action = execute_validation_action
    warm_up_detector()


def warm_up_detector() -> None:
    """Load the language detector's models (seconds, about 250 MB) before the first message;
    once per process (the detector is kept)."""
    warm_up(service.languages())
