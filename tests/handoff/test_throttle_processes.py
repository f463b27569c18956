"""Counted attempts hold across two `python -m handoff serve` processes on one PostgreSQL, even
when the attempts arrive at the same moment: wrong sign-ins for one account sent in parallel to
both processes get exactly five passwords checked, and wrong postcodes for one reference exactly
five status checks; after that both processes refuse, the right password or postcode too. And
what a process logs (it keeps no access log) holds nothing of a search by name or postcode."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest

from handoff.store import Store
from tests.handoff.caseworker import PASSWORD, QUICK, csrf_of
from tests.handoff.handoff_parts import example_application, make_deployment, serve_process

pytestmark = pytest.mark.integration
AT_ONCE = 12  # more than the limits (5 per account, 5 per reference), fewer than 20 per address


@pytest.fixture
async def two_processes(postgres, tmp_path):
    name = "t_" + uuid.uuid4().hex[:12]
    postgres.admin(f"CREATE DATABASE {name}")
    url = postgres.url(name)
    store = Store(url)
    store.migrate()
    for username in ("casey", "robin"):
        store.add_user(username, QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00")
    store.close()
    env = {"ASB_HANDOFF_INTAKE_TOKEN": uuid.uuid4().hex, "ASB_HANDOFF_DATABASE_URL": url,
           "ASB_TODAY": "2026-03-10"}
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    services = await asyncio.gather(
        serve_process(make_deployment(handoff={"migrate_at_start": False}), tmp_path / "a", env),
        serve_process(make_deployment(handoff={"migrate_at_start": False}), tmp_path / "b", env))
    try:
        yield services
    finally:
        for service in services:
            service.stop()
        postgres.admin(f"DROP DATABASE {name} WITH (FORCE)")


async def sign_in(service, username: str, password: str, search: dict | None = None) -> int:
    """One browser signing in to `service`: the form (for its token), then the post; then,
    signed in, the list searched with `search`."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        async with browser.get(f"{service.url}/inbox/sign-in") as response:
            form = await response.text()
        async with browser.post(f"{service.url}/inbox/sign-in", allow_redirects=False, data={
                "csrf": csrf_of(form), "username": username, "password": password}) as response:
            status = response.status
        if search:
            async with browser.get(f"{service.url}/inbox", params=search) as response:
                assert response.status == 200 and "Showing 1 to 1 of 1" in await response.text()
        return status


async def check_status(http, service, reference: str, postcode: str, client: str) -> int:
    async with http.post(f"{service.url}/api/v1/status", headers={
            "Authorization": f"Bearer {service.token}"}, json={
            "reference": reference, "postcode": postcode, "client": client}) as response:
        return response.status


async def test_parallel_wrong_guesses_across_two_processes_are_counted_to_the_limit(
    two_processes, tmp_path
):
    a, b = two_processes
    statuses = await asyncio.gather(*(
        sign_in((a, b)[number % 2], "casey", f"wrong password {number}")
        for number in range(AT_ONCE)))
    assert sorted(statuses) == [401] * 5 + [429] * (AT_ONCE - 5)
    for service in (a, b):
        assert await sign_in(service, "casey", PASSWORD) == 429
    assert await sign_in(b, "robin", PASSWORD) == 303  # another account is not held up

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{a.url}/api/v1/applications", json=example_application(),
                             headers={"Authorization": f"Bearer {a.token}",
                                      "Idempotency-Key": uuid.uuid4().hex}) as response:
            assert response.status == 201, await response.text()
            reference = (await response.json())["reference"]
        # Each from its own conversation (the per-client limit is not what is tested here).
        statuses = await asyncio.gather(*(
            check_status(http, (a, b)[number % 2], reference.lower(), "ZZ9 9ZZ", f"c{number}")
            for number in range(AT_ONCE)))
        assert sorted(statuses) == [404] * 5 + [429] * (AT_ONCE - 5)
        for service in (a, b):
            assert await check_status(http, service, reference, "AN1 2BB", "another") == 429

    # Searched by name and postcode (a GET query): nothing of either in what the processes log.
    victim = example_application()["victim"]
    assert await sign_in(b, "robin", PASSWORD, {"person": victim["name"]}) == 303
    assert await sign_in(a, "robin", PASSWORD, {"person": victim["postcode"]}) == 303
    for folder in ("a", "b"):
        logged = (tmp_path / folder / "serve.log").read_text(encoding="utf-8")
        assert "GET" not in logged  # no access log
        assert victim["name"] not in logged and "AN1" not in logged
