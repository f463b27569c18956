"""What the caseworker inbox reads and records: the list of applications (chosen by a Selection,
a page at a time, with the true total), one application with its audit trail, the outcome
recorded against it, who opened it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row

from handoff.store.search import FIELD_LENGTH, folded
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


@dataclass(frozen=True)
class Selection:
    """Which applications the inbox lists: those meeting every condition given (None: any)."""

    area_id: str | None = None
    status: str | None = None
    language: str | None = None
    received_from: date | None = None  # both days included
    received_to: date | None = None
    reference: str | None = None  # the whole reference, as printed (handoff.reference)
    person: str | None = None  # part of the victim's or applicant's name or of the postcode


def _conditions(selection: Selection) -> list:
    a = applications.c
    equal = ((a.area_id, selection.area_id), (a.status, selection.status),
             (a.language, selection.language), (a.reference, selection.reference))
    conditions = [column == value for column, value in equal if value]
    if selection.received_from:
        conditions.append(a.received_on >= selection.received_from)
    if selection.received_to:
        conditions.append(a.received_on <= selection.received_to)
    person = folded(selection.person or "")[:FIELD_LENGTH]
    if person:  # the folded column's index is searched (SQLite scans it, not the documents)
        searched = applications.alias("searched")
        conditions.append(a.id.in_(select(searched.c.id).where(
            searched.c.search_text.contains(person, autoescape=True))))
    return conditions


class InboxQueries:
    """Mixed into Store: needs `engine` and `_writing`."""

    @staticmethod
    def _app_id(conn, reference: str) -> int | None:
        return conn.execute(
            select(applications.c.id).where(applications.c.reference == reference)
        ).scalar()

    @staticmethod
    def _app_row(conn, reference: str) -> Row | None:
        return conn.execute(
            select(applications).where(applications.c.reference == reference)
        ).first()

    @classmethod
    def _app_dict(cls, conn, reference: str) -> dict | None:
        """The application's row as a dict, its document parsed (None once erased)."""
        row = cls._app_row(conn, reference)
        if row is None:
            return None
        return dict(row._mapping, document=json.loads(row.document) if row.document else None)

    def list_applications(self, selection: Selection | None = None, limit: int | None = 50,
                          offset: int = 0, **conditions) -> list[dict]:
        """The applications `selection` (or a Selection of `conditions`) chooses, newest first:
        `limit` of them (None: all) after the first `offset`."""
        failed = (
            select(func.count()).select_from(deliveries)
            .where(deliveries.c.application_id == applications.c.id,
                   deliveries.c.state == "failed")
            .scalar_subquery()
        )
        # The page's ids first, then their rows: the rows skipped to reach a later page are
        # never read (nor their failed deliveries counted).
        chosen = (select(applications.c.id)
                  .where(*_conditions(selection or Selection(**conditions)))
                  .order_by(applications.c.id.desc()).limit(limit).offset(offset).subquery())
        query = select(
            applications.c.reference, applications.c.area_id, applications.c.received_at,
            applications.c.eligibility_outcome, applications.c.status, applications.c.language,
            applications.c.threshold_decision_due, failed.label("failed_deliveries"),
        ).join(chosen, chosen.c.id == applications.c.id).order_by(applications.c.id.desc())
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query).all()]

    def count_applications(self, selection: Selection) -> int:
        """How many applications `selection` chooses, over every page."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(applications)
                                .where(*_conditions(selection))).scalar_one()

    def application(self, reference: str) -> dict | None:
        with self.engine.connect() as conn:
            out = self._app_dict(conn, reference)
            if out is None:
                return None
            out["audit"] = [
                dict(entry._mapping, detail=json.loads(entry.detail) if entry.detail else None)
                for entry in conn.execute(
                    select(audit.c.at, audit.c.actor, audit.c.action, audit.c.detail)
                    .where(audit.c.application_id == out["id"]).order_by(audit.c.id)
                ).all()
            ]
        return out

    def record_outcome(self, reference: str, outcome: dict, actor: str, at: str) -> dict | None:
        """Set the outcome fields given; record what changed in the audit trail. Returns the
        changes ({field: [before, after]}), or None when there is no such application."""
        with self._writing.begin() as conn:
            row = self._app_row(conn, reference)
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
