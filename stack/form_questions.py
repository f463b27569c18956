"""A form's next question, taken from its validation action's answer instead of a second call.

After every answer in a form, Rasa 3.6 calls the form's validation action (`validate_<form>`)
and then, in `FormAction.request_next_slot`, the action that asks the next question
(`action_ask_<slot>`): two calls to the action server, each with the conversation serialised,
and a copy of the conversation rebuilt event by event for each. The assistant's validation
actions ask the next question themselves, in the same answer (`assistant.actions.questions`:
the message whose `custom` names the slot it asks, `asks`). When the slot Rasa is about to ask
for has been asked that way already in this run of the form, Rasa asks nothing more; in every
other case (no validation this turn, a slot asked by another action, a question the validation
did not ask) Rasa asks as before.
"""

from __future__ import annotations

from rasa.core.actions.forms import FormAction
from rasa.core.channels.channel import OutputChannel
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from stack import rasa_patches

_rasa_request_next_slot = FormAction.request_next_slot  # Rasa's own


def asked(events: list[Event], slot: str) -> bool:
    """Whether one of the events is a message asking for `slot`."""
    return any(isinstance(event, BotUttered)
               and ((event.data or {}).get("custom") or {}).get("asks") == slot
               for event in events)


async def request_next_slot(self: FormAction, tracker: DialogueStateTracker, domain: Domain,
                            output_channel: OutputChannel, nlg: NaturalLanguageGenerator,
                            events_so_far: list[Event]) -> list[Event]:
    """Rasa's `request_next_slot`, but nothing when the slot it would ask for (the first
    `requested_slot` the validation set, as Rasa picks it) has been asked already."""
    requested = next((event.value for event in events_so_far
                      if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT), None)
    if (requested and asked(events_so_far, requested)
            and not await self.is_done(output_channel, nlg, tracker, domain, events_so_far)):
        return []  # Rasa's answer here, but for the question: no events of its own
    return await _rasa_request_next_slot(self, tracker, domain, output_channel, nlg,
                                         events_so_far)


def install() -> None:
    """Make the change, only on the Rasa version it was written against."""
    rasa_patches.require_rasa_version("stack.form_questions", "FormAction.request_next_slot")
    FormAction.request_next_slot = request_next_slot
