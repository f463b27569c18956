"""What happens after applying, as stored: the review meeting and the outcome's dates, wrong
guesses at the status check, escalation requests and their delivery outbox.

The tables join the store's metadata (so `Store.create_schema` makes them and their foreign keys
reach `applications`); the functions take the store and run blocking, on its threads
(`Store.run`). Personal data stays in the documents: the guess counter keeps only SHA-256s.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError

from handoff.store import Store, applications, audit, metadata

case_progress = Table(
    "case_progress", metadata,
    Column("application_id", Integer, ForeignKey("applications.id"), primary_key=True),
    Column("review_meeting_on", Date),  # planned or held
    Column("outcome_on", Date),  # the day the applicant was told the outcome
    Column("outcome_summary", Text),  # the outcome and action plan, in the caseworker's words
)

# Status checks (and escalation requests) that are being checked or failed within the window:
# one row each, a success removes its own. Only SHA-256s of the client and the reference.
status_attempts = Table(
    "status_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("at", Float, nullable=False),  # Unix time
    Index("status_attempts_client", "client", "at"),
    Index("status_attempts_reference", "reference", "at"),
    Index("status_attempts_at", "at"),
)

escalations = Table(
    "escalations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(20), nullable=False, unique=True),
    Column("application_id", Integer, ForeignKey("applications.id"), nullable=False,
           unique=True),  # one escalation per application
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("body_hash", String(64), nullable=False),
    Column("requested_at", String(40), nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("route", String(40), nullable=False),
    Column("document", Text),  # JSON (schema escalation v1)
)

escalation_deliveries = Table(
    "escalation_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("escalation_id", Integer, ForeignKey("escalations.id"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),  # webhook | email
    Column("state", String(20), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_until", Float),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float),
    Index("escalation_deliveries_due", "state", "next_attempt_at"),
)

PROGRESS_FIELDS = ("review_meeting_on", "outcome_on", "outcome_summary")


def _writing(store: Store):
    return store.engine.execution_options(writing=True)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# -- the case as recorded ------------------------------------------------------------------------


def case(store: Store, reference: str) -> dict | None:
    """The application's row (document parsed), its progress and its escalation, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(applications).where(applications.c.reference == reference)).first()
        if row is None:
            return None
        out = dict(row._mapping)
        out["document"] = json.loads(row.document) if row.document else None
        progress = conn.execute(
            select(case_progress).where(case_progress.c.application_id == row.id)).first()
        out["progress"] = {name: getattr(progress, name) if progress else None
                           for name in PROGRESS_FIELDS}
        escalation = conn.execute(
            select(escalations.c.reference, escalations.c.requested_at,
                   escalations.c.requested_on, escalations.c.route)
            .where(escalations.c.application_id == row.id)).first()
        out["escalation"] = dict(escalation._mapping) if escalation else None
    return out


def record_progress(store: Store, reference: str, values: dict, actor: str, at: str
                    ) -> dict | None:
    """Set the review meeting date, the outcome's date and summary; what changed goes to the
    audit trail ({field: [before, after]}). None when there is no such application."""
    with _writing(store).begin() as conn:
        app_id = conn.execute(select(applications.c.id).where(
            applications.c.reference == reference)).scalar()
        if app_id is None:
            return None
        row = conn.execute(select(case_progress).where(
            case_progress.c.application_id == app_id)).first()
        before = {name: getattr(row, name) if row else None for name in PROGRESS_FIELDS}
        after = {name: values.get(name) for name in PROGRESS_FIELDS}
        changes = {name: [_plain(before[name]), _plain(after[name])]
                   for name in PROGRESS_FIELDS if before[name] != after[name]}
        if changes:
            if row is None:
                conn.execute(case_progress.insert().values(application_id=app_id, **after))
            else:
                conn.execute(case_progress.update().where(
                    case_progress.c.application_id == app_id).values(**after))
            conn.execute(audit.insert().values(
                application_id=app_id, at=at, actor=actor, action="progress_recorded",
                detail=json.dumps(changes, ensure_ascii=False)))
    return changes


# -- wrong guesses -------------------------------------------------------------------------------


def begin_check(store: Store, client: str, reference: str, now: float, window: float,
                client_limit: int, reference_limit: int) -> tuple[int | None, float]:
    """Count a status check before it is answered: (its id, 0), or (None, seconds until the
    oldest counted attempt leaves the window) when the client or the reference already has its
    limit within `window` seconds. In the database, so every process shares one count."""
    since = now - window
    a = status_attempts.c
    with _writing(store).begin() as conn:
        conn.execute(status_attempts.delete().where(a.at < since))
        for column, key, limit in ((a.client, client, client_limit),
                                   (a.reference, reference, reference_limit)):
            counted = conn.execute(
                select(func.count(), func.min(a.at)).where(column == key, a.at >= since)).one()
            if counted[0] >= limit:
                return None, max(1.0, counted[1] + window - now)
        attempt = conn.execute(status_attempts.insert().values(
            client=client, reference=reference, at=now)).inserted_primary_key[0]
    return attempt, 0.0


def end_check(store: Store, attempt: int, succeeded: bool) -> None:
    """A right answer is not a wrong guess: its own row goes (the others stay counted)."""
    if succeeded:
        with _writing(store).begin() as conn:
            conn.execute(status_attempts.delete().where(status_attempts.c.id == attempt))


# -- escalations ---------------------------------------------------------------------------------


class AlreadyEscalated(ValueError):
    """The application has an escalation request already (another key)."""


def _escalation_row(row) -> dict | None:
    if row is None:
        return None
    out = dict(row._mapping)
    out["document"] = json.loads(row.document) if row.document else None
    return out


def store_escalation(store: Store, application_reference: str, key: str, body_hash: str,
                     document: dict, channels: list[str], now: float) -> dict:
    """Store the request, queue its deliveries, mark the application escalated (the statutory
    figures count it) and write the audit entry: one transaction. The same key again returns
    the first request; another request for the same application raises AlreadyEscalated."""
    requested_on = date.fromisoformat(document["requested_at"][:10])
    with _writing(store).begin() as conn:
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
            application_id=app.id, at=document["requested_at"], actor="applicant",
            action="escalation_requested",
            detail=json.dumps({"escalation": document["reference"],
                               "grounds": ", ".join(g["code"] for g in document["grounds"])})))
    return {"reference": document["reference"], "document": document, "created": True}


def escalation(store: Store, reference: str) -> dict | None:
    """One escalation with its application's reference and its deliveries."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(escalations, applications.c.reference.label("application_reference"))
            .join(applications, applications.c.id == escalations.c.application_id)
            .where(escalations.c.reference == reference)).first()
        if row is None:
            return None
        out = _escalation_row(row)
        out["deliveries"] = [dict(d._mapping) for d in conn.execute(
            select(escalation_deliveries).where(escalation_deliveries.c.escalation_id == row.id)
            .order_by(escalation_deliveries.c.id)).all()]
    return out


class EscalationOutbox:
    """The escalation deliveries, read and settled as the delivery worker expects of a store
    (`claim_due`, `delivered`, `attempt_failed`, `run`), so the same worker code sends them."""

    def __init__(self, store: Store):
        self.store = store

    async def run(self, function, *args):
        return await self.store.run(function, *args)

    def claim_due(self, now: float, lease: float, limit: int = 20) -> list[dict]:
        d = escalation_deliveries.c
        free = or_(d.lease_until.is_(None), d.lease_until <= now)
        claimed = []
        with _writing(self.store).begin() as conn:
            rows = conn.execute(
                select(d.id, d.channel, d.attempts, escalations.c.reference,
                       escalations.c.route, escalations.c.document,
                       applications.c.area_id)
                .join(escalations, escalations.c.id == d.escalation_id)
                .join(applications, applications.c.id == escalations.c.application_id)
                .where(d.state == "pending", d.next_attempt_at <= now, free)
                .order_by(d.next_attempt_at).limit(limit)).all()
            for row in rows:
                done = conn.execute(escalation_deliveries.update().where(
                    d.id == row.id, d.state == "pending", free,
                ).values(lease_until=now + lease, attempts=d.attempts + 1))
                if done.rowcount == 1:
                    claimed.append(dict(row._mapping, attempts=row.attempts + 1))
        return claimed

    def delivered(self, delivery_id: int, now: float) -> None:
        with _writing(self.store).begin() as conn:
            conn.execute(escalation_deliveries.update().where(
                escalation_deliveries.c.id == delivery_id).values(
                state="delivered", delivered_at=now, lease_until=None, last_error=None))

    def attempt_failed(self, delivery_id: int, error: str, next_attempt_at: float | None
                       ) -> None:
        values: dict[str, Any] = {"last_error": error[:500], "lease_until": None}
        if next_attempt_at is None:
            values["state"] = "failed"
        else:
            values["next_attempt_at"] = next_attempt_at
        with _writing(self.store).begin() as conn:
            conn.execute(escalation_deliveries.update().where(
                escalation_deliveries.c.id == delivery_id).values(**values))


# -- retention -----------------------------------------------------------------------------------


def erase_with_applications(store: Store) -> int:
    """Once an application's personal data is erased (`Store.erase_before`), erase what was kept
    beside it: the outcome summary, and its escalation's document when no delivery of it is
    still pending. The dates stay. Returns the number of escalations erased."""
    erased = select(applications.c.id).where(applications.c.erased_on.is_not(None))
    pending = (select(escalation_deliveries.c.id)
               .where(escalation_deliveries.c.escalation_id == escalations.c.id,
                      escalation_deliveries.c.state == "pending").exists())
    with _writing(store).begin() as conn:
        conn.execute(case_progress.update().where(
            case_progress.c.application_id.in_(erased),
            case_progress.c.outcome_summary.is_not(None)).values(outcome_summary=None))
        done = conn.execute(escalations.update().where(
            escalations.c.application_id.in_(erased), escalations.c.document.is_not(None),
            ~pending).values(document=None))
    return done.rowcount
