"""The assistant as a cluster on one machine (`python -m stack cluster --replicas N`): what
deploy/compose.yml runs, as processes.

PostgreSQL for the tracker store (database `asb_tracker`) and the handoff service (`asb`), Redis
for the ticket lock store (stack/redis_lock_store.py), N Rasa servers and N action servers, two
handoff processes, the widget server, and HAProxy in front with deploy/haproxy.cfg rendered for
this machine (stack/balancer.py). The Rasa servers read deploy/endpoints.yml (its ports set to
this run's databases). PostgreSQL and Redis are throwaway ones (stack/throwaway_postgres.py,
stack/throwaway_redis.py, gone when the cluster stops) unless the environment names them:
`ASB_TRACKER_HOST` (with `ASB_TRACKER_PORT`, `_USER`, `_PASSWORD`, `_DB`), the handoff's
`ASB_HANDOFF_DATABASE_URL`, `ASB_REDIS_HOST` (with `ASB_REDIS_PORT`, `_PASSWORD`).

    with Cluster(settings, model, replicas=2) as cluster:   # settings.ports: the balancer's
        cluster.start()
        cluster.processes["rasa-1"]                          # one ManagedProcess each

Each Rasa server runs on one core of its own (`rasa_cores`: rasa-1 on the first core this
process may use, rasa-2 on the second, round again when there are more servers than cores), as
deploy/compose.yml's `cpuset` says; everything else runs on any core. A Rasa server is one
event loop on one thread; pinned, two on two cores served 4-8% more messages a second than left
to Linux's scheduler, for the same CPU a message (docs/deploy.md, "One core per Rasa server").
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from asb import env as asb_env
from stack.balancer import haproxy_binary, process_names, render
from stack.environment import child_environment
from stack.model import ROOT, StackError
from stack.processes import ManagedProcess, ServiceSpec, wait_all_ready
from stack.services import (
    ACTION_FALLBACK_ENV,
    Settings,
    free_port,
    handoff_database_env,
    service_specs,
)

if TYPE_CHECKING:
    from stack.throwaway_postgres import PostgresCluster
    from stack.throwaway_redis import RedisServer

DEPLOY_ENDPOINTS = ROOT / "deploy" / "endpoints.yml"
POSTGRES_INIT = ROOT / "deploy" / "postgres-init.sql"  # the tracker store's database
HANDOFF_PROCESSES = 2
# Rasa's SQLTrackerStore makes its table when it is created.
_CREATE_TRACKER_TABLE = ("import sys; from stack.retention import sql_tracker_store; "
                         "sql_tracker_store(sys.argv[1]).engine.dispose()")
BALANCER_READY_TIMEOUT = 30.0


def rasa_cores(count: int, cores: Iterable[int] | None = None) -> list[int]:
    """The core each of `count` Rasa servers runs on: the Nth of `cores` (by default those this
    process may use, in order) for rasa-N, round again when there are more servers than cores."""
    usable = sorted(os.sched_getaffinity(0) if cores is None else cores)
    if not usable:
        raise StackError("no CPU core to run the Rasa servers on")
    return [usable[index % len(usable)] for index in range(count)]


@dataclass
class Backing:
    """PostgreSQL and Redis: the variables the children get, the ports deploy/endpoints.yml
    is given, what each is (for the console), how to stop the throwaway ones, and those (the
    fault tests restart them)."""

    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)  # tracker, redis
    described: dict[str, str] = field(default_factory=dict)
    stops: list[Callable[[], None]] = field(default_factory=list)
    postgres: PostgresCluster | None = None
    redis: RedisServer | None = None

    def stop(self) -> None:
        while self.stops:
            self.stops.pop()()


def start_backing(durable: bool = True) -> Backing:
    """The databases the environment names, and throwaway ones for the others."""
    backing = Backing()
    try:
        _postgres(backing, durable)
        _redis(backing)
    except BaseException:
        backing.stop()
        raise
    return backing


def _postgres(backing: Backing, durable: bool) -> None:
    tracker_given = bool(asb_env.get("ASB_TRACKER_HOST"))
    handoff_given = bool(asb_env.get(handoff_database_env()))
    if tracker_given:
        backing.env["ASB_TRACKER_DB"] = asb_env.get("ASB_TRACKER_DB") or "asb_tracker"
        backing.ports["tracker"] = int(asb_env.get("ASB_TRACKER_PORT") or 5432)
        backing.described["tracker store"] = f"PostgreSQL at {asb_env.get('ASB_TRACKER_HOST')}"
    if handoff_given:
        backing.described["handoff database"] = f"{handoff_database_env()}"
    if tracker_given and handoff_given:
        return
    from stack.throwaway_postgres import start_postgres

    cluster, stop = start_postgres(durable=durable)
    backing.stops.append(stop)
    backing.postgres = cluster
    # What deploy/compose.yml's postgres service makes: the user and database `asb`, then
    # deploy/postgres-init.sql's tracker database.
    cluster.admin("CREATE ROLE asb LOGIN")
    cluster.admin("CREATE DATABASE asb OWNER asb")
    cluster.admin(POSTGRES_INIT.read_text(encoding="utf-8"))
    where = f"throwaway PostgreSQL on 127.0.0.1:{cluster.port}"
    if not tracker_given:
        backing.env.update(ASB_TRACKER_HOST="127.0.0.1", ASB_TRACKER_USER="asb",
                           ASB_TRACKER_PASSWORD="", ASB_TRACKER_DB="asb_tracker")
        backing.ports["tracker"] = cluster.port
        backing.described["tracker store"] = f"{where} (asb_tracker)"
    if not handoff_given:
        backing.env[handoff_database_env()] = f"postgresql://asb@127.0.0.1:{cluster.port}/asb"
        backing.described["handoff database"] = f"{where} (asb)"


def _redis(backing: Backing) -> None:
    if asb_env.get("ASB_REDIS_HOST"):
        backing.ports["redis"] = int(asb_env.get("ASB_REDIS_PORT") or 6379)
        backing.described["lock store"] = f"Redis at {asb_env.get('ASB_REDIS_HOST')}"
        return
    from stack.throwaway_redis import start_redis

    server = start_redis()
    backing.stops.append(server.stop)
    backing.redis = server
    backing.env.update(ASB_REDIS_HOST="127.0.0.1", ASB_REDIS_PASSWORD="")
    backing.ports["redis"] = server.port
    backing.described["lock store"] = f"throwaway Redis on 127.0.0.1:{server.port}"


def render_endpoints(ports: dict[str, int], folder: Path) -> Path:
    """deploy/endpoints.yml with this run's database ports, in `folder`."""
    data = yaml.safe_load(DEPLOY_ENDPOINTS.read_text(encoding="utf-8"))
    data["tracker_store"]["port"] = ports["tracker"]
    data["lock_store"]["port"] = ports["redis"]
    path = folder / "endpoints.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


class Cluster:
    """The cluster's processes; `settings.ports` are the balancer's: `rasa` and `widget` its
    public port, `actions` and `handoff` its internal frontends. Use as a context manager."""

    def __init__(self, settings: Settings, model: Path, replicas: int = 2, durable: bool = True):
        if replicas < 1:
            raise StackError("--replicas must be 1 or more")
        if settings.ports["rasa"] != settings.ports["widget"]:
            raise StackError("the balancer has one public port for Rasa and the widget")
        self.settings, self.model, self.replicas, self.durable = settings, model, replicas, durable
        self.counts = {"rasa": replicas, "actions": replicas, "handoff": HANDOFF_PROCESSES,
                       "widget": 1}
        self.backing: Backing | None = None
        self.processes: dict[str, ManagedProcess] = {}

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def public_url(self) -> str:
        return self.settings.url("widget")

    def start(self) -> None:
        """Start the databases, then every process (in parallel, the Rasa servers once the
        schemas exist), then the balancer; return when all are ready. On failure all stop."""
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.backing = start_backing(self.durable)
            self.settings = replace(
                self.settings, endpoints=str(render_endpoints(self.backing.ports,
                                                              self.settings.run_dir)),
                # Rasa's per-address limits see the client, not the balancer.
                extra_env={**self.settings.extra_env, **self.backing.env,
                           "SANIC_PROXIES_COUNT": "1"})
            servers = self._create_processes()
            early = [p for n, p in self.processes.items() if not n.startswith(("rasa", "handoff"))]
            for process in early:
                process.start()
            self._prepare_databases()
            for process in self.processes.values():
                process.start()
            wait_all_ready(list(self.processes.values()))
            self.processes["balancer"] = self._balancer(servers)
            self.processes["balancer"].start()
            wait_all_ready([self.processes["balancer"]])
        except BaseException:
            self.stop()
            raise

    def _create_processes(self) -> dict[str, list[int]]:
        """One ManagedProcess per replica on a free port; the ports of each service's. Replicas
        are pairs: `rasa-N` calls `actions-N`, and the balancer only when that one cannot be
        reached (stack/paired_actions.py)."""
        ports = {service: [free_port() for _ in range(count)]
                 for service, count in self.counts.items()}
        cores = rasa_cores(self.counts["rasa"])
        for service, count in self.counts.items():
            for index, name in enumerate(process_names(service, count)):
                port = ports[service][index]
                settings = replace(self.settings, listen_ports={service: port})
                if service == "rasa":
                    settings = replace(
                        settings, ports={**settings.ports, "actions": ports["actions"][index]},
                        extra_env={**settings.extra_env,
                                   ACTION_FALLBACK_ENV: f"{self.settings.url('actions')}/webhook"})
                model = self.model if service == "rasa" else None
                spec = replace(service_specs(settings, model)[service], name=name,
                               cores=(cores[index],) if service == "rasa" else ())
                self.processes[name] = ManagedProcess(spec, self.settings.root,
                                                      self.settings.run_dir)
        return ports

    def _prepare_databases(self) -> None:
        """The handoff's migrations (`python -m handoff migrate`, as compose's handoff-migrate)
        and the tracker store's table, both at once, before any server starts: Rasa servers
        starting together on an empty database race to create it, and Rasa 3.6 does not catch
        the loser's error. Each in its own process, with the children's environment; their
        output (Rasa's import warnings) is shown only if one fails."""
        steps = {"python -m handoff migrate": ["-m", "handoff", "migrate"],
                 "the tracker store's table": ["-c", _CREATE_TRACKER_TABLE,
                                               self.settings.endpoints]}
        running = {what: subprocess.Popen([sys.executable, *args], cwd=self.settings.root,
                                          env=self.settings.environment(), text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                   for what, args in steps.items()}
        for what, process in running.items():
            output, _ = process.communicate()
            if process.returncode != 0:
                raise StackError(f"{what} failed:\n{output[-2000:]}")

    def _balancer(self, servers: dict[str, list[int]]) -> ManagedProcess:
        config = self.settings.run_dir / "haproxy.cfg"
        ports = self.settings.ports
        config.write_text(render(servers, ports["widget"],
                                 {"actions": ports["actions"], "handoff": ports["handoff"]}),
                          encoding="utf-8")
        spec = ServiceSpec(name="balancer", argv=[haproxy_binary(), "-db", "-f", str(config)],
                           port=ports["widget"], health_url=self.public_url + "/",
                           ready_timeout=BALANCER_READY_TIMEOUT, env=child_environment())
        return ManagedProcess(spec, self.settings.root, self.settings.run_dir)

    def stop(self) -> None:
        """The balancer, then every other process at once, then the throwaway databases."""
        if "balancer" in self.processes:
            self.processes["balancer"].stop()
        others = [p for name, p in self.processes.items() if name != "balancer"]
        if others:
            with ThreadPoolExecutor(len(others)) as pool:
                list(pool.map(ManagedProcess.stop, others))
        if self.backing is not None:
            self.backing.stop()
