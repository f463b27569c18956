"""Prometheus metrics of the handoff service, at GET /metrics (the text format Prometheus reads).

Counted by this process since it started (each process of a cluster is scraped on its own):

- `handoff_intake_seconds{status}`: time to answer POST /api/v1/applications, by status code;
- `handoff_applications_stored_total{language}`: applications stored (not replays of a key);
- `handoff_delivery_attempts_total{channel,outcome}`: delivered, retried (failed, tried again
  later) or failed (out of retries).

Read from the database at each scrape (the same on every process):

- `handoff_deliveries{state}`: deliveries pending, delivered and failed now;
- `handoff_database_up`: 1 if that read worked.

Labels hold only codes (a status, a language of the deployment's list, a channel), never what an
applicant wrote.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from handoff.store import Store, deliveries
from languages import CODES

log = logging.getLogger("handoff.metrics")
INTAKE_PATH = "/api/v1/applications"
STATES = ("pending", "delivered", "failed")


def language_label(language: object) -> str:
    """A language code of the registry's, or "other": a label never holds free text."""
    return language if isinstance(language, str) and language in CODES else "other"


class _DeliveryStates:
    """A collector reading the outbox at scrape time (a custom prometheus_client collector)."""

    def __init__(self, store: Store):
        self.store = store

    def collect(self) -> Iterator[Metric]:
        states = GaugeMetricFamily("handoff_deliveries", "Deliveries in the outbox, by state",
                                   labels=["state"])
        up = GaugeMetricFamily("handoff_database_up", "1 if the database answered this scrape")
        try:
            with self.store.engine.connect() as conn:
                counts = dict(conn.execute(select(deliveries.c.state, func.count())
                                           .group_by(deliveries.c.state)).all())
        except Exception as exc:  # a scrape still answers, saying the database did not
            log.warning("metrics: the outbox could not be read (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        for state in STATES:
            states.add_metric([state], counts.get(state, 0))
        up.add_metric([], 1)
        yield states
        yield up


class Metrics:
    """One registry per application (so tests can run several services in one process)."""

    def __init__(self, store: Store):
        self.registry = CollectorRegistry(auto_describe=True)
        self.intake_seconds = Histogram(
            "handoff_intake_seconds", "Time to answer an intake request, by status code",
            ["status"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.applications_stored = Counter(
            "handoff_applications_stored", "Applications stored, by the conversation's language",
            ["language"], registry=self.registry)
        self.delivery_attempts = Counter(
            "handoff_delivery_attempts", "Delivery attempts, by channel and outcome "
            "(delivered, retried, failed)", ["channel", "outcome"], registry=self.registry)
        self.registry.register(_DeliveryStates(store))

    def stored(self, language: object) -> None:
        self.applications_stored.labels(language_label(language)).inc()

    def attempt(self, channel: str, outcome: str) -> None:
        self.delivery_attempts.labels(channel, outcome).inc()

    async def exposition(self) -> bytes:
        """The text a scrape gets; on a thread, as the outbox is read from the database."""
        return await asyncio.to_thread(generate_latest, self.registry)


METRICS = web.AppKey("metrics", Metrics)


@web.middleware
async def time_intake(request: web.Request, handler) -> web.StreamResponse:
    if request.path != INTAKE_PATH or request.method != "POST":
        return await handler(request)
    began = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        request.app[METRICS].intake_seconds.labels(str(status)).observe(
            time.perf_counter() - began)


async def metrics(request: web.Request) -> web.Response:
    body = await request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST,
                                            "Cache-Control": "no-store"})
