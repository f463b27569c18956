"""A tracker's applied events carried on (stack/applied_events.py) are always Rasa's own: checked
after every event of generated conversations with forms, rejections, rewinds, undos, restarts and
a form first activated late, asked for after one event or several."""

from __future__ import annotations

from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from stack import applied_events

RASAS = applied_events._rasa_applied_events

FORMS = ["eligibility_form", "application_form"]
EVENTS = [
    lambda: ActionExecuted("action_listen"),
    lambda: UserUttered("mae'n swnllyd bob nos", {"name": "inform", "confidence": 0.9}),
    lambda: UserUttered("/affirm", {"name": "affirm", "confidence": 1.0}),
    lambda: BotUttered("Pryd?", {"buttons": []}),
    lambda: SlotSet("requested_slot", "incident_date"),
    lambda: ActionExecuted("validate_eligibility_form"),
    lambda: ActionExecuted("action_explain_process"),
    *[lambda form=form: ActionExecuted(form) for form in FORMS],
    *[lambda form=form: ActiveLoop(form) for form in FORMS],
    *[lambda form=form: ActionExecutionRejected(form) for form in FORMS],
    lambda: ActiveLoop(None),
    lambda: UserUtteranceReverted(),
    lambda: ActionReverted(),
    lambda: Restarted(),
    lambda: SessionStarted(),
]

# (which event, whether to ask for the applied events after it)
steps = st.lists(st.tuples(st.integers(0, len(EVENTS) - 1), st.booleans()), max_size=80)


def same(tracker: DialogueStateTracker) -> None:
    ours = applied_events.applied_events(tracker)
    assert [id(e) for e in ours] == [id(e) for e in RASAS(tracker)]
    ours.clear()  # a caller's list is its own
    assert [id(e) for e in applied_events.applied_events(tracker)] == \
        [id(e) for e in RASAS(tracker)]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(steps)
def test_carried_on_is_always_rasas(chosen):
    tracker = DialogueStateTracker("applied", [])
    for index, ask in chosen:
        tracker.events.append(EVENTS[index]())
        if ask:
            same(tracker)
    same(tracker)


def test_a_form_first_activated_late_changes_what_came_before():
    tracker = DialogueStateTracker("late", [])
    tracker.events.extend([ActionExecuted("action_listen"), ActionExecuted("eligibility_form"),
                           UserUttered("hi"), ActionExecuted("eligibility_form")])
    same(tracker)
    tracker.events.append(ActiveLoop("eligibility_form"))  # now the earlier runs were a form's
    same(tracker)
    assert len(RASAS(tracker)) != len(RASAS(DialogueStateTracker.from_events(
        "late", list(tracker.events)[:-1])))


def test_replaced_or_bounded_events_are_made_again():
    tracker = DialogueStateTracker("replaced", [])
    tracker.events.extend([ActionExecuted("action_listen"), UserUttered("one")])
    same(tracker)
    tracker.events = deque([ActionExecuted("action_listen"), UserUttered("two")])
    same(tracker)
    tracker.events.pop()
    tracker.events.append(UserUttered("three"))  # as many events as before, the last another
    same(tracker)
    bounded = DialogueStateTracker("bounded", [], max_event_history=3)
    for text in ("a", "b", "c", "d"):
        bounded.update(UserUttered(text))
        same(bounded)
