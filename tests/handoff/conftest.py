"""Fixtures for the handoff tests; the parts they use are in handoff_parts.py, the caseworker's
steps in caseworker.py, the fuzz tests' strategies in fuzz_parts.py."""

from __future__ import annotations

import uuid

import aiohttp
import pytest
from aiosmtpd.controller import Controller

from handoff.store import Store
from stack.throwaway_postgres import PostgresCluster, free_port
from tests.handoff.handoff_parts import (
    TODAY,
    Database,
    Mailbox,
    Receiver,
    Service,
    make_deployment,
    start_service,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def database(request, tmp_path) -> Database:
    """A fresh, empty database: a SQLite file, or a new database in the PostgreSQL cluster.
    Tests that take it run once on each."""
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path / 'handoff.sqlite3'}")
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    name = "t_" + uuid.uuid4().hex[:12]
    cluster.admin(f"CREATE DATABASE {name}")
    yield Database("postgresql", cluster.url(name), name, cluster)
    cluster.admin(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def store(database) -> Store:
    made = Store(database.url)
    made.migrate()
    yield made
    made.close()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def fixed_today(monkeypatch):
    """Today is the handoff tests' day, TODAY (10 March 2026), for the service in this process
    (modules that need it use it with `pytest.mark.usefixtures("fixed_today")`)."""
    monkeypatch.setenv("ASB_TODAY", TODAY)


@pytest.fixture
async def browser():
    """A caseworker's browser: a client that keeps the inbox's cookies for 127.0.0.1."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


@pytest.fixture
async def receiver(monkeypatch):
    """The agency's webhook endpoint; its secret is in TEST_AGENCY_WEBHOOK_SECRET."""
    made = Receiver(secret=uuid.uuid4().hex.encode())
    monkeypatch.setenv("TEST_AGENCY_WEBHOOK_SECRET", made.secret.decode())
    yield made
    await made.stop()


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free port, collecting what it is sent."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
async def launch(store):
    """Start the service (in this process, on a free port) on the test's store."""
    started = []

    async def go(deployment=None, worker: bool = True) -> Service:
        service = await start_service(deployment or make_deployment(), store, worker)
        started.append(service)
        return service

    yield go
    for service in started:
        await service.runner.cleanup()
