"""One server process: started in its own process group, logged to a file, checked for readiness,
stopped cleanly (SIGTERM to the whole group, then SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from stack.environment import die_with_parent
from stack.model import StackError


@dataclass(frozen=True)
class ServiceSpec:
    """How to start one server and how to tell it is ready."""

    name: str
    argv: list[str]
    port: int
    health_url: str
    ready_timeout: float
    env: dict[str, str] = field(default_factory=dict)
    # Files that must exist for the service to be in the tree (relative to cwd).
    requires: tuple[str, ...] = ()
    # The CPU cores it may run on (its threads too), or () for any (stack/cluster.py's
    # `rasa_cores`).
    cores: tuple[int, ...] = ()
    owner: str = ""  # who builds it, for the "not in the tree yet" message


def _shown(argv: list[str]) -> str:
    """The command line for the log, with secrets (the value of --auth-token) hidden."""
    return " ".join("--auth-token=***" if a.startswith("--auth-token=")
                    else "***" if i and argv[i - 1] == "--auth-token" else a
                    for i, a in enumerate(argv))


def _in_child(cores: tuple[int, ...]):
    """What runs in the child before its program: `die_with_parent`, then its cores if any."""
    def prepare() -> None:  # pragma: no cover - runs in the child before exec
        die_with_parent()
        if cores:
            os.sched_setaffinity(0, cores)
    return prepare


class ManagedProcess:
    def __init__(self, spec: ServiceSpec, cwd: Path, log_dir: Path):
        self.spec = spec
        self.cwd = cwd
        self.log_path = log_dir / f"{spec.name}.log"
        self.popen: subprocess.Popen | None = None
        self.started_at = 0.0
        self.ready_after: float | None = None  # seconds from start to ready

    def missing(self) -> list[str]:
        return [name for name in self.spec.requires if not (self.cwd / name).exists()]

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        """Start the process (from a thread that outlives it: see die_with_parent)."""
        if self.running:
            return
        missing = self.missing()
        if missing:
            raise StackError(
                f"{self.spec.name}: not in the tree yet ({', '.join(missing)} missing"
                + (f"; built by the {self.spec.owner}" if self.spec.owner else "")
                + ")"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        log.write(f"--- starting {self.spec.name}: {_shown(self.spec.argv)}\n".encode())
        log.flush()
        try:
            self.popen = subprocess.Popen(
                self.spec.argv,
                cwd=self.cwd,
                env=self.spec.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches its children
                preexec_fn=_in_child(self.spec.cores),
            )
        finally:
            log.close()
        self.started_at = time.monotonic()
        self.ready_after = None

    def check_ready(self) -> bool:
        """True once the health URL answers 200; raises StackError if the process has exited."""
        if self.popen is None:
            raise StackError(f"{self.spec.name} was never started")
        code = self.popen.poll()
        if code is not None:
            raise StackError(
                f"{self.spec.name} exited with code {code} before it was ready; "
                f"see {self.log_path}\n{self.log_tail()}"
            )
        try:
            with urllib.request.urlopen(self.spec.health_url, timeout=2) as response:
                ready = response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            ready = False
        if ready and self.ready_after is None:
            self.ready_after = time.monotonic() - self.started_at
        return ready

    def restart_clock(self) -> None:
        """Count its start-up from now: a Rasa server started before its model existed
        (`Stack.launch_before_model`) starts loading when the model does."""
        self.started_at = time.monotonic()
        self.ready_after = None

    def timed_out(self) -> bool:
        return time.monotonic() - self.started_at > self.spec.ready_timeout

    def log_tail(self, lines: int = 15) -> str:
        """The end of the start-up log (no conversation has happened yet, so no personal data)."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    " + line for line in text[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the process group, SIGKILL after `timeout` seconds."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.popen.wait(timeout=10)
        # Children left in the group (if any) go too.
        self._signal_group(signal.SIGKILL)
        self.popen = None

    def _signal_group(self, sig: int) -> None:
        assert self.popen is not None
        try:
            os.killpg(self.popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def wait_all_ready(processes: list[ManagedProcess], interval: float = 0.5) -> None:
    """Wait until every process is ready; on a failure or time-out, raise naming each one."""
    waiting = list(processes)
    while waiting:
        for process in list(waiting):
            if process.check_ready():
                waiting.remove(process)
            elif process.timed_out():
                raise StackError(
                    f"{process.spec.name} was not ready after {process.spec.ready_timeout:.0f} s "
                    f"({process.spec.health_url}); see {process.log_path}\n{process.log_tail()}"
                )
        if waiting:
            time.sleep(interval)
