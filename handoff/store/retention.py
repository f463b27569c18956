"""Retention: erasing the personal data of old applications once their deliveries are settled,
keeping what the statutory figures need, and then what was kept beside them (the outcome summary,
the escalation request's document)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from handoff.store.tables import (
    applications,
    audit,
    case_progress,
    deliveries,
    escalation_deliveries,
    escalations,
)


class Retention:
    """Mixed into Store: needs `_writing`."""

    def erase_before(self, cutoff: date, today: date) -> int:
        """Erase the personal data of applications received before `cutoff` whose deliveries are
        settled. The row, its dates and outcome stay (the statutory figures need them)."""
        pending = (
            select(deliveries.c.id)
            .where(deliveries.c.application_id == applications.c.id,
                   deliveries.c.state == "pending")
            .exists()
        )
        with self._writing.begin() as conn:
            ids = list(conn.execute(
                select(applications.c.id).where(
                    applications.c.received_on < cutoff, applications.c.document.is_not(None),
                    ~pending)
            ).scalars())
            if not ids:
                return 0
            conn.execute(applications.update().where(applications.c.id.in_(ids)).values(
                document=None, threshold_reason=None, search_text=None, erased_on=today))
            for entry in conn.execute(
                select(audit.c.id, audit.c.detail)
                .where(audit.c.application_id.in_(ids), audit.c.detail.is_not(None))
            ).all():
                fields = sorted(json.loads(entry.detail))
                conn.execute(audit.update().where(audit.c.id == entry.id).values(
                    detail=json.dumps({name: ["erased", "erased"] for name in fields})))
        return len(ids)

    def erase_beside_erased(self) -> int:
        """Once an application's personal data is erased (`erase_before`), erase what was kept
        beside it: the outcome summary, and its escalation's document when no delivery of it is
        still pending. The dates stay. Returns the number of escalations erased."""
        erased = select(applications.c.id).where(applications.c.erased_on.is_not(None))
        pending = (select(escalation_deliveries.c.id)
                   .where(escalation_deliveries.c.escalation_id == escalations.c.id,
                          escalation_deliveries.c.state == "pending").exists())
        with self._writing.begin() as conn:
            conn.execute(case_progress.update().where(
                case_progress.c.application_id.in_(erased),
                case_progress.c.outcome_summary.is_not(None)).values(outcome_summary=None))
            done = conn.execute(escalations.update().where(
                escalations.c.application_id.in_(erased), escalations.c.document.is_not(None),
                ~pending).values(document=None))
        return done.rowcount
