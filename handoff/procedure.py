"""The escalation procedure an area's deployment sets (Schedule 4 to the 2014 Act): the grounds,
the window after the applicant is told the decision, where requests go, and the stages the
reviewing body promises; and from them, what the applicant can do next. Used by the status check,
the escalation request, its delivery and the evidence pack."""

from __future__ import annotations

from datetime import date, timedelta

from deployment.config import Area, Delivery, Escalation
from eligibility.working_days import add_working_days, working_period_end
from handoff.pages import long_date

GROUNDS = {
    "A": "The threshold decision: the bodies decided the threshold was not met, and the "
         "applicant disagrees",
    "B": "How the review was run: it did not follow a relevant process, policy or protocol "
         "(timescales included)",
    "C": "The evidence: the review did not consider relevant, evidenced information",
}


def settings_of(area: Area) -> Escalation:
    """The area's escalation procedure; without one in the file: the window in working days
    from `escalation_request_working_days`, to the lead agency, with the OPCC's stages."""
    procedure = area.procedure
    return procedure.escalation or Escalation(
        window_working_days=procedure.escalation_request_working_days)


def delivery_of(area: Area) -> Delivery:
    """Where the area's escalation requests are delivered: the recipient's channels on a direct
    route, else the lead agency's."""
    settings = settings_of(area)
    return settings.recipient.delivery if settings.recipient else area.delivery


def recipient_name(area: Area) -> str:
    settings = settings_of(area)
    if settings.recipient is not None:
        return settings.recipient.name
    return area.lead_agency.name


def told_on(found: dict) -> date | None:
    """The day the applicant was told what can be escalated: the outcome of the review (the day
    recorded as told, else the day it was held), or the decision that the threshold was not
    met. None while neither is recorded."""
    outcome_on = found["progress"]["outcome_on"]
    if found["review_held_on"] is not None and (
            found["recommendations_made"] is not None or outcome_on is not None):
        return outcome_on or found["review_held_on"]
    if found["threshold_met"] is False and found["threshold_decided_on"] is not None:
        return outcome_on or found["threshold_decided_on"]
    return None


def deadline_of(area: Area, told: date) -> date:
    """The last day to ask: `window_weeks` calendar weeks after being told, or the last of
    `window_working_days` working days beginning with that day (the nation's bank holidays)."""
    settings = settings_of(area)
    if settings.window_weeks is not None:
        return told + timedelta(weeks=settings.window_weeks)
    return working_period_end(told, settings.window_working_days, area.nation)


def window_words(area: Area) -> str:
    settings = settings_of(area)
    if settings.window_weeks is not None:
        weeks = settings.window_weeks
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{settings.window_working_days} working days"


def stages_of(area: Area, notified_on: date) -> list[dict]:
    """The date each stage is promised by, counted in working days from the day the reviewing
    body is notified, or from the end of the stage before."""
    out, previous = [], notified_on
    for number, stage in enumerate(settings_of(area).stages, start=1):
        start = notified_on if stage.counted_from == "notified" else previous
        previous = add_working_days(start, stage.working_days, area.nation)
        out.append({"stage": number, "what": stage.what, "working_days": stage.working_days,
                    "counted_from": stage.counted_from, "due_by": previous.isoformat()})
    return out


def next_step(found: dict, area: Area, today: date) -> dict:
    """What the applicant can do next, and by when, in plain words (and a code for the chat)."""
    if found["escalation"] is not None:
        return {"code": "escalation_requested", "deadline": None,
                "text": "You have asked for your case review to be looked at again. "
                        f"{recipient_name(area)} will keep you updated."}
    told = told_on(found)
    if told is None:
        if found["threshold_met"] is None:
            due = found["threshold_decision_due"]
            return {"code": "wait_for_threshold_decision", "deadline": due.isoformat(),
                    "text": "We are deciding whether your case meets the threshold for a case "
                            f"review. You should hear by {long_date(due)}."}
        return {"code": "wait_for_review_outcome", "deadline": None,
                "text": "Your case review is going ahead. We will tell you when the review "
                        "meeting has been held and what it decided."}
    deadline = deadline_of(area, told)
    if today > deadline:
        return {"code": "escalation_window_closed", "deadline": deadline.isoformat(),
                "text": f"The time to ask for your case review to be looked at again ended on "
                        f"{long_date(deadline)}. If you are still having problems, you can report "
                        "them again, or contact the lead agency."}
    return {"code": "can_ask_for_escalation", "deadline": deadline.isoformat(),
            "escalation_to": area.procedure.escalation_to,
            "text": f"If you think the decision was wrong, you can ask for it to be looked at "
                    f"again by {area.procedure.escalation_to}. Ask by {long_date(deadline)} "
                    f"({window_words(area)} from when you were told)."}
