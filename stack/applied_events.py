"""A conversation's applied events, carried on from the last time instead of made again.

Rasa 3.6's `DialogueStateTracker.applied_events` (the events left once restarts, rewinds and a
form's repeated executions are taken out) replays the whole conversation on every call, and
undoing a form's execution copies the list made so far: near the end of an application, 400
events, that was an eighth of the Rasa server's CPU under load, called for every prediction
(through the policies' states) and twice more for every message (the session's expiry).

Events are only ever added to a tracker, so the result for its events now is the result for its
events last time, carried on over the events added since, with Rasa's own steps. One thing
reaches back: which actions are forms (`ActiveLoop` events anywhere in the conversation) decides
how an earlier form execution was taken, so a form activated for the first time since last time
makes it all again, as does a tracker whose events were replaced or that keeps a bounded history.
Every caller gets its own list, as from Rasa.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import NamedTuple

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from stack import rasa_patches

_rasa_applied_events = DialogueStateTracker.applied_events  # Rasa's own


class _Made(NamedTuple):
    events: deque  # the tracker's own deque when this was made
    count: int  # how many of its events
    last: Event | None  # the last of them
    loops: frozenset[str]  # the forms' names among them
    applied: list[Event]  # the applied events (ours: callers get a copy)


def _loops(events) -> set[str]:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


def _carry_on(tracker: DialogueStateTracker, applied: list[Event], events, loops) -> list[Event]:
    """Rasa 3.6.21's loop in `applied_events`, from `applied` over `events`."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (isinstance(event, ActionExecuted) and event.action_name in loops
              and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def applied_events(self: DialogueStateTracker) -> list[Event]:
    """What Rasa's `applied_events` returns, carried on from the last call where it can be."""
    events = self.events
    if not isinstance(events, deque) or events.maxlen is not None:
        return _rasa_applied_events(self)
    count = len(events)
    made: _Made | None = self.__dict__.get("_asb_applied")
    if (made is not None and made.events is events and made.count <= count
            and (made.count == 0 or events[made.count - 1 - count] is made.last)):
        added = list(itertools.islice(reversed(events), count - made.count))[::-1]
        if _loops(added) <= made.loops:
            applied = _carry_on(self, made.applied, added, made.loops)
            return _keep(self, events, count, applied, made.loops)
    loops = frozenset(_loops(events))
    return _keep(self, events, count, _carry_on(self, [], events, loops), loops)


def _keep(self: DialogueStateTracker, events: deque, count: int, applied: list[Event],
          loops: frozenset[str]) -> list[Event]:
    self.__dict__["_asb_applied"] = _Made(events, count, events[-1] if count else None, loops,
                                          applied)
    return list(applied)


def install() -> None:
    """Make the change, only on the Rasa version it was written against."""
    rasa_patches.require_rasa_version("stack.applied_events", "DialogueStateTracker.applied_events")
    DialogueStateTracker.applied_events = applied_events
