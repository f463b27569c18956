"""The caseworker's side of the handoff tests, over HTTP against the real service: the inbox's
password, signing in with the form's CSRF token, and the forms of an application's page
(the outcome, the review's progress)."""

from __future__ import annotations

import re

import aiohttp
from argon2 import PasswordHasher

from handoff.inbox import hash_password

PASSWORD = "correct horse battery staple"
# Users for the throttling tests: a real argon2 hash, made cheap to check (the cost is read from
# the hash), so fifty sign-ins take seconds on a busy machine.
QUICK = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def get(browser, url: str, status: int = 200) -> str:
    async with browser.get(url, allow_redirects=False) as response:
        assert response.status == status, await response.text()
        return await response.text()


async def sign_in(browser, service, username="casey", password=PASSWORD) -> aiohttp.ClientResponse:
    form = await get(browser, f"{service.url}/inbox/sign-in")
    async with browser.post(
        f"{service.url}/inbox/sign-in", allow_redirects=False,
        data={"csrf": csrf_of(form), "username": username, "password": password},
    ) as response:
        await response.read()
        return response


async def sign_in_as_casey(browser, service, store) -> None:
    """Add the caseworker casey (PASSWORD) to the service's store and sign in as them."""
    store.add_user("casey", hash_password(PASSWORD), "2026-03-01T09:00:00+00:00")
    response = await sign_in(browser, service)
    assert response.status == 303 and response.headers["Location"] == "/inbox"


async def post_form(browser, url: str, data: dict, page_url: str | None = None,
                    status: int = 303) -> aiohttp.ClientResponse:
    """Post a form of the inbox with the CSRF token of its page (by default the page one level
    up from `url`); the answer, its text as `body_text`."""
    page = await get(browser, page_url or url.rsplit("/", 1)[0])
    async with browser.post(url, data={"csrf": csrf_of(page), **data},
                            allow_redirects=False) as response:
        body = await response.text()
        assert response.status == status, body
        response.body_text = body
        return response


async def record(browser, service, reference: str, action: str, data: dict,
                 status: int = 303) -> str:
    """Post the `action` form (outcome, progress) of an application's page; the answer's text."""
    url = f"{service.url}/inbox/applications/{reference}/{action}"
    return (await post_form(browser, url, data, status=status)).body_text


async def reviewed(browser, service, reference: str, dates: tuple, summary: str):
    """The threshold met (decided on), the review held (on, recommendations yes/no) and the
    applicant told (on), through both inbox forms."""
    decided, held, recommendations, told = dates
    await record(browser, service, reference, "outcome", {
        "threshold": "met", "threshold_reason": "Three complaints in six months.",
        "threshold_decided_on": decided, "review_held_on": held,
        "recommendations_made": recommendations})
    await record(browser, service, reference, "progress", {
        "review_meeting_on": held, "outcome_on": told, "outcome_summary": summary})


async def decided_not_met(browser, service, reference: str, on: str = "2026-03-10"):
    await record(browser, service, reference, "outcome", {
        "threshold": "not_met", "threshold_reason": "Only two complaints were made in time.",
        "threshold_decided_on": on})
