"""Real parts for the handoff tests (conftest.py turns them into fixtures): a throwaway PostgreSQL
cluster (Debian's initdb/pg_ctl, run as the unprivileged `postgres` user), the service on a free
loopback port, a webhook receiver (aiohttp) and a mailbox for an SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web

from deployment.config import DEFAULT_FILE, Deployment
from handoff.app import create_app
from handoff.store import Store
from handoff.throwaway_postgres import PostgresCluster, free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "handoff" / "schema" / "application.v1.example.json"


def example_application(**changes) -> dict:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document.update(changes)
    return document


def make_deployment(handoff: dict | None = None, delivery: dict | None = None,
                    extra_area: bool = False) -> Deployment:
    """The example deployment file with fast delivery settings, plain-HTTP cookies for the test
    client, and the given delivery channels for the first area."""
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    settings = data.setdefault("handoff", {})
    settings["delivery"] = {
        "max_attempts": 20, "backoff_initial_seconds": 0.05, "backoff_max_seconds": 0.2,
        "poll_interval_seconds": 0.05, "lease_seconds": 2, "timeout_seconds": 3,
    } | ((handoff or {}).pop("delivery", {}))
    settings["session"] = {"cookie_secure": False}
    settings.update(handoff or {})
    data["areas"][0]["delivery"] = delivery or {}
    if extra_area:
        second = copy.deepcopy(data["areas"][0])
        second.update(id="othertown", name="Othertown", delivery={})
        data["areas"].append(second)
    return Deployment.parse_obj(data)


# -- PostgreSQL ------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str
    url: str
    name: str = ""
    cluster: PostgresCluster | None = None


# -- the service -----------------------------------------------------------------------------


@dataclass
class Service:
    url: str
    token: str
    store: Store
    deployment: Deployment
    runner: web.AppRunner

    def headers(self, key: str | None = None) -> dict:
        out = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        if key is not None:
            out["Idempotency-Key"] = key
        return out

    async def submit(self, http: aiohttp.ClientSession, document: dict | bytes | str,
                     key: str | None = None, headers: dict | None = None):
        body = document if isinstance(document, (bytes, str)) else json.dumps(document)
        key = key if key is not None else uuid.uuid4().hex
        async with http.post(f"{self.url}/api/v1/applications", data=body,
                             headers=headers or self.headers(key)) as response:
            return response.status, await response.json()


async def start_service(deployment: Deployment, store: Store, worker: bool = True) -> Service:
    token = uuid.uuid4().hex
    runner = web.AppRunner(create_app(deployment, store, token, worker=worker))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return Service(f"http://127.0.0.1:{port}", token, store, deployment, runner)


# -- the agency's side -----------------------------------------------------------------------


@dataclass
class Receiver:
    """The agency's case management system: records every webhook request it gets."""

    secret: bytes
    port: int = field(default_factory=free_port)
    requests: list = field(default_factory=list)
    fail_next: int = 0  # answer 500 to this many requests first
    hang_next: int = 0  # never answer this many requests
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/asb/applications"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append({"headers": dict(request.headers), "body": body})
        if self.hang_next:
            self.hang_next -= 1
            await asyncio.sleep(3600)
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500)
        return web.Response(status=202)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/asb/applications", self._handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()
            self.runner = None


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 OK"



@contextlib.contextmanager
def database_down(database: Database):
    """Make the database unavailable to the service for a while: SQLite locked by another
    process's exclusive transaction; PostgreSQL refusing connections, the open ones cut."""
    if database.kind == "sqlite":
        path = database.url.removeprefix("sqlite:///")
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    database.cluster.admin(f"ALTER DATABASE {database.name} WITH ALLOW_CONNECTIONS false")
    database.cluster.admin(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database.name}'"
    )
    try:
        yield
    finally:
        database.cluster.admin(f"ALTER DATABASE {database.name} WITH ALLOW_CONNECTIONS true")


@dataclass
class ServiceProcess:
    """`python -m handoff serve` as a real process."""

    process: subprocess.Popen
    url: str
    token: str

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def write_deployment(deployment: Deployment, folder: Path) -> Path:
    path = folder / "deployment.yml"
    path.write_text(yaml.safe_dump(json.loads(deployment.json())), encoding="utf-8")
    return path


async def serve_process(deployment: Deployment, folder: Path, env: dict) -> ServiceProcess:
    """Start the service as its own process in `folder` (its data folder is there) and wait
    until /healthz answers."""
    port = free_port()
    token = env.get("HANDOFF_INTAKE_TOKEN", "")
    process = subprocess.Popen(
        [sys.executable, "-m", "handoff", "--deployment",
         str(write_deployment(deployment, folder)), "serve", "--port", str(port)],
        cwd=folder, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=open(folder / "serve.log", "ab"), stderr=subprocess.STDOUT,
    )
    service = ServiceProcess(process, f"http://127.0.0.1:{port}", token)

    async def healthy():
        if process.poll() is not None:
            raise AssertionError((folder / "serve.log").read_text())
        try:
            async with aiohttp.ClientSession() as http, http.get(f"{service.url}/healthz") as r:
                return r.status == 200
        except aiohttp.ClientError:
            return False

    try:
        await eventually(healthy, timeout=30, every=0.2)
    except BaseException:
        service.stop()
        raise
    return service


async def eventually(check, timeout: float = 15.0, every: float = 0.05):
    """Wait until check() is truthy (check may be a coroutine function); return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout}s")
        await asyncio.sleep(every)
