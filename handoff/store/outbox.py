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
        """Deliveries due now, each leased to the caller and its attempt counted."""
        free = or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until <= now)
        claimed = []
        with self._writing.begin() as conn:
            rows = conn.execute(
                select(deliveries.c.id, deliveries.c.channel, deliveries.c.attempts,
                       applications.c.reference, applications.c.area_id,
                       applications.c.document)
                .join(applications, applications.c.id == deliveries.c.application_id)
                .where(deliveries.c.state == "pending", deliveries.c.next_attempt_at <= now, free)
                .order_by(deliveries.c.next_attempt_at).limit(limit)
            ).all()
            for row in rows:
                done = conn.execute(
                    deliveries.update()
                    .where(deliveries.c.id == row.id, deliveries.c.state == "pending", free)
                    .values(lease_until=now + lease, attempts=deliveries.c.attempts + 1)
                )
                if done.rowcount == 1:
                    item = dict(row._mapping)
                    item["attempts"] += 1
                    claimed.append(item)
        return claimed

    def delivered(self, delivery_id: int, now: float) -> None:
        with self._writing.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(
                state="delivered", delivered_at=now, lease_until=None, last_error=None))

    def attempt_failed(
        self, delivery_id: int, error: str, next_attempt_at: float | None
    ) -> None:
        """Record a failed attempt: try again at `next_attempt_at`, or keep it as failed."""
        values: dict[str, Any] = {"last_error": error[:500], "lease_until": None}
        if next_attempt_at is None:
            values["state"] = "failed"
        else:
            values["next_attempt_at"] = next_attempt_at
        with self._writing.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(**values))

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
