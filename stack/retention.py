"""Forgetting old conversations: Rasa Open Source keeps every message in the tracker store, with
whatever personal data people typed, and has no retention setting of its own.

    python -m stack forget-conversations --older-than-days 30

deletes every event of each conversation whose last event is older than that, in the tracker store
that endpoints.yml names (SQLite by default, PostgreSQL in production). Run it daily (cron or a
systemd timer). Applications are kept by the handoff service under its own `retention_days`.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from stack.model import ROOT, StackError


def forget_conversations(older_than_days: float, endpoints: Path = ROOT / "endpoints.yml",
                         now: float | None = None) -> int:
    """Delete conversations idle for longer than `older_than_days`; how many were deleted."""
    if older_than_days <= 0:
        raise StackError("--older-than-days must be more than 0")
    from sqlalchemy import text

    store = sql_tracker_store(endpoints)
    cutoff = (time.time() if now is None else now) - older_than_days * 86400
    stale = ("select sender_id from events group by sender_id "
             "having max(timestamp) < :cutoff")
    with store.engine.begin() as connection:
        senders = [row[0] for row in connection.execute(text(stale), {"cutoff": cutoff})]
        connection.execute(text(f"delete from events where sender_id in ({stale})"),
                           {"cutoff": cutoff})
    store.engine.dispose()
    return len(senders)


def sql_tracker_store(endpoints: Path):
    """Rasa's SQLTrackerStore for the `tracker_store` that endpoints.yml names (its ${VAR}s
    expanded from the environment); it creates its tables if they are missing."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None or config.type != "SQL":
        raise StackError(f"{endpoints} names no SQL tracker store")
    kwargs = {k: v for k, v in config.kwargs.items() if k != "type"}
    return SQLTrackerStore(domain=None, host=config.url, **kwargs)


def default_environment(data_dir: Path) -> None:
    """The env vars endpoints.yml needs, where the caller has not set them (as `make run` does)."""
    os.environ.setdefault("ASB_TRACKER_DB", str(data_dir / "tracker.db"))
    os.environ.setdefault("ASB_ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")


def prune_runs(runs_dir: Path, older_than_days: float, keep: Path | None = None,
               now: float | None = None) -> int:
    """Delete run log folders (data/runs/<time>/) last written over `older_than_days` ago,
    never `keep` (this run's); how many were deleted. Logs hold no personal data, but need not
    be kept for ever either."""
    if older_than_days <= 0:
        raise StackError("run logs must be kept for more than 0 days")
    if not runs_dir.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - older_than_days * 86400
    deleted = 0
    for folder in runs_dir.iterdir():
        if (not folder.is_dir() or folder.is_symlink()
                or (keep is not None and folder.resolve() == keep.resolve())):
            continue
        files = [folder, *folder.rglob("*")]
        if max(f.lstat().st_mtime for f in files) < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            deleted += 1
    return deleted
