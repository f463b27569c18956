"""The escalation requests' part of the store on SQLite and PostgreSQL: one request per
application, and its outbox claimed and settled with the same leases as the applications'."""

from __future__ import annotations

import time

import pytest

from handoff.store import AlreadyEscalated, EscalationOutbox
from tests.handoff.handoff_parts import at_once, submit


def escalate(store, application: str, key: str, channels=("webhook", "email")) -> dict:
    document = {"reference": f"ESC-2026-{key.upper():0>7}"[:16], "requested_at":
                "2026-03-20T10:00:00+00:00", "route": {"route": "lead_agency"},
                "grounds": [{"code": "A"}]}
    return store.store_escalation(application, key, "hash-" + key, document, list(channels),
                                  time.time())


def test_one_escalation_per_application_and_the_same_key_answers_again(store):
    application = submit(store, "k1").reference
    first = escalate(store, application, "e1")
    assert first["created"]
    assert escalate(store, application, "e1")["created"] is False
    with pytest.raises(AlreadyEscalated):
        escalate(store, application, "e2")
    found = store.case(application)
    assert found["escalation"]["reference"] == first["reference"]
    assert found["status"] == "escalated"
    assert [d["channel"] for d in store.escalation(first["reference"])["deliveries"]] == [
        "webhook", "email"]


def test_escalation_workers_claiming_at_once_never_claim_the_same_delivery(store):
    for number in range(15):
        escalate(store, submit(store, f"k{number}").reference, f"e{number}")  # 30 deliveries
    outbox, now = EscalationOutbox(store), time.time()

    def worker() -> list[int]:
        claimed = []
        while batch := outbox.claim_due(now, lease=60, limit=4):
            claimed += [item["id"] for item in batch]
        return claimed

    claims, errors = at_once(worker, 5)
    assert errors == []
    claimed = [delivery for batch in claims for delivery in batch]
    assert len(claimed) == len(set(claimed)) == 30


def test_only_the_holder_of_an_escalation_lease_records_the_attempt(store):
    escalated = escalate(store, submit(store, "k1").reference, "e1", channels=["webhook"])
    outbox, now = EscalationOutbox(store), time.time()
    (first,) = outbox.claim_due(now, lease=30)
    assert (first["reference"], first["route"], first["attempts"]) == (
        escalated["reference"], "lead_agency", 1)
    (second,) = outbox.claim_due(now + 31, lease=30)  # the first holder was too slow
    assert not outbox.delivered(first["id"], now + 32, first["lease_until"])
    assert not outbox.attempt_failed(first["id"], "late", None, first["lease_until"])
    assert outbox.attempt_failed(second["id"], "refused", None, second["lease_until"])
    (delivery,) = store.escalation(escalated["reference"])["deliveries"]
    assert (delivery["state"], delivery["attempts"], delivery["last_error"]) == (
        "failed", 2, "refused")
