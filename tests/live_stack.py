"""The running system for integration tests: the `stack` fixture's object.

One per test session (see tests/conftest.py): the model is trained once (cached under models/ by
the fingerprint of its inputs), and the action server, the Rasa server, the handoff service and the
widget server start once, in parallel, on free ports, with a temporary data folder, ASB_TODAY fixed
to a weekday in 2026 and a fixed intake token.

    def test_greets(stack):
        replies = stack.send("tester-1", "/greet", {"language": "cy"})
        stack.stop("handoff"); ...; stack.start("handoff")
        rows = stack.handoff_db().execute("select ...").fetchall()
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import threading
import time
import urllib.request
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from asb import env as asb_env
from deployment.config import DEFAULT_FILE
from stack import Project, Settings, Stack, StackError, ensure_model, free_port
from stack.model import ROOT
from stack.services import LOAD_TEST_LIMITS, SERVICES, handoff_database_env
from stack.supervisor import Supervisor

TODAY = date(2026, 3, 10)  # a Tuesday, not near a bank holiday
INTAKE_TOKEN = "test-intake-token-not-secret"
RASA_READY_TIMEOUT = 600.0  # a shared, busy machine can take minutes; alone, Rasa takes ~1 minute


def send(rasa_url: str, sender: str, message: str, metadata: dict | None = None,
         timeout: float = 60) -> list[dict]:
    """Send one message to Rasa's REST channel at `rasa_url`; the bot's replies, in order."""
    body: dict = {"sender": sender, "message": message}
    if metadata is not None:
        body["metadata"] = metadata
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def with_assistant_page(copy: Path, page: str) -> Path:
    """A copy of the deployment file (ASB_DEPLOYMENT's, else the example) with the assistant's
    page set for the 2nd-report link (`handoff.second_report.assistant_url`)."""
    data = yaml.safe_load(Path(asb_env.get("ASB_DEPLOYMENT") or DEFAULT_FILE).read_text("utf-8"))
    data.setdefault("handoff", {}).setdefault("second_report", {})["assistant_url"] = page
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


@dataclass
class RunningStack:
    rasa_url: str
    actions_url: str
    handoff_url: str
    widget_url: str
    intake_token: str
    data_dir: Path
    run_dir: Path  # the servers' logs: <name>.log
    today: date
    model: Path
    missing: dict[str, str] = field(default_factory=dict)  # services not in the tree yet
    rasa_token: str = ""  # Rasa's HTTP API needs it: `?token=` (see api_url)
    _stack: Stack | None = None
    _launcher: Launcher | None = None

    @property
    def rest_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def send(self, sender: str, message: str, metadata: dict | None = None,
             timeout: float = 60) -> list[dict]:
        """Send one message through Rasa's REST channel; the bot's replies, in order."""
        return send(self.rasa_url, sender, message, metadata, timeout)

    def parse(self, text: str, timeout: float = 30) -> dict:
        """What the served model makes of a text (Rasa's /model/parse)."""
        request = urllib.request.Request(
            self.api_url("/model/parse"), data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def api_url(self, path: str) -> str:
        """A URL of Rasa's HTTP API (e.g. "/model/parse"), with the token it needs."""
        joiner = "&" if "?" in path else "?"
        return f"{self.rasa_url}{path}{joiner}token={self.rasa_token}"

    def stop(self, name: str) -> None:
        """Stop one service ("rasa", "actions", "handoff", "widget")."""
        self._checked(name).stop(name)

    def start(self, name: str) -> None:
        """Start one service again and wait until it is ready."""
        self._checked(name).start(name)

    def running(self, name: str) -> bool:
        return self._checked(name).running(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send `sig` to one service's process, as a crash or the OOM killer would; its pid."""
        process = self._checked(name).processes[name]
        assert process.popen is not None and process.running, f"{name} is not running"
        os.kill(process.popen.pid, sig)
        return process.popen.pid

    def supervisor(self, names: tuple[str, ...], say) -> Supervisor:
        """What `make run` does for these services: restart them when they die (tick() it
        from the main thread, which outlives the processes it starts)."""
        return Supervisor({name: self._checked(name).processes[name] for name in names}, say)

    def _checked(self, name: str) -> Stack:
        if name not in SERVICES:
            raise ValueError(f"unknown service {name!r}; choose from {', '.join(SERVICES)}")
        if name in self.missing:
            raise StackError(f"{name} is not in the tree yet: {self.missing[name]}")
        assert self._stack is not None
        return self._stack

    @property
    def handoff_db_path(self) -> Path:
        """The handoff service's SQLite database in this run's data folder."""
        assert self._stack is not None
        return self._stack.settings.handoff_db

    def handoff_db(self) -> sqlite3.Connection:
        """A read-only connection to the handoff service's database (stored applications)."""
        path = self.handoff_db_path
        if not path.exists():
            raise StackError(f"the handoff service has no database at {path} yet")
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        return connection

    def close(self) -> None:
        if self._launcher is not None:
            self._launcher.close()


ARTIFACTS = ROOT / "test-artifacts" / "stack"  # kept after the run (pytest's tmp is rotated)


def new_base(keep: int = 5) -> Path:
    """A fresh folder for one session's data and logs; only the newest `keep` are kept."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in sorted(ARTIFACTS.iterdir())[: -(keep - 1) or None]:
        shutil.rmtree(old, ignore_errors=True)
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    number = 0
    while True:  # the stack's and the cluster's may be made in the same second
        base = ARTIFACTS / (f"{stem}-{number}" if number else stem)
        try:
            base.mkdir()
            return base
        except FileExistsError:
            number += 1


class Launcher:
    """Starts the stack in two steps, so the model trains and loads while other tests run.

    begin() (from the main thread) starts the servers that need no model, and a background
    thread that trains the model if it is stale and then starts Rasa. finish() waits until all
    are ready. The thread lives until close(): Linux ties the parent-death signal that stops Rasa
    if this process dies to the thread that started it.
    """

    def __init__(self, base: Path, project: Project | None = None):
        self.project = project or Project.assistant()
        data_dir, run_dir = base / "data", base / "logs"
        self.settings = Settings(
            root=ROOT,
            data_dir=data_dir,
            run_dir=run_dir,
            ports={name: free_port() for name in SERVICES},
            intake_token=INTAKE_TOKEN,
            today=TODAY.isoformat(),
            cors=["*"],
            rasa_ready_timeout=RASA_READY_TIMEOUT,
            rasa_api=True,  # with a new token: the tests read trackers and parse through it
            limits=LOAD_TEST_LIMITS,  # every test talks from 127.0.0.1, as fast as it can
            # Never a developer's own database, even if their environment names one.
            extra_env={handoff_database_env(): f"sqlite:///{data_dir / 'handoff.sqlite3'}"},
        )
        # The 2nd-report answers link to the widget's page (the assistant's page in tests).
        self.settings.extra_env["ASB_DEPLOYMENT"] = str(with_assistant_page(
            base / "deployment.yml", self.settings.url("widget") + "/"))
        self.stack = Stack(self.settings)
        self.started: list = []
        self.rasa: Future | None = None  # (TrainResult, [the Rasa process])
        self._closing = threading.Event()
        self._lock = threading.Lock()

    def begin(self) -> None:
        missing = self.stack.missing()
        try:
            self.started = self.stack.launch(
                *[n for n in SERVICES if n != "rasa" and n not in missing])
        except BaseException:
            self.close()
            raise
        self.rasa = rasa = Future()

        def train_and_start_rasa() -> None:
            try:
                trained = ensure_model(self.project, self.settings.run_dir / "train.log")
                with self._lock:
                    if self._closing.is_set():
                        raise StackError("the test session ended before Rasa started")
                    self.stack.use_model(trained.path)
                    rasa.set_result((trained, self.stack.launch("rasa")))
            except BaseException as exc:  # handed to finish()
                rasa.set_exception(exc)
                return
            self._closing.wait()

        # A daemon thread: a session that ends early does not wait for it (and its `rasa train`
        # gets SIGTERM as the thread goes, see stack.environment.die_with_parent).
        threading.Thread(target=train_and_start_rasa, name="rasa", daemon=True).start()

    def finish(self) -> RunningStack:
        if self.rasa is None:
            self.begin()
        assert self.rasa is not None
        settings, stack = self.settings, self.stack
        handle = RunningStack(
            rasa_url=settings.url("rasa"),
            actions_url=settings.url("actions"),
            handoff_url=settings.url("handoff"),
            widget_url=settings.url("widget"),
            intake_token=INTAKE_TOKEN,
            data_dir=settings.data_dir,
            run_dir=settings.run_dir,
            today=TODAY,
            model=Path(),
            missing=stack.missing(),
            rasa_token=settings.rasa_token or "",
            _stack=stack,
            _launcher=self,
        )
        try:
            trained, rasa = self.rasa.result()  # StackError if inputs are missing or it failed
            handle.model = trained.path
            handle.missing.pop("rasa", None)
            stack.wait_ready(self.started + rasa)
        except BaseException:
            self.close()
            raise
        return handle

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            self.stack.stop()


def start_stack(base: Path, project: Project | None = None) -> RunningStack:
    """Train if stale and start every service that is in the tree; the caller must close().

    `project` is the assistant by default (another one only to try the stack itself).
    """
    return Launcher(base, project).finish()
