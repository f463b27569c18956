"""What the Rasa server sends the action server: the conversation cut to what the actions read.

Rasa 3.6 sends every custom action call the whole conversation, every event serialised
(`tracker.current_state(EventVerbosity.ALL)`): near the end of an application that is about 400
events, two or three times a turn, turned into JSON by the Rasa server and parsed again by the
action server. Under load that was a tenth of the Rasa server's CPU, which is what limits how
many turns a second one server answers (docs/stack.md).

The actions read the conversation's tail (rasa_sdk's `slots_to_validate`, the assistant's last
buttons: `assistant.actions.answers`) and whether a custom action has run before (the action
server's metrics), and rasa_sdk takes rewinds and restarts out by the user messages and marks
around them. So the call keeps every event from the user's message before the latest one on; of
the events before it, each user message (its text, channel and intent, not the NLU's whole
reading), each custom action that ran (its name) and the events that mark a session, a restart,
a rewind or a form. The assistant's older messages, slot settings (their values travel in the call's
`slots`) and Rasa's own actions (`action_listen`, the forms' loops) are left out: nothing reads
them. Everything else in the call is Rasa's own.
"""

from __future__ import annotations

from typing import Any

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from stack import rasa_patches

# Of the other events before the window, the ones the call keeps (marks of a session, a
# restart, a rewind, a form): a handful in a conversation.
MARKS = frozenset({"session_started", "restart", "rewind", "undo", "reset_slots", "active_loop"})


def window_start(events: list[Event]) -> int:
    """The index of the user's message before the latest one (0 when there is none)."""
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == 2:
                return index
    return 0


def _older(event: Event, custom: set[str]) -> dict[str, Any] | None:
    """An event before the window as the call carries it, or None when it is left out."""
    if isinstance(event, UserUttered):
        intent = (event.parse_data or {}).get("intent")
        return {"event": "user", "timestamp": event.timestamp, "text": event.text,
                "input_channel": event.input_channel,
                "parse_data": {"intent": intent} if intent else {}}
    if isinstance(event, ActionExecuted):
        if event.action_name not in custom:
            return None
        return {"event": "action", "timestamp": event.timestamp, "name": event.action_name}
    return event.as_dict() if event.type_name in MARKS else None


def call_events(tracker: DialogueStateTracker, domain: Domain) -> list[dict[str, Any]]:
    """The conversation's events as the action call carries them, oldest first."""
    events = list(tracker.events)
    start = window_start(events)
    custom = set(domain.user_actions)
    older = [_older(event, custom) for event in events[:start]]
    return [data for data in older if data is not None] + [e.as_dict() for e in events[start:]]


def action_call_format(self: RemoteAction, tracker: DialogueStateTracker,
                       domain: Domain) -> dict[str, Any]:
    """What Rasa 3.6.21's `RemoteAction._action_call_format` returns, the events cut as above."""
    state = tracker.current_state(EventVerbosity.NONE)  # everything but the events
    state["events"] = call_events(tracker, domain)
    call = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
            "version": rasa.__version__}
    if (not self._is_selective_domain_enabled()
            or domain.does_custom_action_explicitly_need_domain(self.name())):
        call["domain"] = domain.as_dict()
    return call


def install() -> None:
    """Make the change, only on the Rasa version it was written against."""
    rasa_patches.require_rasa_version("stack.action_payload", "RemoteAction._action_call_format")
    RemoteAction._action_call_format = action_call_format
