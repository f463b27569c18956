"""GET /metrics scraped from a running service after real intake requests and real deliveries
to a webhook receiver: the counters move, and no label holds what an applicant wrote."""

from __future__ import annotations

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.handoff.handoff_parts import (
    Receiver,
    application_in,
    eventually,
    example_application,
    make_deployment,
)

pytestmark = pytest.mark.integration


def webhook(receiver: Receiver) -> dict:
    return {"webhook": {"url": receiver.url, "secret_env": "TEST_AGENCY_WEBHOOK_SECRET"}}


async def scrape(http: aiohttp.ClientSession, url: str) -> tuple[str, dict]:
    """The exposition text and its samples as {(name, sorted labels): value}."""
    async with http.get(f"{url}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    return text, samples


def delivered(service, references) -> bool:
    return all(d["state"] == "delivered" for r in references
               for d in service.store.deliveries_of(r))


async def test_intake_storage_and_deliveries_are_counted(launch, http, receiver):
    receiver.fail_next = 1  # the first attempt fails and is retried
    await receiver.start()
    service = await launch(make_deployment(delivery=webhook(receiver)))
    _, before = await scrape(http, service.url)
    assert before[("handoff_deliveries", (("state", "pending"),))] == 0
    english = example_application()
    status, first = await service.submit(http, english, key="conversation-en")
    assert status == 201
    await eventually(lambda: delivered(service, [first["reference"]]))
    status, second = await service.submit(http, application_in("pl"), key="conversation-pl")
    assert status == 201
    assert (await service.submit(http, english, key="conversation-en"))[0] == 200  # a replay
    assert (await service.submit(http, "{not json", key="broken"))[0] == 400
    await eventually(lambda: delivered(service, [first["reference"], second["reference"]]))

    text, after = await scrape(http, service.url)
    assert after[("handoff_applications_stored_total", (("language", "en"),))] == 1
    assert after[("handoff_applications_stored_total", (("language", "pl"),))] == 1
    assert after[("handoff_intake_seconds_count", (("status", "201"),))] == 2
    assert after[("handoff_intake_seconds_count", (("status", "200"),))] == 1
    assert after[("handoff_intake_seconds_count", (("status", "400"),))] == 1
    assert after[("handoff_intake_seconds_sum", (("status", "201"),))] > 0
    attempts = "handoff_delivery_attempts_total"
    assert after[(attempts, (("channel", "webhook"), ("outcome", "retried")))] == 1
    assert after[(attempts, (("channel", "webhook"), ("outcome", "delivered")))] == 2
    assert after[("handoff_deliveries", (("state", "delivered"),))] == 2
    assert after[("handoff_deliveries", (("state", "pending"),))] == 0
    assert after[("handoff_database_up", ())] == 1
    for personal in (english["victim"]["name"], english["impact"], first["reference"]):
        assert personal not in text


async def test_a_delivery_out_of_retries_is_counted_failed(launch, http, receiver):
    receiver.fail_next = 1000
    await receiver.start()
    settings = {"delivery": {"max_attempts": 2}}
    service = await launch(make_deployment(handoff=settings, delivery=webhook(receiver)))
    status, body = await service.submit(http, example_application())
    assert status == 201
    await eventually(lambda: [d["state"] for d in service.store.deliveries_of(
        body["reference"])] == ["failed"])
    _, samples = await scrape(http, service.url)
    attempts = "handoff_delivery_attempts_total"
    assert samples[(attempts, (("channel", "webhook"), ("outcome", "retried")))] == 1
    assert samples[(attempts, (("channel", "webhook"), ("outcome", "failed")))] == 1
    assert samples[("handoff_deliveries", (("state", "failed"),))] == 1
