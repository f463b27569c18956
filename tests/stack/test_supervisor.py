"""`make run` brings a dead service back, with backoff, on a real tiny HTTP server; old run logs
are pruned by age."""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from stack import StackError, free_port
from stack.environment import child_environment
from stack.processes import ManagedProcess, ServiceSpec, wait_all_ready
from stack.retention import prune_runs
from stack.supervisor import LONGEST_WAIT, Supervisor

SERVER = """
import http.server, sys
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler
                       ).serve_forever()
"""


def tiny(tmp_path: Path, argv: list[str] | None = None) -> ManagedProcess:
    port = free_port()
    spec = ServiceSpec(name="tiny", argv=argv or [sys.executable, "-c", SERVER, str(port)],
                       port=port, health_url=f"http://127.0.0.1:{port}/", ready_timeout=20,
                       env=child_environment())
    return ManagedProcess(spec, cwd=tmp_path, log_dir=tmp_path / "logs")


def answers(process: ManagedProcess) -> bool:
    try:
        with urllib.request.urlopen(process.spec.health_url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def run_until(supervisor: Supervisor, done, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "timed out"
        supervisor.tick()
        time.sleep(0.1)


def test_a_killed_service_is_started_again_and_said_on_the_console(tmp_path):
    process = tiny(tmp_path)
    process.start()
    said: list[str] = []
    try:
        wait_all_ready([process])
        supervisor = Supervisor({"tiny": process}, say=said.append)
        first = process.popen.pid
        os.killpg(first, signal.SIGKILL)
        run_until(supervisor, lambda: any("is back" in line for line in said))
        assert answers(process) and process.popen.pid != first
        assert said[0].startswith("tiny stopped unexpectedly (exit code -9); restarting it in 1 s")
        assert said[1] == "tiny started again (restart 1)"
        assert said[2].startswith("tiny is back")
        assert supervisor.restarts("tiny") == 1
        assert "--- starting tiny" in process.log_path.read_text()
    finally:
        process.stop(timeout=5)


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_service_that_keeps_dying_waits_longer_each_time_up_to_a_minute(tmp_path):
    process = tiny(tmp_path, [sys.executable, "-c", "import sys; sys.exit(2)"])
    clock, said = Clock(), []
    process.start()
    supervisor = Supervisor({"tiny": process}, say=said.append, clock=clock)
    waits = []
    for _ in range(9):
        process.popen.wait(timeout=20)
        supervisor.tick()  # noticed dead: restart scheduled
        waits.append(supervisor.states["tiny"].restart_at - clock.now)
        clock.now = supervisor.states["tiny"].restart_at
        supervisor.tick()  # started again
    process.stop(timeout=5)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert max(waits) == LONGEST_WAIT
    assert all("exit code 2" in line for line in said if "stopped" in line)


def test_a_service_that_cannot_start_is_retried(tmp_path):
    spec = ServiceSpec(name="tiny", argv=["true"], port=1, health_url="http://127.0.0.1:1/",
                       ready_timeout=1, requires=("missing.py",))
    process = ManagedProcess(spec, cwd=tmp_path, log_dir=tmp_path)
    said: list[str] = []
    clock = Clock()
    supervisor = Supervisor({"tiny": process}, say=said.append, clock=clock)
    supervisor.tick()  # not running: restart in 1 s
    clock.now += 1
    supervisor.tick()
    assert said[-1] == "tiny could not be started (StackError); trying again in 2 s"
    clock.now += 2
    supervisor.tick()
    assert said[-1] == "tiny could not be started (StackError); trying again in 4 s"


def test_run_logs_older_than_the_limit_are_deleted_and_this_run_kept(tmp_path):
    runs = tmp_path / "runs"
    now = time.time()
    for name, age_days in [("old", 20), ("recent", 3), ("current", 30)]:
        folder = runs / name
        folder.mkdir(parents=True)
        (folder / "rasa.log").write_text("x")
        for path in (folder, folder / "rasa.log"):
            os.utime(path, (now - age_days * 86400, now - age_days * 86400))
    assert prune_runs(runs, 14, keep=runs / "current", now=now) == 1
    assert sorted(p.name for p in runs.iterdir()) == ["current", "recent"]
    with pytest.raises(StackError):
        prune_runs(runs, 0)
