"""The store: applications, the delivery outbox, the audit trail, caseworkers and their sessions.

One data-access layer (SQLAlchemy Core 1.4) for SQLite (default, WAL mode) and PostgreSQL.
Storing an application and queuing its deliveries is one transaction (a transactional outbox).
Calls are blocking; the service runs them on the store's own threads (`Store.run`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
)
from sqlalchemy import case as when
from sqlalchemy import inspect as inspect_schema
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from handoff.reference import new_reference

metadata = MetaData()

applications = Table(
    "applications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(20), nullable=False, unique=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    # SHA-256 of the document as sent (see body_fingerprint); NULL in rows stored before it was
    # kept, which then answer any body with their first submission, as they always did.
    Column("body_hash", String(64)),
    Column("area_id", String(100), nullable=False),
    Column("received_at", String(40), nullable=False),  # ISO 8601 with offset
    Column("received_on", Date, nullable=False),
    Column("document", Text),  # JSON; NULL once the personal data is erased
    Column("erased_on", Date),
    Column("eligibility_outcome", String(40), nullable=False),
    Column("threshold_decision_due", Date, nullable=False),
    Column("status", String(30), nullable=False),
    Column("threshold_met", Boolean),
    Column("threshold_reason", Text),
    Column("threshold_decided_on", Date),
    Column("review_held_on", Date),
    Column("recommendations_made", Boolean),
    Column("escalated_on", Date),
    Index("applications_area_received", "area_id", "received_on"),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", Integer, ForeignKey("applications.id"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),  # webhook | email
    Column("state", String(20), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),  # Unix time
    Column("lease_until", Float),  # claimed by a worker until then
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float),
    Index("deliveries_due", "state", "next_attempt_at"),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", Integer, ForeignKey("applications.id"), nullable=False, index=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(60), nullable=False),
    Column("detail", Text),  # JSON: {field: [before, after]}
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)

# Sign-in attempts, for throttling that holds across processes: one row per attempt being
# checked or failed within the window (a success removes its account's rows). Neither the
# username nor the address is kept, only their SHA-256.
sign_in_attempts = Table(
    "sign_in_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", Float, nullable=False),  # Unix time
    Index("sign_in_attempts_account", "account", "at"),
    Index("sign_in_attempts_address", "address", "at"),
    Index("sign_in_attempts_at", "at"),
)

# The intake statements, built once (each application runs them).
_INSERT_APPLICATION = applications.insert()
_INSERT_DELIVERY = deliveries.insert()
_INSERT_AUDIT = audit.insert()
_FIND_BY_KEY = select(
    applications.c.reference, applications.c.received_at, applications.c.document,
    applications.c.body_hash,
).where(applications.c.idempotency_key == bindparam("key"))
_FIND_BY_KEYS = select(
    applications.c.idempotency_key, applications.c.reference, applications.c.received_at,
    applications.c.document, applications.c.body_hash,
).where(applications.c.idempotency_key.in_(bindparam("keys", expanding=True)))

# What a caseworker records, in the order the form shows it.
OUTCOME_FIELDS = (
    "threshold_met", "threshold_reason", "threshold_decided_on", "review_held_on",
    "recommendations_made", "escalated_on",
)
BATCH_LIMIT = 200  # applications per group commit
STATUSES = ("new", "threshold_met", "threshold_not_met", "review_held", "escalated")


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or is locked; nothing was written."""


class KeyReused(ValueError):
    """The idempotency key belongs to an application with a different body: this one was not
    stored, and the other one's reference is not given away."""


# Set by the service on completion: not part of what identifies the application as sent
# (the eligibility is recomputed, so a retry a day later with a different one is still the same).
NOT_FINGERPRINTED = ("reference", "submitted_at", "deadlines", "eligibility")


def body_fingerprint(document: dict) -> str:
    """SHA-256 of the document as sent, in a canonical form (sorted keys, no spaces), without
    what the service sets: the same application sent again has the same fingerprint."""
    kept = {key: value for key, value in document.items() if key not in NOT_FINGERPRINTED}
    if isinstance(kept.get("area"), dict):  # completed: the service adds name and lead agency
        kept["area"] = {"id": kept["area"].get("id")}
    canonical = json.dumps(kept, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


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
class Submission:
    """An application to store: the completed document without its reference (the store gives
    it one), the idempotency key, and the delivery channels to queue."""

    key: str
    area_id: str
    document: dict
    channels: list[str]
    now: float  # Unix time: the deliveries are due from then
    fingerprint: str = ""  # of the document as sent; worked out from `document` when not given

    def __post_init__(self):
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", body_fingerprint(self.document))


@dataclass(frozen=True)
class Submitted:
    reference: str
    submitted_at: str
    deadlines: dict
    created: bool

    def to_json(self) -> dict:
        return {
            "reference": self.reference,
            "submitted_at": self.submitted_at,
            "deadlines": self.deadlines,
        }


def engine_for(url: str, busy_timeout: float = 5.0) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, future=True,
            connect_args={"timeout": busy_timeout, "check_same_thread": False,
                          "isolation_level": None},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            # A writing transaction takes the write lock at its start, so two writers queue
            # instead of failing; readers do not take it (WAL lets them read meanwhile).
            writing = connection.get_execution_options().get("writing")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

        return engine
    return create_engine(
        parsed, future=True, pool_pre_ping=True, pool_size=10, max_overflow=5,
        connect_args={"connect_timeout": max(1, int(busy_timeout))},
    )


class Store:
    def __init__(self, url: str, busy_timeout: float = 5.0):
        self.url = url
        self.engine = engine_for(url, busy_timeout)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writing = self.engine.execution_options(writing=True)  # see engine_for
        # SQLite takes one writer at a time anyway: one thread avoids lock waits.
        self._threads = ThreadPoolExecutor(
            max_workers=1 if self.is_sqlite else 8, thread_name_prefix="store"
        )
        self._queue: list[tuple[Submission, asyncio.Future]] = []
        self._writers: set[asyncio.Task] = set()
        # SQLite has one writer at a time; PostgreSQL can commit several batches at once.
        self._parallel_batches = 1 if self.is_sqlite else 4

    # -- running -------------------------------------------------------------------------------

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a blocking store call on the store's threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, lambda: self._guard(function, *args))

    @staticmethod
    def _guard(function, *args):
        try:
            return function(*args)
        except (OperationalError, InterfaceError) as exc:
            raise StoreUnavailable(str(exc.orig).strip().splitlines()[0][:200]) from exc

    def create_schema(self) -> None:
        import handoff.casework  # noqa: F401 (its tables, for after applying, join `metadata`)

        metadata.create_all(self.engine)
        # Columns added since a table was first made (create_all adds tables, not columns).
        with self._writing.begin() as conn:
            present = {c["name"] for c in inspect_schema(conn).get_columns("applications")}
            if "body_hash" not in present:
                conn.exec_driver_sql("ALTER TABLE applications ADD COLUMN body_hash VARCHAR(64)")

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self.engine.dispose()

    def ping(self) -> bool:
        """Ready for intake: a writing transaction can start (SQLite: the write lock is free)."""
        with self._writing.begin() as conn:
            conn.execute(select(1))
        return True

    # -- intake --------------------------------------------------------------------------------

    @staticmethod
    def _submitted(row) -> Submitted:
        document = json.loads(row.document) if row.document else {}
        return Submitted(row.reference, row.received_at, document.get("deadlines", {}), False)

    @staticmethod
    def _same(fingerprint: str | None, submission: Submission) -> bool:
        return fingerprint is None or fingerprint == submission.fingerprint

    @classmethod
    def _find(cls, conn, key: str) -> tuple[Submitted, str | None] | None:
        row = conn.execute(_FIND_BY_KEY, {"key": key}).first()
        return None if row is None else (cls._submitted(row), row.body_hash)

    def find_submission(self, key: str) -> Submitted | None:
        with self.engine.connect() as conn:
            found = self._find(conn, key)
        return found[0] if found else None

    def submit(self, submission: Submission) -> Submitted:
        """Store one application and queue its deliveries, in one transaction."""
        (result,) = self.submit_many([submission])
        if isinstance(result, Exception):
            raise result
        return result

    def submit_many(self, submissions: list[Submission]) -> list[Submitted | Exception]:
        """Store applications and queue one delivery per channel for each, in ONE transaction
        (group commit: one disk sync for the lot). A key seen before, in the database or earlier
        in the batch, returns the first submission when the body is the same, and KeyReused when
        it is not. Each application is written inside its own
        savepoint: one that fails leaves nothing behind and is returned as its exception; the
        database failing fails the whole batch."""
        try:  # the usual case, quickly: every application goes in at the first try
            with self._writing.begin() as conn:
                return self._submit_batch(conn, submissions)
        except (OperationalError, InterfaceError):
            raise
        except Exception:  # rolled back: done again below, one savepoint each
            pass
        results: list[Submitted | Exception] = []
        with self._writing.begin() as conn:
            for submission in submissions:
                try:
                    results.append(self._submit_one(conn, submission, conn.begin_nested))
                except (OperationalError, InterfaceError):
                    raise
                except Exception as exc:  # this application only; the others go on
                    results.append(exc)
        return results

    def _submit_batch(self, conn, submissions: list[Submission]
                      ) -> list[Submitted | Exception]:
        """All in one go: one query for the keys seen before, one insert per application, one
        for all their deliveries and one for all their audit entries. Any clash raises."""
        keys = [submission.key for submission in submissions]
        seen = {
            row.idempotency_key: (self._submitted(row), row.body_hash)
            for row in conn.execute(_FIND_BY_KEYS, {"keys": keys}).all()
        }
        results, deliveries_rows, audit_rows = [], [], []
        for submission in submissions:
            if submission.key in seen:
                first, fingerprint = seen[submission.key]
                results.append(first if self._same(fingerprint, submission)
                               else KeyReused(submission.key))
                continue
            document = submission.document
            reference = new_reference(int(document["submitted_at"][:4]))
            app_id = self._insert_application(
                conn, submission, reference, {"reference": reference, **document})
            deliveries_rows += self._delivery_rows(app_id, submission)
            audit_rows.append(self._received_row(app_id, document))
            done = Submitted(reference, document["submitted_at"], document["deadlines"], True)
            seen[submission.key] = (
                Submitted(done.reference, done.submitted_at, done.deadlines, False),
                submission.fingerprint)
            results.append(done)
        if deliveries_rows:
            conn.execute(_INSERT_DELIVERY, deliveries_rows)
        if audit_rows:
            conn.execute(_INSERT_AUDIT, audit_rows)
        return results

    def _submit_one(self, conn, submission: Submission, savepoint) -> Submitted:
        """Insert one application; with `savepoint` (a context factory), inside one, trying
        again on a clash of key or reference; without, a clash fails the whole transaction."""
        document = submission.document
        for _ in range(8):
            found = self._find(conn, submission.key)
            if found:
                first, fingerprint = found
                if not self._same(fingerprint, submission):
                    raise KeyReused(submission.key)
                return first
            reference = new_reference(int(document["submitted_at"][:4]))
            stored = {"reference": reference, **document}
            if savepoint is None:
                self._insert(conn, submission, reference, stored)
            else:
                try:
                    with savepoint():
                        self._insert(conn, submission, reference, stored)
                except IntegrityError:
                    continue  # the same key committed meanwhile, or a reference collision
            return Submitted(reference, document["submitted_at"], document["deadlines"], True)
        raise RuntimeError("could not store the application after several attempts")

    @classmethod
    def _insert(cls, conn, submission: Submission, reference: str, document: dict) -> None:
        app_id = cls._insert_application(conn, submission, reference, document)
        rows = cls._delivery_rows(app_id, submission)
        if rows:
            conn.execute(_INSERT_DELIVERY, rows)
        conn.execute(_INSERT_AUDIT, cls._received_row(app_id, document))

    @staticmethod
    def _insert_application(conn, submission: Submission, reference: str, document: dict
                            ) -> int:
        return conn.execute(_INSERT_APPLICATION, {
            "reference": reference,
            "idempotency_key": submission.key,
            "body_hash": submission.fingerprint,
            "area_id": submission.area_id,
            "received_at": document["submitted_at"],
            "received_on": date.fromisoformat(document["submitted_at"][:10]),
            "document": json.dumps(document, ensure_ascii=False),
            "eligibility_outcome": document["eligibility"]["outcome"],
            "threshold_decision_due": date.fromisoformat(
                document["deadlines"]["threshold_decision_due"]),
            "status": "new",
        }).inserted_primary_key[0]

    @staticmethod
    def _delivery_rows(app_id: int, submission: Submission) -> list[dict]:
        return [
            {"application_id": app_id, "channel": channel, "state": "pending", "attempts": 0,
             "next_attempt_at": submission.now, "created_at": submission.now}
            for channel in submission.channels
        ]

    @staticmethod
    def _received_row(app_id: int, document: dict) -> dict:
        return {"application_id": app_id, "at": document["submitted_at"], "actor": "assistant",
                "action": "received", "detail": None}

    async def submit_async(self, submission: Submission) -> Submitted:
        """Submit from the event loop. Submissions that arrive while a batch is being written
        go into the next batch; each caller is answered after its batch has committed."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.append((submission, future))
        self._writers = {task for task in self._writers if not task.done()}
        if len(self._writers) < self._parallel_batches:
            self._writers.add(loop.create_task(self._write_batches()))
        return await future

    async def _write_batches(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:BATCH_LIMIT], self._queue[BATCH_LIMIT:]
            try:
                results = await self.run(self.submit_many, [item for item, _ in batch])
            except Exception as exc:  # handed to every caller in the batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    # -- delivery ------------------------------------------------------------------------------

    def claim_due(self, now: float, lease: float, limit: int = 20) -> list[dict]:
        """Deliveries due now, each leased to the caller and its attempt counted."""
        free = or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until <= now)
        claimed = []
        with self._writing.begin() as conn:
            rows = conn.execute(
                select(deliveries.c.id, deliveries.c.channel, deliveries.c.attempts,
                       applications.c.reference, applications.c.area_id,
                       applications.c.document)
                .join(applications, applications.c.id == deliveries.c.application_id)
                .where(deliveries.c.state == "pending", deliveries.c.next_attempt_at <= now, free)
                .order_by(deliveries.c.next_attempt_at).limit(limit)
            ).all()
            for row in rows:
                done = conn.execute(
                    deliveries.update()
                    .where(deliveries.c.id == row.id, deliveries.c.state == "pending", free)
                    .values(lease_until=now + lease, attempts=deliveries.c.attempts + 1)
                )
                if done.rowcount == 1:
                    item = dict(row._mapping)
                    item["attempts"] += 1
                    claimed.append(item)
        return claimed

    def delivered(self, delivery_id: int, now: float) -> None:
        with self._writing.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(
                state="delivered", delivered_at=now, lease_until=None, last_error=None))

    def attempt_failed(
        self, delivery_id: int, error: str, next_attempt_at: float | None
    ) -> None:
        """Record a failed attempt: try again at `next_attempt_at`, or keep it as failed."""
        values: dict[str, Any] = {"last_error": error[:500], "lease_until": None}
        if next_attempt_at is None:
            values["state"] = "failed"
        else:
            values["next_attempt_at"] = next_attempt_at
        with self._writing.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(**values))

    def retry_delivery(self, reference: str, delivery_id: int, actor: str, at: str,
                       now: float) -> bool:
        """A caseworker asks for a failed delivery to be tried again (with a fresh budget)."""
        with self._writing.begin() as conn:
            app_id = self._app_id(conn, reference)
            done = conn.execute(
                deliveries.update().where(
                    deliveries.c.id == delivery_id, deliveries.c.application_id == app_id,
                    deliveries.c.state == "failed",
                ).values(state="pending", attempts=0, next_attempt_at=now, lease_until=None)
            )
            if done.rowcount != 1:
                return False
            channel = conn.execute(
                select(deliveries.c.channel).where(deliveries.c.id == delivery_id)).scalar_one()
            conn.execute(audit.insert().values(
                application_id=app_id, at=at, actor=actor, action="delivery_retried",
                detail=json.dumps({"channel": channel})))
        return True

    def deliveries_of(self, reference: str) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deliveries).join(
                    applications, applications.c.id == deliveries.c.application_id
                ).where(applications.c.reference == reference).order_by(deliveries.c.id)
            ).all()
        return [dict(row._mapping) for row in rows]

    def failed_deliveries(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deliveries.c.id, deliveries.c.channel, deliveries.c.last_error,
                       deliveries.c.attempts, applications.c.reference)
                .join(applications, applications.c.id == deliveries.c.application_id)
                .where(deliveries.c.state == "failed").order_by(deliveries.c.id)
            ).all()
        return [dict(row._mapping) for row in rows]

    # -- the inbox -----------------------------------------------------------------------------

    @staticmethod
    def _app_id(conn, reference: str) -> int | None:
        return conn.execute(
            select(applications.c.id).where(applications.c.reference == reference)
        ).scalar()

    def list_applications(
        self, area_id: str | None = None, status: str | None = None, limit: int = 50,
        offset: int = 0,
    ) -> list[dict]:
        failed = (
            select(func.count()).select_from(deliveries)
            .where(deliveries.c.application_id == applications.c.id,
                   deliveries.c.state == "failed")
            .scalar_subquery()
        )
        query = select(
            applications.c.reference, applications.c.area_id, applications.c.received_at,
            applications.c.eligibility_outcome, applications.c.status,
            applications.c.threshold_decision_due, failed.label("failed_deliveries"),
        )
        if area_id:
            query = query.where(applications.c.area_id == area_id)
        if status:
            query = query.where(applications.c.status == status)
        query = query.order_by(applications.c.id.desc()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query).all()]

    def application(self, reference: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(applications).where(applications.c.reference == reference)
            ).first()
            if row is None:
                return None
            out = dict(row._mapping)
            out["document"] = json.loads(row.document) if row.document else None
            out["audit"] = [
                dict(entry._mapping, detail=json.loads(entry.detail) if entry.detail else None)
                for entry in conn.execute(
                    select(audit.c.at, audit.c.actor, audit.c.action, audit.c.detail)
                    .where(audit.c.application_id == row.id).order_by(audit.c.id)
                ).all()
            ]
        return out

    def record_outcome(self, reference: str, outcome: dict, actor: str, at: str) -> dict | None:
        """Set the outcome fields given; record what changed in the audit trail. Returns the
        changes ({field: [before, after]}), or None when there is no such application."""
        with self._writing.begin() as conn:
            row = conn.execute(
                select(applications).where(applications.c.reference == reference)
            ).first()
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

    # -- statutory figures ---------------------------------------------------------------------

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

    # -- retention -----------------------------------------------------------------------------

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
                document=None, threshold_reason=None, erased_on=today))
            for entry in conn.execute(
                select(audit.c.id, audit.c.detail)
                .where(audit.c.application_id.in_(ids), audit.c.detail.is_not(None))
            ).all():
                fields = sorted(json.loads(entry.detail))
                conn.execute(audit.update().where(audit.c.id == entry.id).values(
                    detail=json.dumps({name: ["erased", "erased"] for name in fields})))
        return len(ids)

    # -- caseworkers ---------------------------------------------------------------------------

    def add_user(self, username: str, password_hash: str, at: str) -> None:
        with self._writing.begin() as conn:
            conn.execute(users.insert().values(
                username=username, password_hash=password_hash, created_at=at))

    def set_password(self, username: str, password_hash: str, account: str | None = None
                     ) -> bool:
        """A new password; `account` (its throttling hash): its failed sign-ins are forgotten."""
        with self._writing.begin() as conn:
            done = conn.execute(users.update().where(users.c.username == username).values(
                password_hash=password_hash))
            if done.rowcount == 1 and account:
                conn.execute(sign_in_attempts.delete().where(
                    sign_in_attempts.c.account == account))
        return done.rowcount == 1

    def begin_sign_in(self, account: str, address: str, now: float, window: float,
                      account_limit: int, address_limit: int) -> tuple[int | None, float]:
        """Count a sign-in attempt before its password is checked: (its id, 0), or (None,
        seconds until the oldest counted attempt leaves the window) when the account or the
        address already has its limit of attempts within `window` seconds. Counted first and in
        the database, so parallel attempts and several processes share one count."""
        since = now - window
        a = sign_in_attempts.c
        with self._writing.begin() as conn:
            conn.execute(sign_in_attempts.delete().where(a.at < since))
            for column, limit in ((a.account, account_limit), (a.address, address_limit)):
                key = account if column is a.account else address
                counted = conn.execute(
                    select(func.count(), func.min(a.at)).where(column == key, a.at >= since)
                ).one()
                if counted[0] >= limit:
                    return None, max(1.0, counted[1] + window - now)
            attempt = conn.execute(sign_in_attempts.insert().values(
                account=account, address=address, at=now)).inserted_primary_key[0]
        return attempt, 0.0

    def end_sign_in(self, attempt: int, succeeded: bool, account: str) -> None:
        """A failed attempt stays counted; a success forgets the account's failures."""
        if not succeeded:
            return
        with self._writing.begin() as conn:
            conn.execute(sign_in_attempts.delete().where(
                or_(sign_in_attempts.c.id == attempt, sign_in_attempts.c.account == account)))

    def user(self, username: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        return dict(row._mapping) if row else None

    def start_session(self, token_hash: str, user_id: int, csrf: str, expires_at: float) -> None:
        with self._writing.begin() as conn:
            conn.execute(sessions.insert().values(
                token_hash=token_hash, user_id=user_id, csrf=csrf, expires_at=expires_at))

    def session(self, token_hash: str, now: float) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sessions.c.csrf, users.c.username)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
            ).first()
        return dict(row._mapping) if row else None

    def end_session(self, token_hash: str, now: float) -> None:
        with self._writing.begin() as conn:
            conn.execute(sessions.delete().where(
                or_(sessions.c.token_hash == token_hash, sessions.c.expires_at <= now)))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
