"""The statutory figures: counts per area for a period, from the recorded outcomes, with nothing
that could identify a victim, and the same counts as they may be published (small numbers
suppressed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy import case as when

from handoff.store.tables import applications

FEWER = "fewer"  # a count from 1 to the threshold less one: shown as "fewer than <threshold>"
WITHHELD = "withheld"  # a total that would give away a count shown as FEWER beside it


def published(rows: list[dict], names: Sequence[str], below: int
              ) -> tuple[list[dict], dict[str, int | str]]:
    """The counts of `rows` (one per area) and their total over the areas, as they may be
    published: a count from 1 to `below` - 1 becomes FEWER (0 stays: it identifies nobody), and
    a total becomes WITHHELD where an area's count beside it is FEWER (the total less the counts
    shown would give it away). `below` 0 (or 1) publishes every count as it is."""

    def small(count: int) -> bool:
        return 0 < count < below

    shown = [row | {name: FEWER if small(row[name]) else row[name] for name in names}
             for row in rows]
    total: dict[str, int | str] = {}
    for name in names:
        count = sum(row[name] for row in rows)
        total[name] = (FEWER if small(count) else
                       WITHHELD if any(small(row[name]) for row in rows) else count)
    return shown, total


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
