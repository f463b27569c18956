"""The intake API the action server calls: POST /api/v1/applications, GET /healthz.

It answers with the reference and the deadlines only after the database transaction (the
application and its queued deliveries) has committed. The Idempotency-Key (the conversation id)
makes a repeated submission return the first one."""

from __future__ import annotations

import hmac
import json
import logging
import time

from aiohttp import web

from eligibility import clock
from handoff.context import DEPLOYMENT, INTAKE_TOKEN, STORE, WORKER_WAKE
from handoff.document import DocumentError, FieldError, area_of, complete, validate
from handoff.store import Store, StoreUnavailable, Submission

log = logging.getLogger("handoff.intake")
routes = web.RouteTableDef()


def errors(status: int, *items: FieldError, headers: dict | None = None) -> web.Response:
    return web.json_response(
        {"errors": [item.to_json() for item in items]}, status=status, headers=headers
    )


def _authorised(request: web.Request) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    expected = request.app[INTAKE_TOKEN]
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(),
                                                              expected.encode())


async def _body(request: web.Request) -> bytes:
    limit = request.app[DEPLOYMENT].handoff.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = bytearray()
    async for chunk in request.content.iter_chunked(65536):
        body += chunk
        if len(body) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)


@routes.post("/api/v1/applications")
async def submit(request: web.Request) -> web.Response:
    if not _authorised(request):
        return errors(401, FieldError("Authorization", "needs the intake bearer token"),
                      headers={"WWW-Authenticate": 'Bearer realm="handoff"'})
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 200:
        return errors(400, FieldError(
            "Idempotency-Key", "needs the conversation id (1 to 200 characters)"))
    try:
        raw = await _body(request)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[DEPLOYMENT].handoff.max_body_bytes
        return errors(413, FieldError("body", f"is larger than the limit of {limit} bytes"))
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return errors(400, FieldError("body", f"is not valid JSON ({exc})"))
    store: Store = request.app[STORE]
    deployment = request.app[DEPLOYMENT]
    try:
        validate(document)
        area = area_of(document, deployment)
        completed = complete(document, area, clock.now().replace(microsecond=0))
        channels = [name for name in ("webhook", "email") if getattr(area.delivery, name)]
        result = await store.submit_async(
            Submission(key, area.id, completed, channels, time.time()))
    except DocumentError as exc:
        return errors(422, *exc.errors)
    except StoreUnavailable as exc:
        log.error("intake: the database is unavailable (%s); nothing was stored", exc)
        return errors(
            503,
            FieldError("database", "The application could not be stored just now. Nothing was "
                       "saved. Please send it again in a moment."),
            headers={"Retry-After": "5"},
        )
    if result.created:
        log.info("application %s stored for area %s", result.reference, area.id)
        if channels:
            request.app[WORKER_WAKE].set()
    return web.json_response(result.to_json(), status=201 if result.created else 200)


@routes.get("/healthz")
async def health(request: web.Request) -> web.Response:
    store: Store = request.app[STORE]
    try:
        await store.run(store.ping)
    except StoreUnavailable:
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})
