"""Fixtures for the stack's tests."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import pytest

from stack import Project, Settings, ensure_model, free_port
from stack.cluster import Cluster
from stack.model import ROOT
from stack.services import LOAD_TEST_LIMITS, handoff_database_env
from stack.throwaway_redis import RedisServer, start_redis
from tests.handoff.handoff_parts import Agency, make_deployment, write_deployment
from tests.live_stack import INTAKE_TOKEN, RASA_READY_TIMEOUT, TODAY, new_base

CLUSTER_REPLICAS = 2
AGENCY_SECRET_ENV = "ASB_TEST_AGENCY_WEBHOOK_SECRET"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session, on a free loopback port, saving nothing."""
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


class RunningAgency:
    """tests.handoff.handoff_parts.Agency (each Idempotency-Key taken once, the sending process
    noted) on an event loop of its own thread, for tests that are not coroutines."""

    def __init__(self):
        self.agency = Agency(secret=b"")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.run(self.agency.start())

    def run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.run(self.agency.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="session")
def agency() -> Iterator[RunningAgency]:
    running = RunningAgency()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="session")  # one cluster for the session's tests, stopped once they are done
def cluster(agency: RunningAgency) -> Iterator[Cluster]:
    """`python -m stack cluster` with two replicas on throwaway PostgreSQL and Redis; the
    handoff delivers each application to `agency` by webhook (polling every half second, a
    delivery cut off retried after 5 s)."""
    base = new_base()
    model = ensure_model(Project.assistant(), base / "train.log").path  # trains only if stale
    public = free_port()
    settings = Settings(root=ROOT, data_dir=base / "data", run_dir=base / "logs",
                        ports={"rasa": public, "widget": public, "actions": free_port(),
                               "handoff": free_port()},
                        intake_token=INTAKE_TOKEN, today=TODAY.isoformat(), cors=["*"],
                        rasa_ready_timeout=RASA_READY_TIMEOUT, limits=LOAD_TEST_LIMITS)
    deployment = make_deployment(
        handoff={"delivery": {"poll_interval_seconds": 0.5, "lease_seconds": 5,
                              "timeout_seconds": 4}},
        delivery={"webhook": {"url": agency.agency.url, "secret_env": AGENCY_SECRET_ENV}})
    (base / "agency").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        # Throwaway databases only, never a developer's own.
        for name in ("ASB_TRACKER_HOST", "ASB_REDIS_HOST", handoff_database_env()):
            patch.delenv(name, raising=False)
        patch.setenv("ASB_DEPLOYMENT", str(write_deployment(deployment, base / "agency")))
        patch.setenv(AGENCY_SECRET_ENV, uuid.uuid4().hex)
        with Cluster(settings, model, replicas=CLUSTER_REPLICAS, durable=False) as running:
            running.start()
            yield running
