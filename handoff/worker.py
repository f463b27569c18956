"""The delivery worker: an asyncio task inside the service that reads the outbox, sends each due
delivery through its channel, and retries with exponential backoff and jitter. A delivery that
uses up its retry budget is kept as failed, shown in the inbox and logged as an alert.

A delivery is leased while it is being sent; if the service dies mid-delivery, the lease runs out
and the delivery is sent again (by this process or another on the same database) with the same
Idempotency-Key, so the agency can recognise it. A send that is still unanswered when its lease
is about to run out is given up as a failed attempt, so a live process never sends a delivery
that another one has claimed meanwhile, and a result is recorded only by the lease's holder."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from datetime import timedelta

import aiohttp

from deployment.config import Deployment
from eligibility import clock
from handoff.channels import DeliveryFailed, send_email, send_webhook
from handoff.metrics import Metrics
from handoff.store import Store, StoreUnavailable

log = logging.getLogger("handoff.delivery")
alert = logging.getLogger("handoff.alert")
RETENTION_EVERY_SECONDS = 3600.0
LEASE_MARGIN = 0.1  # of the lease: a send still unanswered this close to its end is given up


def backoff(attempts: int, initial: float, longest: float) -> float:
    """Seconds to wait after `attempts` failed attempts: doubling, capped, with jitter (a random
    point in the upper half, so many failed deliveries do not retry in step)."""
    delay = min(longest, initial * 2 ** (attempts - 1))
    return random.uniform(delay / 2, delay)


class Worker:
    def __init__(self, deployment: Deployment, store: Store, metrics: Metrics | None = None):
        self.deployment = deployment
        self.metrics = metrics
        self.settings = deployment.handoff.delivery
        self.store = store
        self.wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._http: aiohttp.ClientSession | None = None
        self._next_retention = 0.0

    def start(self) -> None:
        self._http = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._loop(), name="handoff-delivery")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._http:
            await self._http.close()

    async def _loop(self) -> None:
        while True:
            busy = False
            try:
                busy = await self.run_once()
                await self._retention()
            except StoreUnavailable as exc:
                log.warning("the outbox could not be read (%s); trying again", exc)
            except Exception:  # never let one bad delivery stop the worker
                log.exception("delivery worker error")
            if not busy:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), self.settings.poll_interval_seconds)
                except asyncio.TimeoutError:
                    pass

    async def run_once(self) -> bool:
        """Send every delivery due now; True if there were any."""
        claimed = await self.store.run(
            self.store.claim_due, time.time(), self.settings.lease_seconds
        )
        await asyncio.gather(*(self._deliver(item) for item in claimed))
        return bool(claimed)

    async def _deliver(self, item: dict) -> None:
        reference, channel, attempts = item["reference"], item["channel"], item["attempts"]
        lease_until = item["lease_until"]
        left = lease_until - time.time() - LEASE_MARGIN * self.settings.lease_seconds
        try:
            try:
                await asyncio.wait_for(self._send(item), max(left, 0.001))
            except asyncio.TimeoutError:
                raise DeliveryFailed("no answer before the delivery's lease ran out") from None
        except Exception as exc:  # any failure counts against the budget, never a stuck lease
            reason = str(exc) if isinstance(exc, DeliveryFailed) else (
                f"unexpected error ({type(exc).__name__})")
            if not isinstance(exc, DeliveryFailed):
                log.error("delivery of %s by %s: unexpected %s", reference, channel,
                          type(exc).__name__)
            if attempts >= self.settings.max_attempts:
                if not await self.store.run(
                        self.store.attempt_failed, item["id"], reason, None, lease_until):
                    return self._lease_lost(item)
                self._count(channel, "failed")
                alert.error(
                    "ALERT: delivery of %s by %s failed after %d attempts and needs attention "
                    "(last error: %s); retry it from the inbox", reference, channel, attempts,
                    reason,
                )
            else:
                wait = backoff(attempts, self.settings.backoff_initial_seconds,
                               self.settings.backoff_max_seconds)
                if not await self.store.run(
                        self.store.attempt_failed, item["id"], reason, time.time() + wait,
                        lease_until):
                    return self._lease_lost(item)
                self._count(channel, "retried")
                log.info("delivery of %s by %s failed (attempt %d: %s); next try in %.1fs",
                         reference, channel, attempts, reason, wait)
            return
        if not await self.store.run(self.store.delivered, item["id"], time.time(), lease_until):
            return self._lease_lost(item)
        self._count(channel, "delivered")
        log.info("delivered %s by %s (attempt %d)", reference, channel, attempts)

    def _count(self, channel: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.attempt(channel, outcome)

    @staticmethod
    def _lease_lost(item: dict) -> None:
        log.warning("delivery of %s by %s: its lease ran out before the attempt was recorded; "
                    "it is tried again (same Idempotency-Key)", item["reference"], item["channel"])

    async def _send(self, item: dict) -> None:
        if item["document"] is None:
            raise DeliveryFailed("the application's personal data was erased")
        try:
            delivery = self.deployment.area(item["area_id"]).delivery
        except KeyError:
            raise DeliveryFailed(f"area {item['area_id']} is no longer configured") from None
        raw = item["document"].encode("utf-8")
        timeout = self.settings.timeout_seconds
        if item["channel"] == "webhook" and delivery.webhook:
            await send_webhook(
                self._http, delivery.webhook, item["reference"], item["id"], raw, timeout
            )
        elif item["channel"] == "email" and delivery.email:
            await asyncio.to_thread(
                send_email, delivery.email, json.loads(raw), raw, item["id"],
                self.deployment.service_name, timeout,
            )
        else:
            raise DeliveryFailed(f"the {item['channel']} channel is no longer configured")

    async def _retention(self) -> None:
        if time.monotonic() < self._next_retention:
            return
        self._next_retention = time.monotonic() + RETENTION_EVERY_SECONDS
        # The 2nd-report offer's links that were never used (handoff/second_report.py).
        await self.store.run(self.store.delete_expired_prefills, clock.now().timestamp())
        days = self.deployment.handoff.retention_days
        if days is None:
            return
        today = clock.today()
        erased = await self.store.run(self.store.erase_before, today - timedelta(days=days), today)
        if erased:
            log.info("erased the personal data of %d applications older than %d days",
                     erased, days)
