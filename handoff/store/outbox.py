"""The delivery outbox: claiming what is due (leased, so a process that dies lets go of it),
recording each attempt, retrying a failed delivery, and what the inbox shows of it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select

from handoff.store.tables import applications, audit, deliveries


class Outbox:
    """Mixed into Store: needs `engine`, `_writing` and `_app_id`."""

    def claim_due(self, now: float, lease: float, limit: int = 20) -> list[dict]:
        """Deliveries due now, each leased to the caller until `now + lease` (its
        `lease_until`) and its attempt counted. Safe across processes: on PostgreSQL the rows
        are locked as they are read and rows another claim holds are skipped (FOR UPDATE SKIP
        LOCKED), so two workers never claim one delivery; SQLite takes one writer at a time."""
        free = or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until <= now)
        lease_until = now + lease
        with self._writing.begin() as conn:
            rows = conn.execute(
                select(deliveries.c.id, deliveries.c.channel, deliveries.c.attempts,
                       applications.c.reference, applications.c.area_id,
                       applications.c.document)
                .join(applications, applications.c.id == deliveries.c.application_id)
                .where(deliveries.c.state == "pending", deliveries.c.next_attempt_at <= now, free)
                .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit)
                .with_for_update(of=deliveries, skip_locked=True)
            ).all()
            if rows:
                conn.execute(
                    deliveries.update().where(deliveries.c.id.in_([row.id for row in rows]))
                    .values(lease_until=lease_until, attempts=deliveries.c.attempts + 1))
        return [dict(row._mapping, attempts=row.attempts + 1, lease_until=lease_until)
                for row in rows]

    @staticmethod
    def _leased(delivery_id: int, lease_until: float | None):
        """The delivery, if the caller still holds its lease (`lease_until` as claimed; None:
        whoever holds it)."""
        held = deliveries.c.id == delivery_id
        return held if lease_until is None else held & (deliveries.c.lease_until == lease_until)

    def delivered(self, delivery_id: int, now: float, lease_until: float | None = None) -> bool:
        """Record the delivery as made; False when the caller's lease had run out and another
        claim took it (that claim records its own attempt)."""
        with self._writing.begin() as conn:
            done = conn.execute(deliveries.update().where(
                self._leased(delivery_id, lease_until)).values(
                state="delivered", delivered_at=now, lease_until=None, last_error=None))
        return done.rowcount == 1

    def attempt_failed(
        self, delivery_id: int, error: str, next_attempt_at: float | None,
        lease_until: float | None = None,
    ) -> bool:
        """Record a failed attempt: try again at `next_attempt_at`, or keep it as failed. False
        when the caller's lease had run out and another claim took it."""
        values: dict[str, Any] = {"last_error": error[:500], "lease_until": None}
        if next_attempt_at is None:
            values["state"] = "failed"
        else:
            values["next_attempt_at"] = next_attempt_at
        with self._writing.begin() as conn:
            done = conn.execute(deliveries.update().where(
                self._leased(delivery_id, lease_until)).values(**values))
        return done.rowcount == 1

    def retry_delivery(self, reference: str, delivery_id: int, actor: str, at: str,
                       now: float) -> bool:
        """A caseworker asks for a failed delivery to be tried again (with a fresh budget)."""
        with self._writing.begin() as conn:
            app_id = self._app_id(conn, reference)
            done = conn.execute(
                deliveries.update().where(
                    deliveries.c.id == delivery_id, deliveries.c.application_id == app_id,
                    deliveries.c.state == "failed",
                ).values(state="pending", attempts=0, next_attempt_at=now, lease_until=None)
            )
            if done.rowcount != 1:
                return False
            channel = conn.execute(
                select(deliveries.c.channel).where(deliveries.c.id == delivery_id)).scalar_one()
            conn.execute(audit.insert().values(
                application_id=app_id, at=at, actor=actor, action="delivery_retried",
                detail=json.dumps({"channel": channel})))
        return True

    def deliveries_of(self, reference: str) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deliveries).join(
                    applications, applications.c.id == deliveries.c.application_id
                ).where(applications.c.reference == reference).order_by(deliveries.c.id)
            ).all()
        return [dict(row._mapping) for row in rows]

    def failed_deliveries(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deliveries.c.id, deliveries.c.channel, deliveries.c.last_error,
                       deliveries.c.attempts, applications.c.reference)
                .join(applications, applications.c.id == deliveries.c.application_id)
                .where(deliveries.c.state == "failed").order_by(deliveries.c.id)
            ).all()
        return [dict(row._mapping) for row in rows]
