"""The assistant's Rasa domain, written from the code: `python -m assistant.domain` writes
domain.yml; `python -m assistant.domain compare [REF]` loads domain.yml and the one committed at
REF (default `main`) with Rasa and says whether they mean the same.

Where each part comes from:

- intents and entities: `INTENTS`, `ENTITIES` below (the NLU data has the examples);
- the slots the actions set themselves: `CONVERSATION_SLOTS`, the `language` slot's values
  `LANGUAGES`;
- the forms: `FORMS`, their form validation actions. A form's `required_slots` are the action's
  `form_slots` (every slot it may ask; its `required_slots()` picks those a conversation needs).
  Each is filled from the text typed while its form asks for it, except when the message's
  intent is one that interrupts: `FREE_TEXT_INTERRUPTIONS` when the question's answer is free
  text (`Question.free_text`), `INTERRUPTIONS` for any other question;
- actions: `ACTIONS` (what the action server answers with, outside the forms' questions), then
  `action_ask_<slot>` for every form slot. The `language` slot is set by the Rasa server itself
  (stack/language_slot.py), so there is no `action_validate_slot_mappings`.
  tests/assistant/test_domain.py checks them against the actions the action server registers,
  and domain.yml against what this writes.

No responses: every message is sent by a custom action from the catalogs (assistant/locales).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import FormValidationAction

from assistant.actions.application_form import ValidateApplicationForm
from assistant.actions.eligibility_form import ValidateEligibilityForm
from assistant.actions.escalation import ValidateEscalationForm
from assistant.actions.status import ValidateStatusForm
from languages import CODES

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "domain.yml"

QUESTIONS_BACK = [
    "ask_what_is_case_review", "ask_eligibility", "ask_who_can_apply", "ask_process",
    "ask_timescales", "ask_data_sharing", "ask_appeal", "ask_support",
]
# "Where is my application?" (assistant/actions/status.py): a way in, not an interruption.
STATUS_INTENTS = ["ask_status"]
TRIAGE = ["report_incident", "make_complaint"]
INTENTS = [
    "greet", "goodbye", "affirm", "deny", "thank", *QUESTIONS_BACK, "start_application",
    *STATUS_INTENTS, *TRIAGE, "emergency", "request_human", "change_language", "restart", "stop",
    "out_of_scope", "dont_know", "inform",
]
ENTITIES = ["language", "agency", "postcode", "phone", "email", "reference", "choice"]

# What interrupts a form's question instead of answering it (rules.yml answers it, then the form
# asks again). A free-text answer keeps anything else as typed: a story about a neighbour is not
# a new report. assistant/understanding/reader.py reads messages with the same groups.
FREE_TEXT_INTERRUPTIONS = ["emergency", "stop", "restart", "change_language", "request_human"]
INTERRUPTIONS = [*FREE_TEXT_INTERRUPTIONS, *TRIAGE, *QUESTIONS_BACK]

# The conversation's language: the codes a conversation can be in (the registry's; a catalog each).
LANGUAGES = list(CODES)
# Slots the actions set themselves (not asked by a form), with their Rasa types.
CONVERSATION_SLOTS = {
    "language": "categorical",
    "paused_form": "text",
    "incidents": "list",
    "incident_date_approximate": "any",
    "eligibility_outcome": "text",
    "eligibility": "any",
    "reference": "text",
    "consent_wording": "text",
    "consent_wording_version": "text",
    "consent_language": "text",
    "consent_given_at": "text",
    "status_tries": "any",
    "escalation_case": "any",
}

FORMS: list[type[FormValidationAction]] = [ValidateEligibilityForm, ValidateApplicationForm,
                                           ValidateStatusForm, ValidateEscalationForm]
ACTIONS = [
    # each form's answers (Rasa sends these the domain: rasa_sdk reads the forms' slots in it)
    "validate_eligibility_form", "validate_application_form", "validate_status_form",
    "validate_escalation_form",
    "action_change_language", "action_check_eligibility", "action_submit_application",
    "action_check_status", "action_submit_escalation",
    # stopping, starting again, "not now"
    "action_confirm_stop", "action_forget", "action_carry_on", "action_restart", "action_not_now",
    # answers and triage
    "action_complaint", "action_emergency", "action_explain_case_review",
    "action_explain_data_sharing", "action_explain_eligibility", "action_explain_escalation",
    "action_explain_process", "action_explain_support", "action_explain_timescales",
    "action_explain_who_can_apply", "action_fallback", "action_goodbye", "action_greet",
    "action_human", "action_report_incident", "action_thank",
]
SESSION_CONFIG = {"session_expiration_time": 120, "carry_over_slots_to_new_session": True}

HEADER = """\
# The assistant's domain, written by `python -m assistant.domain` (assistant/domain.py) from the
# code: do not edit it, change the code and run that (tests/assistant/test_domain.py fails while
# this file differs from what it writes). No words here: every message is sent by a custom action
# (assistant/actions) from the catalogs (assistant/locales).
# Form slots are filled from the text of the answer (`from_text`) while their form asks for them;
# the intents in `not_intent` interrupt the form instead (rules.yml answers them):
# `free_text_interruptions` for a free-text answer, `interruptions` for any other question.
"""


class _Flow(list):
    """A list written on one line (wrapped), `[a, b]`."""


class _FlowMap(dict):
    """A mapping written on one line, `{a: 1}`."""


class _Named(_Flow):
    """A list written once with an anchor (`&name`) and then as `*name` wherever it is repeated."""

    def __init__(self, name: str, items: list[str]):
        super().__init__(items)
        self.name = name


class _Dumper(yaml.SafeDumper):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.anchor_names: dict[int, str] = {}

    def generate_anchor(self, node: yaml.Node) -> str:
        return self.anchor_names[id(node)]

    def ignore_aliases(self, data: Any) -> bool:
        return not isinstance(data, _Named)

    def expect_flow_sequence_item(self) -> None:
        """PyYAML breaks a flow list's line after the item that passes the width: break before
        it instead, so no line is longer than the width."""
        if not isinstance(self.event, yaml.ScalarEvent):
            return super().expect_flow_sequence_item()
        self.write_indicator(",", False)
        if self.column + len(self.event.value) + 2 > self.best_width:  # " item," or " item]"
            self.write_indent()
        self.states.append(self.expect_flow_sequence_item)
        self.expect_node(sequence=True)


def _flow(dumper: _Dumper, data: list) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _named(dumper: _Dumper, data: _Named) -> yaml.Node:
    node = _flow(dumper, data)
    dumper.anchor_names[id(node)] = data.name
    return node


_Dumper.add_representer(_Flow, _flow)
_Dumper.add_representer(_Named, _named)
_Dumper.add_representer(_FlowMap, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data, flow_style=True))


def form_name(form: type[FormValidationAction]) -> str:
    return form().form_name()


def form_slots() -> dict[str, list[str]]:
    """Every form slot, in order, with the forms that ask it."""
    slots: dict[str, list[str]] = {}
    for form in FORMS:
        for slot in form.form_slots:
            slots.setdefault(slot, []).append(form_name(form))
    return slots


def question_of(slot: str):
    return next((form.questions[slot] for form in FORMS if slot in form.questions), None)


def free_text(slot: str) -> bool:
    question = question_of(slot)
    return question is not None and question.free_text  # the summary has buttons


def interruptions_of(slot: str, named: dict[tuple, _Named]) -> _Named:
    """The intents that do not answer the slot's question: the free-text or the other list, and
    the question's own `leaves_on` (one YAML anchor for each list)."""
    question = question_of(slot)
    leaves = tuple(question.leaves_on) if question is not None else ()
    name, base = (("free_text_interruptions", FREE_TEXT_INTERRUPTIONS) if free_text(slot)
                  else ("interruptions", INTERRUPTIONS))
    key = (name, leaves)
    if key not in named:
        named[key] = _Named("_or_".join([name, *leaves]), [*base, *leaves])
    return named[key]


def domain() -> dict[str, Any]:
    """The domain as data, in the order it is written."""
    named: dict[tuple, _Named] = {}
    slots: dict[str, Any] = {}
    for slot, kind in CONVERSATION_SLOTS.items():
        values = {"values": _Flow(LANGUAGES)} if slot == "language" else {}
        slots[slot] = {"type": kind, **values, "influence_conversation": False,
                       "mappings": _Flow([_FlowMap(type="custom")])}
    asked = form_slots()
    for slot, forms in asked.items():
        slots[slot] = {"type": "any", "influence_conversation": False, "mappings": [{
            "type": "from_text",
            "not_intent": interruptions_of(slot, named),
            "conditions": [_FlowMap(active_loop=form, requested_slot=slot) for form in forms],
        }]}
    return {
        "version": "3.1",
        "intents": _Flow(INTENTS),
        "entities": _Flow(ENTITIES),
        "slots": slots,
        "forms": {form_name(form): {"required_slots": _Flow(form.form_slots)} for form in FORMS},
        "actions": _Flow([*ACTIONS, *(f"action_ask_{slot}" for slot in asked)]),
        "session_config": dict(SESSION_CONFIG),
    }


def render() -> str:
    """domain.yml's text."""
    return HEADER + yaml.dump(domain(), Dumper=_Dumper, sort_keys=False, width=99,
                              allow_unicode=True)


def compare(ref: str = "main", path: Path = DOMAIN) -> list[str]:
    """The differences between what Rasa reads from `path` and from domain.yml committed at `ref`
    (the serialised domain, `Domain.as_dict()`; intents and entities as sets, as Rasa sorts
    them). Empty when they mean the same."""
    from rasa.shared.core.domain import Domain

    old_text = subprocess.run(["git", "show", f"{ref}:domain.yml"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
    old = Domain.from_yaml(old_text).as_dict()
    new = Domain.from_path(path).as_dict()
    differences = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if key in ("intents", "entities"):
            before, after = sorted(before or []), sorted(after or [])
        if before != after:
            differences.append(key)
    return differences


def main(argv: list[str]) -> int:
    if argv == []:
        DOMAIN.write_text(render(), encoding="utf-8")
        print(f"wrote {DOMAIN.relative_to(ROOT)}")
        return 0
    if argv[:1] == ["compare"] and len(argv) <= 2:
        ref = argv[1] if len(argv) == 2 else "main"
        differences = compare(ref)
        if differences:
            print(f"domain.yml differs from {ref}'s in: {', '.join(differences)}")
            return 1
        print(f"domain.yml means what {ref}'s does (Rasa's Domain.as_dict() is the same)")
        return 0
    print("usage: python -m assistant.domain [compare [REF]]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
