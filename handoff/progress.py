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
from handoff.inbox import _stamp, application, form_of
from handoff.store import PROGRESS_FIELDS, Store

routes = web.RouteTableDef()
SUMMARY_CHARACTERS = 10000
PLANNED_AHEAD = timedelta(days=366)  # a meeting date further ahead is a typing mistake


def progress_values(progress: dict) -> dict:
    return {name: "" if progress[name] is None else (
        progress[name].isoformat() if isinstance(progress[name], date) else progress[name])
        for name in PROGRESS_FIELDS}


def parse_progress(form: dict, found: dict) -> tuple[dict, dict, dict]:
    """The form as store values, the values to show again, and errors by field."""
    values = {name: str(form.get(name, "")).strip() for name in PROGRESS_FIELDS}
    errors: dict[str, str] = {}
    today = clock.today()
    dates: dict[str, date | None] = {}
    for name, what in (("review_meeting_on", "The date of the review meeting"),
                       ("outcome_on", "The date the applicant was told the outcome")):
        dates[name] = None
        if not values[name]:
            continue
        try:
            dates[name] = date.fromisoformat(values[name])
        except ValueError:
            errors[name] = f"{what} must be a real date, like 2026-03-27"
    if dates["review_meeting_on"] and found["threshold_met"] is not True:
        errors["review_meeting_on"] = ("A review meeting can only be set once the threshold "
                                       "is recorded as met")
    elif dates["review_meeting_on"] and dates["review_meeting_on"] > today + PLANNED_AHEAD:
        errors["review_meeting_on"] = "The date of the review meeting must be within a year"
    outcome_on = dates["outcome_on"]
    if outcome_on and outcome_on > today:
        errors["outcome_on"] = "The date the applicant was told must be today or in the past"
    elif outcome_on and found["threshold_met"] is False:
        decided = found["threshold_decided_on"]
        if decided and outcome_on < decided:
            errors["outcome_on"] = ("The applicant cannot have been told before the threshold "
                                    "decision was made")
    elif outcome_on and found["review_held_on"] is None:
        errors["outcome_on"] = ("Record the threshold decision as not met, or the date the "
                                "review was held, first")
    elif outcome_on and outcome_on < found["review_held_on"]:
        errors["outcome_on"] = "The applicant cannot have been told before the review was held"
    if len(values["outcome_summary"]) > SUMMARY_CHARACTERS:
        errors["outcome_summary"] = (f"The outcome and action plan must be at most "
                                     f"{SUMMARY_CHARACTERS} characters")
    stored = {"review_meeting_on": dates["review_meeting_on"], "outcome_on": outcome_on,
              "outcome_summary": values["outcome_summary"] or None}
    return stored, values, errors


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
