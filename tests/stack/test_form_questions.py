"""A form's next question asked by its validation action, and Rasa then asking nothing more
(stack/form_questions.py, assistant.actions.questions): Rasa's own form on a small domain whose
questions are responses (so Rasa asks without an action server), and the assistant's forms."""

from __future__ import annotations

import pytest
from rasa.core.actions.forms import FormAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import utils
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import questions
from assistant.actions.questions import QuestionsForm, question_to_ask
from stack import form_questions
from tests.assistant.trackers import DOMAIN, answered, message, tracker

SMALL = Domain.from_yaml("""
version: "3.1"
slots:
  name: {type: text, mappings: [{type: from_text}]}
  town: {type: text, mappings: [{type: from_text}]}
forms:
  details: {required_slots: [name, town]}
responses:
  utter_ask_name: [{text: "What is your name?"}]
  utter_ask_town: [{text: "Which town?"}]
""")


def asking(slot: str) -> BotUttered:
    """The validation action's question for `slot`, as Rasa holds it."""
    return BotUttered("asked by the validation", {"custom": {"asks": slot}})


async def next_slot_events(*events_so_far) -> list:
    form = FormAction("details", None)
    conversation = DialogueStateTracker("form", SMALL.slots)
    conversation.update_with_events([ActiveLoop("details")], SMALL)
    return await form_questions.request_next_slot(
        form, conversation, SMALL, CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator(SMALL.responses), list(events_so_far))


async def test_a_question_the_validation_asked_is_not_asked_again():
    assert await next_slot_events(asking("name"), SlotSet(REQUESTED_SLOT, "name")) == []


async def test_rasa_asks_when_the_validation_did_not():
    events = await next_slot_events(SlotSet(REQUESTED_SLOT, "name"))
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["What is your name?"]


async def test_rasa_asks_its_own_slot_when_the_validation_asked_another():
    events = await next_slot_events(asking("town"), SlotSet(REQUESTED_SLOT, "name"))
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["What is your name?"]


async def test_a_form_the_validation_ended_asks_nothing_and_ends():
    events = await next_slot_events(asking("name"), SlotSet(REQUESTED_SLOT, "name"),
                                    SlotSet(REQUESTED_SLOT, None))
    assert events == [SlotSet(REQUESTED_SLOT, None)]


@pytest.mark.parametrize("events, slot", [
    ([{"event": "slot", "name": "requested_slot", "value": "town"}], "town"),
    ([{"event": "slot", "name": "town", "value": "Bangor"},
      {"event": "slot", "name": "requested_slot", "value": "name"}], "name"),
    ([{"event": "slot", "name": "requested_slot", "value": "name"},
      {"event": "slot", "name": "requested_slot", "value": "town"}], "name"),  # Rasa's first
    ([{"event": "slot", "name": "requested_slot", "value": "name"},
      {"event": "slot", "name": "requested_slot", "value": None}], None),  # ended
    ([{"event": "slot", "name": "requested_slot", "value": "name"},
      {"event": "active_loop", "name": None}], None),
    ([{"event": "slot", "name": "requested_slot", "value": "name"},
      {"event": "action_execution_rejected", "name": "details"}], None),
    ([{"event": "slot", "name": "town", "value": "Bangor"}], None),  # Rasa picks: it asks
])
def test_the_question_to_ask_is_the_one_rasas_form_would_ask(events, slot):
    assert question_to_ask(events) == slot


def forms() -> list[type[QuestionsForm]]:
    import assistant.actions  # noqa: F401  (every form registered)

    return [form for form in utils.all_subclasses(QuestionsForm) if form.questions]


def test_each_form_asks_a_question_as_its_ask_action_does():
    """The validation action asks with the same Question its `action_ask_<slot>` holds."""
    found = {cls().name(): cls.question for cls in utils.all_subclasses(questions._Ask)}
    for form in forms():
        for slot, question in form.questions.items():
            assert found[f"action_ask_{slot}"] is question, (form, slot)


@pytest.mark.parametrize("slot, text, slots", [
    ("incident_date", "about 3 weeks ago", {}),
    ("incident_date", "last friday", {"language": "cy"}),
    ("applicant_role", "/inform{\"choice\": \"on_behalf\"}", {}),
])
async def test_a_validated_answer_is_followed_by_the_next_question_as_its_action_asks_it(
        slot, text, slots):
    from assistant.actions.application_form import ValidateApplicationForm
    from assistant.actions.eligibility_form import ValidateEligibilityForm

    form = ValidateEligibilityForm() if slot == "incident_date" else ValidateApplicationForm()
    latest = message(text, "inform", [("choice", "on_behalf")] if "choice" in text else ())
    before = answered(form.form_name(), slot, latest, slots)
    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, before, DOMAIN)
    following = question_to_ask(events)
    assert following and following != slot
    asked = [m for m in dispatcher.messages if (m.get("custom") or {}).get("asks")]
    assert [m["custom"]["asks"] for m in asked] == [following]
    assert dispatcher.messages[-1] is asked[0]  # after whatever the validation said
    own = CollectingDispatcher()  # what action_ask_<slot> says after the same validation
    after = {**slots, **{e["name"]: e["value"] for e in events if e["event"] == "slot"}}
    questions.ask(own, tracker(after, latest), following, form.questions[following])
    assert own.messages == asked
