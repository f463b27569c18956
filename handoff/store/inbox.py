"""What the caseworker inbox reads and records: the list of applications, one application with
its audit trail, the outcome recorded against it, who opened it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select

from handoff.store.tables import applications, audit, deliveries

# What a caseworker records, in the order the form shows it.
OUTCOME_FIELDS = (
    "threshold_met", "threshold_reason", "threshold_decided_on", "review_held_on",
    "recommendations_made", "escalated_on",
)
STATUSES = ("new", "threshold_met", "threshold_not_met", "review_held", "escalated")


def status_of(outcome: dict) -> str:
    if outcome.get("escalated_on"):
        return "escalated"
    if outcome.get("review_held_on"):
        return "review_held"
    if outcome.get("threshold_met") is True:
        return "threshold_met"
    if outcome.get("threshold_met") is False:
        return "threshold_not_met"
    return "new"


class InboxQueries:
    """Mixed into Store: needs `engine` and `_writing`."""

    @staticmethod
    def _app_id(conn, reference: str) -> int | None:
        return conn.execute(
            select(applications.c.id).where(applications.c.reference == reference)
        ).scalar()

    def list_applications(
        self, area_id: str | None = None, status: str | None = None, limit: int = 50,
        offset: int = 0,
    ) -> list[dict]:
        failed = (
            select(func.count()).select_from(deliveries)
            .where(deliveries.c.application_id == applications.c.id,
                   deliveries.c.state == "failed")
            .scalar_subquery()
        )
        query = select(
            applications.c.reference, applications.c.area_id, applications.c.received_at,
            applications.c.eligibility_outcome, applications.c.status,
            applications.c.threshold_decision_due, failed.label("failed_deliveries"),
        )
        if area_id:
            query = query.where(applications.c.area_id == area_id)
        if status:
            query = query.where(applications.c.status == status)
        query = query.order_by(applications.c.id.desc()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query).all()]

    def application(self, reference: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(applications).where(applications.c.reference == reference)
            ).first()
            if row is None:
                return None
            out = dict(row._mapping)
            out["document"] = json.loads(row.document) if row.document else None
            out["audit"] = [
                dict(entry._mapping, detail=json.loads(entry.detail) if entry.detail else None)
                for entry in conn.execute(
                    select(audit.c.at, audit.c.actor, audit.c.action, audit.c.detail)
                    .where(audit.c.application_id == row.id).order_by(audit.c.id)
                ).all()
            ]
        return out

    def record_outcome(self, reference: str, outcome: dict, actor: str, at: str) -> dict | None:
        """Set the outcome fields given; record what changed in the audit trail. Returns the
        changes ({field: [before, after]}), or None when there is no such application."""
        with self._writing.begin() as conn:
            row = conn.execute(
                select(applications).where(applications.c.reference == reference)
            ).first()
            if row is None:
                return None
            before = {name: getattr(row, name) for name in OUTCOME_FIELDS}
            after = before | {k: v for k, v in outcome.items() if k in OUTCOME_FIELDS}
            changes = {
                name: [_plain(before[name]), _plain(after[name])]
                for name in OUTCOME_FIELDS if before[name] != after[name]
            }
            if changes:
                conn.execute(applications.update().where(applications.c.id == row.id).values(
                    **{name: after[name] for name in changes}, status=status_of(after)))
                conn.execute(audit.insert().values(
                    application_id=row.id, at=at, actor=actor, action="outcome_recorded",
                    detail=json.dumps(changes, ensure_ascii=False)))
        return changes

    def record_view(self, reference: str, actor: str, at: str, action: str) -> None:
        """Opening or downloading an application is recorded too (who saw personal data)."""
        with self._writing.begin() as conn:
            app_id = self._app_id(conn, reference)
            if app_id is not None:
                conn.execute(audit.insert().values(
                    application_id=app_id, at=at, actor=actor, action=action, detail=None))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
