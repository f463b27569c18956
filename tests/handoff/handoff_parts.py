"""Real parts for the handoff tests (conftest.py turns them into fixtures): a throwaway PostgreSQL
cluster (Debian's initdb/pg_ctl, run as the unprivileged `postgres` user), the service on a free
loopback port or as its own process, the CLI as a process, a webhook receiver (aiohttp) and a
mailbox for an SMTP server (aiosmtpd); and what the tests send: the example application and
deployment (with an escalation procedure, with the assistant's page), submissions to the store,
the applicant's escalation request."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web

from deployment.config import DEFAULT_FILE, Deployment
from handoff.app import create_app
from handoff.document import complete
from handoff.store import Store, Submission
from stack.throwaway_postgres import PostgresCluster, free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "handoff" / "schema" / "application.v1.example.json"
# The handoff tests' day (the `fixed_today` fixture sets it), 10 March 2026: a Tuesday; Good
# Friday is 3 April 2026 and Easter Monday 6 April, inside the escalation windows counted from it.
TODAY = "2026-03-10"


def example_application(**changes) -> dict:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document.update(changes)
    return document


# The applicant's own words in each language the tests use, as they would type them.
OWN_WORDS = {
    "pl": {"applicant": "Katarzyna Nowak", "victim": "Zofia Nowak",
           "impact": "Nie mogę spać i boję się wychodzić z domu.",
           "safe_times": None, "relationship": "family", "preferred": "text"},
    "ur": {"applicant": "عائشہ خان", "victim": "فاطمہ بی بی",
           "impact": "میں رات کو سو نہیں سکتی اور گھر سے باہر جانے سے ڈرتی ہوں۔",
           "safe_times": "شام چھ بجے کے بعد", "relationship": "carer", "preferred": "phone"},
}


def consent_shown(language: str) -> str:
    """The consent wording the assistant shows in `language` (for the example's area)."""
    # Imported here: only the language tests need the assistant's action code (and rasa_sdk).
    from assistant.actions.application_form import consent_wording

    return consent_wording(language)


def application_in(language: str) -> dict:
    """The example application as the assistant sends it from a conversation in `language`
    (pl or ur): names and impact in the applicant's words, the relationship (and the safe
    times, where no words of their own are given) as the title of the button chosen, and the
    consent wording as the assistant showed it, made by the assistant's own functions."""
    from assistant.actions.application_form import consent_wording_in_english, wording_version
    from assistant.actions.choices import title_id
    from assistant.actions.messages import render

    words = OWN_WORDS[language]
    document = example_application(language=language)
    wording = consent_shown(language)
    document["applicant"] |= {
        "name": words["applicant"],
        "relationship": render(language, title_id(words["relationship"])),
    }
    document["victim"] |= {
        "name": words["victim"],
        "interpreter_language": language,
        "vulnerabilities": None,
        "accessibility_needs": None,
        "contact": document["victim"]["contact"] | {
            "preferred": words["preferred"],
            "safe_times": words["safe_times"] or render(language, title_id("any_time")),
            "do_not_call": False,
        },
    }
    document["impact"] = words["impact"]
    document["consent"] |= {"wording": wording, "wording_version": wording_version(wording),
                            "wording_in_english": consent_wording_in_english(language, wording),
                            "language": language}
    return document


class _Holders(HTMLParser):
    """Each piece of text in a page, with the attributes of the element holding it."""

    def __init__(self):
        super().__init__()
        self.open: list[dict] = [{}]
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "input", "meta", "link"):
            self.open.append(dict(attrs, tag=tag))

    def handle_endtag(self, tag):
        if len(self.open) > 1:
            self.open.pop()

    def handle_data(self, data):
        if data.strip():
            self.found.append((data.strip(), self.open[-1]))


def holder_of(html: str, text: str) -> dict:
    """The attributes (and `tag`) of the element whose own text is exactly `text`."""
    parser = _Holders()
    parser.feed(html)
    held = [attrs for data, attrs in parser.found if data == text]
    assert held, f"{text!r} is not the whole text of any element"
    return held[0]


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


def with_escalation(escalation: dict | None = None, status: dict | None = None,
                    delivery: dict | None = None) -> Deployment:
    """The example deployment (fast delivery), its first area's escalation procedure set."""
    base = json.loads(make_deployment(delivery=delivery).json())
    if escalation is not None:
        base["areas"][0]["procedure"]["escalation"] = escalation
    if status is not None:
        base["handoff"]["status"] = status
    return Deployment.parse_obj(base)


ASSISTANT = "https://www.example.gov.uk/asb-case-review"
# Reported to the police on 6 January and to the council on 2 March 2026 (the inbox tests' day is
# 10 March).
TWO = [{"reported_on": "2026-01-06", "reported_to": ["police"]},
       {"reported_on": "2026-03-02", "reported_to": ["council"], "occurred_on": "2026-03-01"}]


def with_assistant(**second_report) -> Deployment:
    """The example deployment with the assistant's page for the 2nd-report link."""
    return make_deployment(handoff={"second_report": {"assistant_url": ASSISTANT,
                                                      **second_report}})


# -- the store -------------------------------------------------------------------------------

AREA = make_deployment().area("anytown")
SUBMITTED = datetime(2026, 3, 10, 14, 5, tzinfo=timezone.utc)


def submission(key: str, channels=("webhook", "email"), when=SUBMITTED) -> Submission:
    return Submission(key, "anytown", complete(example_application(), AREA, when),
                      list(channels), time.time())


def submit(store: Store, key: str, channels=("webhook", "email"), when=SUBMITTED):
    return store.submit(submission(key, channels, when))


def other(key: str) -> Submission:
    """Another application under `key` (a different victim)."""
    document = example_application()
    document["victim"] = document["victim"] | {"name": "Robin Other"}
    return Submission(key, "anytown", complete(document, AREA, SUBMITTED), ["webhook"],
                      time.time())


def at_once(work, times: int) -> tuple[list, list]:
    """Call `work` on `times` threads at once: (what the calls returned, what they raised)."""
    results, errors = [], []

    def go():
        try:
            results.append(work())
        except Exception as exc:  # collected for the caller to assert
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


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


# -- the applicant's requests ----------------------------------------------------------------


async def apply(service: Service, http: aiohttp.ClientSession) -> str:
    """Send the example application; its reference."""
    status, answer = await service.submit(http, example_application())
    assert status == 201, answer
    return answer["reference"]


def typed(reference: str) -> str:
    """As someone types it: lower case, hyphens gone, a space in the middle."""
    compact = reference.replace("-", "").lower()
    return compact[:7] + " " + compact[7:]


def request_body(reference: str, **changes) -> dict:
    """The applicant's escalation request for the example application (`reference`, as typed)."""
    body = {"schema_version": "1", "reference": typed(reference), "postcode": "an1 2bb",
            "requested_by": "applicant", "grounds": ["A", "C"],
            "reasons": "They did not count the police reports I made in January.",
            "consent": {"given": True, "wording_version": "escalation-1"}, "language": "en"}
    body.update(changes)
    return body


async def escalate(service: Service, http: aiohttp.ClientSession, body: dict,
                   key: str | None = None):
    async with http.post(f"{service.url}/api/v1/escalations", data=json.dumps(body),
                         headers=service.headers(key or uuid.uuid4().hex)) as response:
        return response.status, await response.json()


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


def port_owners(pids: dict[str, int]) -> dict[int, str]:
    """{local TCP port: name} for the sockets of the named processes (from /proc)."""
    inodes = {}
    for name, pid in pids.items():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except FileNotFoundError:  # that process is gone
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:  # closed meanwhile
                continue
            if target.startswith("socket:["):
                inodes[target[len("socket:["):-1]] = name
    owners = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[9] in inodes:
                    owners[int(fields[1].rsplit(":", 1)[1], 16)] = inodes[fields[9]]
    return owners


@dataclass
class Agency(Receiver):
    """The agency's case management system: takes each application once by its Idempotency-Key
    (a key seen before is answered 200 and counted as a repeat), answers after `delay` seconds,
    and notes which handoff process sent each request."""

    delay: float = 0.2
    senders: dict = field(default_factory=dict)  # name: pid
    accepted: dict = field(default_factory=dict)  # key: sender
    sent: list = field(default_factory=list)  # (key, sender) of each request
    in_flight: Counter = field(default_factory=Counter)  # sender: unanswered requests
    owners: dict = field(default_factory=dict)  # local port of a sender's socket: its name
    looking: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def sender_of(self, request: web.Request) -> str:
        """Which process sent it: its port looked up among the senders' sockets (read again,
        off the event loop, only for a connection not seen before)."""
        port = request.transport.get_extra_info("peername")[1]
        async with self.looking:
            if port not in self.owners:
                self.owners |= await asyncio.to_thread(port_owners, self.senders)
            if port not in self.owners:
                # A killed process's sockets are gone from /proc before its last requests are
                # read here: a port no living sender owns is the one sender that has died.
                dead = [name for name, pid in self.senders.items()
                        if not os.path.exists(f"/proc/{pid}")
                        or _zombie(pid)]
                if len(dead) == 1:
                    self.owners[port] = dead[0]
        return self.owners.get(port, "unknown")

    async def _handle(self, request: web.Request) -> web.Response:
        await request.read()
        key, sender = request.headers["Idempotency-Key"], await self.sender_of(request)
        self.sent.append((key, sender))
        seen = key in self.accepted
        self.accepted.setdefault(key, sender)
        self.in_flight[sender] += 1
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight[sender] -= 1
        return web.Response(status=200 if seen else 202)


def _zombie(pid: int) -> bool:
    """Whether the process has exited and waits to be reaped (its /proc entry stays till then)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def all_delivered(url: str, references) -> bool:
    store = Store(url)
    try:
        states = [d["state"] for reference in references for d in store.deliveries_of(reference)]
    finally:
        store.close()
    return len(states) == len(references) and set(states) == {"delivered"}


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


def no_handoff_env() -> dict:
    """This process's environment without the handoff service's own settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("ASB_HANDOFF_INTAKE_TOKEN", "ASB_HANDOFF_DATABASE_URL", "ASB_DEPLOYMENT")}
    return env | {"PYTHONPATH": str(ROOT)}


def handoff(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    """`python -m handoff ARGS` as a real process in `cwd`, without the handoff settings of the
    test's environment."""
    return subprocess.run([sys.executable, "-m", "handoff", *args], input=stdin, text=True,
                          capture_output=True, cwd=cwd, env=no_handoff_env(), timeout=60)


def write_deployment(deployment: Deployment, folder: Path) -> Path:
    path = folder / "deployment.yml"
    path.write_text(yaml.safe_dump(json.loads(deployment.json())), encoding="utf-8")
    return path


async def serve_process(deployment: Deployment, folder: Path, env: dict) -> ServiceProcess:
    """Start the service as its own process in `folder` (its data folder is there) and wait
    until /healthz answers."""
    port = free_port()
    token = env.get("ASB_HANDOFF_INTAKE_TOKEN", "")
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
