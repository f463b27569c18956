"""Leased outbox rows, for both outboxes (the applications' `deliveries` and the escalation
requests' `escalation_deliveries`, which have the same columns): claiming what is due, and
recording an attempt's result only while the caller still holds the lease."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, or_
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select


def claim(writing: Engine, table: Table, query: Select, now: float, lease: float,
          limit: int) -> list[dict]:
    """The rows `query` selects (it selects the outbox's `id` and `attempts`) that are due now,
    each leased to the caller until `now + lease` (its `lease_until`) and its attempt counted.
    Safe across processes: on PostgreSQL the rows are locked as they are read and rows another
    claim holds are skipped (FOR UPDATE SKIP LOCKED), so two workers never claim one delivery;
    SQLite takes one writer at a time."""
    c = table.c
    free = or_(c.lease_until.is_(None), c.lease_until <= now)
    lease_until = now + lease
    with writing.begin() as conn:
        rows = conn.execute(
            query.where(c.state == "pending", c.next_attempt_at <= now, free)
            .order_by(c.next_attempt_at, c.id).limit(limit)
            .with_for_update(of=table, skip_locked=True)
        ).all()
        if rows:
            conn.execute(table.update().where(c.id.in_([row.id for row in rows]))
                         .values(lease_until=lease_until, attempts=c.attempts + 1))
    return [dict(row._mapping, attempts=row.attempts + 1, lease_until=lease_until)
            for row in rows]


def _leased(table: Table, delivery_id: int, lease_until: float | None):
    """The row, if the caller still holds its lease (`lease_until` as claimed; None: whoever
    holds it)."""
    held = table.c.id == delivery_id
    return held if lease_until is None else held & (table.c.lease_until == lease_until)


def delivered(writing: Engine, table: Table, delivery_id: int, now: float,
              lease_until: float | None) -> bool:
    """Record the delivery as made; False when the caller's lease had run out and another
    claim took it (that claim records its own attempt)."""
    with writing.begin() as conn:
        done = conn.execute(table.update().where(_leased(table, delivery_id, lease_until))
                            .values(state="delivered", delivered_at=now, lease_until=None,
                                    last_error=None))
    return done.rowcount == 1


def attempt_failed(writing: Engine, table: Table, delivery_id: int, error: str,
                   next_attempt_at: float | None, lease_until: float | None) -> bool:
    """Record a failed attempt: try again at `next_attempt_at`, or keep it as failed. False
    when the caller's lease had run out and another claim took it."""
    values: dict[str, Any] = {"last_error": error[:500], "lease_until": None}
    if next_attempt_at is None:
        values["state"] = "failed"
    else:
        values["next_attempt_at"] = next_attempt_at
    with writing.begin() as conn:
        done = conn.execute(table.update().where(_leased(table, delivery_id, lease_until))
                            .values(**values))
    return done.rowcount == 1
