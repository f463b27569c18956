"""The intake API over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from eligibility import add_working_days, check
from handoff.reference import is_valid
from handoff.store import Store, applications, deliveries
from tests.handoff.handoff_parts import (
    TODAY,
    database_down,
    example_application,
    make_deployment,
    start_service,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fixed_today")]


def stored(store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(applications)).scalar_one(),
                conn.execute(select(func.count()).select_from(deliveries)).scalar_one())


async def test_a_new_application_is_stored_and_answered_with_its_reference(launch, http):
    delivery = {"webhook": {"url": "http://127.0.0.1:9/x", "secret_env": "UNSET_SECRET"}}
    service = await launch(make_deployment(delivery=delivery), worker=False)
    status, body = await service.submit(http, example_application(), key="conversation-1")
    assert status == 201
    assert set(body) == {"reference", "submitted_at", "deadlines"}
    assert is_valid(body["reference"]) and body["reference"].startswith("ASB-2026-")
    assert body["submitted_at"].startswith(TODAY + "T") and body["submitted_at"][19] in "+-"
    area = service.deployment.area("anytown")
    received = date.fromisoformat(TODAY)
    assert body["deadlines"] == {
        "acknowledge_by": add_working_days(
            received, area.procedure.acknowledge_working_days, area.nation).isoformat(),
        "threshold_decision_due": add_working_days(
            received, area.procedure.threshold_decision_working_days, area.nation).isoformat(),
    }
    # The engine's decision, computed here from the same incidents under the area's policy.
    sent = example_application()
    expected = check(
        {"applied_on": TODAY, "vulnerable": False,  # no victim.at_risk in the example
         "incidents": [{k: i[k] for k in ("occurred_on", "reported_on", "reported_to",
                                          "hate_related") if k in i} for i in sent["incidents"]]},
        policy=area.policy,
    ).to_json()
    document = service.store.application(body["reference"])["document"]
    assert document["eligibility"] == expected
    assert document["area"] == {"id": "anytown", "name": area.name,
                                "lead_agency": area.lead_agency.name}
    assert document["victim"] == sent["victim"] and document["reference"] == body["reference"]
    assert stored(service.store) == (1, 1)


async def test_the_same_application_twice_gives_the_same_answer_and_one_application(
    launch, http
):
    service = await launch(worker=False)
    first = await service.submit(http, example_application(), key="application-1")
    again = await service.submit(http, example_application(), key="application-1")
    assert first[0] == 201 and again == (200, first[1])
    assert stored(service.store) == (1, 0)


async def test_a_key_sent_again_with_another_application_is_refused(launch, http):
    service = await launch(worker=False)
    first = await service.submit(http, example_application(), key="application-1")
    changed = example_application(impact="Something else")
    status, body = await service.submit(http, changed, key="application-1")
    assert first[0] == 201 and status == 409
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert first[1]["reference"] not in json.dumps(body)
    assert stored(service.store) == (1, 0)
    # The first application is still answered as before.
    assert await service.submit(http, example_application(), key="application-1") == (
        200, first[1])


@pytest.mark.parametrize("headers, field", [
    ({}, "Authorization"),
    ({"Authorization": "Bearer wrong-token"}, "Authorization"),
    ({"Authorization": "Basic abc"}, "Authorization"),
])
async def test_a_missing_or_wrong_token_is_refused(launch, http, headers, field):
    service = await launch(worker=False)
    status, body = await service.submit(
        http, example_application(), headers=headers | {"Idempotency-Key": "k"})
    assert status == 401 and body["errors"][0]["field"] == field
    assert stored(service.store) == (0, 0)


async def test_malformed_json_and_a_missing_key_are_bad_requests(launch, http):
    service = await launch(worker=False)
    status, body = await service.submit(http, b'{"schema_version": "1",', key="k1")
    assert status == 400 and body["errors"][0]["field"] == "body"
    status, body = await service.submit(http, b"\xff\xfe not utf-8", key="k2")
    assert status == 400
    no_key = {"Authorization": f"Bearer {service.token}", "Content-Type": "application/json"}
    status, body = await service.submit(http, example_application(), headers=no_key)
    assert status == 400 and body["errors"][0]["field"] == "Idempotency-Key"
    assert stored(service.store) == (0, 0)


async def test_schema_violations_are_listed_by_field(launch, http):
    service = await launch(worker=False)
    document = example_application(reference="ASB-2026-AAAAAA", colour="blue")
    del document["victim"]["name"]
    document["victim"]["contact"]["preferred"] = "pigeon"
    document["incidents"][1]["occurred_on"] = "2026-02-30"
    document["incidents"][2]["reported_to"] = ["police", "neighbours"]
    document["applicant"]["relationship"] = None
    status, body = await service.submit(http, document)
    assert status == 422
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert fields.keys() == {
        "reference", "colour", "victim.name", "victim.contact.preferred",
        "incidents[1].occurred_on", "incidents[2].reported_to[1]", "applicant.relationship",
    }
    assert fields["reference"] == "is set by the handoff service; leave it out"
    assert fields["victim.name"] == "is missing"
    assert "pigeon" in fields["victim.contact.preferred"]
    assert stored(service.store) == (0, 0)


async def test_consent_is_required_unless_the_exception_applies(launch, http):
    service = await launch(worker=False)
    refused = example_application()
    refused["consent"]["given"] = False
    status, body = await service.submit(http, refused)
    assert status == 422 and body["errors"][0]["field"] == "consent.given"
    exception = example_application()
    exception["consent"].update(given=False, given_by="without_consent")
    status, body = await service.submit(http, exception)
    assert status == 422 and body["errors"][0]["field"] == "consent.without_consent_reason"
    exception["consent"]["without_consent_reason"] = "The victim is at significant risk of harm"
    status, _ = await service.submit(http, exception)
    assert status == 201


async def test_an_unknown_area_and_impossible_incident_dates_are_refused(launch, http):
    service = await launch(worker=False)
    status, body = await service.submit(http, example_application(area={"id": "atlantis"}))
    assert status == 422 and body["errors"][0]["field"] == "area.id"
    assert "atlantis" in body["errors"][0]["message"]
    backwards = example_application()
    backwards["incidents"][0]["reported_on"] = "2026-01-01"  # before it happened
    status, body = await service.submit(http, backwards)
    assert status == 422 and body["errors"][0]["field"] == "incidents[0].reported_on"
    future = example_application()
    future["incidents"][2].update(occurred_on="2026-04-01", reported_on="2026-04-01")
    status, body = await service.submit(http, future)
    assert status == 422 and body["errors"][0]["field"] == "incidents[2].occurred_on"
    assert stored(service.store) == (0, 0)


async def test_a_body_over_the_limit_is_refused(launch, http):
    service = await launch(make_deployment(handoff={"max_body_bytes": 4096}), worker=False)
    big = example_application(impact="x" * 5000)
    status, body = await service.submit(http, big)
    assert status == 413 and body["errors"][0]["field"] == "body"

    async def chunks():  # no Content-Length: the limit still holds
        raw = json.dumps(big).encode()
        for start in range(0, len(raw), 1000):
            yield raw[start:start + 1000]

    async with http.post(f"{service.url}/api/v1/applications", data=chunks(),
                         headers=service.headers("k-chunked")) as response:
        assert response.status == 413
    status, _ = await service.submit(http, example_application())
    assert status == 201


@pytest.fixture
async def impatient_service(database):
    """The service on a store that waits at most half a second for a locked database."""
    store = Store(database.url, busy_timeout=0.5)
    store.migrate()
    service = await start_service(make_deployment(), store, worker=False)
    yield service
    await service.runner.cleanup()
    store.close()


async def test_the_database_unavailable_gives_503_and_the_caller_can_retry(
    impatient_service, http, database
):
    service = impatient_service
    with database_down(database):
        status, body = await service.submit(http, example_application(), key="conversation-1")
        assert status == 503 and body["errors"][0]["field"] == "database"
        async with http.get(f"{service.url}/readyz") as response:  # not ready: no database
            assert response.status == 503
            assert (await response.json()) == {"status": "database unavailable"}
        async with http.get(f"{service.url}/healthz") as response:  # but alive: no restart
            assert response.status == 200
        async with http.get(f"{service.url}/metrics") as response:  # and still scraped
            assert response.status == 200
    assert stored(service.store) == (0, 0)
    status, body = await service.submit(http, example_application(), key="conversation-1")
    assert status == 201
    assert stored(service.store) == (1, 0)
    async with http.get(f"{service.url}/readyz") as response:
        assert response.status == 200 and (await response.json()) == {"status": "ok"}


async def post_raw(service, http, body: bytes, content_type: str | None = "application/json",
                   key: str = "hostile-1"):
    headers = {"Authorization": f"Bearer {service.token}", "Idempotency-Key": key}
    if content_type is not None:
        headers["Content-Type"] = content_type
    async with http.post(f"{service.url}/api/v1/applications", data=body,
                         headers=headers) as response:
        return response.status, response.content_type, await response.text()


@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/json; charset=latin-1", "application/jsonx",
])
async def test_a_wrong_content_type_is_415(launch, http, content_type):
    service = await launch(worker=False)
    body = json.dumps(example_application()).encode()
    status, kind, text = await post_raw(service, http, body, content_type)
    assert (status, kind) == (415, "application/json")
    assert json.loads(text)["errors"][0]["field"] == "Content-Type"
    status, _, _ = await post_raw(service, http, body, "application/json; charset=UTF-8")
    assert status == 201
    assert stored(service.store) == (1, 0)


def surrogate_in(where: str) -> bytes:
    """The example with a lone surrogate (escaped, as JSON allows) in one text field."""
    marker = "@@SURROGATE@@"
    document = example_application()
    if where == "victim.name":
        document["victim"]["name"] = marker
    elif where == "impact":
        document["impact"] = "before " + marker
    elif where == "incidents[0].description":
        document["incidents"][0]["description"] = marker
    elif where == "key":
        document["victim"]["contact"][marker] = "x"
    return json.dumps(document).replace(marker, "\\ud800x").encode()


@pytest.mark.parametrize("where", ["victim.name", "impact", "incidents[0].description", "key"])
async def test_a_lone_surrogate_anywhere_is_refused_not_a_crash(launch, http, where):
    service = await launch(worker=False)
    status, kind, text = await post_raw(service, http, surrogate_in(where))
    assert (status, kind) == (422, "application/json")
    error = json.loads(text)["errors"][0]
    assert "not valid Unicode" in error["message"]
    assert error["field"].startswith(where if where != "key" else "victim.contact")
    assert stored(service.store) == (0, 0)


@pytest.mark.parametrize("body", [
    b"[" * 1000 + b"]" * 1000,
    b'{"a":' * 1000 + b"1" + b"}" * 1000,
    b"[" * 100000,
    b'{"schema_version": "1", "victim": ' + b"[" * 20 + b"]" * 20 + b"}",
])
async def test_deep_nesting_is_a_bad_request(launch, http, body):
    service = await launch(worker=False)
    status, kind, text = await post_raw(service, http, body)
    assert (status, kind) == (400, "application/json")
    assert "nested" in text or "not valid JSON" in text


@pytest.mark.parametrize("body", [
    b'{"impact": NaN}', b'{"impact": Infinity}', b'{"n": ' + b"9" * 5000 + b"}", b"",
    b"\xef\xbb\xbf{}", b"\x00",
])
async def test_what_json_cannot_carry_faithfully_is_a_bad_request(launch, http, body):
    service = await launch(worker=False)
    status, kind, _ = await post_raw(service, http, body)
    assert (status, kind) == (400, "application/json")


@pytest.mark.parametrize("key", ["a" * 201, "with space", "tab\tkey", "ключ"])
async def test_a_key_that_is_not_visible_ascii_is_refused(launch, http, key):
    service = await launch(worker=False)
    headers = service.headers() | {"Idempotency-Key": key.encode("utf-8").decode("latin-1")}
    status, body = await service.submit(http, example_application(), headers=headers)
    assert status == 400 and body["errors"][0]["field"] == "Idempotency-Key"


async def test_no_way_to_contact_anyone_is_refused(launch, http):
    service = await launch(worker=False)
    document = example_application()
    document["victim"]["address"] = None
    document["victim"]["contact"] |= {"phone": " ", "email": None}
    document["applicant"]["contact"] = {"phone": None, "email": None}
    status, body = await service.submit(http, document)
    assert status == 422 and body["errors"][0]["field"] == "victim.contact"
    assert "no way to contact anyone" in body["errors"][0]["message"]
    document["applicant"]["contact"]["phone"] = "07700 900123"  # the applicant can be reached
    status, _ = await service.submit(http, document)
    assert status == 201


@pytest.mark.parametrize("wording", [None, "", "   ", "missing"])
async def test_consent_given_needs_the_words_shown(launch, http, wording):
    service = await launch(worker=False)
    document = example_application()
    if wording == "missing":
        del document["consent"]["wording"]
    else:
        document["consent"]["wording"] = wording
    status, body = await service.submit(http, document)
    assert status == 422
    assert [error["field"] for error in body["errors"]] == ["consent.wording"]


@pytest.mark.parametrize("given_at, message", [
    ("2026-03-11T00:30:00+00:00", "is in the future"),
    ("2099-01-01T10:00:00+00:00", "is in the future"),
    ("1970-01-01T00:00:00+00:00", "is before 2014"),
    ("0001-01-01T00:00:00+01:00", ""),
    ("9999-12-31T23:59:59-01:00", ""),
])
async def test_an_impossible_consent_time_is_refused(launch, http, given_at, message):
    service = await launch(worker=False)
    document = example_application()
    document["consent"]["given_at"] = given_at
    status, body = await service.submit(http, document)
    assert status == 422 and body["errors"][0]["field"] == "consent.given_at"
    assert message in body["errors"][0]["message"]


async def test_absurd_incident_dates_are_refused(launch, http):
    service = await launch(worker=False)
    document = example_application()
    document["incidents"][0].update(occurred_on="0001-01-01", reported_on="0001-01-02")
    status, body = await service.submit(http, document)
    assert status == 422 and body["errors"][0]["field"].startswith("incidents[0]")


async def test_a_token_that_is_not_text_is_401_not_a_crash(launch):
    service = await launch(worker=False)
    port = int(service.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /api/v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe"
                 b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                 b"Connection: close\r\n\r\n{}")
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:100]


async def test_a_large_application_is_checked_off_the_event_loop_and_stored(launch, http):
    service = await launch(worker=False)
    document = example_application()
    document["incidents"] = [
        {"occurred_on": "2026-02-01", "reported_on": "2026-02-01", "reported_to": ["housing"]}
    ] * 2000  # about 180 kB: checked on a thread
    checking = asyncio.create_task(service.submit(http, document))
    async with http.get(f"{service.url}/healthz") as response:  # answered meanwhile
        assert response.status == 200
    status, body = await checking
    assert status == 201
    assert len(service.store.application(body["reference"])["document"]["incidents"]) == 2000
