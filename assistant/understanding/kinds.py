"""What each question of the forms asks for: its kind and the values an answer can choose.

Kinds: `name` and `address` (typed as given: a name is never an interruption), `text` (free
text, maybe with suggested buttons), `choice` (one of the values), `yes_no`, `date`, `contact`
(a phone number, an email address, a postcode), `agency` (read by the agency entities), `review`
(the summary's Send or Change). `optional` is the value stored when the answer says there is none
("none", "no_reference"). The forms' questions (assistant/actions) are checked against this table
by tests/assistant/understanding/test_kinds.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Asked:
    kind: str
    values: tuple[str, ...] = ()
    optional: str | None = None  # the value meaning "there is none"
    languages: bool = False  # naming a language answers it
    digits: bool = False  # an answer has digits (a reference number): without, it is none
    yes_means: tuple[str, str] | None = None  # the values a plain yes and a plain no choose


YES_NO = ("yes", "no")

QUESTIONS: dict[str, Asked] = {
    # the eligibility check
    "incident_date": Asked("date"),
    "report_date": Asked("date"),
    "report_agencies": Asked("agency"),
    "incident_reference": Asked("text", ("no_reference",), optional="no_reference", digits=True),
    "incident_hate": Asked("yes_no", (*YES_NO, "not_sure")),
    "more_incidents": Asked("yes_no", YES_NO),
    "at_risk": Asked("yes_no", (*YES_NO, "not_sure")),
    # the application
    "applicant_role": Asked("choice", ("victim", "on_behalf")),
    "applicant_name": Asked("name"),
    "applicant_relationship": Asked("choice", ("family", "friend", "carer", "councillor",
                                               "professional", "other")),
    "applicant_contact": Asked("contact"),
    "victim_consent": Asked("choice", ("agrees", "cannot_consent", "at_risk", "refuses"),
                            yes_means=("agrees", "refuses")),  # "do they agree?"
    "consent_exception_reason": Asked("text"),
    "victim_kind": Asked("choice", ("individual", "business", "group")),
    "victim_name": Asked("name"),
    "victim_address": Asked("address"),
    "victim_postcode": Asked("contact"),
    "contact_preferred": Asked("choice", ("phone", "email", "post", "text")),
    "contact_phone": Asked("contact"),
    "contact_email": Asked("contact"),
    "safe_to_call": Asked("yes_no", YES_NO),
    "safe_times": Asked("text", ("any_time",)),
    "interpreter_language": Asked("text", ("none",), optional="none", languages=True),
    "accessibility_needs": Asked("text", ("none",), optional="none"),
    "impact": Asked("text"),
    "vulnerabilities": Asked("text", ("none",), optional="none"),
    "support_wanted": Asked("yes_no", YES_NO),
    "consent_share": Asked("yes_no", YES_NO),
    "review_choice": Asked("review", ("send",)),
    # the escalation request (its reference and postcode are read as the status check's)
    "escalation_ground_a": Asked("yes_no", YES_NO),
    "escalation_ground_b": Asked("yes_no", YES_NO),
    "escalation_ground_c": Asked("yes_no", YES_NO),
    "escalation_reasons": Asked("text"),
    "escalation_consent": Asked("yes_no", YES_NO),
}
