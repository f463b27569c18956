"""Headers on every response the service sends (pages, the API, redirects, 401/403/404 and
aiohttp's own error answers): no sniffing, no framing, no referrer, a strict
Content-Security-Policy, no caching of anything but the stylesheet, HSTS where the service is
served over HTTPS, and no `Server` banner naming aiohttp and its version.

Also the read deadline for request bodies outside the intake (which has its own): a client that
sends a form slowly is answered 408 instead of holding a handler."""

from __future__ import annotations

import asyncio

from aiohttp import web, web_response

from handoff.context import DEPLOYMENT

SERVER = "asb-handoff"
HSTS = "max-age=31536000"
BODY_SECONDS = 15.0
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Content-Security-Policy": (
        "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
}
CACHEABLE = ("/inbox/inbox.css",)


def hide_version() -> None:
    """The default `Server` value aiohttp gives any response nobody set one on (its own error
    answers to malformed requests too): the service's name, no versions. For the serving
    process only."""
    web_response.SERVER_SOFTWARE = SERVER  # type: ignore[attr-defined]


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in COMMON.items():
        response.headers.setdefault(name, value)
    if request.path not in CACHEABLE:
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Server"] = SERVER
    # Served over HTTPS (the deployment says so by asking for Secure cookies, or the request
    # came over TLS): browsers are told to use nothing else. Over plain HTTP they ignore it.
    if request.app[DEPLOYMENT].handoff.session.cookie_secure or request.secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)


@web.middleware
async def body_deadline(request: web.Request, handler):
    """Read a request's body within BODY_SECONDS (the intake reads its own, with its JSON
    errors); then the handler finds it read."""
    if request.body_exists and not request.path.startswith("/api/"):
        try:
            await asyncio.wait_for(request.read(), BODY_SECONDS)
        except asyncio.TimeoutError:
            raise web.HTTPRequestTimeout(text="The request took too long to arrive.") from None
    return await handler(request)
