"""The intake API over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from handoff_parts import database_down, example_application, make_deployment, start_service
from sqlalchemy import func, select

from eligibility import add_working_days, check
from handoff.reference import is_valid
from handoff.store import Store, applications, deliveries

pytestmark = pytest.mark.integration
TODAY = "2026-03-10"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("ASB_TODAY", TODAY)


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
        {"applied_on": TODAY, "vulnerable": True,
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
    store.create_schema()
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
        async with http.get(f"{service.url}/healthz") as response:
            assert response.status == 503
    assert stored(service.store) == (0, 0)
    status, body = await service.submit(http, example_application(), key="conversation-1")
    assert status == 201
    assert stored(service.store) == (1, 0)
    async with http.get(f"{service.url}/healthz") as response:
        assert response.status == 200 and (await response.json()) == {"status": "ok"}
