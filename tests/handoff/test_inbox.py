"""The caseworker inbox driven over HTTP: sign in, list, open, record an outcome, download,
retry a failed delivery, the statutory figures. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
import threading
import time
from datetime import date

import aiohttp
import pytest

from handoff.inbox import account_key, hash_password
from handoff.store import Store
from tests.handoff.caseworker import PASSWORD, QUICK, csrf_of, get, post_form, sign_in
from tests.handoff.handoff_parts import (
    Receiver,
    application_in,
    consent_shown,
    eventually,
    example_application,
    holder_of,
    make_deployment,
    start_service,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fixed_today")]


@pytest.fixture
async def signed_in(launch, browser, store):
    store.add_user("casey", hash_password(PASSWORD), "2026-03-01T09:00:00+00:00")

    async def go(deployment=None):
        service = await launch(deployment or make_deployment(extra_area=True))
        response = await sign_in(browser, service)
        assert response.status == 303 and response.headers["Location"] == "/inbox"
        return service

    return go


async def test_pages_need_a_session(launch, browser):
    service = await launch(make_deployment())
    async with browser.get(f"{service.url}/inbox", allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/inbox/sign-in"
    async with browser.get(f"{service.url}/inbox/figures.csv", allow_redirects=False) as r:
        assert r.status == 303
    async with browser.post(f"{service.url}/inbox/applications/ASB-2026-AAAAAA/outcome",
                            data={"threshold": "met"}, allow_redirects=False) as response:
        assert response.status == 401


async def test_sign_in_refuses_wrong_details_and_stale_forms(launch, browser, store):
    store.add_user("casey", hash_password(PASSWORD), "2026-03-01T09:00:00+00:00")
    service = await launch(make_deployment())
    for username, password in (("casey", "wrong password"), ("nobody", PASSWORD)):
        response = await sign_in(browser, service, username, password)
        assert response.status == 401
    await get(browser, f"{service.url}/inbox/sign-in")
    async with browser.post(f"{service.url}/inbox/sign-in", allow_redirects=False,
                            data={"csrf": "forged", "username": "casey",
                                  "password": PASSWORD}) as response:
        assert response.status == 400
        assert "expired" in await response.text()
    page = await get(browser, f"{service.url}/inbox/sign-in")
    async with browser.post(f"{service.url}/inbox/sign-in", allow_redirects=False,
                            data={"csrf": csrf_of(page), "username": "casey",
                                  "password": PASSWORD}) as response:
        assert response.status == 303
        session = next(c for c in response.headers.getall("Set-Cookie")
                       if c.startswith("asb_inbox_session="))
        for flag in ("HttpOnly", "SameSite=Strict", "Path=/inbox"):
            assert flag in session


async def test_cookies_are_secure_by_default(launch, browser):
    service = await launch(make_deployment(handoff={"session": {"cookie_secure": True}}))
    async with browser.get(f"{service.url}/inbox/sign-in") as response:
        (cookie,) = response.headers.getall("Set-Cookie")
        for flag in ("HttpOnly", "Secure", "SameSite=Strict"):
            assert flag in cookie
        assert response.headers["Cache-Control"] == "no-store"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


async def test_list_open_record_download_and_sign_out(signed_in, browser, http):
    service = await signed_in()
    references = []
    for area in ("anytown", "othertown", "anytown"):
        _, body = await service.submit(http, example_application(area={"id": area}))
        references.append(body["reference"])
    listing = await get(browser, f"{service.url}/inbox")
    positions = [listing.index(reference) for reference in references]
    assert positions == sorted(positions, reverse=True)  # newest first
    only_other = await get(browser, f"{service.url}/inbox?area=othertown")
    assert references[1] in only_other and references[0] not in only_other

    first = references[0]
    page_url = f"{service.url}/inbox/applications/{first}"
    page = await get(browser, page_url)
    document = example_application()
    assert document["victim"]["name"] in page and document["impact"] in page
    assert "do not phone" in page
    assert "<script" not in page

    # A threshold decision without a reason is refused, and nothing changes.
    refused = await post_form(browser, f"{page_url}/outcome", {"threshold": "not_met"},
                              page_url, status=400)
    assert "Enter the reason for the threshold decision" in refused.body_text
    # A form without the session's CSRF token is refused.
    async with browser.post(f"{page_url}/outcome", data={"threshold": "met", "csrf": "x"},
                            allow_redirects=False) as response:
        assert response.status == 403
    saved = await post_form(browser, f"{page_url}/outcome", {
        "threshold": "not_met", "threshold_reason": "Two of the reports were too late",
        "threshold_decided_on": "2026-03-09"}, page_url)
    assert saved.headers["Location"] == f"/inbox/applications/{first}?saved=1"
    page = await get(browser, page_url + "?saved=1")
    assert "The outcome has been saved." in page
    assert "Two of the reports were too late" in page
    stored = service.store.application(first)
    assert stored["status"] == "threshold_not_met" and stored["threshold_met"] is False
    assert stored["threshold_decided_on"] == date(2026, 3, 9)
    changes = [e for e in stored["audit"] if e["action"] == "outcome_recorded"]
    assert len(changes) == 1 and changes[0]["actor"] == "casey"
    assert changes[0]["detail"]["threshold_met"] == [None, False]
    assert {"viewed"} <= {e["action"] for e in stored["audit"]}
    not_met = await get(browser, f"{service.url}/inbox?status=threshold_not_met")
    assert first in not_met and references[2] not in not_met

    async with browser.get(f"{page_url}.json") as response:
        assert response.status == 200
        assert response.headers["Content-Disposition"] == f'attachment; filename="{first}.json"'
        assert json.loads(await response.text()) == stored["document"]
    printable = await get(browser, f"{page_url}/print")
    assert first in printable and document["victim"]["name"] in printable
    actions = [e["action"] for e in service.store.application(first)["audit"]]
    assert "downloaded_json" in actions and "printed" in actions

    await post_form(browser, f"{service.url}/inbox/sign-out", {}, f"{service.url}/inbox")
    await get(browser, f"{service.url}/inbox", status=303)


async def test_a_failed_delivery_is_shown_and_retried_from_the_inbox(
    signed_in, browser, http, receiver: Receiver
):
    receiver.fail_next = 2
    await receiver.start()
    delivery = {"webhook": {"url": receiver.url, "secret_env": "TEST_AGENCY_WEBHOOK_SECRET"}}
    service = await signed_in(make_deployment(handoff={"delivery": {"max_attempts": 2}},
                                              delivery=delivery))
    _, body = await service.submit(http, example_application())
    reference = body["reference"]

    def state():
        return service.store.deliveries_of(reference)[0]["state"]

    await eventually(lambda: state() == "failed")
    listing = await get(browser, f"{service.url}/inbox")
    assert "Deliveries that failed" in listing and "Delivery failed" in listing
    page_url = f"{service.url}/inbox/applications/{reference}"
    page = await get(browser, page_url)
    action = re.search(r'action="(/inbox/applications/[^"]+/retry)"', page).group(1)
    await post_form(browser, f"{service.url}{action}", {}, page_url)
    await eventually(lambda: state() == "delivered")
    assert len(receiver.requests) == 3
    assert "Deliveries that failed" not in await get(browser, f"{service.url}/inbox")
    audit = service.store.application(reference)["audit"]
    assert [e["actor"] for e in audit if e["action"] == "delivery_retried"] == ["casey"]


async def test_a_delivery_id_too_large_for_the_database_is_not_found(signed_in, browser, http):
    # Found by the fuzz campaign: 20 digits overflowed SQLite's integer and answered 500.
    service = await signed_in()
    _, body = await service.submit(http, example_application())
    page_url = f"{service.url}/inbox/applications/{body['reference']}"
    for delivery in ("99999999999999999999", "9223372036854775808"):
        await post_form(browser, f"{page_url}/deliveries/{delivery}/retry", {}, page_url,
                        status=404)
    await post_form(browser, f"{page_url}/deliveries/999999999999999999/retry", {}, page_url,
                    status=409)


async def test_statutory_figures_page_and_csv(signed_in, browser, http):
    # Every count as it is (small numbers are suppressed by default: the next test).
    service = await signed_in(make_deployment(handoff={"figures": {"suppress_below": 0}},
                                              extra_area=True))
    refs = {}
    for name, area in (("a", "anytown"), ("b", "anytown"), ("c", "othertown")):
        _, body = await service.submit(http, example_application(area={"id": area}))
        refs[name] = body["reference"]
    outcomes = {
        "a": {"threshold": "not_met", "threshold_reason": "Reported too late"},
        "b": {"threshold": "met", "threshold_reason": "Three complaints",
              "review_held_on": "2026-03-10", "recommendations_made": "yes",
              "escalated_on": "2026-03-10"},
    }
    for name, form in outcomes.items():
        page_url = f"{service.url}/inbox/applications/{refs[name]}"
        await post_form(browser, f"{page_url}/outcome", form, page_url)
    page = await get(browser, f"{service.url}/inbox/figures?from=2026-03-01&to=2026-03-31")
    assert "Times the threshold was not met" in page
    async with browser.get(
        f"{service.url}/inbox/figures.csv?from=2026-03-01&to=2026-03-31"
    ) as response:
        assert response.status == 200 and response.content_type == "text/csv"
        text = await response.text()
    rows = {row["area_id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"anytown", "othertown"}
    figures = {k: int(v) for k, v in rows["anytown"].items()
               if k not in ("area_id", "area", "period_start", "period_end")}
    assert figures == {"received": 2, "threshold_not_met": 1, "reviews": 1,
                       "reviews_with_recommendations": 1, "escalations": 1}
    assert int(rows["othertown"]["received"]) == 1
    for personal in (example_application()["victim"]["name"], refs["a"], "Reported too late"):
        assert personal not in text and personal not in page
    february = await get(browser, f"{service.url}/inbox/figures.csv?from=2026-02-01&to=2026-02-28")
    assert all(line.endswith(",0,0,0,0,0") for line in february.strip().splitlines()[1:])
    bad = await get(browser, f"{service.url}/inbox/figures?from=2026-04-01&to=2026-03-01",
                    status=400)
    assert "on or after its start" in bad


def figure_cells(page: str, label: str) -> list[str]:
    """The cells of the figures table's row for `label`, as shown."""
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', page, re.S).group(1)
    return re.findall(r"<td>(.*?)</td>", row)


async def test_small_numbers_are_suppressed_in_the_figures_page_and_csv(signed_in, browser,
                                                                        http):
    service = await signed_in()  # the example deployment: suppress_below 5
    references = []
    for area in ["anytown"] * 6 + ["othertown"] * 2:
        _, body = await service.submit(http, example_application(area={"id": area}))
        references.append(body["reference"])
    page_url = f"{service.url}/inbox/applications/{references[0]}"
    await post_form(browser, f"{page_url}/outcome", {
        "threshold": "not_met", "threshold_reason": "Reported too late"}, page_url)
    period = "from=2026-03-01&to=2026-03-31"
    page = await get(browser, f"{service.url}/inbox/figures?{period}")
    # Anytown, Othertown, all areas. Othertown's 2 would follow from the total 8 less 6.
    assert figure_cells(page, "Applications received") == ["6", "fewer than 5", "not shown"]
    assert figure_cells(page, "Times the threshold was not met") == [
        "fewer than 5", "0", "fewer than 5"]
    assert figure_cells(page, "Case reviews carried out") == ["0", "0", "0"]
    assert "a count from 1 to 4 is shown as" in page
    text = await get(browser, f"{service.url}/inbox/figures.csv?{period}")
    rows = {row["area_id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert (rows["anytown"]["received"], rows["othertown"]["received"]) == ("6", "<5")
    assert (rows["anytown"]["threshold_not_met"], rows["othertown"]["threshold_not_met"]) == (
        "<5", "0")
    one_area = await get(browser, f"{service.url}/inbox/figures?{period}&area=othertown")
    assert figure_cells(one_area, "Applications received") == ["fewer than 5"]


@pytest.mark.parametrize("language, name, relationship, preferred, direction", [
    ("pl", "Polish (pl)", "Family member", "Text message", "auto"),
    ("ur", "Urdu (ur)", "Carer", "Phone call", "rtl"),
])
async def test_an_application_in_another_language_reads_in_english_to_the_agency(
    signed_in, browser, http, language, name, relationship, preferred, direction
):
    service = await signed_in()
    document = application_in(language)
    status, body = await service.submit(http, document)
    assert status == 201, body
    page_url = f"{service.url}/inbox/applications/{body['reference']}"
    for url in (page_url, f"{page_url}/print"):
        page = await get(browser, url)
        assert '<html lang="en">' in page
        # Language codes as English names, labels in <dt>.
        for label in ("Language of the conversation", "Interpreter", "Shown in"):
            assert f"<dt>{label}</dt><dd>{name}</dd>" in page
        assert f"The application was made in {name}." in page
        # Codes and button titles with an English label.
        assert f"<dt>Best way to contact</dt><dd>{preferred}</dd>" in page
        assert "<dt>Relationship to the victim</dt>" in page
        assert f"{document['applicant']['relationship']}</span> (in English: {relationship})" in page
        # The applicant's own words keep their language and direction.
        victim = document["victim"]
        for words in (document["impact"], victim["name"], document["applicant"]["name"],
                      document["applicant"]["relationship"], victim["contact"]["safe_times"],
                      document["consent"]["wording"]):
            holder = holder_of(page, words)
            assert (holder.get("lang"), holder.get("dir")) == (language, direction), words
        assert holder_of(page, document["impact"])["tag"] == "p"
        # Words with no right-to-left letter (an address in Latin letters) are not turned round.
        address = holder_of(page, victim["address"])
        assert (address.get("lang"), address.get("dir")) == (language, "auto")
        # The consent as the applicant saw it, and the same wording in English.
        assert holder_of(page, consent_shown("en"))["tag"] == "dd"
        assert "<dt>The same wording in English</dt>" in page and "Not available" not in page
    if language == "pl":  # the safe times were a button: its English title too
        assert "O każdej porze</span> (in English: Any time)" in page
    else:  # the safe times in the applicant's words: not translated
        assert f"{victim['contact']['safe_times']}</span></dd>" in page


@pytest.mark.parametrize("recorded", [None, "absent"])
async def test_consent_without_its_english_in_the_document_is_shown_without_english(
    signed_in, browser, http, recorded
):
    # A document stored before the field existed, or words the assistant's catalogs no longer
    # have (it sends null then): the words shown, and no English made up for them.
    service = await signed_in()
    document = application_in("pl")
    document["consent"]["wording"] = "Czy zgadzasz się na przekazanie wniosku? (stara wersja)"
    if recorded == "absent":
        del document["consent"]["wording_in_english"]
    else:
        document["consent"]["wording_in_english"] = recorded
    _, body = await service.submit(http, document)
    page = await get(browser, f"{service.url}/inbox/applications/{body['reference']}")
    assert holder_of(page, document["consent"]["wording"])["lang"] == "pl"
    assert "Not available: the assistant did not record the English" in page
    assert f"<dt>Wording version</dt><dd>{document['consent']['wording_version']}</dd>" in page


async def test_a_hanging_receiver_times_out_backs_off_alerts_and_is_listed_as_failed(
    signed_in, browser, http, receiver: Receiver, caplog
):
    receiver.hang_next = 1000  # the agency's endpoint takes every request and never answers
    await receiver.start()
    delivery = {"webhook": {"url": receiver.url, "secret_env": "TEST_AGENCY_WEBHOOK_SECRET"}}
    settings = {"delivery": {"max_attempts": 3, "timeout_seconds": 0.3,
                             "backoff_initial_seconds": 0.2, "backoff_max_seconds": 0.4}}
    caplog.set_level(logging.INFO)
    service = await signed_in(make_deployment(handoff=settings, delivery=delivery))
    _, body = await service.submit(http, example_application())
    reference = body["reference"]
    await eventually(lambda: service.store.deliveries_of(reference)[0]["state"] == "failed",
                     timeout=20)
    (failed,) = service.store.deliveries_of(reference)
    assert failed["attempts"] == 3 and len(receiver.requests) == 3
    assert failed["last_error"] == "the webhook did not answer within 0.3 seconds"
    waits = [r.getMessage() for r in caplog.records if "next try in" in r.getMessage()]
    assert len(waits) == 2  # backed off after the first two attempts, then gave up
    alerts = await eventually(lambda: [r for r in caplog.records if r.name == "handoff.alert"])
    assert len(alerts) == 1 and reference in alerts[0].getMessage()
    listing = await get(browser, f"{service.url}/inbox")
    assert "Deliveries that failed" in listing and reference in listing
    assert "did not answer within 0.3 seconds" in listing


async def test_five_failures_pause_the_account_across_processes_until_a_reset(
    launch, browser, store, database
):
    store.add_user("casey", QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00")
    store.add_user("robin", QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00")
    first = await launch(make_deployment())
    # A second service with its own store (connections, threads) on the same database: what
    # one counts, the other sees.
    other_store = Store(database.url)
    second = await start_service(make_deployment(), other_store, worker=False)
    try:
        for service in (first, first, first, second, second):
            assert (await sign_in(browser, service, "casey", "wrong password")).status == 401
        for service in (first, second):
            response = await sign_in(browser, service, "Casey", PASSWORD)  # the right one
            assert response.status == 429
            assert 14 * 60 <= int(response.headers["Retry-After"]) <= 15 * 60 + 1
            page = await get_page(browser, service, "casey", PASSWORD)
            assert "Too many failed sign-ins" in page and "paused for 15 minutes" in page
        # Another caseworker at the same address is not held up.
        assert (await sign_in(browser, second, "robin", PASSWORD)).status == 303
        store.set_password("casey", QUICK.hash("a brand new passphrase"), account_key("casey"))
        assert (await sign_in(browser, first, "casey", "a brand new passphrase")).status == 303
    finally:
        await second.runner.cleanup()
        other_store.close()


async def get_page(browser, service, username: str, password: str) -> str:
    form = await get(browser, f"{service.url}/inbox/sign-in")
    async with browser.post(
        f"{service.url}/inbox/sign-in", allow_redirects=False,
        data={"csrf": csrf_of(form), "username": username, "password": password},
    ) as response:
        return await response.text()


async def test_twenty_failures_from_one_address_pause_every_account_there(launch, browser, store):
    store.add_user("casey", QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00")
    for number in range(5):
        store.add_user(f"user{number}", QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00")
    service = await launch(make_deployment())
    for number in range(20):  # a password sprayed over five usernames, four tries each
        assert (await sign_in(browser, service, f"user{number // 4}", "Summer2026!")).status == 401
    assert (await sign_in(browser, service, "casey", PASSWORD)).status == 429


async def test_a_success_forgets_the_accounts_earlier_failures(launch, browser, store):
    store.add_user("casey", QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00")
    service = await launch(make_deployment())
    for _ in range(2):
        for _ in range(4):
            assert (await sign_in(browser, service, "casey", "wrong password")).status == 401
        assert (await sign_in(browser, service, "casey", PASSWORD)).status == 303


async def test_password_checks_run_off_the_event_loop(launch, browser, store, http):
    store.add_user("casey", QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00")
    service = await launch(make_deployment(), worker=False)
    forms = []
    for _ in range(8):  # each client its own sign-in cookie, as eight browsers would have
        client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        forms.append((client, csrf_of(await get(client, f"{service.url}/inbox/sign-in"))))

    async def one(client, csrf):
        async with client.post(f"{service.url}/inbox/sign-in", allow_redirects=False,
                               data={"csrf": csrf, "username": f"u{id(client)}",
                                     "password": "not the password"}) as response:
            return response.status

    waits = []
    done = asyncio.Event()

    async def health():
        while not done.is_set():
            started = time.perf_counter()
            async with http.get(f"{service.url}/healthz") as response:
                assert response.status == 200
            waits.append(time.perf_counter() - started)

    try:
        watcher = asyncio.create_task(health())
        started = time.perf_counter()
        statuses = await asyncio.gather(*(one(client, csrf) for client, csrf in forms))
        took = time.perf_counter() - started
        done.set()
        await watcher
    finally:
        for client, _ in forms:
            await client.close()
    assert statuses == [401] * 8
    assert any(thread.name.startswith("argon2") for thread in threading.enumerate())
    # Checked on the event loop, eight password checks in a row would hold every request
    # for about as long as they all take; on their threads the service keeps answering.
    assert len(waits) >= 3 and max(waits) < took / 2, (max(waits), took)


async def test_a_form_token_that_is_not_ascii_is_an_expired_form_not_a_crash(launch, browser):
    service = await launch(make_deployment())
    await get(browser, f"{service.url}/inbox/sign-in")
    async with browser.post(f"{service.url}/inbox/sign-in", allow_redirects=False,
                            data={"csrf": "jeton-périmé", "username": "casey",
                                  "password": PASSWORD}) as response:
        assert response.status == 400 and "expired" in await response.text()
