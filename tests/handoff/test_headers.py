"""Security headers on every response (redirects, 401/403/404/405/415 too), HSTS when served over
HTTPS, no version banner (also on aiohttp's own answer to a malformed request, from a real
`python -m handoff serve` process), and a deadline for slow request bodies."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid

import aiohttp
import pytest
from argon2 import PasswordHasher

from handoff import headers, intake
from tests.handoff.handoff_parts import example_application, make_deployment, serve_process

pytestmark = pytest.mark.integration
QUICK = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # a cheap real hash
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Server": "asb-handoff",
}


async def answers(service, http) -> dict[str, aiohttp.ClientResponse]:
    api = f"{service.url}/api/v1/applications"
    auth = {"Authorization": f"Bearer {service.token}", "Idempotency-Key": "k"}
    requests = {
        "redirect home": ("GET", f"{service.url}/", {}, None),
        "redirect to sign in": ("GET", f"{service.url}/inbox", {}, None),
        "sign-in page": ("GET", f"{service.url}/inbox/sign-in", {}, None),
        "401 form": ("POST", f"{service.url}/inbox/sign-out", {}, b""),
        "401 api": ("POST", api, {}, b"{}"),
        "400 sign-in form": ("POST", f"{service.url}/inbox/sign-in", {},
                             {"csrf": "x", "username": "a", "password": "b"}),
        "404": ("GET", f"{service.url}/nothing/here", {}, None),
        "404 application": ("GET", f"{service.url}/inbox/applications/ASB-2026-AAAAAA.json",
                            {}, None),
        "405": ("GET", api, {}, None),
        "415": ("POST", api, auth | {"Content-Type": "text/plain"}, b"{}"),
        "422": ("POST", api, auth | {"Content-Type": "application/json"}, b"{}"),
        "201": ("POST", api, auth | {"Content-Type": "application/json"},
                example_application()),
        "health": ("GET", f"{service.url}/healthz", {}, None),
        "stylesheet": ("GET", f"{service.url}/inbox/inbox.css", {}, None),
    }
    out = {}
    for name, (method, url, extra, body) in requests.items():
        kwargs = {"json": body} if isinstance(body, dict) and "schema_version" in body else (
            {"data": body} if body is not None else {})
        async with http.request(method, url, headers=extra, allow_redirects=False,
                                **kwargs) as response:
            await response.read()
            out[name] = response
    return out


async def forged_form(service, store) -> aiohttp.ClientResponse:
    """A signed-in caseworker's form without its CSRF token: 403."""
    store.add_user("casey", QUICK.hash("correct horse battery staple"), "2026-03-01T09:00:00Z")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        async with browser.get(f"{service.url}/inbox/sign-in") as response:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await response.text()).group(1)
        async with browser.post(f"{service.url}/inbox/sign-in", allow_redirects=False, data={
            "csrf": csrf, "username": "casey", "password": "correct horse battery staple",
        }) as response:
            assert response.status == 303
        async with browser.post(f"{service.url}/inbox/sign-out", data={"csrf": "forged"},
                                allow_redirects=False) as response:
            await response.read()
            return response


async def test_every_response_carries_the_security_headers_and_no_version(launch, http, store):
    service = await launch(make_deployment(), worker=False)
    seen = await answers(service, http)
    seen["403"] = await forged_form(service, store)
    assert {name: r.status for name, r in seen.items()} == {
        "redirect home": 303, "redirect to sign in": 303, "sign-in page": 200, "401 form": 401,
        "401 api": 401, "400 sign-in form": 400, "404": 404, "404 application": 303, "405": 405,
        "415": 415, "422": 422, "201": 201, "health": 200, "stylesheet": 200, "403": 403,
    }
    for name, response in seen.items():
        for header, value in EXPECTED.items():
            assert response.headers.get(header) == value, (name, header)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], name
        assert "aiohttp" not in str(response.headers).lower(), name
        assert "Strict-Transport-Security" not in response.headers, name  # plain HTTP here
        cache = response.headers.get("Cache-Control")
        assert cache == (None if name == "stylesheet" else "no-store"), name


async def test_hsts_when_the_deployment_is_served_over_https(launch, http):
    service = await launch(make_deployment(handoff={"session": {"cookie_secure": True}}),
                           worker=False)
    for response in (await answers(service, http)).values():
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def raw_exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


async def test_the_serving_process_names_no_version_even_to_a_malformed_request(
    tmp_path, database
):
    env = {"ASB_HANDOFF_INTAKE_TOKEN": uuid.uuid4().hex, "ASB_HANDOFF_DATABASE_URL": database.url}
    service = await serve_process(make_deployment(), tmp_path, env)
    try:
        port = int(service.url.rsplit(":", 1)[1])
        for request in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                        b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\n\r\n",
                        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
            answer = await asyncio.to_thread(raw_exchange, port, request)
            assert answer.startswith(b"HTTP/1."), answer[:80]
            head = answer.split(b"\r\n\r\n", 1)[0].lower()
            assert b"aiohttp" not in answer.lower() and b"python/" not in head
            assert b"traceback" not in answer.lower()
    finally:
        service.stop()


async def slow_body(url: str, headers: dict, body: bytes, pause: float) -> tuple[int, str]:
    async def trickle():
        yield body[:10]
        await asyncio.sleep(pause)
        yield body[10:]

    async with aiohttp.ClientSession() as http, http.post(
        url, data=trickle(), headers=headers
    ) as response:
        return response.status, await response.text()


async def test_a_body_that_arrives_too_slowly_is_408(launch, monkeypatch):
    monkeypatch.setattr(headers, "BODY_SECONDS", 0.5)
    monkeypatch.setattr(intake, "BODY_SECONDS", 0.5)
    service = await launch(make_deployment(), worker=False)
    status, text = await slow_body(
        f"{service.url}/inbox/sign-in",
        {"Content-Type": "application/x-www-form-urlencoded"}, b"csrf=x&username=a&password=b",
        2.0)
    assert status == 408 and "too long" in text
    status, text = await slow_body(
        f"{service.url}/api/v1/applications", service.headers("slow-1"),
        b'{"schema_version": "1"}', 2.0)
    assert status == 408 and '"field": "body"' in text
