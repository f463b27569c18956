"""The reader's table of questions (assistant/understanding/kinds.py) agrees with the forms'."""

from __future__ import annotations

from assistant.actions import choices
from assistant.actions.application_form import QUESTIONS as APPLICATION
from assistant.actions.eligibility_form import QUESTIONS as ELIGIBILITY
from assistant.actions.escalation import PROOF
from assistant.actions.escalation import QUESTIONS as ESCALATION
from assistant.understanding.kinds import QUESTIONS

# The escalation's reference and postcode are read as the status form's: free text, no kind.
ESCALATION_KINDS = {slot: q for slot, q in ESCALATION.items() if slot not in PROOF}


def test_every_question_of_the_forms_has_a_kind():
    assert set(QUESTIONS) == {*ELIGIBILITY, *APPLICATION, *ESCALATION_KINDS, "review_choice"}


def test_the_values_an_answer_can_choose_are_the_buttons_offered():
    for slot, question in {**ELIGIBILITY, **APPLICATION, **ESCALATION_KINDS}.items():
        offered = {v for q in question.choices for v in choices.QUESTIONS[q]}
        asked = QUESTIONS[slot]
        if asked.kind in ("choice", "yes_no"):
            assert set(asked.values) == offered, slot
        elif asked.kind == "text":
            assert set(asked.values) <= offered, slot
        if asked.kind == "date":
            assert question.date, slot
