"""The 2nd-report offer: the statutory guidance (2025) says the ASB case review should be explained
to any victim making a second report within six months. An agency's case system (POST
/api/v1/second-report, the intake's bearer token or an API client's with the scope
`second_report`: handoff/api_clients.py) or a caseworker (the inbox's form,
/inbox/second-report) gives the victim's reports so far; the answer says, with the area's own
threshold policy decided by the eligibility engine, whether the case review must be explained
now, or the threshold is already met, or there is nothing to explain yet.

Where there is something to explain and the deployment names the assistant's page
(`handoff.second_report.assistant_url`), the answer carries a link to the assistant that starts
with those incidents filled in. The link holds no personal data: the incidents are kept here
(table `prefills`, by the SHA-256 of a random id) until the link is used, or expires
(`link_days`, never longer than `retention_days`); the URL's fragment holds only the id and its
signature (HMAC-SHA256 with a key derived from the intake token). The assistant's action server
takes the incidents with POST /api/v1/prefills/redeem (the scope `intake`), once.
docs/after-applying.md describes both; docs/handoff.md the API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from datetime import date, datetime, timedelta

from aiohttp import web

from deployment.config import Deployment
from eligibility import EligibilityError, case_from_json, clock, decide_application, within
from handoff.api_clients import caller
from handoff.context import DEPLOYMENT, INTAKE_TOKEN, STORE
from handoff.document import FieldError
from handoff.inbox import form_of, page
from handoff.intake import errors
from handoff.prefill_link import FRAGMENT, LINK
from handoff.status import read_request

log = logging.getLogger("handoff.second_report")
routes = web.RouteTableDef()
MAX_BODY = 16384  # fifty reports take about 6 kB
MAX_REPORTS = 50
WITHIN_MONTHS = 6  # "a second report within six months" (statutory guidance, 2025)
REPORT_KEYS = ("reported_on", "reported_to", "occurred_on", "same_problem", "hate_related")
FORM_ROWS = 8
AGENCY_NAMES = (("police", "Police"), ("council", "Council"), ("housing", "Housing provider"),
                ("health", "Health service"), ("other", "Another organisation"))
ANSWER_TEXT = {
    "threshold_met": (
        "The reports already meet the threshold for an ASB case review in this area. Tell "
        "the victim now that they can ask for a case review, and how."),
    "explain_now": (
        "This is at least the second report of the same problem within six months. Explain "
        "the ASB case review to the victim now (statutory guidance, 2025): what it is, and "
        "that they can ask for one."),
    "nothing_to_explain_yet": (
        "Nothing to explain yet: there is no other report of the same problem within six "
        "months of the latest. If it is reported again within six months, explain the ASB "
        "case review then."),
}


class BadReports(ValueError):
    def __init__(self, *problems: FieldError):
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


# -- the answer --------------------------------------------------------------------------------


def _reports(body: dict) -> list[dict]:
    reports = body.get("reports")
    if not isinstance(reports, list) or not reports:
        raise BadReports(FieldError("reports", "give the victim's reports so far: a list of "
                                    "objects with reported_on and reported_to"))
    if len(reports) > MAX_REPORTS:
        raise BadReports(FieldError("reports", f"give at most {MAX_REPORTS} reports"))
    for i, report in enumerate(reports):
        if not isinstance(report, dict):
            raise BadReports(FieldError(f"reports[{i}]", "must be an object with reported_on "
                                        "and reported_to"))
        unknown = sorted(set(report) - set(REPORT_KEYS))
        if unknown:
            raise BadReports(FieldError(f"reports[{i}].{unknown[0]}"[:100],
                                        "is not known; the keys are " + ", ".join(REPORT_KEYS)))
        if report.get("same_problem") not in (None, True, False):
            raise BadReports(FieldError(f"reports[{i}].same_problem",
                                        "must be true, false or left out (not known)"))
    return reports


def _incident(report: dict) -> dict:
    """A report as an incident of the application document (the assistant's own shape): when
    the day it happened is not given, it is taken as the day reported, marked approximate."""
    occurred = report.get("occurred_on")
    return {"occurred_on": occurred if occurred is not None else report.get("reported_on"),
            "occurred_on_approximate": occurred is None,
            "reported_on": report.get("reported_on"), "reported_to": report.get("reported_to"),
            "reference": None, "description": None,
            "hate_related": report.get("hate_related", False)}


def _checked(reports: list[dict], incidents: list[dict], today: date) -> None:
    """The engine's own checks (dates, agencies, order), naming the report's field at fault
    (its reported_on where occurred_on was taken from it)."""
    try:
        case_from_json({"applied_on": today.isoformat(), "incidents": [
            {key: item[key] for key in ("occurred_on", "reported_on", "reported_to",
                                        "hate_related")} for item in incidents]}, today)
    except EligibilityError as exc:
        field = exc.field.replace("incidents[", "reports[", 1)
        taken = re.fullmatch(r"reports\[(\d+)\]\.occurred_on", field)
        if taken and reports[int(taken.group(1))].get("occurred_on") is None:
            field = field.replace("occurred_on", "reported_on")
        raise BadReports(FieldError(field[:100], exc.message[:300])) from None


def second_report_within(days: list[date]) -> bool:
    """At least two reports, the latest within six months beginning with an earlier one."""
    if len(days) < 2:
        return False
    latest = max(days)
    return sum(1 for day in days if within(latest, day, WITHIN_MONTHS)) >= 2


def answer_for(deployment: Deployment, body: dict, today: date) -> tuple[dict, str, list]:
    """The answer to the reports in `body` (without the link), the area's id and the incidents
    to prefill. Raises BadReports naming the field."""
    if not isinstance(body, dict):
        raise BadReports(FieldError("body", "must be a JSON object"))
    unknown = sorted(set(body) - {"reports", "area", "vulnerable"})
    if unknown:
        raise BadReports(FieldError(unknown[0][:100], "is not known; give reports, and "
                                    "optionally area and vulnerable"))
    areas = {area.id: area for area in deployment.areas}
    area_id = body.get("area", deployment.areas[0].id)
    if not isinstance(area_id, str) or area_id not in areas:
        raise BadReports(FieldError("area", "is not an area of this service: " + ", ".join(
            areas)))
    vulnerable = body.get("vulnerable", False)
    if not isinstance(vulnerable, bool):
        raise BadReports(FieldError("vulnerable", "must be true or false"))
    reports = _reports(body)
    incidents = [_incident(report) for report in reports]
    _checked(reports, incidents, today)
    counted = [i for i, report in enumerate(reports) if report.get("same_problem") is not False]
    chosen = [incidents[i] for i in counted]
    decision = decide_application({"incidents": chosen, "victim": {"at_risk": vulnerable}},
                                  deployment.area(area_id).threshold_policy, today)
    eligibility = decision.to_json()
    for result in eligibility["incidents"]:  # the engine's index, as the request's
        result["index"] = counted[result["index"]]
    if decision.outcome == "threshold_met":
        code = "threshold_met"
    elif second_report_within([date.fromisoformat(item["reported_on"]) for item in chosen]):
        code = "explain_now"
    else:
        code = "nothing_to_explain_yet"
    return {
        "answer": code,
        "explain_case_review": code != "nothing_to_explain_yet",
        "reports_counted": len(counted),
        "reports_left_out": len(reports) - len(counted),
        "within_months": WITHIN_MONTHS,
        "area": area_id,
        "eligibility": eligibility,
        "text": ANSWER_TEXT[code],
        "assistant_link": None,
    }, area_id, chosen


# -- the link ----------------------------------------------------------------------------------


def _key(token: str) -> bytes:
    return hmac.new(token.encode("utf-8", "replace"), b"asb-prefill-link-v1",
                    hashlib.sha256).digest()


def _signature(token: str, link_id: str) -> str:
    digest = hmac.new(_key(token), link_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _stored_id(link_id: str) -> str:
    return hashlib.sha256(link_id.encode()).hexdigest()


def link_lifetime(deployment: Deployment) -> timedelta:
    settings = deployment.handoff
    days = settings.second_report.link_days
    if settings.retention_days is not None:
        days = min(days, settings.retention_days)
    return timedelta(days=days)


async def make_link(request: web.Request, area_id: str, incidents: list) -> dict | None:
    """Keep the incidents for the assistant and answer the signed link to them (None when the
    deployment names no assistant page)."""
    deployment = request.app[DEPLOYMENT]
    url = deployment.handoff.second_report.assistant_url
    if not url:
        return None
    link_id = secrets.token_urlsafe(18)
    now = clock.now()
    expires = now + link_lifetime(deployment)
    store = request.app[STORE]
    await store.run(store.store_prefill, _stored_id(link_id), area_id, incidents,
                    now.timestamp(), expires.timestamp())
    token = request.app[INTAKE_TOKEN]
    return {"url": f"{url.split('#')[0]}#{FRAGMENT}={link_id}.{_signature(token, link_id)}",
            "expires_at": expires.isoformat(timespec="seconds")}


# -- the API -----------------------------------------------------------------------------------


@routes.post("/api/v1/second-report")
async def second_report(request: web.Request) -> web.Response:
    if request.content_length is not None and request.content_length > MAX_BODY:
        return errors(413, FieldError("body", f"is larger than {MAX_BODY} bytes: give at most "
                                      f"{MAX_REPORTS} reports"))
    body = await read_request(request, "second_report")
    if isinstance(body, web.Response):
        return body
    if len(json.dumps(body)) > MAX_BODY:
        return errors(413, FieldError("body", f"is larger than {MAX_BODY} bytes: give at most "
                                      f"{MAX_REPORTS} reports"))
    try:
        answer, area_id, incidents = answer_for(request.app[DEPLOYMENT], body, clock.today())
    except BadReports as exc:
        return errors(422, *exc.problems)
    if answer["explain_case_review"]:
        answer["assistant_link"] = await make_link(request, area_id, incidents)
    # There is no application to hold an audit entry: the log says who asked (nothing personal).
    name = caller(request).name
    log.info("2nd report answered %s for area %s, asked with %s", answer["answer"], area_id,
             "the intake token" if name is None else f"the API client {name}")
    return web.json_response(answer)


@routes.post("/api/v1/prefills/redeem")
async def redeem(request: web.Request) -> web.Response:
    """For the assistant's action server: the incidents behind a link, once."""
    body = await read_request(request, "intake")
    if isinstance(body, web.Response):
        return body
    given = body.get("prefill")
    match = LINK.fullmatch(given) if isinstance(given, str) else None
    if match is None:
        return errors(422, FieldError("prefill", "must be the link's id and signature, as "
                                      f"after #{FRAGMENT}= in the link"))
    link_id, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(request.app[INTAKE_TOKEN], link_id)):
        return errors(403, FieldError("prefill", "the signature does not match: the link was "
                                      "changed, or was not made by this service"))
    store = request.app[STORE]
    taken = await store.run(store.take_prefill, _stored_id(link_id), clock.now().timestamp())
    if taken is None:
        return errors(404, FieldError("prefill", "this link has been used already, or has "
                                      "expired"))
    if taken == "expired":
        return errors(410, FieldError("prefill", "this link has expired"))
    return web.json_response({"area": taken["area_id"], "incidents": taken["incidents"]})


# -- the inbox's form --------------------------------------------------------------------------


def _form_body(form: dict) -> tuple[dict, dict, dict[int, int]]:
    """The inbox form as the API's body, the values to show again, and each report's row."""
    values = {name: form.get(name, "").strip() for name in
              [f"{field}_{row}" for row in range(FORM_ROWS)
               for field in ("reported_on", "reported_to", "same_problem")] + ["area"]}
    reports, rows = [], {}
    for row in range(FORM_ROWS):
        day, agency = values[f"reported_on_{row}"], values[f"reported_to_{row}"]
        if not day and not agency:
            continue
        same = {"yes": True, "no": False}.get(values[f"same_problem_{row}"])
        rows[len(reports)] = row
        reports.append({"reported_on": day or None, "reported_to": [agency] if agency else [],
                        **({} if same is None else {"same_problem": same})})
    body: dict = {"reports": reports}
    if values["area"]:
        body["area"] = values["area"]
    return body, values, rows


def _form_errors(problems, rows: dict[int, int]) -> dict[str, str]:
    out = {}
    for problem in problems:
        match = re.match(r"reports\[(\d+)\]\.(\w+)", problem.field)
        if match and int(match.group(1)) in rows:
            row = rows[int(match.group(1))]
            name = match.group(2) if match.group(2) in REPORT_KEYS else "reported_on"
            name = "reported_on" if name == "occurred_on" else name
            message = {"reported_on": "Give the date it was reported, like 2026-03-02, not "
                       "in the future", "reported_to": "Choose who it was reported to"}.get(
                name, problem.message)
            out[f"{name}_{row}"] = f"Report {row + 1}: {message}"
        elif problem.field == "reports":
            out["reported_on_0"] = "Give at least one report: its date and who it was made to"
        else:
            out["area"] = problem.message
    return out


def _form_page(request: web.Request, values: dict, errors_by_field: dict,
               answer: dict | None = None, status: int = 200) -> web.Response:
    deployment = request.app[DEPLOYMENT]
    return page(request, "second_report.html", http_status=status, rows=range(FORM_ROWS),
                values=values, errors=errors_by_field, answer=answer,
                agencies=AGENCY_NAMES, areas={a.id: a.name for a in deployment.areas},
                link_days=link_lifetime(deployment).days,
                has_link=bool(deployment.handoff.second_report.assistant_url))


@routes.get("/inbox/second-report")
async def second_report_form(request: web.Request) -> web.Response:
    return _form_page(request, {}, {})


@routes.post("/inbox/second-report")
async def second_report_answer(request: web.Request) -> web.Response:
    body, values, rows = _form_body(await form_of(request))
    try:
        answer, area_id, incidents = answer_for(request.app[DEPLOYMENT], body, clock.today())
    except BadReports as exc:
        return _form_page(request, values, _form_errors(exc.problems, rows), status=400)
    if answer["explain_case_review"]:
        answer["assistant_link"] = await make_link(request, area_id, incidents)
        if answer["assistant_link"]:
            answer["assistant_link"]["expires_on"] = datetime.fromisoformat(
                answer["assistant_link"]["expires_at"]).date()
    return _form_page(request, values, {}, answer)
