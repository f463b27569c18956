"""The inbox's list of applications at scale, over HTTP, on SQLite and on PostgreSQL: 250
applications taken through the real intake API over five days, in two areas and four languages,
then paged (true totals), found by a reference typed as people type it, by part of a name or a
postcode, filtered by area, status, language and days received, and exported as CSV (every page,
checked row by row against what the filter should choose)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio

from deployment.config import Deployment
from handoff.languages import language_name
from handoff.pages import label
from handoff.store import Store
from stack.throwaway_postgres import PostgresCluster
from tests.handoff.caseworker import PASSWORD, QUICK, csrf_of
from tests.handoff.handoff_parts import (
    Database,
    example_application,
    make_deployment,
    start_service,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]
DAYS = [date(2026, 3, day) for day in range(10, 15)]  # 50 applications received on each
LANGUAGES = ["en", "pl", "cy", "ur"]
SURNAMES = ["Nowak", "Smith", "O'Brien", "Khan", "Jones"]
# An area whose name a spreadsheet would take for a formula (the CSV must not).
FORMULA_AREA = '=HYPERLINK("http://attacker.example","Othertown")'


@dataclass
class Sent:
    """One application as the test sent it, and what the list should show for it."""

    number: int
    reference: str
    area: str
    language: str
    day: date
    victim: str
    applicant: str
    postcode: str
    status: str = "new"


@dataclass
class Inbox:
    url: str
    browser: aiohttp.ClientSession
    deployment: Deployment
    sent: list[Sent]  # newest first, as the list shows them

    async def get(self, path: str, status: int = 200) -> str:
        async with self.browser.get(self.url + path, allow_redirects=False) as response:
            text = await response.text()
            assert response.status == status, text
            return text


def deployment() -> Deployment:
    data = json.loads(make_deployment(extra_area=True).json())
    data["areas"][1]["name"] = FORMULA_AREA
    return Deployment.parse_obj(data)


def document_of(number: int) -> dict:
    document = example_application(
        area={"id": "othertown" if number % 5 == 0 else "anytown"},
        language=LANGUAGES[number % 4])
    document["victim"] = document["victim"] | {
        "name": f"Alex {SURNAMES[number % 5]} {number}",
        "postcode": f"AN{number % 7 + 1} {number % 3 + 2}BB"}
    document["applicant"] = document["applicant"] | {"name": f"Sam Helper{number % 10}"}
    return document


async def submit_day(http, url: str, token: str, numbers: range) -> dict[int, str]:
    async def one(number):
        async with http.post(f"{url}/api/v1/applications", json=document_of(number), headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": uuid.uuid4().hex}) as response:
            body = await response.json()
            assert response.status == 201, body
            return number, body["reference"]

    return dict(await asyncio.gather(*(one(number) for number in numbers)))


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=[
    "sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
async def inbox(request, tmp_path_factory):
    """A service holding 250 applications sent through its intake API (in five batches, one a
    day), three of them recorded as 'threshold not met', and a caseworker signed in."""
    if request.param == "sqlite":
        database = Database("sqlite", f"sqlite:///{tmp_path_factory.mktemp('db')}/h.sqlite3")
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        name = "t_" + uuid.uuid4().hex[:12]
        cluster.admin(f"CREATE DATABASE {name}")
        database = Database("postgresql", cluster.url(name), name, cluster)
    store = Store(database.url)
    store.migrate()
    store.add_user("casey", QUICK.hash(PASSWORD), "2026-03-01T09:00:00+00:00")
    with pytest.MonkeyPatch.context() as env:
        service = await start_service(deployment(), store, worker=False)
        browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        try:
            sent: list[Sent] = []
            async with aiohttp.ClientSession() as http:
                for index, day in enumerate(DAYS):
                    env.setenv("ASB_TODAY", day.isoformat())
                    numbers = range(index * 50, index * 50 + 50)
                    references = await submit_day(http, service.url, service.token, numbers)
                    for number in numbers:
                        document = document_of(number)
                        sent.append(Sent(
                            number, references[number], document["area"]["id"],
                            document["language"], day, document["victim"]["name"],
                            document["applicant"]["name"], document["victim"]["postcode"]))
            # The list is newest first: by the order the service stored them.
            order = {row["reference"]: position for position, row in enumerate(
                store.list_applications(limit=None))}
            sent.sort(key=lambda item: order[item.reference])
            async with browser.get(f"{service.url}/inbox/sign-in") as response:
                form = await response.text()
            async with browser.post(f"{service.url}/inbox/sign-in", data={
                    "csrf": csrf_of(form), "username": "casey", "password": PASSWORD},
                    allow_redirects=False) as response:
                assert response.status == 303
            inbox = Inbox(service.url, browser, service.deployment, sent)
            csrf = csrf_of(await inbox.get("/inbox"))
            for item in sent[7:10]:
                async with browser.post(
                        f"{service.url}/inbox/applications/{item.reference}/outcome", data={
                            "csrf": csrf, "threshold": "not_met",
                            "threshold_reason": "Reported too late"},
                        allow_redirects=False) as response:
                    assert response.status == 303
                item.status = "threshold_not_met"
            yield inbox
        finally:
            await browser.close()
            await service.runner.cleanup()
            store.close()
            if database.cluster:
                database.cluster.admin(f"DROP DATABASE {database.name} WITH (FORCE)")


def caption(page: str) -> str:
    return re.search(r"<caption>(.*?)</caption>", page, re.S).group(1)


def listed(page: str) -> list[str]:
    """The references in the list's table, in order."""
    return re.findall(r'<td><a href="/inbox/applications/([^"]+)">', page)


async def every_page(inbox: Inbox, query: str) -> tuple[list[str], int]:
    """The references on every page of the list for `query`, following its Next links, and the
    total the first page's caption gives."""
    page = await inbox.get(f"/inbox?{query}")
    total = int(re.search(r" of (\d+) application", caption(page)).group(1))
    references = listed(page)
    while (following := re.search(r'<a href="([^"]+)" rel="next">', page)):
        page = await inbox.get(following.group(1).replace("&amp;", "&"))
        references += listed(page)
    return references, total


async def exported(inbox: Inbox, query: str) -> list[dict]:
    async with inbox.browser.get(f"{inbox.url}/inbox/applications.csv?{query}") as response:
        assert response.status == 200 and response.content_type == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        text = await response.text()
    for item in inbox.sent:  # the list and its export hold no personal data
        assert item.victim not in text and item.postcode not in text
    return list(csv.DictReader(io.StringIO(text)))


async def test_250_applications_are_paged_newest_first_with_true_totals(inbox):
    first = await inbox.get("/inbox")
    assert caption(first) == "Showing 1 to 50 of 250 applications, newest first"
    assert listed(first) == [item.reference for item in inbox.sent[:50]]
    second = await inbox.get("/inbox?page=2")
    assert caption(second) == "Showing 51 to 100 of 250 applications, newest first"
    assert listed(second) == [item.reference for item in inbox.sent[50:100]]
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2</a>' in second
    last = await inbox.get("/inbox?page=5")
    assert caption(last) == "Showing 201 to 250 of 250 applications, newest first"
    assert 'rel="next"' not in last and 'rel="prev"' in last
    # A page past the last (or not a number) shows the last (or the first).
    assert caption(await inbox.get("/inbox?page=99")) == caption(last)
    assert caption(await inbox.get("/inbox?page=%C2%B2")) == caption(first)
    references, total = await every_page(inbox, "")
    assert total == 250 and references == [item.reference for item in inbox.sent]
    days = [item.day for item in inbox.sent]
    assert days == sorted(days, reverse=True)
    # The language column, by English name.
    assert "<td>Polish (pl)</td>" in first and "<td>Welsh (cy)</td>" in first


@pytest.mark.parametrize("typed", [
    "{r}", "{r_lower}", " asb {year} {body_lower} ", "{year}-{body}", "{year}{body_lower}",
    "ASB–{year}–{body}", "asb_{year}.{body}"])
async def test_a_reference_is_found_as_people_type_it(inbox, typed):
    item = inbox.sent[123]
    _, year, body = item.reference.split("-")
    text = typed.format(r=item.reference, r_lower=item.reference.lower(), year=year, body=body,
                        body_lower=body.lower())
    async with inbox.browser.get(f"{inbox.url}/inbox", params={"reference": text}) as response:
        page = await response.text()
        assert response.status == 200, page
    assert listed(page) == [item.reference]
    assert caption(page) == "Showing 1 to 1 of 1 application, newest first"


async def test_a_reference_with_a_wrong_character_is_not_guessed_at(inbox):
    reference = inbox.sent[0].reference
    wrong = reference[:-1] + ("2" if reference[-1] != "2" else "3")
    async with inbox.browser.get(f"{inbox.url}/inbox", params={"reference": wrong}) as response:
        page = await response.text()
        assert response.status == 400
    assert "Enter the whole reference" in page and 'href="#reference"' in page
    assert 'aria-invalid="true"' in page and "<table>" not in page
    assert f'value="{wrong}"' in page  # shown again as typed, to correct
    async with inbox.browser.get(f"{inbox.url}/inbox/applications.csv",
                                 params={"reference": wrong}) as response:
        assert response.status == 400


@pytest.mark.parametrize("typed, chosen", [
    ("nowak", lambda item: "Nowak" in item.victim),
    ("ALEX  NOWAK 1", lambda item: "Alex Nowak 1" in item.victim),
    ("o'brien", lambda item: "O'Brien" in item.victim),
    ("sam helper3", lambda item: item.applicant == "Sam Helper3"),
    ("an3 4bb", lambda item: item.postcode == "AN3 4BB"),
    ("AN34BB", lambda item: item.postcode == "AN3 4BB"),
    ("an7", lambda item: item.postcode.startswith("AN7") or "Khan 7" in item.victim),
    ("100%", lambda item: False),  # LIKE's wildcards are taken as typed
    ("alex_", lambda item: False),
])
async def test_names_and_postcodes_are_found_in_any_case_and_spacing(inbox, typed, chosen):
    async with inbox.browser.get(f"{inbox.url}/inbox", params={"person": typed}) as response:
        page = await response.text()
        assert response.status == 200, page
    wanted = [item.reference for item in inbox.sent if chosen(item)]
    if not wanted:
        assert caption(page) == "No applications match" and listed(page) == []
        return
    references, total = await every_page(inbox, urlencode({"person": typed}))
    assert total == len(wanted) and references == wanted


@pytest.mark.parametrize("query, chosen", [
    ("area=othertown", lambda item: item.area == "othertown"),
    ("status=threshold_not_met", lambda item: item.status == "threshold_not_met"),
    ("language=pl", lambda item: item.language == "pl"),
    ("from=2026-03-11&to=2026-03-12", lambda item: DAYS[1] <= item.day <= DAYS[2]),
    ("from=2026-03-14", lambda item: item.day == DAYS[4]),
    ("area=anytown&language=cy&to=2026-03-11&person=smith",
     lambda item: item.area == "anytown" and item.language == "cy" and item.day <= DAYS[1]
     and "Smith" in item.victim),
])
async def test_filters_choose_and_the_csv_holds_exactly_the_filtered_list(inbox, query, chosen):
    wanted = [item for item in inbox.sent if chosen(item)]
    references, total = await every_page(inbox, query)
    assert total == len(wanted) and references == [item.reference for item in wanted]
    rows = await exported(inbox, query)
    areas = {area.id: area.name for area in inbox.deployment.areas}
    assert len(rows) == len(wanted)
    for row, item in zip(rows, wanted, strict=True):
        assert row["Reference"] == item.reference
        assert row["Received"][:10] == item.day.isoformat()
        assert row["Area"] == ("'" + FORMULA_AREA if item.area == "othertown" else areas[item.area])
        assert row["Language"] == language_name(item.language)
        assert row["Status"] == label(item.status)
        assert row["Threshold check"] and row["Decision due"]


async def test_the_csv_of_every_application_is_every_page(inbox):
    rows = await exported(inbox, "")
    assert [row["Reference"] for row in rows] == [item.reference for item in inbox.sent]
    # A cell a spreadsheet would read as a formula is kept as text.
    assert {row["Area"] for row in rows} == {"Anytown", "'" + FORMULA_AREA}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows
                   for cell in row.values())


async def test_filters_that_cannot_be_read_say_so(inbox):
    page = await inbox.get("/inbox?from=2026-02-30&to=2026-03-01", status=400)
    assert "Enter a real date" in page and 'href="#from"' in page
    page = await inbox.get("/inbox?from=2026-03-12&to=2026-03-11", status=400)
    assert "on or after its start" in page
    # Hostile queries are answered, never with an error of the service's own.
    for query in ("person=%ff%fe", "reference=%ed%a0%80", "person=%00", "page=-1",
                  "page=99999999999999999999", "person=" + "x" * 5000, "from=9999-99-99",
                  "language=%ff", "person=%25%5f%5c", "reference=" + "A" * 3000):
        async with inbox.browser.get(f"{inbox.url}/inbox?{query}") as response:
            assert response.status in (200, 400), query
        async with inbox.browser.get(f"{inbox.url}/inbox/applications.csv?{query}") as response:
            assert response.status in (200, 400), query
    # Codes that are not offered are ignored, as an empty field is.
    assert caption(await inbox.get("/inbox?area=nowhere&status=lost&language=xx")) == (
        "Showing 1 to 50 of 250 applications, newest first")
