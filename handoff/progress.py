"""Recording what happens after the threshold decision, in the inbox: the review meeting's date
(planned or held), the day the applicant was told the outcome (the escalation window counts from
it), and the outcome and action plan in the caseworker's words (for the PCC's evidence pack).
The threshold decision, the day the review was held and whether it made recommendations are
recorded by the inbox's outcome form (handoff/inbox.py). Same sign-in, CSRF and audit trail."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from eligibility import clock
from handoff.context import STORE
from handoff.inbox import _stamp, application, form_of, parse_dates
from handoff.store import PROGRESS_FIELDS, Store

routes = web.RouteTableDef()
SUMMARY_CHARACTERS = 10000
PLANNED_AHEAD = timedelta(days=366)  # a meeting date further ahead is a typing mistake


def progress_values(progress: dict) -> dict:
    return {name: "" if progress[name] is None else (
        progress[name].isoformat() if isinstance(progress[name], date) else progress[name])
        for name in PROGRESS_FIELDS}


_PROGRESS_DATES = (("review_meeting_on", "The date of the review meeting"),
                   ("outcome_on", "The date the applicant was told the outcome"))


def parse_progress(form: dict, found: dict) -> tuple[dict, dict, dict]:
    """The form as store values, the values to show again, and errors by field."""
    values = {name: str(form.get(name, "")).strip() for name in PROGRESS_FIELDS}
    errors: dict[str, str] = {}
    today = clock.today()
    dates = parse_dates(values, _PROGRESS_DATES, errors)
    meeting_error = _meeting_error(dates["review_meeting_on"], found, today)
    if meeting_error:
        errors["review_meeting_on"] = meeting_error
    outcome_on = dates["outcome_on"]
    told_error = _told_error(outcome_on, found, today)
    if told_error:
        errors["outcome_on"] = told_error
    if len(values["outcome_summary"]) > SUMMARY_CHARACTERS:
        errors["outcome_summary"] = (f"The outcome and action plan must be at most "
                                     f"{SUMMARY_CHARACTERS} characters")
    stored = {"review_meeting_on": dates["review_meeting_on"], "outcome_on": outcome_on,
              "outcome_summary": values["outcome_summary"] or None}
    return stored, values, errors


def _meeting_error(meeting_on: date | None, found: dict, today: date) -> str | None:
    """What is wrong with the review meeting's date, if anything: it needs the threshold met,
    and a date within a year."""
    if meeting_on and found["threshold_met"] is not True:
        return "A review meeting can only be set once the threshold is recorded as met"
    if meeting_on and meeting_on > today + PLANNED_AHEAD:
        return "The date of the review meeting must be within a year"
    return None


def _told_error(outcome_on: date | None, found: dict, today: date) -> str | None:
    """What is wrong with the day the applicant was told, if anything: not in the future, and
    not before the decision they were told about (the threshold not met, or the review held)."""
    if not outcome_on:
        return None
    if outcome_on > today:
        return "The date the applicant was told must be today or in the past"
    if found["threshold_met"] is False:
        decided = found["threshold_decided_on"]
        if decided and outcome_on < decided:
            return "The applicant cannot have been told before the threshold decision was made"
        return None
    if found["review_held_on"] is None:
        return "Record the threshold decision as not met, or the date the review was held, first"
    if outcome_on < found["review_held_on"]:
        return "The applicant cannot have been told before the review was held"
    return None


@routes.post(r"/inbox/applications/{reference:ASB-\d{4}-[0-9A-Z]{6}}/progress")
async def record_progress(request: web.Request) -> web.Response:
    store: Store = request.app[STORE]
    reference = request.match_info["reference"]
    found = await store.run(store.case, reference)
    if found is None:
        raise web.HTTPNotFound(text=f"There is no application {reference}.")
    stored, values, errors = parse_progress(await form_of(request), found)
    if errors:
        return await application(request, status=400, progress_errors=errors,
                                 progress_values=values)
    changes = await store.run(store.record_progress, reference, stored,
                              request["user"], _stamp())
    raise web.HTTPSeeOther(
        f"/inbox/applications/{reference}?saved={1 if changes else 0}#progress-title")
