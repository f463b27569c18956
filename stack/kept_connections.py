"""Rasa's calls to the action server over connections kept open between calls.

Rasa 3.6 makes a new aiohttp `ClientSession`, and with it a new TCP connection, for every call
to an endpoint (`EndpointConfig.request` opens `EndpointConfig.session()` and closes it after the
call). A form's turn calls the action server two or three times, so every message paid for two or
three connections opened and closed in the Rasa server, in the balancer and in the action server.
Here `EndpointConfig.session()` gives each event loop's one session for the endpoint's headers and
credentials, left open when the call is done; its connections stay open for `KEEPALIVE_SECONDS`
after a call: less than the idle time after which the far ends close them (HAProxy's `timeout
http-request`, 10 s in deploy/haproxy.cfg; Sanic's `SANIC_KEEP_ALIVE_TIMEOUT`, 75 s in the stack,
5 s by default), so a call never goes out on a connection the other end is closing. A connection
the far end has closed (a server restarted) is dropped by aiohttp when it learns of it and the
next call opens a new one; a call on a connection that breaks fails as it did before ("try again
in a moment", stack/rasa_patches.py).

The request is Rasa's own code, unchanged (headers, query parameters, timeout, compression,
certificate file, `ClientResponseError` for a status of 400 or more, the reply's JSON or None).
Nothing is carried from one call to the next but the connection: no cookies are kept (Rasa's new
session per call never had any). The sessions are closed when the server stops.

Installed by `stack.rasa_server.install()`.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import aiohttp
from rasa.core import run as rasa_run
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

KEEPALIVE_SECONDS = 4.0

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                     dict[tuple, aiohttp.ClientSession]] = \
    weakref.WeakKeyDictionary()


def kept_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """This event loop's session for the endpoint's headers and credentials, made the first
    time, configured as Rasa's `EndpointConfig.session()` configures its own."""
    auth = endpoint.basic_auth or {}
    key = (tuple(sorted((endpoint.headers or {}).items())), auth.get("username"),
           auth.get("password"))
    per_loop = _sessions.setdefault(asyncio.get_running_loop(), {})
    session = per_loop.get(key)
    if session is None or session.closed:
        session = per_loop[key] = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(auth["username"], auth["password"]) if auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
    return session


class _Lent:
    """`async with endpoint.session() as session:` on the kept session, left open after."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.endpoint = endpoint

    async def __aenter__(self) -> aiohttp.ClientSession:
        return kept_session(self.endpoint)

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def session(self: EndpointConfig) -> _Lent:
    """What `EndpointConfig.session()` gives its callers (Rasa's `request` and model pulls, both
    in `async with`): the loop's kept session instead of a new one."""
    return _Lent(self)


async def close_sessions() -> None:
    """Close this event loop's kept sessions (and their connections)."""
    for kept in _sessions.pop(asyncio.get_running_loop(), {}).values():
        await kept.close()


_rasa_close_resources = rasa_run.close_resources


async def close_resources(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    """What Rasa does when its server stops, then the kept sessions closed."""
    try:
        await _rasa_close_resources(app, loop)
    finally:
        await close_sessions()


def install() -> None:
    EndpointConfig.session = session
    rasa_run.close_resources = close_resources
