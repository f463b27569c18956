"""Roles and user administration in the inbox, over HTTP, on SQLite and on PostgreSQL: a PCC
reviewer sees only the escalations and their packs; a caseworker cannot administer users; a
manager adds users (a password made and shown once, or one typed), changes a role, resets a
password and disables an account, and each takes effect on the user's very next request."""

from __future__ import annotations

import logging
import re

import aiohttp
import pytest
from yarl import URL

from tests.handoff.caseworker import PASSWORD, QUICK, csrf_of, reviewed
from tests.handoff.handoff_parts import (
    apply,
    escalate,
    make_deployment,
    request_body,
    with_escalation,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fixed_today")]
MADE = re.compile(r'<strong class="password">([2-9A-Z]{4}(?:-[2-9A-Z]{4}){3})</strong>')
WRONG_DETAILS = "Enter a correct username and password."


@pytest.fixture
def people(store):
    """A manager, a caseworker and a PCC reviewer (real argon2 hashes, cheap to check)."""
    return {name: store.add_user(name, QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00", role)
            for name, role in (("morgan", "manager"), ("casey", "caseworker"),
                               ("robin", "caseworker"), ("pat", "pcc_reviewer"))}


@pytest.fixture
async def browsers():
    """A browser (its own cookies) per person, opened as needed."""
    opened: dict[str, aiohttp.ClientSession] = {}

    def browser(name: str) -> aiohttp.ClientSession:
        if name not in opened:
            opened[name] = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        return opened[name]

    yield browser
    for session in opened.values():
        await session.close()


async def sign_in(browser, service, username: str, password: str = PASSWORD
                  ) -> tuple[int, str]:
    """(the status, where it leads or the page's text)."""
    async with browser.get(f"{service.url}/inbox/sign-in") as response:
        form = await response.text()
    async with browser.post(f"{service.url}/inbox/sign-in", allow_redirects=False, data={
            "csrf": csrf_of(form), "username": username, "password": password}) as response:
        return response.status, response.headers.get("Location") or await response.text()


async def get(browser, service, path: str) -> tuple[int, str]:
    async with browser.get(f"{service.url}{path}", allow_redirects=False) as response:
        return response.status, await response.text()


async def post(browser, service, path: str, data: dict, form_page: str = "/inbox/users"
               ) -> tuple[int, str]:
    """A form posted with the session's CSRF token (read from `form_page`)."""
    _, page = await get(browser, service, form_page)
    async with browser.post(f"{service.url}{path}", data={"csrf": csrf_of(page), **data},
                            allow_redirects=False) as response:
        return response.status, response.headers.get("Location") or await response.text()


async def test_a_pcc_reviewer_sees_only_the_escalations_and_their_packs(
    launch, http, store, people, browsers
):
    service = await launch(with_escalation({"window_weeks": 4}), worker=False)
    reference = await apply(service, http)
    casey = browsers("casey")
    assert (await sign_in(casey, service, "casey"))[0] == 303
    await reviewed(casey, service, reference, ("2026-03-02", "2026-03-06", "no", "2026-03-09"),
                   "No further action.")
    status, answer = await escalate(service, http, request_body(reference))
    assert status == 201, answer
    escalation = answer["reference"]

    pat = browsers("pat")
    assert await sign_in(pat, service, "pat") == (303, "/inbox/escalations")
    status, listing = await get(pat, service, "/inbox/escalations")
    assert status == 200
    assert f'<a href="/inbox/escalations/{escalation}">' in listing
    assert f"<td>{reference}</td>" in listing  # named, not a link to a page they cannot open
    assert 'href="/inbox"' not in listing and 'href="/inbox/figures"' not in listing
    status, pack = await get(pat, service, f"/inbox/escalations/{escalation}")
    assert status == 200 and "All escalations" in pack and "Back to the application" not in pack
    assert (await get(pat, service, f"/inbox/escalations/{escalation}.json"))[0] == 200
    for path in ("/inbox", f"/inbox/applications/{reference}",
                 f"/inbox/applications/{reference}.json", f"/inbox/applications/{reference}/print",
                 "/inbox/applications.csv", "/inbox/figures", "/inbox/figures.csv",
                 "/inbox/users"):
        status, page = await get(pat, service, path)
        assert status == 403, path
        assert "You cannot open this page" in page and 'href="/inbox/escalations"' in page
    for path in (f"/inbox/escalations/../applications/{reference}",
                 f"/inbox/escalations/%2e%2e/applications/{reference}",
                 f"/inbox/escalations/..%2fapplications/{reference}"):
        async with pat.get(URL(service.url + path, encoded=True),
                           allow_redirects=False) as response:
            assert response.status in (403, 404), path
    status, _ = await post(pat, service, f"/inbox/applications/{reference}/outcome",
                           {"threshold": "met"}, form_page="/inbox/escalations")
    assert status == 403
    assert "pack_viewed" in [e["action"] for e in store.application(reference)["audit"]]

    # A caseworker's list of escalations links the application.
    _, listing = await get(casey, service, "/inbox/escalations")
    assert f'<a href="/inbox/applications/{reference}">' in listing


async def test_a_caseworker_cannot_administer_users(launch, people, browsers):
    service = await launch(make_deployment(), worker=False)
    casey = browsers("casey")
    assert await sign_in(casey, service, "casey") == (303, "/inbox")
    _, listing = await get(casey, service, "/inbox")
    assert 'href="/inbox/users"' not in listing
    for path in ("/inbox/users", f"/inbox/users/{people['robin']}"):
        assert (await get(casey, service, path))[0] == 403
    status, _ = await post(casey, service, "/inbox/users", {
        "username": "mallory", "role": "manager"}, form_page="/inbox")
    assert status == 403
    status, _ = await post(casey, service, f"/inbox/users/{people['casey']}/role", {
        "role": "manager"}, form_page="/inbox")
    assert status == 403
    morgan = browsers("morgan")
    await sign_in(morgan, service, "morgan")
    _, listing = await get(morgan, service, "/inbox")
    assert 'href="/inbox/users"' in listing


async def test_a_manager_adds_users_with_a_password_made_and_shown_once_or_typed(
    launch, store, people, browsers, caplog
):
    caplog.set_level(logging.INFO, logger="handoff.users")
    service = await launch(make_deployment(), worker=False)
    morgan = browsers("morgan")
    await sign_in(morgan, service, "morgan")
    status, page = await get(morgan, service, "/inbox/users")
    assert status == 200 and "<caption>4 users</caption>" in page
    assert "PCC reviewer" in page and 'autocomplete="new-password"' in page

    status, page = await post(morgan, service, "/inbox/users", {
        "username": "jo.bloggs", "role": "caseworker", "password": ""})
    assert status == 200 and "jo.bloggs can now sign in as a caseworker." in page
    made = MADE.search(page).group(1)
    assert await sign_in(browsers("jo"), service, "jo.bloggs", made) == (303, "/inbox")
    _, again = await get(morgan, service, "/inbox/users")
    assert made not in again and "<caption>5 users</caption>" in again  # shown once only

    status, page = await post(morgan, service, "/inbox/users", {
        "username": "sam", "role": "pcc_reviewer", "password": "kettle orchard lantern"})
    assert status == 200 and "sam can now sign in as a PCC reviewer." in page
    assert not MADE.search(page)
    assert await sign_in(browsers("sam"), service, "sam", "kettle orchard lantern") == (
        303, "/inbox/escalations")

    for form, field, words in (
        ({"username": "al", "role": "caseworker"}, "username", "3 to 100 letters"),
        ({"username": "jo.bloggs", "role": "caseworker"}, "username", "already"),
        ({"username": "lee", "role": "owner"}, "role", "Choose what the user may do"),
        ({"username": "lee", "role": "manager", "password": "Password123!"}, "password",
         "most common passwords"),
    ):
        status, page = await post(morgan, service, "/inbox/users", form)
        assert status == 400 and words in page and f'href="#{field}"' in page, form
    assert store.user("lee") is None
    async with morgan.post(f"{service.url}/inbox/users", allow_redirects=False, data={
            "username": "lee", "role": "manager"}) as response:  # no CSRF token
        assert response.status == 403
    logged = [record.getMessage() for record in caplog.records if record.name == "handoff.users"]
    assert logged == [f"users: user {store.user('jo.bloggs')['id']} added as caseworker by "
                      f"user {people['morgan']}",
                      f"users: user {store.user('sam')['id']} added as pcc_reviewer by "
                      f"user {people['morgan']}"]
    assert not any(name in text for text in logged
                   for name in ("jo.bloggs", "sam", "morgan", "kettle"))


async def test_disabling_a_user_ends_their_sessions_at_once(launch, store, people, browsers):
    service = await launch(make_deployment(), worker=False)
    morgan, robin = browsers("morgan"), browsers("robin")
    await sign_in(morgan, service, "morgan")
    assert (await sign_in(robin, service, "robin"))[0] == 303
    assert (await get(robin, service, "/inbox"))[0] == 200
    user_page = f"/inbox/users/{people['robin']}"
    status, location = await post(morgan, service, f"{user_page}/disable", {}, user_page)
    assert (status, location) == (303, f"{user_page}?done=disabled")
    status, location = await get(robin, service, "/inbox")
    assert status == 303  # signed out: to the sign-in page
    status, page = await sign_in(robin, service, "robin")
    assert status == 401 and WRONG_DETAILS in page  # the same as a wrong password
    _, page = await get(morgan, service, user_page + "?done=disabled")
    assert "The account is disabled" in page and "Enable the account" in page
    await post(morgan, service, f"{user_page}/enable", {}, user_page)
    assert await sign_in(robin, service, "robin") == (303, "/inbox")

    # A manager cannot disable their own account or change their own role.
    own = f"/inbox/users/{people['morgan']}"
    _, page = await get(morgan, service, own)
    assert "You cannot disable your own account" in page and f"{own}/disable" not in page
    assert (await post(morgan, service, f"{own}/disable", {}, own))[0] == 409
    assert (await post(morgan, service, f"{own}/role", {"role": "caseworker"}, own))[0] == 409
    assert store.user("morgan")["disabled_at"] is None
    assert store.user("morgan")["role"] == "manager"


async def test_a_new_role_and_a_reset_password_apply_at_once(launch, store, people, browsers):
    service = await launch(make_deployment(), worker=False)
    morgan, robin = browsers("morgan"), browsers("robin")
    await sign_in(morgan, service, "morgan")
    await sign_in(robin, service, "robin")
    user_page = f"/inbox/users/{people['robin']}"
    assert await post(morgan, service, f"{user_page}/role", {"role": "pcc_reviewer"},
                      user_page) == (303, f"{user_page}?done=role")
    assert (await get(robin, service, "/inbox"))[0] == 403  # on their very next request
    assert (await get(robin, service, "/inbox/escalations"))[0] == 200

    status, page = await post(morgan, service, f"{user_page}/password",
                              {"password": "short"}, user_page)
    assert status == 400 and "at least 12 characters" in page
    status, page = await post(morgan, service, f"{user_page}/password",
                              {"password": "marble harbour violin"}, user_page)
    assert status == 200 and "signed out everywhere" in page and not MADE.search(page)
    assert (await get(robin, service, "/inbox/escalations"))[0] == 303  # signed out
    assert (await sign_in(robin, service, "robin"))[0] == 401
    assert await sign_in(robin, service, "robin", "marble harbour violin") == (
        303, "/inbox/escalations")
    status, page = await post(morgan, service, f"{user_page}/password", {}, user_page)
    made = MADE.search(page).group(1)
    assert await sign_in(browsers("robin, later"), service, "robin", made) == (
        303, "/inbox/escalations")
    assert (await get(morgan, service, "/inbox/users"))[0] == 200  # the manager stays in
