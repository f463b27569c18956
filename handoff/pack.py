"""The list of escalations, and the PCC's evidence pack for one: what Appendix A of the Devon &
Cornwall OPCC's guidance asks the lead organisation to send, as far as this service holds it,
each item marked available or not (with the reason), as one printable page and as JSON. Inbox
staff only (the inbox's sign-in; a PCC reviewer sees these and nothing else); each opening of a
pack is in the application's audit trail.

It is built from the application, the recorded decisions and dates, the audit trail (the
timeline), the escalation request, the area's policy and procedure, and the area's statutory
counts for the twelve months to the request."""

from __future__ import annotations

import json
from datetime import date, timedelta

from aiohttp import web

from deployment.config import Deployment
from handoff.context import DEPLOYMENT, STORE
from handoff.inbox import FIGURE_LABELS, FIGURES, _stamp, page
from handoff.pages import TEMPLATES
from handoff.procedure import stages_of
from handoff.store import Store

routes = web.RouteTableDef()
PATH = r"/inbox/escalations/{reference:ESC-\d{4}-[0-9A-Z]{6}}"
NOT_HELD = "Not held by this service: the lead organisation supplies it"


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _item(number: int, title: str, available: bool, content, missing: str | None = None
          ) -> dict:
    return {"number": number, "title": title, "available": available, "content": content,
            "missing_reason": None if available else missing}


def build(store: Store, deployment: Deployment, reference: str) -> dict | None:
    """The pack as data (the JSON download, and what the page shows)."""
    escalation = store.escalation(reference)
    if escalation is None:
        return None
    application = store.application(escalation["application_reference"])
    found = store.case(escalation["application_reference"])
    area = deployment.area(application["area_id"])
    policy = area.threshold_policy
    request = escalation["document"]
    if request is None:  # erased with the application's personal data
        request = {"reference": escalation["reference"], "application_reference":
                   escalation["application_reference"], "requested_at":
                   escalation["requested_at"], "grounds": [], "reasons": None,
                   "route": {"route": escalation["route"]}, "window": None, "consent": None}
    document = application["document"]
    progress = found["progress"]
    requested_on = escalation["requested_on"]
    counts = store.figures(requested_on - timedelta(days=365) + timedelta(days=1),
                           requested_on, area.id).get(area.id, dict.fromkeys(FIGURES, 0))
    decided = application["threshold_decided_on"]
    due = application["threshold_decision_due"]
    decisions = {
        "received_on": _iso(application["received_on"]),
        "threshold_decision_due": _iso(due),
        "threshold_met": application["threshold_met"],
        "threshold_decided_on": _iso(decided),
        "threshold_decided_in_time": None if decided is None else decided <= due,
        "threshold_reason": application["threshold_reason"],
        "review_meeting_on": _iso(progress["review_meeting_on"]),
        "review_held_on": _iso(application["review_held_on"]),
        "recommendations_made": application["recommendations_made"],
        "outcome_told_on": _iso(progress["outcome_on"]),
        "escalation_requested_on": _iso(requested_on),
    }
    timeline = [{"at": entry["at"], "by": entry["actor"], "what": entry["action"],
                 "detail": entry["detail"]} for entry in application["audit"]
                if entry["action"] not in ("viewed", "downloaded_json", "printed",
                                           "pack_viewed")]
    incidents = (document or {}).get("incidents") or []
    support_wanted = ((document or {}).get("victim") or {}).get("support_wanted")
    items = [
        _item(1, "The applicant's request for a case review (the application)",
              document is not None, {"reference": application["reference"],
                                     "received_at": application["received_at"],
                                     "document": document},
              f"The personal data was erased on {_iso(application['erased_on'])} under the "
              "retention policy"),
        _item(2, "The local case review policy and process followed", True, {
            "policy": {"id": policy.id, "title": policy.title, "source": policy.source,
                       "effective_from": _iso(policy.effective_from),
                       "parameters": policy.parameters()},
            "procedure": json.loads(area.procedure.json())}),
        _item(3, "The evidence, decision and rationale on whether the threshold was met",
              application["threshold_met"] is not None, {
                  "decision": decisions, "incidents": incidents,
                  "assistant_check": (document or {}).get("eligibility")},
              "No threshold decision has been recorded"),
        _item(4, "Risk assessments before the threshold decision and during the review",
              False, None, NOT_HELD),
        _item(5, "A timeline of activity against the local procedure", True, {
            "deadlines": (document or {}).get("deadlines"), "events": timeline}),
        _item(6, "Support services offered or provided to the applicant",
              support_wanted is not None, {
                  "asked_for_in_the_application": support_wanted,
                  "offered_by_the_assistant": [
                      service.name if isinstance(service.name, str) else service.name["en"]
                      for service in area.support_services]},
              "The application does not say; what was provided is not held by this service"),
        _item(7, "The panel meeting's minutes: who attended, the victim's impact statement",
              False, {"review_meeting_on": decisions["review_meeting_on"],
                      "review_held_on": decisions["review_held_on"],
                      "impact_in_the_application": (document or {}).get("impact")},
              "Minutes are not held by this service: the lead organisation supplies them "
              "(the meeting's date and the impact statement given in the application are "
              "here)"),
        _item(8, "Correspondence with the applicant about the review",
              progress["outcome_on"] is not None, {
                  "outcome_told_on": decisions["outcome_told_on"],
                  "threshold_decided_on": decisions["threshold_decided_on"]},
              "The day the applicant was told the outcome is not recorded; copies of letters "
              "and emails are not held by this service"),
        _item(9, "The action plan and delivery plan, with timeframes",
              bool(progress["outcome_summary"]), progress["outcome_summary"],
              "No outcome or action plan has been recorded in the inbox"),
        _item(10, "The updated action plan: actions completed, overdue, ongoing", False, None,
              NOT_HELD),
        _item(11, "Any other information relevant to the case", True, {
            "grounds": request["grounds"], "reasons": request["reasons"]}),
        _item(12, "Relevant evidence that became available after the review closed", False,
              None, NOT_HELD),
    ]
    return {
        "document_type": "asb-case-review-escalation-pack",
        "schema_version": "1",
        "escalation": {key: request[key] for key in (
            "reference", "application_reference", "requested_at", "grounds", "reasons",
            "route", "window", "consent")},
        "stages": stages_of(area, requested_on),
        "area": {"id": area.id, "name": area.name, "lead_agency": area.lead_agency.name},
        "decisions": decisions,
        "incidents": incidents,
        "checklist": items,
        "missing": [item["number"] for item in items if not item["available"]],
        "statutory_counts": {
            "period_start": _iso(requested_on - timedelta(days=364)),
            "period_end": _iso(requested_on),
            **{name: counts[name] for name in FIGURES}},
        "deliveries": [{"channel": d["channel"], "state": d["state"]}
                       for d in escalation["deliveries"]],
    }


async def _pack(request: web.Request, action: str) -> dict:
    store: Store = request.app[STORE]
    reference = request.match_info["reference"]
    pack = await store.run(build, store, request.app[DEPLOYMENT], reference)
    if pack is None:
        raise web.HTTPNotFound(text=f"There is no escalation {reference}.")
    await store.run(store.record_view, pack["escalation"]["application_reference"],
                    request["user"], _stamp(), action)
    return pack


@routes.get("/inbox/escalations")
async def escalation_list(request: web.Request) -> web.Response:
    store: Store = request.app[STORE]
    rows = await store.run(store.list_escalations)
    areas = {area.id: area.name for area in request.app[DEPLOYMENT].areas}
    return page(request, "escalations.html", rows=rows, areas=areas)


@routes.get(PATH)
async def pack_page(request: web.Request) -> web.Response:
    pack = await _pack(request, "pack_viewed")
    return page(request, "pack.html", pack=pack, figure_labels=FIGURE_LABELS, figures=FIGURES)


@routes.get(PATH + ".json")
async def pack_json(request: web.Request) -> web.Response:
    pack = await _pack(request, "pack_downloaded")
    reference = pack["escalation"]["reference"]
    return web.Response(
        text=json.dumps(pack, ensure_ascii=False, indent=2), content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{reference}-pack.json"'})


@routes.get("/inbox/pack.css")
async def stylesheet(request: web.Request) -> web.Response:
    return web.Response(text=(TEMPLATES / "pack.css").read_text(encoding="utf-8"),
                        content_type="text/css")
