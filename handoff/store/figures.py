"""The statutory figures: counts per area for a period, from the recorded outcomes, with nothing
that could identify a victim."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy import case as when

from handoff.store.tables import applications


class Figures:
    """Mixed into Store: needs `engine`."""

    def figures(self, start: date, end: date, area_id: str | None = None) -> dict[str, dict]:
        """Counts per area for the period (both days included); nothing else leaves here."""
        a = applications.c

        def between(column):
            return and_(column >= start, column <= end)

        counts = {
            "received": between(a.received_on),
            "threshold_not_met": and_(a.threshold_met.is_(False), between(a.threshold_decided_on)),
            "reviews": between(a.review_held_on),
            "reviews_with_recommendations": and_(
                between(a.review_held_on), a.recommendations_made.is_(True)),
            "escalations": between(a.escalated_on),
        }
        query = select(a.area_id, *[
            func.sum(when((condition, 1), else_=0)).label(name)
            for name, condition in counts.items()
        ]).group_by(a.area_id).order_by(a.area_id)
        if area_id:
            query = query.where(a.area_id == area_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            row.area_id: {name: int(getattr(row, name) or 0) for name in counts} for row in rows
        }
