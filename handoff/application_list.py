"""The inbox's list of applications: found by reference (read as people type it) or by part of
the victim's or applicant's name or the victim's postcode, filtered by area, status, language
and the days received, newest first, a page at a time with the true total, and the whole list
so chosen (every page) as CSV.

The search is a GET query, so a list can be paged, bookmarked and gone back to. A name or
postcode in a URL stays out of logs: the service keeps no access log, and the balancer in
deploy/ logs paths without their query strings (docs/handoff.md, "The list of
applications")."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from aiohttp import web

from eligibility import clock
from handoff.context import DEPLOYMENT, STORE
from handoff.csv_download import csv_download
from handoff.inbox import _areas, _clean, page, period_in_query
from handoff.languages import language_name
from handoff.pages import label
from handoff.reference import parse_reference
from handoff.store import STATUSES, Selection, Store

routes = web.RouteTableDef()
PAGE_SIZE = 50
FIELDS = ("reference", "person", "area", "status", "language", "from", "to")
UNREADABLE_REFERENCE = (
    "Enter the whole reference, like ASB-2026-7F3K9Q (small letters, spaces and leaving out "
    "ASB are fine). This one cannot be right: check each character")


def _chosen(request: web.Request) -> tuple[Selection, dict[str, str], dict[str, str]]:
    """The Selection the query asks for, the query's values as typed (to show again) and an
    error by field for what cannot be read."""
    values = {name: _clean(request.query.get(name, "")).strip()[:200] for name in FIELDS}
    errors: dict[str, str] = {}
    reference = parse_reference(values["reference"]) if values["reference"] else None
    if values["reference"] and reference is None:
        errors["reference"] = UNREADABLE_REFERENCE
    start, end, date_errors = period_in_query(request, "from", "to")
    errors |= date_errors
    selection = Selection(
        area_id=values["area"] if values["area"] in _areas(request) else None,
        status=values["status"] if values["status"] in STATUSES else None,
        language=(values["language"] if values["language"] in
                  request.app[DEPLOYMENT].languages else None),
        received_from=start, received_to=end, reference=reference,
        person=values["person"] or None)
    return selection, values, errors


def page_numbers(current: int, last: int) -> list[int | None]:
    """The page links to show: the first, the last, and two either side of the current one;
    None where pages are left out."""
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@routes.get("/inbox")
async def application_list(request: web.Request) -> web.Response:
    store: Store = request.app[STORE]
    selection, values, errors = _chosen(request)
    failed = await store.run(store.failed_deliveries)
    rows, total, number, last_page = [], 0, 1, 1
    if not errors:
        total = await store.run(store.count_applications, selection)
        last_page = max(1, -(-total // PAGE_SIZE))
        wanted = request.query.get("page", "")
        number = min(int(wanted), last_page) if re.fullmatch(r"[1-9]\d{0,8}", wanted) else 1
        rows = await store.run(store.list_applications, selection, PAGE_SIZE,
                               (number - 1) * PAGE_SIZE)
    query = {name: value for name, value in values.items() if value}
    return page(
        request, "inbox.html", http_status=400 if errors else 200, failed=failed,
        errors=errors, values=values, areas=_areas(request),
        statuses=[(code, label(code)) for code in STATUSES],
        languages=[(code, language_name(code)) for code in request.app[DEPLOYMENT].languages],
        rows=rows, total=total, first=(number - 1) * PAGE_SIZE + 1, page_number=number,
        last_page=last_page, pages=page_numbers(number, last_page),
        page_url=lambda n: "/inbox?" + urlencode({**query, "page": n}),
        csv_url="/inbox/applications.csv?" + urlencode(query))


@routes.get("/inbox/applications.csv")
async def application_list_csv(request: web.Request) -> web.Response:
    """Every application the query chooses (all pages), with the list's columns."""
    selection, _, errors = _chosen(request)
    if errors:
        raise web.HTTPBadRequest(text="; ".join(errors.values()))
    store: Store = request.app[STORE]
    rows = await store.run(store.list_applications, selection, None)
    areas = _areas(request)
    return csv_download(
        f"asb-case-review-applications-{clock.today().isoformat()}.csv",
        ["Reference", "Received", "Area", "Language", "Threshold check", "Status",
         "Decision due"],
        ([row["reference"], row["received_at"], areas.get(row["area_id"], row["area_id"]),
          language_name(row["language"]) or "Not recorded", label(row["eligibility_outcome"]),
          label(row["status"]), row["threshold_decision_due"].isoformat()] for row in rows))
