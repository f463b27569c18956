"""The running system: the action server, the Rasa server, the handoff service and the widget
server, with the environment that ties them together.

    settings = Settings.for_run(ports=DEFAULT_PORTS)
    with Stack(settings, model=ensure_model(Project.assistant()).path) as stack:
        stack.start()            # all four, in parallel, each checked for readiness
        stack.stop("handoff")    # one at a time for tests
        stack.start("handoff")
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from asb import env as asb_env
from stack.environment import WAIT_FOR_MODEL, child_environment
from stack.model import ROOT, StackError
from stack.processes import ManagedProcess, ServiceSpec, wait_all_ready

SERVICES = ("actions", "handoff", "rasa", "widget")
TF_THREADS = ("TF_INTER_OP_PARALLELISM_THREADS", "TF_INTRA_OP_PARALLELISM_THREADS")
DEFAULT_PORTS = {"rasa": 5005, "actions": 5055, "handoff": 5056, "widget": 8080}
DEFAULT_TOKEN_ENV = "ASB_HANDOFF_INTAKE_TOKEN"
# Logging without personal data, for Rasa and the action server (stack/log_privacy.py).
LOGGING_CONFIG = str(Path(__file__).resolve().parent / "log_privacy.yml")
# Limits for tests and benchmarks: every simulated user comes from 127.0.0.1, as fast as it can.
LOAD_TEST_LIMITS = {"conversation_messages_per_minute": 100_000,
                    "address_requests_per_minute": 1_000_000}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _deployment_setting(section: str, key: str, default):
    """A key of a deployment section (e.g. handoff.intake_token_env), or the default."""
    try:
        from deployment import load_deployment

        part = getattr(load_deployment(), section)
    except Exception:  # the deployment file is checked, with a clear message, by each service
        return default
    value = part.get(key) if isinstance(part, dict) else getattr(part, key, None)
    return value or default


def _handoff_setting(key: str, default: str) -> str:
    return _deployment_setting("handoff", key, default)


def intake_token_env() -> str:
    """The name of the env var holding the intake token (deployment `handoff.intake_token_env`)."""
    return _handoff_setting("intake_token_env", DEFAULT_TOKEN_ENV)


def handoff_database_env() -> str:
    """The name of the env var holding the handoff database URL (`handoff.database_url_env`)."""
    return _handoff_setting("database_url_env", "ASB_HANDOFF_DATABASE_URL")


# A cluster's Rasa server calls its own action server (ASB_ACTION_ENDPOINT_URL) and, only when
# that one cannot be reached, this one: the balancer's action frontend (stack/paired_actions.py).
ACTION_ENDPOINT_ENV, ACTION_FALLBACK_ENV = "ASB_ACTION_ENDPOINT_URL", "ASB_ACTION_FALLBACK_URL"


@dataclass
class Settings:
    """Everything that differs between `make run`, the tests and the benchmark."""

    root: Path
    data_dir: Path  # databases (tracker store, handoff) live here
    run_dir: Path  # this run's logs
    ports: dict[str, int]
    host: str = "127.0.0.1"
    intake_token: str = ""
    today: str | None = None  # the test clock for every child (asb/env.py); None: the real date
    cors: list[str] = field(default_factory=list)
    rasa_ready_timeout: float = 180.0
    # Rasa's HTTP API (/conversations, /model, /status) is on only with a token: this one, or a
    # new one when `rasa_api` asks for the API (the tests read trackers through it).
    rasa_token: str | None = None
    rasa_api: bool = False
    # The deployment's `limits` section for this run's Rasa server, key by key (e.g. higher
    # rates for tests and benchmarks that send everything from one address); None: as deployed.
    limits: dict[str, int] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    # `python -m <this> run ...`: Rasa with our faster action-reply check (stack/rasa_server.py);
    # the benchmark's bare assistant runs plain "rasa".
    rasa_module: str = "stack.rasa_server"
    # The Rasa server's endpoints file (tests give one with the Redis lock store).
    endpoints: str = "endpoints.yml"
    # Where processes listen when it is not where the others reach them (`ports`): a replica of
    # the cluster behind its balancer (stack/cluster.py).
    listen_ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rasa_api and not self.rasa_token:
            self.rasa_token = secrets.token_urlsafe(32)

    @classmethod
    def for_run(cls, ports: dict[str, int] | None = None, data_dir: Path | None = None) -> Settings:
        """`make run`: default ports, data/ in the repository (or ASB_DATA_DIR), a token from the
        env or a new one."""
        data_dir = Path(data_dir or asb_env.get("ASB_DATA_DIR") or ROOT / "data").resolve()
        run_dir = data_dir / "runs" / time.strftime("%Y%m%d-%H%M%S")
        ports = dict(ports or DEFAULT_PORTS)
        token = asb_env.get(intake_token_env()) or secrets.token_urlsafe(32)
        widget_origins = [f"http://{name}:{ports['widget']}" for name in ("localhost", "127.0.0.1")]
        # The sites that embed the widget call Rasa from the browser too.
        extra_origins = [*_deployment_setting("widget", "allowed_origins", []),
                         *(asb_env.get("ASB_CORS_ORIGINS") or "").split()]
        return cls(root=ROOT, data_dir=data_dir, run_dir=run_dir, ports=ports,
                   host=asb_env.get("ASB_BIND", "127.0.0.1"), intake_token=token,
                   today=asb_env.fixed_today(), cors=widget_origins + extra_origins,
                   rasa_token=asb_env.get("ASB_RASA_AUTH_TOKEN"),
                   rasa_ready_timeout=asb_env.number("ASB_RASA_READY_TIMEOUT", 180.0))

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def listen_port(self, name: str) -> int:
        return self.listen_ports.get(name, self.ports[name])

    def listen_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.listen_port(name)}"

    def rasa_environment(self) -> dict[str, str]:
        """What only the Rasa server gets: JSON logs (so stack/log_privacy.py can clean them),
        Sanic's read timeout and body size, and this run's limits if they differ."""
        env = {
            "FORCE_JSON_LOGGING": "1",
            # Seconds to receive a request's headers and body: a slow client is cut off.
            "SANIC_REQUEST_TIMEOUT": os.environ.get("SANIC_REQUEST_TIMEOUT", "15"),
            # The largest body Sanic reads (the channels refuse far less: 413 with a JSON error).
            "SANIC_REQUEST_MAX_SIZE": os.environ.get("SANIC_REQUEST_MAX_SIZE", str(2 ** 20)),
        }
        # TensorFlow runs each of the server's predictions (one message: small matrices) on one
        # thread, not split over a pool per core: Rasa's event loop waits for it either way, and
        # Rasa servers sharing cores paid for the pools' hand-offs (6% more messages a second
        # with two on two cores, docs/stack.md). Read by Rasa (rasa/utils/tensorflow).
        for name in TF_THREADS:
            env[name] = os.environ.get(name, "1")
        if self.limits:
            env["ASB_DEPLOYMENT"] = str(self.deployment_with_limits())
        return env

    def deployment_with_limits(self) -> Path:
        """A copy of the deployment file with this run's `limits`, in the run's log folder."""
        from deployment.config import DEFAULT_FILE, load_deployment

        source = Path(asb_env.get("ASB_DEPLOYMENT") or DEFAULT_FILE)
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        data["limits"] = {**(data.get("limits") or {}), **(self.limits or {})}
        self.run_dir.mkdir(parents=True, exist_ok=True)
        copy = self.run_dir / "deployment.yml"
        copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        load_deployment(copy)  # a wrong limit is named now, not in Rasa's log
        return copy

    @property
    def tracker_db(self) -> Path:
        return self.data_dir / "tracker.db"

    @property
    def handoff_db(self) -> Path:
        """The handoff service's SQLite file, unless its env var names another database."""
        return self.data_dir / "handoff.sqlite3"

    def environment(self) -> dict[str, str]:
        """The env vars every child gets (documented in docs/stack.md)."""
        env = {
            "PYTHONPATH": str(self.root),
            "ASB_DATA_DIR": str(self.data_dir),
            intake_token_env(): self.intake_token,
            ACTION_ENDPOINT_ENV: f"{self.url('actions')}/webhook",
            "ASB_TRACKER_DB": str(self.tracker_db),
            "ASB_RASA_URL": self.url("rasa"),
            "ASB_HANDOFF_URL": self.url("handoff"),  # read by assistant/actions/service.py
            "ASB_WIDGET_URL": self.url("widget"),
        }
        # Sanic closes idle keep-alive connections after 5 s, while aiohttp clients (Rasa calling
        # the action server, the widget's and the benchmark's clients) keep them 15 s: a request
        # sent on a connection the server is closing fails ("Cannot write to closing transport").
        # The server must keep them longer than the client.
        env["SANIC_KEEP_ALIVE_TIMEOUT"] = os.environ.get("SANIC_KEEP_ALIVE_TIMEOUT", "75")
        if self.today:  # the test clock (asb/env.py)
            env.update(asb_env.clock_fixed_on(self.today))
        if not asb_env.get(handoff_database_env()):  # a deployment's PostgreSQL wins
            env[handoff_database_env()] = f"sqlite:///{self.handoff_db}"
        env.update(self.extra_env)
        return child_environment(env)


# name: (module and arguments after `python -m`, readiness path, seconds to get ready, file that
# must exist in the tree, who builds it). The port and host arguments are added below.
_PYTHON_SERVICES = {
    # rasa_sdk's server with /healthz, /readyz and /metrics (assistant/action_server.py).
    "actions": (["assistant.action_server", "--actions", "assistant.actions",
                 "--logging-config_file", "{logging}", "-p"], "/readyz", 90,
                "assistant/actions/__init__.py", "dialogue engineer"),
    "handoff": (["handoff", "serve", "--host", "{host}", "--port"], "/readyz", 60,
                "handoff/__main__.py", "handoff engineer"),
    "widget": (["web_widget", "serve", "--host", "{host}", "--port"], "/readyz", 60,
               "web_widget/__main__.py", "widget engineer"),
}


def service_specs(settings: Settings, model: Path | None) -> dict[str, ServiceSpec]:
    env = dict(settings.environment(), SANIC_HOST=settings.host)  # rasa_sdk reads SANIC_HOST
    py = sys.executable
    port = settings.listen_port
    specs = {}
    for name, (args, health, timeout, required, owner) in _PYTHON_SERVICES.items():
        argv = [py, "-m", *(a.format(host=settings.host, logging=LOGGING_CONFIG) for a in args),
                str(port(name))]
        specs[name] = ServiceSpec(name=name, argv=argv, port=port(name),
                                  health_url=settings.listen_url(name) + health,
                                  ready_timeout=timeout, env=env, requires=(required,),
                                  owner=owner)
    if model is not None:
        argv = [py, "-m", settings.rasa_module, "run", "-i", settings.host,
                "-p", str(port("rasa")), "-m", str(model),
                "--endpoints", settings.endpoints, "--credentials", "credentials.yml",
                "--logging-config-file", LOGGING_CONFIG]
        if settings.cors:
            argv += ["--cors", *settings.cors]
        # Rasa's HTTP API (/status, /conversations, /model) only with a token to protect it.
        # One argument with "=": a token may begin with "-" (token_urlsafe does one time in 32),
        # which argparse would take for an option if it stood alone.
        if settings.rasa_token:
            argv += ["--enable-api", f"--auth-token={settings.rasa_token}"]
        # "/" answers with or without the API, once the model is loaded.
        specs["rasa"] = ServiceSpec(name="rasa", argv=argv, port=port("rasa"),
                                    health_url=settings.listen_url("rasa") + "/",
                                    ready_timeout=settings.rasa_ready_timeout,
                                    env=dict(env, **settings.rasa_environment()),
                                    requires=("endpoints.yml", "credentials.yml"),
                                    owner="stack engineer")
    return specs


class Stack:
    """The four servers of one run. Use as a context manager so they always stop."""

    def __init__(self, settings: Settings, model: Path | None = None):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.run_dir.mkdir(parents=True, exist_ok=True)
        self.processes = {
            name: ManagedProcess(spec, settings.root, settings.run_dir)
            for name, spec in service_specs(settings, model).items()
        }

    def use_model(self, model: Path) -> None:
        """Serve this model from the next start of the Rasa server."""
        if self.running("rasa"):
            raise StackError("stop the Rasa server before changing its model")
        spec = service_specs(self.settings, model)["rasa"]
        self.processes["rasa"] = ManagedProcess(spec, self.settings.root, self.settings.run_dir)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def missing(self) -> dict[str, str]:
        """Services not in the tree yet and why, e.g. {"widget": "web_widget/... missing"}."""
        gaps = {name: ", ".join(p.missing()) + " missing" for name, p in self.processes.items()
                if p.missing()}
        for name in SERVICES:
            if name not in self.processes:
                gaps[name] = "no model to serve yet"
        return gaps

    def _chosen(self, names: tuple[str, ...]) -> list[ManagedProcess]:
        if not names:
            return [p for p in self.processes.values() if not p.missing()]
        unknown = [n for n in names if n not in SERVICES]
        if unknown:
            raise StackError(f"unknown service {unknown[0]!r}; choose from {', '.join(SERVICES)}")
        absent = [n for n in names if n not in self.processes]
        if absent:
            raise StackError(f"{absent[0]}: no model was given, so Rasa cannot start")
        return [self.processes[n] for n in names]

    def launch(self, *names: str) -> list[ManagedProcess]:
        """Start the named services (all that exist when none are named) without waiting.

        A named service that is not in the tree raises StackError; with no names, services not in
        the tree are left out (see `missing()`). Returns the processes it started.
        """
        starting = [p for p in self._chosen(names) if not p.running]
        try:
            for process in starting:  # from this thread: see ManagedProcess.start
                process.start()
        except BaseException:
            for process in starting:
                process.stop()
            raise
        return starting

    def launch_before_model(self) -> list[ManagedProcess]:
        """Start the Rasa server before its model exists (`make run` while the model trains): it
        imports Rasa and TensorFlow meanwhile and loads the model once the file is there
        (WAIT_FOR_MODEL, stack/rasa_server.py). Its start-up is counted from when the model
        exists: call `restart_clock` on it then."""
        process = self.processes["rasa"]
        process.spec = replace(process.spec, env=dict(process.spec.env, **{WAIT_FOR_MODEL: "1"}))
        return self.launch("rasa")

    def wait_ready(self, processes: list[ManagedProcess]) -> None:
        """Wait until each is ready; on a failure, stop them all and raise StackError."""
        try:
            wait_all_ready(processes)
        except BaseException:
            for process in processes:
                process.stop()
            raise

    def start(self, *names: str) -> None:
        """Start the named services (all that exist when none are named) and wait until ready."""
        self.wait_ready(self.launch(*names))

    def stop(self, *names: str) -> None:
        """Stop the named services (all when none are named); stopped ones are left alone."""
        for name in names or tuple(self.processes):
            if name in self.processes:
                self.processes[name].stop()

    def running(self, name: str) -> bool:
        return name in self.processes and self.processes[name].running

    def ready_after(self, name: str) -> float | None:
        return self.processes[name].ready_after
