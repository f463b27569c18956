"""The caseworker inbox: sign-in, one application, downloads, the outcome form, retrying a failed
delivery, and the statutory figures (page and CSV). The list of applications is in
handoff/application_list.py.

Sessions live in the database (the cookie holds a random token; the store keeps its SHA-256).
Every form carries the session's CSRF token; the sign-in form uses a double-submit cookie."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import date, timedelta

from aiohttp import web

from eligibility import clock
from handoff import passwords, roles
from handoff.context import DEPLOYMENT, STORE, WORKER_WAKE
from handoff.csv_download import csv_download
from handoff.pages import TEMPLATES, render
from handoff.passwords import hash_password  # noqa: F401 (where the tests and CLI find it)
from handoff.store import Store
from handoff.store.figures import FEWER, published

routes = web.RouteTableDef()
# Sign-in throttling, counted in the database (so it holds across processes and restarts):
# this many attempts that failed, or are being checked, within the window, then a pause.
THROTTLE_WINDOW_SECONDS = 15 * 60
ACCOUNT_ATTEMPTS = 5  # per username
ADDRESS_ATTEMPTS = 20  # per client address (several caseworkers may share an office address)
SIGN_IN_COOKIE = "asb_inbox_sign_in"
STYLESHEET = TEMPLATES / "inbox.css"
FIGURES = ("received", "threshold_not_met", "reviews", "reviews_with_recommendations",
           "escalations")
FIGURE_LABELS = {
    "received": "Applications received",
    "threshold_not_met": "Times the threshold was not met",
    "reviews": "Case reviews carried out",
    "reviews_with_recommendations": "Case reviews that resulted in recommendations",
    "escalations": "Escalations requested",
}


def account_key(username: str) -> str:
    """What the throttling table keeps for a username: its SHA-256, case-folded."""
    return hashlib.sha256(b"account:" + username.casefold().encode("utf-8", "replace")
                          ).hexdigest()


def _address_key(request: web.Request) -> str:
    return hashlib.sha256(b"address:" + (request.remote or "").encode()).hexdigest()


async def form_of(request: web.Request):
    """The form posted, as text that can be stored and shown: a body that is not a form in
    UTF-8 is a 400; a field that is not valid Unicode or holds control characters reads as
    empty (no username, password or date has them)."""
    try:
        form = await request.post()
    except (ValueError, AssertionError, LookupError):  # not UTF-8, a broken multipart body
        raise web.HTTPBadRequest(text="The form could not be read.") from None
    fields: dict[str, str] = {}
    for name, value in form.items():  # the first of a repeated field, as MultiDict.get gives
        if isinstance(value, str):
            fields.setdefault(name, _clean(value))
    return fields


def _clean(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return ""
    if any(ord(char) < 32 and char not in "\t\r\n" or ord(char) == 127 for char in value):
        return ""
    return value


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def same_secret(given: object, expected: str) -> bool:
    """Constant-time comparison of a token as sent (any text, even not valid Unicode) with ours."""
    return hmac.compare_digest(str(given).encode("utf-8", "replace"),
                               expected.encode("utf-8", "replace"))


def _stamp() -> str:
    return clock.now().isoformat(timespec="seconds")


def page(request: web.Request, template: str, http_status: int = 200, **context
         ) -> web.Response:
    deployment = request.app[DEPLOYMENT]
    role = request.get("role")
    html = render(
        template, service_name=deployment.service_name, user=request.get("user"),
        csrf=request.get("csrf", ""), role=role,
        may_open=lambda path: bool(role) and roles.may_open(role, path),
        **context,
    )
    return web.Response(text=html, content_type="text/html", status=http_status)


def _cookie_options(request: web.Request) -> dict:
    settings = request.app[DEPLOYMENT].handoff.session
    return {"httponly": True, "secure": settings.cookie_secure, "samesite": "Strict",
            "path": "/inbox"}


@web.middleware
async def inbox_security(request: web.Request, handler):
    """Sign-in for every inbox page but the sign-in page, the role's rights (handoff/roles.py),
    CSRF on every form."""
    if request.path.startswith("/inbox") and request.path not in ("/inbox/sign-in",
                                                                  "/inbox/inbox.css"):
        store: Store = request.app[STORE]
        cookie = request.cookies.get(request.app[DEPLOYMENT].handoff.session.cookie_name)
        found = (
            await store.run(store.session, _token_hash(cookie), time.time()) if cookie else None
        )
        if found is None:
            if request.method == "GET":
                raise web.HTTPSeeOther("/inbox/sign-in")
            raise web.HTTPUnauthorized(text="Sign in first.")
        request["user"], request["csrf"] = found["username"], found["csrf"]
        request["user_id"], request["role"] = found["user_id"], found["role"]
        if not roles.may_open(found["role"], request.path):
            return page(request, "forbidden.html", http_status=403,
                        home=roles.home(found["role"]))
        if request.method == "POST":
            form = await form_of(request)
            if not same_secret(form.get("csrf", ""), found["csrf"]):
                raise web.HTTPForbidden(text="The form has expired. Go back, reload the page "
                                             "and try again.")
    return await handler(request)  # headers.py adds the security headers to every response


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/inbox")


@routes.get("/inbox/inbox.css")
async def stylesheet(request: web.Request) -> web.Response:
    return web.Response(text=STYLESHEET.read_text(encoding="utf-8"), content_type="text/css")


# -- signing in and out ----------------------------------------------------------------------


@routes.get("/inbox/sign-in")
async def sign_in_form(request: web.Request, error: str | None = None,
                       status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(32)
    request["csrf"] = token
    response = page(request, "sign_in.html", http_status=status, error=error)
    response.set_cookie(SIGN_IN_COOKIE, token, max_age=3600, **_cookie_options(request))
    return response


@routes.post("/inbox/sign-in")
async def sign_in(request: web.Request) -> web.Response:
    form = await form_of(request)
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not same_secret(form.get("csrf", ""), expected):
        return await sign_in_form(
            request, "The sign-in page expired. Enter your username and password again.", 400)
    store: Store = request.app[STORE]
    username = str(form.get("username", "")).strip()[:200]
    password = str(form.get("password", ""))[:passwords.MAX_LENGTH]
    account = account_key(username)
    attempt, wait = await store.run(
        store.begin_sign_in, account, _address_key(request), time.time(),
        THROTTLE_WINDOW_SECONDS, ACCOUNT_ATTEMPTS, ADDRESS_ATTEMPTS)
    if attempt is None:
        minutes = max(1, round(wait / 60))
        response = await sign_in_form(
            request, f"Too many failed sign-ins for this account or from this network. "
            f"Signing in is paused for {minutes} minute{'s' if minutes != 1 else ''}: try "
            "again then. If you have forgotten your password, ask the person who runs this "
            "service to set a new one.", 429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    user = await store.run(store.user, username) if username else None
    if user is not None and user["disabled_at"]:  # checked all the same: it looks and takes
        user = None                               # as long as a wrong password
    ok = await passwords.verify(user["password_hash"] if user else None, password)
    await store.run(store.end_sign_in, attempt, ok, account)
    if not ok:
        return await sign_in_form(request, "Enter a correct username and password.", 401)
    settings = request.app[DEPLOYMENT].handoff.session
    token = secrets.token_urlsafe(32)
    await store.run(
        store.start_session, _token_hash(token), user["id"], secrets.token_urlsafe(32),
        time.time() + settings.lifetime_minutes * 60,
    )
    response = web.HTTPSeeOther(roles.home(user["role"]))
    response.set_cookie(settings.cookie_name, token, max_age=settings.lifetime_minutes * 60,
                        **_cookie_options(request))
    response.del_cookie(SIGN_IN_COOKIE, path="/inbox")
    raise response


@routes.post("/inbox/sign-out")
async def sign_out(request: web.Request) -> web.Response:
    store: Store = request.app[STORE]
    name = request.app[DEPLOYMENT].handoff.session.cookie_name
    await store.run(store.end_session, _token_hash(request.cookies[name]), time.time())
    response = web.HTTPSeeOther("/inbox/sign-in")
    response.del_cookie(name, path="/inbox")
    raise response


# -- applications ----------------------------------------------------------------------------


def _areas(request: web.Request) -> dict[str, str]:
    return {area.id: area.name for area in request.app[DEPLOYMENT].areas}


async def _application(request: web.Request, action: str) -> dict:
    store: Store = request.app[STORE]
    reference = request.match_info["reference"]
    found = await store.run(store.application, reference)
    if found is None:
        raise web.HTTPNotFound(text=f"There is no application {reference}.")
    await store.run(store.record_view, reference, request["user"], _stamp(), action)
    return found


@routes.get(r"/inbox/applications/{reference:ASB-\d{4}-[0-9A-Z]{6}}")
async def application(request: web.Request, errors: dict | None = None,
                      values: dict | None = None, status: int = 200, **after) -> web.Response:
    found = await _application(request, "viewed")
    store: Store = request.app[STORE]
    deliveries = await store.run(store.deliveries_of, found["reference"])
    # After applying (handoff/progress.py): the meeting and outcome dates, the escalation.
    after["case"] = await store.run(store.case, found["reference"])
    return page(request, "application.html", http_status=status, app=found, deliveries=deliveries,
                areas=_areas(request), errors=errors or {},
                values=values or _form_values(found), saved=request.query.get("saved"), **after)


@routes.get(r"/inbox/applications/{reference:ASB-\d{4}-[0-9A-Z]{6}}.json")
async def download_json(request: web.Request) -> web.Response:
    found = await _application(request, "downloaded_json")
    if found["document"] is None:
        raise web.HTTPGone(text="This application's personal data has been erased.")
    body = json.dumps(found["document"], ensure_ascii=False, indent=2)
    return web.Response(
        text=body, content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{found["reference"]}.json"'},
    )


@routes.get(r"/inbox/applications/{reference:ASB-\d{4}-[0-9A-Z]{6}}/print")
async def printable(request: web.Request) -> web.Response:
    found = await _application(request, "printed")
    return page(request, "print.html", app=found, areas=_areas(request))


def _form_values(found: dict) -> dict:
    def text(value):
        return "" if value is None else (value.isoformat() if isinstance(value, date) else value)

    def choice(value, yes, no):
        return "" if value is None else (yes if value else no)

    return {
        "threshold": choice(found["threshold_met"], "met", "not_met"),
        "threshold_reason": text(found["threshold_reason"]),
        "threshold_decided_on": text(found["threshold_decided_on"]),
        "review_held_on": text(found["review_held_on"]),
        "recommendations_made": choice(found["recommendations_made"], "yes", "no"),
        "escalated_on": text(found["escalated_on"]),
    }


_OUTCOME_DATES = (("threshold_decided_on", "The date of the threshold decision"),
                  ("review_held_on", "The date the review was held"),
                  ("escalated_on", "The date the escalation was requested"))


def parse_dates(values: dict, labels, errors: dict, not_after: date | None = None) -> dict:
    """The dates named in `labels` ((field, what it is) pairs) from `values`, None where empty;
    a date that is not real, or after `not_after` when given, is put in `errors` instead."""
    dates: dict[str, date | None] = {}
    for name, what in labels:
        dates[name] = None
        if not values[name]:
            continue
        try:
            dates[name] = date.fromisoformat(values[name])
        except ValueError:
            errors[name] = f"{what} must be a real date, like 2026-03-27"
            continue
        if not_after and dates[name] > not_after:
            errors[name] = f"{what} must be today or in the past"
    return dates


def parse_outcome(form) -> tuple[dict, dict, dict]:
    """The outcome form as store values, the values to show again, and errors by field."""
    values = {name: str(form.get(name, "")).strip() for name in (
        "threshold", "threshold_reason", "threshold_decided_on", "review_held_on",
        "recommendations_made", "escalated_on")}
    errors: dict[str, str] = {}
    today = clock.today()
    dates = parse_dates(values, _OUTCOME_DATES, errors, not_after=today)
    _check_outcome_choices(values, errors)
    _check_outcome_order(values, dates, errors)
    decided = values["threshold"] in ("met", "not_met")
    outcome = {
        "threshold_met": {"met": True, "not_met": False}.get(values["threshold"]),
        "threshold_reason": values["threshold_reason"] or None,
        "threshold_decided_on": dates["threshold_decided_on"] or (today if decided else None),
        "review_held_on": dates["review_held_on"],
        "recommendations_made": {"yes": True, "no": False}.get(values["recommendations_made"]),
        "escalated_on": dates["escalated_on"],
    }
    return outcome, values, errors


def _check_outcome_choices(values: dict, errors: dict) -> None:
    """The two radio questions answered with one of their choices, or not at all."""
    if values["threshold"] not in ("", "met", "not_met"):
        errors["threshold"] = "Select whether the threshold was met"
    if values["recommendations_made"] not in ("", "yes", "no"):
        errors["recommendations_made"] = "Select whether recommendations were made"


def _check_outcome_order(values: dict, dates: dict, errors: dict) -> None:
    """A decision comes with its reason; a review only after the threshold was met, and
    recommendations only with the review's date."""
    decided = values["threshold"] in ("met", "not_met")
    if decided and not values["threshold_reason"]:
        errors["threshold_reason"] = "Enter the reason for the threshold decision"
    if not decided and (values["threshold_reason"] or dates["threshold_decided_on"]):
        errors["threshold"] = "Select whether the threshold was met"
    if dates["review_held_on"] and values["threshold"] != "met":
        errors["review_held_on"] = "A review can only be held when the threshold was met"
    if values["recommendations_made"] and not dates["review_held_on"]:
        errors["recommendations_made"] = "Enter the date the review was held first"


@routes.post(r"/inbox/applications/{reference:ASB-\d{4}-[0-9A-Z]{6}}/outcome")
async def record_outcome(request: web.Request) -> web.Response:
    outcome, values, errors = parse_outcome(await form_of(request))
    if errors:
        return await application(request, errors=errors, values=values, status=400)
    store: Store = request.app[STORE]
    reference = request.match_info["reference"]
    changes = await store.run(store.record_outcome, reference, outcome, request["user"],
                              _stamp())
    if changes is None:
        raise web.HTTPNotFound(text=f"There is no application {reference}.")
    raise web.HTTPSeeOther(f"/inbox/applications/{reference}?saved={1 if changes else 0}")


@routes.post(r"/inbox/applications/{reference:ASB-\d{4}-[0-9A-Z]{6}}/deliveries/{id:\d{1,18}}/retry")
async def retry_delivery(request: web.Request) -> web.Response:
    store: Store = request.app[STORE]
    reference = request.match_info["reference"]
    done = await store.run(store.retry_delivery, reference, int(request.match_info["id"]),
                           request["user"], _stamp(), time.time())
    if not done:
        raise web.HTTPConflict(text="That delivery is not waiting for a retry.")
    request.app[WORKER_WAKE].set()
    raise web.HTTPSeeOther(f"/inbox/applications/{reference}")


# -- statutory figures -----------------------------------------------------------------------


def period_in_query(request: web.Request, start: str, end: str,
                    defaults: tuple[date | None, date | None] = (None, None)
                    ) -> tuple[date | None, date | None, dict[str, str]]:
    """Two dates in the query (a period, both days included), each its default when empty, and
    an error by field for a date that is not a real one or an end before the start."""
    values, errors = {}, {}
    for name, default in zip((start, end), defaults, strict=True):
        text = request.query.get(name, "").strip()
        try:
            values[name] = date.fromisoformat(text) if text else default
        except ValueError:
            errors[name] = "Enter a real date, like 2026-04-01"
            values[name] = default
    if not errors and values[start] and values[end] and values[start] > values[end]:
        errors[end] = "The end of the period must be on or after its start"
    return values[start], values[end], errors


def _period(request: web.Request) -> tuple[date, date, str | None, dict]:
    today = clock.today()
    start, end, errors = period_in_query(
        request, "from", "to", (today.replace(year=today.year - 1) + timedelta(days=1), today))
    area = request.query.get("area") or None
    return start, end, (area if area in _areas(request) else None), errors


async def _figures(request: web.Request):
    """The period, area and errors asked for, and the counts per area as they may be published
    (small numbers suppressed: handoff/store/figures.py), with their total."""
    start, end, area, errors = _period(request)
    store: Store = request.app[STORE]
    counts = await store.run(store.figures, start, end, area) if not errors else {}
    areas = _areas(request)
    shown = [area] if area else list(areas)
    rows, total = published([
        {"area_id": a, "area": areas[a], **counts.get(a, dict.fromkeys(FIGURES, 0))}
        for a in shown
    ], FIGURES, request.app[DEPLOYMENT].handoff.figures.suppress_below)
    return start, end, area, errors, rows, total


@routes.get("/inbox/figures")
async def figures(request: web.Request) -> web.Response:
    start, end, area, errors, rows, total = await _figures(request)
    return page(request, "figures.html", start=start, end=end, area=area, errors=errors,
                rows=rows, total=total, figures=FIGURES, figure_labels=FIGURE_LABELS,
                areas=_areas(request), below=request.app[DEPLOYMENT].handoff.figures.suppress_below,
                http_status=400 if errors else 200)


@routes.get("/inbox/figures.csv")
async def figures_csv(request: web.Request) -> web.Response:
    start, end, _, errors, rows, _ = await _figures(request)
    if errors:
        raise web.HTTPBadRequest(text="; ".join(errors.values()))
    below = request.app[DEPLOYMENT].handoff.figures.suppress_below
    return csv_download(
        f"asb-case-review-figures-{start.isoformat()}-to-{end.isoformat()}.csv",
        ["area_id", "area", "period_start", "period_end", *FIGURES],
        ([row["area_id"], row["area"], start.isoformat(), end.isoformat(),
          *(f"<{below}" if row[name] == FEWER else row[name] for name in FIGURES)]
         for row in rows))
