"""The case after applying, as the caseworker records it and the applicant's status check reads
it: the review meeting's date, the day the applicant was told the outcome and the outcome in the
caseworker's words, beside the application's own outcome fields and its escalation."""

from __future__ import annotations

import json

from sqlalchemy import select

from handoff.store.inbox import _plain
from handoff.store.tables import audit, case_progress, escalations

PROGRESS_FIELDS = ("review_meeting_on", "outcome_on", "outcome_summary")


class Progress:
    """Mixed into Store: needs `engine`, `_writing`, `_app_id` and `_app_dict`."""

    def case(self, reference: str) -> dict | None:
        """The application's row (document parsed), its progress and its escalation, or None."""
        with self.engine.connect() as conn:
            out = self._app_dict(conn, reference)
            if out is None:
                return None
            progress = conn.execute(
                select(case_progress).where(case_progress.c.application_id == out["id"])).first()
            out["progress"] = {name: getattr(progress, name) if progress else None
                               for name in PROGRESS_FIELDS}
            escalation = conn.execute(
                select(escalations.c.reference, escalations.c.requested_at,
                       escalations.c.requested_on, escalations.c.route)
                .where(escalations.c.application_id == out["id"])).first()
            out["escalation"] = dict(escalation._mapping) if escalation else None
        return out

    def record_progress(self, reference: str, values: dict, actor: str, at: str
                        ) -> dict | None:
        """Set the review meeting date, the outcome's date and summary; what changed goes to
        the audit trail ({field: [before, after]}). None when there is no such application."""
        with self._writing.begin() as conn:
            app_id = self._app_id(conn, reference)
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
