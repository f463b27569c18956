"""The store on SQLite and on PostgreSQL: the same tests run on both (the `database` fixture)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from handoff.reference import is_valid
from handoff.store import (
    KeyReused,
    Store,
    StoreUnavailable,
    applications,
    audit,
    deliveries,
)
from tests.handoff.handoff_parts import (
    SUBMITTED,
    at_once,
    database_down,
    other,
    submission,
    submit,
)


def count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_an_application_and_its_deliveries_are_stored_together(store):
    first = submit(store, "conversation-1")
    assert first.created and is_valid(first.reference)
    stored = store.application(first.reference)
    assert stored["document"]["reference"] == first.reference
    assert stored["document"]["deadlines"] == first.deadlines
    assert stored["status"] == "new" and stored["area_id"] == "anytown"
    assert [d["channel"] for d in store.deliveries_of(first.reference)] == ["webhook", "email"]
    assert [entry["action"] for entry in stored["audit"]] == ["received"]


def test_the_same_key_gives_the_same_reference_and_one_application(store):
    first = submit(store, "conversation-1")
    again = submit(store, "conversation-1")
    assert not again.created
    assert again.to_json() == first.to_json()
    assert count(store, applications) == 1 and count(store, deliveries) == 2


def test_concurrent_submissions_of_one_conversation_store_one_application(store):
    results, errors = at_once(lambda: submit(store, "same-conversation"), 8)
    assert not errors
    assert len({r.reference for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert count(store, applications) == 1 and count(store, deliveries) == 2


def test_a_batch_commits_together_and_a_failing_application_leaves_nothing(store):
    broken = submission("broken", channels=["webhook", None])  # its second delivery row fails
    first, failed, third, again = store.submit_many(
        [submission("one"), broken, submission("three"), submission("one")])
    assert first.created and third.created and not again.created
    assert again.to_json() == first.to_json()
    assert isinstance(failed, Exception)
    assert count(store, applications) == 2 and count(store, deliveries) == 4
    assert count(store, audit) == 2
    assert store.find_submission("broken") is None


def test_a_key_reused_for_another_application_is_refused_in_the_database_and_the_batch(store):
    first = submit(store, "k1")
    with pytest.raises(KeyReused):
        store.submit(other("k1"))
    one, clash, earlier_clash = store.submit_many([submission("k2"), other("k2"), other("k1")])
    assert one.created
    assert isinstance(clash, KeyReused) and isinstance(earlier_clash, KeyReused)
    assert store.find_submission("k1").reference == first.reference
    assert count(store, applications) == 2 and count(store, deliveries) == 4


def test_one_key_raced_with_two_bodies_stores_one_and_refuses_the_other(store):
    results, errors = [], []

    def go(made):
        try:
            results.append(store.submit(made))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(submission("raced") if i % 2 else
                                                  other("raced"),)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(store, applications) == 1
    assert sum(r.created for r in results) == 1 and len({r.reference for r in results}) == 1
    assert len(results) == 6 and len(errors) == 6  # the winner's body six times, the other not
    assert all(isinstance(error, KeyReused) for error in errors)


def test_one_conversation_twice_in_one_batch_is_one_application(store):
    before = submit(store, "earlier")
    first, again, earlier = store.submit_many(
        [submission("a"), submission("a"), submission("earlier")])
    assert first.created and not again.created and not earlier.created
    assert again.to_json() == first.to_json() and earlier.to_json() == before.to_json()
    assert count(store, applications) == 2 and count(store, deliveries) == 4
    assert count(store, audit) == 2


async def test_submissions_from_the_event_loop_are_grouped_and_each_answered(store):
    keys = [f"conversation-{i}" for i in range(30)] + ["conversation-0"]
    results = await asyncio.gather(*(store.submit_async(submission(key)) for key in keys))
    assert sum(result.created for result in results) == 30
    assert results[-1].to_json() == results[0].to_json()
    assert count(store, applications) == 30
    with pytest.raises(RuntimeError):
        await store.submit_async(submission("broken", channels=[None]))


def test_a_claimed_delivery_is_leased_and_counted(store):
    submit(store, "c1", channels=["webhook"])
    now = time.time()
    claimed = store.claim_due(now, lease=30)
    assert [(c["channel"], c["attempts"]) for c in claimed] == [("webhook", 1)]
    assert json.loads(claimed[0]["document"])["reference"] == claimed[0]["reference"]
    assert store.claim_due(now + 1, lease=30) == []  # leased to the first caller
    again = store.claim_due(now + 31, lease=30)  # the lease ran out: the caller died
    assert [(c["id"], c["attempts"]) for c in again] == [(claimed[0]["id"], 2)]


def test_workers_claiming_at_once_never_claim_the_same_delivery(store):
    submitted = store.submit_many([submission(f"k{i}") for i in range(40)])  # 80 deliveries
    now = time.time()

    def worker() -> list[int]:
        claimed = []
        while batch := store.claim_due(now, lease=60, limit=7):
            claimed += [item["id"] for item in batch]
        return claimed

    claims, errors = at_once(worker, 6)
    assert errors == []
    claimed = [delivery for batch in claims for delivery in batch]
    assert len(claimed) == len(set(claimed)) == 2 * len(submitted)


def test_only_the_holder_of_a_lease_records_the_attempt(store):
    submit(store, "k1", channels=["webhook"])
    now = time.time()
    (first,) = store.claim_due(now, lease=30)
    (second,) = store.claim_due(now + 31, lease=30)  # the first holder was too slow
    assert not store.delivered(first["id"], now + 32, first["lease_until"])
    assert not store.attempt_failed(first["id"], "late", now + 40, first["lease_until"])
    assert store.delivered(second["id"], now + 33, second["lease_until"])
    (delivery,) = store.deliveries_of(first["reference"])
    assert (delivery["state"], delivery["attempts"], delivery["last_error"]) == (
        "delivered", 2, None)


def test_failed_attempts_wait_then_give_up_then_a_caseworker_retries(store):
    first = submit(store, "c1", channels=["email"])
    now = time.time()
    (item,) = store.claim_due(now, lease=30)
    store.attempt_failed(item["id"], "the mail server refused", now + 60)
    assert store.claim_due(now + 59, lease=30) == []
    (item,) = store.claim_due(now + 61, lease=30)
    store.attempt_failed(item["id"], "the mail server refused", None)
    assert store.claim_due(now + 10_000, lease=30) == []
    (failed,) = store.failed_deliveries()
    assert (failed["reference"], failed["attempts"]) == (first.reference, 2)
    assert store.retry_delivery(first.reference, item["id"], "casey", "2026-03-11T09:00:00+00:00",
                                now + 100)
    assert not store.retry_delivery(first.reference, item["id"], "casey", "x", now + 100)
    (item,) = store.claim_due(now + 100, lease=30)
    assert item["attempts"] == 1  # a fresh budget
    store.delivered(item["id"], now + 101)
    assert store.deliveries_of(first.reference)[0]["state"] == "delivered"
    assert store.application(first.reference)["audit"][-1]["action"] == "delivery_retried"


def test_outcomes_are_recorded_with_an_audit_trail(store):
    reference = submit(store, "c1").reference
    changes = store.record_outcome(
        reference, {"threshold_met": True, "threshold_reason": "Three reports",
                    "threshold_decided_on": date(2026, 3, 12)},
        "casey", "2026-03-12T10:00:00+00:00",
    )
    assert changes == {"threshold_met": [None, True], "threshold_reason": [None, "Three reports"],
                       "threshold_decided_on": [None, "2026-03-12"]}
    assert store.record_outcome(reference, {"threshold_met": True}, "casey", "x") == {}
    store.record_outcome(reference, {"review_held_on": date(2026, 4, 1)}, "robin",
                         "2026-04-01T16:00:00+00:00")
    stored = store.application(reference)
    assert stored["status"] == "review_held"
    assert [(e["actor"], e["action"]) for e in stored["audit"]] == [
        ("assistant", "received"), ("casey", "outcome_recorded"), ("robin", "outcome_recorded")]
    assert stored["audit"][2]["detail"] == {"review_held_on": [None, "2026-04-01"]}
    assert store.record_outcome("ASB-2026-AAAAAA", {}, "casey", "x") is None


def test_list_new_first_with_filters(store):
    refs = [submit(store, f"c{i}").reference for i in range(3)]
    store.record_outcome(refs[1], {"threshold_met": False, "threshold_reason": "r"}, "c", "x")
    listed = store.list_applications()
    assert [row["reference"] for row in listed] == refs[::-1]
    assert [r["reference"] for r in store.list_applications(status="threshold_not_met")] == [
        refs[1]]
    assert store.list_applications(area_id="othertown") == []


def test_figures_count_by_the_dates_of_each_event(store):
    march, april = datetime(2026, 3, 10, tzinfo=timezone.utc), datetime(
        2026, 4, 2, tzinfo=timezone.utc)
    a = submit(store, "a", when=march).reference
    b = submit(store, "b", when=march).reference
    c = submit(store, "c", when=april).reference
    store.record_outcome(a, {"threshold_met": False, "threshold_reason": "r",
                             "threshold_decided_on": date(2026, 3, 20)}, "c", "x")
    store.record_outcome(b, {"threshold_met": True, "threshold_reason": "r",
                             "threshold_decided_on": date(2026, 3, 20),
                             "review_held_on": date(2026, 4, 10),
                             "recommendations_made": True}, "c", "x")
    store.record_outcome(c, {"escalated_on": date(2026, 4, 20)}, "c", "x")
    in_march = store.figures(date(2026, 3, 1), date(2026, 3, 31))
    assert in_march == {"anytown": {"received": 2, "threshold_not_met": 1, "reviews": 0,
                                    "reviews_with_recommendations": 0, "escalations": 0}}
    in_april = store.figures(date(2026, 4, 1), date(2026, 4, 30), "anytown")
    assert in_april == {"anytown": {"received": 1, "threshold_not_met": 0, "reviews": 1,
                                    "reviews_with_recommendations": 1, "escalations": 1}}
    assert store.figures(date(2026, 4, 1), date(2026, 4, 30), "othertown") == {}


def test_retention_erases_personal_data_but_keeps_the_figures(store):
    old = submit(store, "old", channels=["webhook"]).reference
    waiting = submit(store, "waiting", channels=["webhook"]).reference
    store.record_outcome(old, {"threshold_met": False, "threshold_reason": "Alex said so"},
                         "casey", "x")
    for item in store.claim_due(time.time(), 30):
        if item["reference"] == old:
            store.delivered(item["id"], time.time())
    before = store.figures(date(2026, 1, 1), date(2026, 12, 31))
    today = SUBMITTED.date() + timedelta(days=800)
    assert store.erase_before(SUBMITTED.date() + timedelta(days=1), today) == 1
    erased = store.application(old)
    assert erased["document"] is None and erased["threshold_reason"] is None
    assert erased["erased_on"] == today
    assert "Alex" not in json.dumps(erased["audit"])
    assert erased["search_text"] is None and erased["language"] == "en"
    # The names and postcode cannot be searched for any more; the one still held can.
    assert [row["reference"] for row in store.list_applications(person="alex example")] == [
        waiting]
    assert store.application(waiting)["document"] is not None  # still to be delivered
    assert store.figures(date(2026, 1, 1), date(2026, 12, 31)) == before


def test_users_and_sessions(store):
    store.add_user("casey", "hash-1", "2026-03-10T09:00:00+00:00")
    assert store.user("casey")["password_hash"] == "hash-1"
    assert store.set_password("casey", "hash-2") and not store.set_password("nobody", "h")
    user_id = store.user("casey")["id"]
    store.start_session("t" * 64, user_id, "csrf-token", expires_at=time.time() + 60)
    assert store.session("t" * 64, time.time()) == {
        "csrf": "csrf-token", "user_id": user_id, "username": "casey", "role": "caseworker"}
    assert store.session("t" * 64, time.time() + 61) is None
    store.end_session("t" * 64, time.time())
    assert store.session("t" * 64, time.time()) is None


async def test_an_unavailable_database_is_reported_and_nothing_is_half_written(database):
    store = Store(database.url, busy_timeout=0.3)
    store.migrate()
    try:
        with database_down(database):
            with pytest.raises(StoreUnavailable):
                await store.run(submit, store, "c1")
        assert count(store, applications) == 0 and count(store, deliveries) == 0
        assert submit(store, "c1").created  # the caller can retry
        assert count(store, applications) == 1 and count(store, deliveries) == 2
    finally:
        store.close()


def test_sign_in_attempts_are_counted_per_account_and_address_and_leave_the_window(store):
    window = 900.0

    def begin(account, address, at):
        return store.begin_sign_in(account, address, at, window, 5, 20)

    for second in range(5):
        attempt, wait = begin("acct-a", "addr-1", 1000.0 + second)
        assert attempt is not None and wait == 0
        store.end_sign_in(attempt, False, "acct-a")
    attempt, wait = begin("acct-a", "addr-2", 1010.0)  # another address: still the account
    assert attempt is None and wait == 1000.0 + window - 1010.0
    attempt, _ = begin("acct-b", "addr-1", 1010.0)  # another account at that address: fine
    assert attempt is not None
    store.end_sign_in(attempt, True, "acct-b")
    # Once the first failure is older than the window, one more attempt is allowed.
    attempt, _ = begin("acct-a", "addr-1", 1000.0 + window + 0.5)
    assert attempt is not None
    store.end_sign_in(attempt, True, "acct-a")  # and a success forgets the rest
    for second in range(4):
        attempt, _ = begin("acct-a", "addr-1", 2000.0 + second)
        assert attempt is not None
        store.end_sign_in(attempt, False, "acct-a")
    # The address: twenty failures over several accounts, then nobody there.
    for number in range(16):
        attempt, _ = begin(f"acct-{number}", "addr-3", 2100.0)
        store.end_sign_in(attempt, False, f"acct-{number}")
    assert begin("acct-x", "addr-3", 2101.0)[0] is not None  # the 17th... up to the 20th
    assert begin("acct-y", "addr-3", 2101.0)[0] is not None
    assert begin("acct-z", "addr-3", 2101.0)[0] is not None
    assert begin("acct-w", "addr-3", 2101.0)[0] is not None
    assert begin("acct-v", "addr-3", 2101.0) == (None, 2100.0 + window - 2101.0)
