"""The 2nd-report offer's prefills: stored for the assistant's link, taken once (deleted as they
are read), and deleted when expired."""

from __future__ import annotations

import json

from sqlalchemy import select

from handoff.store.tables import prefills


class Prefills:
    """Mixed into Store: needs `_writing`."""

    def store_prefill(self, key: str, area_id: str, incidents: list, now: float,
                      expires_at: float) -> None:
        with self._writing.begin() as conn:
            conn.execute(prefills.insert().values(
                id=key, area_id=area_id, incidents=json.dumps(incidents), created_at=now,
                expires_at=expires_at))

    def take_prefill(self, key: str, now: float) -> dict | str | None:
        """The prefill stored under `key`, deleted as it is read: its area and incidents, or
        "expired" (deleted too), or None when there is none (never made, used, or deleted)."""
        with self._writing.begin() as conn:
            row = conn.execute(select(prefills).where(prefills.c.id == key)).first()
            if row is None:
                return None
            taken = conn.execute(prefills.delete().where(prefills.c.id == key)).rowcount
        if taken != 1:  # another request took it first
            return None
        if row.expires_at <= now:
            return "expired"
        return {"area_id": row.area_id, "incidents": json.loads(row.incidents)}

    def delete_expired_prefills(self, now: float) -> int:
        with self._writing.begin() as conn:
            return conn.execute(prefills.delete().where(prefills.c.expires_at <= now)).rowcount
