"""The delivery outbox: claiming what is due (leased, so a process that dies lets go of it),
recording each attempt, retrying a failed delivery, and what the inbox shows of it."""

from __future__ import annotations

import json

from sqlalchemy import select

from handoff.store import leases
from handoff.store.tables import applications, audit, deliveries

# What a claim reads of each delivery: enough to send it.
_DUE = select(
    deliveries.c.id, deliveries.c.channel, deliveries.c.attempts, applications.c.reference,
    applications.c.area_id, applications.c.document,
).join(applications, applications.c.id == deliveries.c.application_id)


class Outbox:
    """Mixed into Store: needs `engine`, `_writing` and `_app_id`."""

    def claim_due(self, now: float, lease: float, limit: int = 20) -> list[dict]:
        """Deliveries due now, each leased to the caller (see leases.claim)."""
        return leases.claim(self._writing, deliveries, _DUE, now, lease, limit)

    def delivered(self, delivery_id: int, now: float, lease_until: float | None = None) -> bool:
        """Record the delivery as made; False when the caller's lease had run out."""
        return leases.delivered(self._writing, deliveries, delivery_id, now, lease_until)

    def attempt_failed(
        self, delivery_id: int, error: str, next_attempt_at: float | None,
        lease_until: float | None = None,
    ) -> bool:
        """Record a failed attempt (see leases.attempt_failed); False when the lease ran out."""
        return leases.attempt_failed(self._writing, deliveries, delivery_id, error,
                                     next_attempt_at, lease_until)

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
