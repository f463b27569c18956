"""A form's questions as data, and the `action_ask_<slot>` action of each.

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

from rasa_sdk import Action, Tracker

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
