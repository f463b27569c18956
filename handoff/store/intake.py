"""Intake: storing an application and queuing its deliveries in one transaction (a transactional
outbox), answering a key seen before with its first submission, group-committing what arrives
together."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from handoff.reference import new_reference
from handoff.store.search import search_text
from handoff.store.submission import KeyReused, Submission, Submitted
from handoff.store.tables import applications, audit, deliveries

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


BATCH_LIMIT = 200  # applications per group commit


class Intake:
    """The intake half of the store (mixed into Store: needs `engine`, `_writing`, `run`)."""

    def _start_intake(self) -> None:
        self._queue: list[tuple[Submission, asyncio.Future]] = []
        self._writers: set[asyncio.Task] = set()
        # SQLite has one writer at a time; PostgreSQL can commit several batches at once.
        self._parallel_batches = 1 if self.is_sqlite else 4

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
            "language": document.get("language"),
            "search_text": search_text(document),
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
