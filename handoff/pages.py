"""Jinja2 templates for the inbox pages and the email bodies, and the words they show for codes."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape

from handoff import languages

TEMPLATES = Path(__file__).parent / "templates"

LABELS = {
    # statuses
    "new": "New",
    "threshold_met": "Threshold met",
    "threshold_not_met": "Threshold not met",
    "review_held": "Review held",
    "escalated": "Escalated",
    # the inbox's roles (handoff/roles.py)
    "caseworker": "Caseworker",
    "manager": "Manager",
    "pcc_reviewer": "PCC reviewer",
    # an escalation's route (handoff/procedure.py)
    "lead_agency": "Through the lead agency",
    "opcc": "Straight to the PCC's office",
    "community_safety_partnership": "Straight to the community safety partnership",
    # the engine's outcomes
    "discretionary_review": "Needs a decision (discretionary)",
    # roles and kinds
    "victim": "The victim",
    "on_behalf": "Someone on the victim's behalf",
    "individual": "An individual",
    "business": "A business",
    "group": "A community group",
    "third_party_with_consent": "Someone else, with the victim's consent",
    # how to contact the victim
    "phone": "Phone call",
    "post": "Letter",
    "text": "Text message",
    # the agencies an incident was reported to
    "police": "Police",
    "council": "Council",
    "housing": "Housing provider",
    "health": "Health service",
    "without_consent": "Someone else, without the victim's consent",
    # delivery
    "pending": "Waiting to be sent",
    "delivered": "Delivered",
    "failed": "Failed",
    "webhook": "Webhook",
    "email": "Email",
    # audit actions
    "received": "Received from the assistant",
    "outcome_recorded": "Outcome recorded",
    "progress_recorded": "Meeting and outcome dates recorded",
    "escalation_requested": "Escalation asked for by the applicant",
    "pack_viewed": "Evidence pack opened",
    "pack_downloaded": "Evidence pack downloaded as JSON",
    "delivery_retried": "Delivery retried",
    "viewed": "Opened",
    "downloaded_json": "Downloaded as JSON",
    "printed": "Opened the printable page",
}


def label(code) -> str:
    if code is None:
        return "Not recorded"
    if code is True:
        return "Yes"
    if code is False:
        return "No"
    return LABELS.get(code, str(code).replace("_", " ").capitalize())


def long_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = (datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value))
    if isinstance(value, datetime):
        return f"{value.day} {value:%B %Y}, {value:%H:%M}"
    return f"{value.day} {value:%B %Y}"


@cache
def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = label
    env.filters["long_date"] = long_date
    env.filters["language_name"] = languages.language_name
    env.filters["lang_attributes"] = languages.lang_attributes
    env.filters["english_title"] = languages.english_title
    env.filters["with_english_title"] = languages.with_english_title
    env.filters["consent_in_english"] = languages.consent_in_english
    return env


def render(name: str, **context) -> str:
    return templates().get_template(name).render(**context)
