"""Escalation requests: storing one with its deliveries queued and its application marked
escalated, reading one back with its deliveries (the evidence pack shows them), and listing
them (the inbox's list of escalations)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from handoff.store.tables import applications, audit, escalation_deliveries, escalations


class AlreadyEscalated(ValueError):
    """The application has an escalation request already (another key)."""


def _escalation_row(row) -> dict:
    out = dict(row._mapping)
    out["document"] = json.loads(row.document) if row.document else None
    return out


class Escalations:
    """Mixed into Store: needs `engine` and `_writing`."""

    def store_escalation(self, application_reference: str, key: str, body_hash: str,
                         document: dict, channels: list[str], now: float,
                         actor: str = "applicant") -> dict:
        """Store the request, queue its deliveries, mark the application escalated (the
        statutory figures count it) and write the audit entry (by `actor`): one transaction.
        The same key again returns the first request; another request for the same application
        raises AlreadyEscalated."""
        requested_on = date.fromisoformat(document["requested_at"][:10])
        with self._writing.begin() as conn:
            app = conn.execute(select(applications.c.id, applications.c.escalated_on).where(
                applications.c.reference == application_reference)).one()
            first = conn.execute(select(escalations).where(
                or_(escalations.c.idempotency_key == key,
                    escalations.c.application_id == app.id))).first()
            if first is not None:
                if first.idempotency_key == key and first.body_hash == body_hash:
                    return _escalation_row(first) | {"created": False}
                raise AlreadyEscalated(application_reference)
            try:
                with conn.begin_nested():
                    escalation_id = conn.execute(escalations.insert().values(
                        reference=document["reference"], application_id=app.id,
                        idempotency_key=key, body_hash=body_hash,
                        requested_at=document["requested_at"], requested_on=requested_on,
                        route=document["route"]["route"],
                        document=json.dumps(document, ensure_ascii=False),
                    )).inserted_primary_key[0]
            except IntegrityError:
                raise AlreadyEscalated(application_reference) from None
            if channels:
                conn.execute(escalation_deliveries.insert(), [
                    {"escalation_id": escalation_id, "channel": channel, "state": "pending",
                     "attempts": 0, "next_attempt_at": now, "created_at": now}
                    for channel in channels])
            if app.escalated_on is None:
                conn.execute(applications.update().where(applications.c.id == app.id).values(
                    escalated_on=requested_on, status="escalated"))
            conn.execute(audit.insert().values(
                application_id=app.id, at=document["requested_at"], actor=actor,
                action="escalation_requested",
                detail=json.dumps({"escalation": document["reference"], "grounds": ", ".join(
                    ground["code"] for ground in document["grounds"])})))
        return {"reference": document["reference"], "document": document, "created": True}

    def escalation(self, reference: str) -> dict | None:
        """One escalation with its application's reference and its deliveries."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(escalations, applications.c.reference.label("application_reference"))
                .join(applications, applications.c.id == escalations.c.application_id)
                .where(escalations.c.reference == reference)).first()
            if row is None:
                return None
            out = _escalation_row(row)
            out["deliveries"] = [dict(d._mapping) for d in conn.execute(
                select(escalation_deliveries)
                .where(escalation_deliveries.c.escalation_id == row.id)
                .order_by(escalation_deliveries.c.id)).all()]
        return out

    def list_escalations(self) -> list[dict]:
        """Every escalation, newest first: its reference, day, route, and its application's
        reference and area (nothing personal)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(escalations.c.reference, escalations.c.requested_on, escalations.c.route,
                       applications.c.reference.label("application_reference"),
                       applications.c.area_id)
                .join(applications, applications.c.id == escalations.c.application_id)
                .order_by(escalations.c.id.desc())).all()
        return [dict(row._mapping) for row in rows]
