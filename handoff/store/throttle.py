"""Attempts counted in the database, so that parallel requests and several processes share one
count: sign-ins (by account and by address) and status checks (by client and by reference)."""

from __future__ import annotations

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection


def count_attempt(conn: Connection, table: Table, now: float, window: float,
                  **keys: tuple[str, int]) -> tuple[int | None, float]:
    """Count an attempt before it is checked: (its row's id, 0), or (None, seconds until the
    oldest counted attempt leaves the window) when any key (column=(value, limit)) already has
    its limit of attempts within `window` seconds. Rows older than the window are dropped.

    Attempts are counted one at a time: SQLite's writing transaction holds the write lock
    already (BEGIN IMMEDIATE); on PostgreSQL the table is locked against other counters (its
    readers go on), or attempts counted at once by several connections would each see the
    count before the others' rows and all get through."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE")
    since = now - window
    at = table.c.at
    conn.execute(table.delete().where(at < since))
    for column, (value, limit) in keys.items():
        counted = conn.execute(
            select(func.count(), func.min(at)).where(table.c[column] == value, at >= since)
        ).one()
        if counted[0] >= limit:
            return None, max(1.0, counted[1] + window - now)
    attempt = conn.execute(table.insert().values(
        at=now, **{column: value for column, (value, _) in keys.items()}))
    return attempt.inserted_primary_key[0], 0.0
