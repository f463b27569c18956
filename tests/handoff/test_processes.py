"""Two handoff processes on one PostgreSQL: both take applications (the same idempotency key sent
to both at once is one application), each application reaches the agency exactly once, and when
one process is killed (SIGKILL) mid-delivery the other finishes its work: what the dead one was
sending is sent again under the same Idempotency-Key, nothing else twice, nothing lost."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from tests.handoff.handoff_parts import (
    Agency,
    all_delivered,
    eventually,
    example_application,
    make_deployment,
    serve_process,
)

pytestmark = pytest.mark.integration


async def submit(http, service, document: dict, key: str) -> str:
    async with http.post(f"{service.url}/api/v1/applications", json=document, headers={
            "Authorization": f"Bearer {service.token}", "Idempotency-Key": key}) as response:
        assert response.status in (200, 201), await response.text()
        return (await response.json())["reference"]


async def submit_many(http, services: list, count: int) -> dict[str, str]:
    """`count` applications, taken in turn by each service, all at once: {key: reference}."""
    keys = [uuid.uuid4().hex for _ in range(count)]
    references = await asyncio.gather(*(
        submit(http, services[i % len(services)], example_application(), key)
        for i, key in enumerate(keys)))
    return dict(zip(keys, references, strict=True))


async def test_two_processes_deliver_each_application_once_even_when_one_is_killed(
    postgres, tmp_path: Path
):
    name = "t_" + uuid.uuid4().hex[:12]
    postgres.admin(f"CREATE DATABASE {name}")
    url = postgres.url(name)
    agency = Agency(secret=b"")
    await agency.start()
    deployment = make_deployment(
        # A lease and a timeout well above the agency's 1.5 s, so a slow machine never makes
        # a send time out (and go a third time); only the killed process's claims are retried.
        handoff={"delivery": {"lease_seconds": 10, "timeout_seconds": 8}},
        delivery={"webhook": {"url": agency.url, "secret_env": "TEST_AGENCY_WEBHOOK_SECRET"}})
    env = {"ASB_HANDOFF_INTAKE_TOKEN": uuid.uuid4().hex, "ASB_HANDOFF_DATABASE_URL": url,
           "TEST_AGENCY_WEBHOOK_SECRET": uuid.uuid4().hex}
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    # Both start at once on an empty database: both migrate, one after the other.
    a, b = await asyncio.gather(serve_process(deployment, tmp_path / "a", env),
                                serve_process(deployment, tmp_path / "b", env))
    agency.senders = {"a": a.process.pid, "b": b.process.pid}
    try:
        async with aiohttp.ClientSession() as http:
            taken = await submit_many(http, [a, b], 100)
            # The same conversation sent to both processes at once: one application.
            for _ in range(10):
                key = uuid.uuid4().hex
                document = example_application()
                one, two = await asyncio.gather(submit(http, a, document, key),
                                                submit(http, b, document, key))
                assert one == two
                taken[key] = one
            assert len(set(taken.values())) == 110
            await eventually(lambda: all_delivered(url, taken.values()), timeout=60, every=0.5)
            assert Counter(key for key, _ in agency.sent) == Counter(set(taken.values()))
            assert {sender for _, sender in agency.sent} == {"a", "b"}  # both delivered

            # Now one process is killed while the agency is handling its requests.
            agency.delay = 1.5
            before = len(agency.sent)
            more = await submit_many(http, [a, b], 60)
            await eventually(lambda: agency.in_flight["a"] > 0, timeout=30)
            a.kill()
            killed_at = len(agency.sent)
            await eventually(lambda: all_delivered(url, more.values()), timeout=90, every=0.5)
            # A little longer: anything sent twice late would show.
            await asyncio.sleep(deployment.handoff.delivery.lease_seconds + 1)
    finally:
        a.stop()
        b.stop()
        await agency.stop()
        postgres.admin(f"DROP DATABASE {name} WITH (FORCE)")

    sent = agency.sent[before:]
    assert set(agency.accepted) == set(taken.values()) | set(more.values())  # none lost
    counts = Counter(key for key, _ in sent)
    again = {key for key, count in counts.items() if count > 1}
    # Sent twice only what the killed process was sending (the same Idempotency-Key), and
    # only once more, by the process that lived; nothing the living process sent was repeated.
    assert all(agency.accepted[key] == "a" and counts[key] == 2 for key in again), counts
    assert all(sender == "b" for key, sender in sent[killed_at:])
    assert len(again) <= 20  # at most one claim's worth (claim_due's limit)
    repeats = [key for key, sender in sent if key in again and sender == "b"]
    assert sorted(repeats) == sorted(again)
