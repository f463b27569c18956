"""domain.yml against the code: it is what `python -m assistant.domain` writes now, Rasa reads it,
and its actions, forms and slots are the ones the action server has."""

from __future__ import annotations

import inspect

import pytest
from rasa_sdk import FormValidationAction, utils
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from assistant import domain
from assistant.actions.application_form import ValidateApplicationForm
from assistant.actions.eligibility_form import ValidateEligibilityForm
from assistant.actions.escalation import ValidateEscalationForm
from assistant.actions.status import ValidateStatusForm
from assistant.understanding import reader
from tests.assistant.trackers import tracker


@pytest.fixture(scope="module")
def served():
    """The domain as Rasa reads it from domain.yml (the anchors and aliases resolved)."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(domain.DOMAIN))


@pytest.fixture(scope="module")
def executor() -> ActionExecutor:
    """The action server's actions (`--actions assistant.actions`)."""
    registering = ActionExecutor()
    registering.register_package("assistant.actions")
    return registering


@pytest.fixture(scope="module")
def registered(executor) -> set[str]:
    """The action names the action server registers."""
    return set(executor.actions)


def form_actions() -> list[type[FormValidationAction]]:
    """Every form validation action of the action server."""
    ActionExecutor().register_package("assistant.actions")
    return [cls for cls in utils.all_subclasses(FormValidationAction)
            if cls.__module__.startswith("assistant.actions.") and not inspect.isabstract(cls)]


def test_domain_yml_is_what_the_generator_writes():
    assert domain.DOMAIN.read_text(encoding="utf-8") == domain.render(), (
        "domain.yml is not what `python -m assistant.domain` writes from the code: run it")


def test_the_domain_lists_the_actions_the_action_server_registers(served, registered):
    assert set(served.user_actions) == registered


def test_the_domain_goes_to_the_actions_that_read_it_and_no_others(served, registered,
                                                                    executor):
    """Rasa sends the domain only to actions that ask for it (endpoints.yml's selective domain):
    every rasa_sdk validation action reads it (the slots' mappings, the forms' required slots),
    and is sent it; our other actions never read it, and are not."""
    import yaml
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig
    from rasa_sdk.forms import ValidationAction

    from stack.model import ROOT

    reads = {name for name, run in executor.actions.items()
             if isinstance(getattr(run, "__self__", None), ValidationAction)}
    assert reads == {form().name() for form in domain.FORMS}  # the language: the Rasa server
    for endpoints in (ROOT / "endpoints.yml", ROOT / "deploy" / "endpoints.yml"):
        config = yaml.safe_load(endpoints.read_text(encoding="utf-8"))["action_endpoint"]
        assert config["enable_selective_domain"] is True, endpoints
    endpoint = EndpointConfig(url="http://127.0.0.1:5055/webhook", enable_selective_domain=True)
    tracker = DialogueStateTracker("someone", served.slots)
    sent = {name for name in registered
            if "domain" in RemoteAction(name, endpoint)._action_call_format(tracker, served)}
    assert sent == reads


def test_every_form_validation_action_has_its_form(served):
    assert sorted(cls().form_name() for cls in form_actions()) == sorted(served.form_names)


@pytest.mark.parametrize("form", [ValidateEligibilityForm, ValidateApplicationForm,
                                  ValidateStatusForm, ValidateEscalationForm])
def test_every_slot_a_form_asks_is_validated_and_asked(served, registered, form):
    required = served.required_slots_for_form(form().form_name())
    assert [slot for slot in required if not hasattr(form, f"validate_{slot}")] == []
    assert [slot for slot in required if f"action_ask_{slot}" not in registered] == []


def test_every_ask_action_asks_a_slot_of_a_form(served, registered):
    asked = {slot for form in served.form_names for slot in served.required_slots_for_form(form)}
    assert {name.removeprefix("action_ask_") for name in registered
            if name.startswith("action_ask_")} == asked


ELIGIBILITY_ANSWERS = [{}, {"more_incidents": False, "incidents": []}]
APPLICATION_ANSWERS = [
    {},
    {"applicant_role": "on_behalf", "victim_consent": "cannot_consent",
     "contact_preferred": "phone", "contact_phone": "07700 900123"},
    {"contact_preferred": "email"},
    {"review_choice": "incidents"},
]
STATUS_ANSWERS = [{}]
_CAN_ASK = {"next": "can_ask_for_escalation", "threshold_not_met": True}
ESCALATION_ANSWERS = [{}, {"escalation_case": _CAN_ASK, "escalation_ground_a": True}]


@pytest.mark.parametrize(("form", "answers"), [
    (ValidateEligibilityForm, ELIGIBILITY_ANSWERS), (ValidateApplicationForm, APPLICATION_ANSWERS),
    (ValidateStatusForm, STATUS_ANSWERS), (ValidateEscalationForm, ESCALATION_ANSWERS),
])
async def test_the_slots_a_form_asks_are_the_domains_required_slots(served, form, answers):
    """Asked along every path (someone else applying with an exception to consent, phone or
    email, the incidents changed at the summary), the form asks exactly the domain's slots."""
    action = form()
    asked: set[str] = set()
    for slots in answers:
        asked.update(await action.required_slots([], CollectingDispatcher(), tracker(slots), {}))
    assert asked == set(served.required_slots_for_form(action.form_name()))


def test_each_form_slot_is_filled_only_while_its_forms_ask_for_it(served):
    forms_of = {slot: [form for form in served.form_names
                       if slot in served.required_slots_for_form(form)]
                for form in served.form_names for slot in served.required_slots_for_form(form)}
    for slot, forms in forms_of.items():
        [mapping] = served.as_dict()["slots"][slot]["mappings"]
        assert mapping["conditions"] == [{"active_loop": form, "requested_slot": slot}
                                         for form in forms]


def test_free_text_answers_give_way_only_to_emergency_stop_language_and_a_person(served):
    """...and to what the question itself names (`leaves_on`: asking to apply, at the status
    check's questions, which a rule turns into the eligibility check)."""
    slots = served.as_dict()["slots"]
    for form in (ValidateEligibilityForm, ValidateApplicationForm, ValidateStatusForm,
                 ValidateEscalationForm):
        for slot in form.form_slots:
            question = form.questions.get(slot)
            [mapping] = slots[slot]["mappings"]
            expected = (domain.FREE_TEXT_INTERRUPTIONS if question and question.free_text
                        else domain.INTERRUPTIONS) + list(question.leaves_on if question else ())
            assert (slot, mapping["type"], mapping["not_intent"]) == (slot, "from_text", expected)


def test_the_interruptions_are_the_intents_the_reader_lets_interrupt(served):
    """The message reader (assistant/understanding/reader.py) and the domain name the same
    intents as triage, questions back and explicit stop/restart."""
    assert set(domain.QUESTIONS_BACK) == reader.QUESTIONS_BACK
    assert reader.TRIAGE | reader.EXPLICIT <= set(domain.INTERRUPTIONS)
    assert set(domain.INTERRUPTIONS) <= set(served.intents)
