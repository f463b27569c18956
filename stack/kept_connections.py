"""Rasa's calls to the action server over connections kept open between calls.

Rasa 3.6 makes a new aiohttp `ClientSession`, and with it a new TCP connection, for every call
to an endpoint (`EndpointConfig.request`). A form's turn calls the action server two or three
times, so every message paid for two or three connections opened and closed in the Rasa server,
in the balancer and in the action server. Here each event loop keeps one session per set of
credentials, whose connections stay open for `KEEPALIVE_SECONDS` after a call: less than the
idle time after which the far ends close them (HAProxy's `timeout http-request`, 10 s in
deploy/haproxy.cfg; Sanic's `SANIC_KEEP_ALIVE_TIMEOUT`, 75 s in the stack, 5 s by default), so
a call never goes out on a connection the other end is closing. A connection the far end has
closed (a server restarted) is dropped by aiohttp when it learns of it and the next call opens a
new one; a call on a connection that breaks fails as it did before ("try again in a moment",
stack/rasa_patches.py).

The request is Rasa's own: the same headers, query parameters, timeout, compression and
certificate file, the same `ClientResponseError` for a status of 400 or more, the reply's JSON
or None. Nothing is carried from one call to the next but the connection: no cookies are kept
(Rasa's new session per call never had any). The sessions are closed when the server stops.

Installed by `stack.rasa_server.install()`.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import weakref
from typing import Any

import aiohttp
from aiohttp.client_exceptions import ContentTypeError
from rasa.core import run as rasa_run
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

KEEPALIVE_SECONDS = 4.0

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                     dict[tuple, aiohttp.ClientSession]] = \
    weakref.WeakKeyDictionary()


def kept_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """This event loop's session for the endpoint's credentials, made the first time."""
    auth = endpoint.basic_auth or {}
    key = (auth.get("username"), auth.get("password"))
    per_loop = _sessions.setdefault(asyncio.get_running_loop(), {})
    session = per_loop.get(key)
    if session is None or session.closed:
        session = per_loop[key] = aiohttp.ClientSession(
            auth=aiohttp.BasicAuth(key[0], key[1]) if auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
    return session


async def request(self: EndpointConfig, method: str = "post", subpath: str | None = None,
                  content_type: str | None = "application/json", compress: bool = False,
                  **kwargs: Any) -> Any:
    """`EndpointConfig.request` (Rasa 3.6.21), on the loop's kept session."""
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if "headers" in kwargs:
        headers.update(kwargs.pop("headers"))
    if self.headers:
        headers.update(self.headers)
    url = concat_url(self.url, subpath)
    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as e:
            raise FileNotFoundException(
                f"Failed to find certificate file, "
                f"'{os.path.abspath(self.cafile)}' does not exist.") from e
    async with kept_session(self).request(
            method, url, headers=headers, params=self.combine_parameters(kwargs),
            compress=compress, ssl=sslcontext, **kwargs) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason,
                                      await response.content.read())
        try:
            return await response.json()
        except ContentTypeError:
            return None


async def close_sessions() -> None:
    """Close this event loop's kept sessions (and their connections)."""
    for session in _sessions.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


_rasa_close_resources = rasa_run.close_resources


async def close_resources(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    """What Rasa does when its server stops, then the kept sessions closed."""
    try:
        await _rasa_close_resources(app, loop)
    finally:
        await close_sessions()


def install() -> None:
    EndpointConfig.request = request
    rasa_run.close_resources = close_resources
