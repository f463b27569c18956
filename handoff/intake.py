"""The intake API the action server calls: POST /api/v1/applications; GET /healthz (the process
answers), /readyz (and its database does) and /metrics (handoff/metrics.py).

It answers with the reference and the deadlines only after the database transaction (the
application and its queued deliveries) has committed. The Idempotency-Key identifies one
application: the same key with the same body returns the first answer; the same key with a
different body is refused (409), never answered with another application's reference.

Anything it could not store is refused with a JSON error before it reaches the database: a wrong
Content-Type (415), a body that is not UTF-8 JSON, nested too deeply, or holding text that is not
valid Unicode (400/422)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

from aiohttp import web

from eligibility import clock
from handoff.api_clients import CALLER, SCOPES, caller_of
from handoff.context import DEPLOYMENT, STORE, WORKER_WAKE
from handoff.document import DocumentError, FieldError, area_of, complete, validate
from handoff.metrics import METRICS, metrics
from handoff.store import KeyReused, Store, StoreUnavailable, Submission, body_fingerprint

log = logging.getLogger("handoff.intake")
routes = web.RouteTableDef()
KEY = re.compile(r"[\x21-\x7e]{1,200}")  # visible ASCII: stored as given, shown in no page
MAX_DEPTH = 16  # an application nests 4 deep; anything much deeper is not one
BODY_SECONDS = 15.0  # the whole body must arrive within this (a slow client holds no more)
INLINE_BYTES = 32768  # larger documents are checked on a thread, not holding up the event loop


class Unreadable(ValueError):
    """The body cannot be an application: said in the error, with the field at fault."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def errors(status: int, *items: FieldError, headers: dict | None = None) -> web.Response:
    return web.json_response(
        {"errors": [item.to_json() for item in items]}, status=status, headers=headers
    )


async def _body(request: web.Request) -> bytes:
    limit = request.app[DEPLOYMENT].handoff.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = bytearray()

    async def read() -> None:
        async for chunk in request.content.iter_chunked(65536):
            body.extend(chunk)
            if len(body) > limit:
                raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))

    try:
        await asyncio.wait_for(read(), BODY_SECONDS)
    except asyncio.TimeoutError:
        raise Unreadable(408, "body", f"did not arrive within {BODY_SECONDS:.0f} seconds"
                         ) from None
    return bytes(body)


def _json_content(request: web.Request) -> bool:
    """application/json, in UTF-8 if a charset is named."""
    if request.content_type != "application/json":
        return False
    charset = request.charset
    return charset is None or charset.lower().replace("_", "-") in ("utf-8", "utf8")


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _where(path: list) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            shown = part.encode("utf-8", "backslashreplace").decode("utf-8")[:60]
            out += f".{shown}" if out else shown
    return out or "document"


def _check_tree(document) -> None:
    """Nesting no deeper than MAX_DEPTH, and every text (keys too) valid Unicode: a lone
    surrogate such as \\ud800 parses but can be neither stored nor sent. Iterative: no
    recursion to exhaust."""
    stack: list[tuple[object, list, int]] = [(document, [], 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise Unreadable(400, _where(path), f"is nested more than {MAX_DEPTH} deep")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(key, path + [key])
                stack.append((item, path + [key], depth + 1))
        elif isinstance(value, str):
            _check_text(value, path)


def _check_text(text: str, path: list) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Unreadable(422, _where(path), "holds text that is not valid Unicode (a lone "
                         "surrogate)") from None


def parse(raw: bytes):
    """The JSON document in `raw`, or Unreadable saying why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(400, "body", f"is not UTF-8 (byte {exc.start})") from None
    try:
        document = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise Unreadable(400, "body", f"is nested more than {MAX_DEPTH} deep") from None
    except ValueError as exc:  # JSONDecodeError, too many digits, NaN
        raise Unreadable(400, "body", f"is not valid JSON ({_plain(str(exc))})") from None
    _check_tree(document)
    return document


def _plain(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")[:200]


def _checked(document, deployment, now):
    """The area and the completed document, or DocumentError."""
    validate(document, now)
    area = area_of(document, deployment)
    return area, complete(document, area, now)


async def refused(request: web.Request, scope: str) -> web.Response | None:
    """The 401 for a request without a token we know, the 403 for an API client's without
    `scope` (handoff/api_clients.py), the 415 for one not JSON; None to go on, with the caller
    kept on the request."""
    try:
        caller = await caller_of(request)
    except StoreUnavailable as exc:
        log.error("intake: the database is unavailable (%s); a client's token was not checked",
                  exc)
        return errors(503, FieldError("database", "The token could not be checked just now. "
                                      "Please try again in a moment."),
                      headers={"Retry-After": "5"})
    if caller is None:
        return errors(401, FieldError("Authorization", "needs the intake bearer token or an "
                                      "API client's token"),
                      headers={"WWW-Authenticate": 'Bearer realm="handoff"'})
    if scope not in caller.scopes:
        return errors(403, FieldError(
            "Authorization", f"the API client {caller.name} may not {SCOPES[scope]}: this "
            f"needs a token with the scope {scope}"))
    request[CALLER] = caller
    if not _json_content(request):
        return errors(415, FieldError("Content-Type", "must be application/json (UTF-8)"),
                      headers={"Accept-Post": "application/json"})
    return None


@routes.post("/api/v1/applications")
async def submit(request: web.Request) -> web.Response:
    if (refusal := await refused(request, "intake")) is not None:
        return refusal
    key = request.headers.get("Idempotency-Key", "").strip()
    if not KEY.fullmatch(key):
        return errors(400, FieldError(
            "Idempotency-Key", "needs the application's key (1 to 200 visible ASCII "
            "characters)"))
    try:
        raw = await _body(request)
        document = parse(raw) if len(raw) <= INLINE_BYTES else await asyncio.to_thread(parse, raw)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[DEPLOYMENT].handoff.max_body_bytes
        return errors(413, FieldError("body", f"is larger than the limit of {limit} bytes"))
    except Unreadable as exc:
        return errors(exc.status, FieldError(exc.field, exc.message))
    try:
        area, channels, result = await _store(request, key, raw, document)
    except (DocumentError, OverflowError, KeyReused, StoreUnavailable) as exc:
        return _not_stored(exc)
    if result.created:
        request.app[METRICS].stored(document.get("language"))
        log.info("application %s stored for area %s", result.reference, area.id)
        if channels:
            request.app[WORKER_WAKE].set()
    return web.json_response(result.to_json(), status=201 if result.created else 200)


async def _store(request: web.Request, key: str, raw: bytes, document):
    """Check and complete the document, and store it with its deliveries: the area, the
    delivery channels and the store's result."""
    store: Store = request.app[STORE]
    deployment = request.app[DEPLOYMENT]
    now = clock.now().replace(microsecond=0)
    if len(raw) <= INLINE_BYTES:
        area, completed = _checked(document, deployment, now)
    else:  # thousands of incidents take the engine a second: not on the event loop
        area, completed = await asyncio.to_thread(_checked, document, deployment, now)
    channels = [name for name in ("webhook", "email") if getattr(area.delivery, name)]
    result = await store.submit_async(
        Submission(key, area.id, completed, channels, time.time(), body_fingerprint(document)))
    return area, channels, result


def _not_stored(exc: Exception) -> web.Response:
    """The answer for an application that was not stored: 422 for one the engine refuses, 409
    for a key already used with another application, 503 while the database does not answer."""
    if isinstance(exc, DocumentError):
        return errors(422, *exc.errors)
    if isinstance(exc, OverflowError):  # a date the engine cannot count from
        return errors(422, FieldError("incidents", "holds a date out of range"))
    if isinstance(exc, KeyReused):
        log.warning("intake: an Idempotency-Key was sent again with a different application; "
                    "refused")
        return errors(409, FieldError(
            "Idempotency-Key", "was used for a different application; each application "
            "needs its own key"))
    log.error("intake: the database is unavailable (%s); nothing was stored", exc)
    return errors(
        503,
        FieldError("database", "The application could not be stored just now. Nothing was "
                   "saved. Please send it again in a moment."),
        headers={"Retry-After": "5"},
    )


@routes.get("/healthz")
async def alive(request: web.Request) -> web.Response:
    """The process answers (a liveness check: restart it if not). Never touches the database."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def ready(request: web.Request) -> web.Response:
    """Ready for intake: a writing transaction can start. 503 while the database does not answer
    (a balancer sends applications to another process meanwhile)."""
    store: Store = request.app[STORE]
    try:
        await store.run(store.ping)
    except StoreUnavailable:
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


routes.get("/metrics")(metrics)
