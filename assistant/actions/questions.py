"""A form's questions as data, the `action_ask_<slot>` action of each, and which message a form
takes as the answer to the question it asked (`answers_the_question`).

A form's validation action (`QuestionsForm`) also asks the question that comes next, in the same
call: Rasa's form then sees it asked and does not call `action_ask_<slot>` for it
(stack/form_questions.py), which saves the Rasa server and the action server a call for every
answer. The `action_ask_<slot>` actions stay for the times Rasa's form asks without validating
(coming back to a form after an interruption) and for any Rasa server without that change.

A question is a message id, the choices offered as buttons, whether it asks for a date (the page
then shows a date picker), the values its text needs from the conversation and whether its answer
is free text. For someone
applying on a victim's behalf a question may have a second wording, `<id>-other`.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet

from assistant.actions import choices
from assistant.actions.messages import date_input, language_of, say
from assistant.locales import CatalogError, message


@dataclass(frozen=True)
class Question:
    msg_id: str
    choices: tuple[str, ...] = ()
    date: bool = False
    params: Callable[[Tracker], dict[str, Any]] = field(default=lambda tracker: {})
    # The HTML autocomplete token of the answer when it is a detail of the person typing: the
    # widget sets it on the answer box (WCAG 2.2, 1.3.5 Identify Input Purpose). Someone applying
    # on a victim's behalf is asked the victim's details, so those get none unless `always_own`.
    purpose: str = ""
    always_own: bool = False
    # The answer is the text as typed (a name, an address, a story): only emergency, stop, start
    # again, a change of language and asking for a person interrupt it (the domain's
    # `not_intent`, written by `python -m assistant.domain`). A question with choices, a date or
    # a pattern (postcode, phone) also gives way to reporting, complaints and questions back.
    free_text: bool = False
    # Intents that also leave the form at this question (a rule says where to): a status check's
    # reference, say, for someone who has not applied yet and asks to.
    leaves_on: tuple[str, ...] = ()


def on_behalf(tracker: Tracker) -> bool:
    return tracker.get_slot("applicant_role") == "on_behalf"


def wording(question: Question, tracker: Tracker, language: str) -> str:
    if on_behalf(tracker):
        try:
            message(language, question.msg_id + "-other")
            return question.msg_id + "-other"
        except CatalogError:
            pass
    return question.msg_id


def ask(dispatcher, tracker: Tracker, slot: str, question: Question) -> None:
    """The question, its buttons, and a `custom` naming the slot asked for (`asks`), the answer's
    `autocomplete` purpose when it is the user's own detail, and the date picker for a date."""
    language = language_of(tracker)
    custom: dict[str, Any] = {"asks": slot, **(date_input() if question.date else {})}
    if question.purpose and (question.always_own or not on_behalf(tracker)):
        custom["autocomplete"] = question.purpose
    say(
        dispatcher,
        language,
        wording(question, tracker, language),
        buttons=choices.buttons(*question.choices),
        custom=custom,
        **question.params(tracker),
    )


class _Ask(Action, metaclass=ABCMeta):
    question: Question

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot asked for (a class attribute in each subclass)."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher, tracker, domain):
        ask(dispatcher, tracker, self.slot, self.question)
        return []


def ask_actions(questions: dict[str, Question]) -> list[type[Action]]:
    """One `action_ask_<slot>` class per question (found by the action server as subclasses)."""
    return [
        type(f"ActionAsk_{slot}", (_Ask,), {"slot": slot, "question": question})
        for slot, question in questions.items()
    ]


def is_title_of(question: Question | None, text: str | None) -> bool:
    """Whether the text is the title of one of the question's buttons."""
    values = [v for q in question.choices for v in choices.QUESTIONS[q]] if question else []
    return choices.typed_choice(text, values) is not None


def answers_the_question(tracker: Tracker, is_title: Callable[[str, str | None], bool]) -> bool:
    """Whether the latest message answers the question the form asked (`requested_slot`), for
    the form to validate it (rasa_sdk's `get_validation_events`); only such an answer is.

    A button's title typed (`is_title(slot, text)`) is the answer to the question asked, whatever
    the NLU made of it ("Person" is not asking for a person): it fills the question, here on the
    tracker, even where the intent would have interrupted the form. When a form starts again
    (after a pause, which clears `requested_slot`, or "apply" a second time) the answers it
    already has stand as they were given, and are not checked, or said back, a second time."""
    requested = tracker.get_slot("requested_slot")
    if not requested:
        return False
    if requested in tracker.slots_to_validate():
        return True
    text = (tracker.latest_message or {}).get("text")
    if not is_title(requested, text):
        return False
    tracker.add_slots([SlotSet(requested, text)])
    return True


class QuestionsForm(FormValidationAction, metaclass=ABCMeta):
    """A form whose questions are `questions`: only the answer to the question it asked is
    validated (`answers_the_question`), a button's title typed included."""

    questions: dict[str, Question] = {}

    @abstractmethod
    def name(self) -> str:
        """`validate_<form>` (each form says its own)."""

    def is_button_title(self, slot: str, text: str | None) -> bool:
        return is_title_of(self.questions.get(slot), text)

    async def get_validation_events(self, dispatcher, tracker, domain):
        if not answers_the_question(tracker, self.is_button_title):
            return []
        return await super().get_validation_events(dispatcher, tracker, domain)

    async def run(self, dispatcher, tracker, domain):
        """rasa_sdk's validation, then the next question, as `action_ask_<slot>` would ask it."""
        events = await super().run(dispatcher, tracker, domain)
        slot = question_to_ask(events)
        if slot in self.questions:
            ask(dispatcher, tracker, slot, self.questions[slot])
        return events


def question_to_ask(events: list[dict[str, Any]]) -> str | None:
    """The slot Rasa's form asks for after a validation action returned `events` (Rasa 3.6's
    `FormAction.do`, `is_done`, `request_next_slot`): the first `requested_slot` set, unless
    the validation rejected the form or ended it (the last `requested_slot` set, or the last
    form event, is None)."""
    if any(event.get("event") == "action_execution_rejected" for event in events):
        return None
    requested = [event.get("value") for event in events
                 if event.get("event") == "slot" and event.get("name") == "requested_slot"]
    loops = [event.get("name") for event in events if event.get("event") == "active_loop"]
    if not requested or requested[-1] is None or (loops and loops[-1] is None):
        return None
    return requested[0]
