"""Process management on a real, tiny HTTP server: readiness, logs, clean stop of the whole group."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from stack import StackError, free_port
from stack.environment import child_environment
from stack.processes import ManagedProcess, ServiceSpec, wait_all_ready

# A server that also starts a grandchild (sleep): stopping must reach both.
SERVER = """
import http.server, os, subprocess, sys
child = subprocess.Popen(["sleep", "300"])
open(sys.argv[2], "w").write(str(child.pid))
print("telemetry:", os.environ.get("RASA_TELEMETRY_ENABLED"), flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler
                       ).serve_forever()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def _spec(tmp_path: Path, argv: list[str], port: int, timeout: float = 20) -> ServiceSpec:
    return ServiceSpec(name="tiny", argv=argv, port=port, health_url=f"http://127.0.0.1:{port}/",
                       ready_timeout=timeout, env=child_environment())


def test_starts_waits_until_ready_and_stops_the_whole_group(tmp_path):
    port = free_port()
    pidfile = tmp_path / "grandchild.pid"
    spec = _spec(tmp_path, [sys.executable, "-c", SERVER, str(port), str(pidfile)], port)
    process = ManagedProcess(spec, cwd=tmp_path, log_dir=tmp_path / "logs")
    process.start()
    try:
        wait_all_ready([process])
        assert process.ready_after is not None and process.ready_after < 20
        grandchild = int(pidfile.read_text())
        assert _alive(grandchild)
        assert "telemetry: false" in process.log_path.read_text()
    finally:
        process.stop(timeout=5)
    assert not process.running
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(grandchild)


def test_a_process_that_exits_early_is_reported_with_its_log(tmp_path):
    port = free_port()
    argv = [sys.executable, "-c", "import sys; print('no deployment file'); sys.exit(3)"]
    process = ManagedProcess(_spec(tmp_path, argv, port), cwd=tmp_path, log_dir=tmp_path)
    process.start()
    with pytest.raises(StackError, match=r"tiny exited with code 3(.|\n)*no deployment file"):
        wait_all_ready([process])


def test_a_process_that_never_gets_ready_times_out(tmp_path):
    port = free_port()
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    process = ManagedProcess(_spec(tmp_path, argv, port, timeout=1), cwd=tmp_path, log_dir=tmp_path)
    process.start()
    try:
        with pytest.raises(StackError, match="tiny was not ready after 1 s"):
            wait_all_ready([process], interval=0.2)
    finally:
        process.stop(timeout=5)


def test_a_service_not_in_the_tree_says_so(tmp_path):
    spec = ServiceSpec(name="handoff", argv=["true"], port=1, health_url="http://127.0.0.1:1/",
                       ready_timeout=1, requires=("handoff/__main__.py",),
                       owner="handoff engineer")
    process = ManagedProcess(spec, cwd=tmp_path, log_dir=tmp_path)
    with pytest.raises(StackError, match=r"handoff: not in the tree yet \(handoff/__main__.py"):
        process.start()


def test_a_process_given_cores_runs_there_with_its_threads(tmp_path):
    """`ServiceSpec.cores` (the cluster's Rasa servers): set before the program starts, so the
    threads it starts (TensorFlow's in Rasa) are held to them too."""
    core = max(os.sched_getaffinity(0))
    port = free_port()
    server = ("import http.server, sys, threading, time\n"
              "threading.Thread(target=time.sleep, args=(300,), daemon=True).start()\n"
              "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])),"
              " http.server.SimpleHTTPRequestHandler).serve_forever()\n")
    spec = _spec(tmp_path, [sys.executable, "-c", server, str(port)], port)
    pinned = ManagedProcess(replace(spec, name="pinned", cores=(core,)), cwd=tmp_path,
                            log_dir=tmp_path / "logs")
    free = ManagedProcess(replace(spec, name="free", argv=[*spec.argv[:-1], str(free_port())],
                                   health_url="http://127.0.0.1:1/"),
                          cwd=tmp_path, log_dir=tmp_path / "logs")
    pinned.start()
    free.start()
    try:
        wait_all_ready([pinned])
        threads = [int(t) for t in os.listdir(f"/proc/{pinned.popen.pid}/task")]
        assert len(threads) >= 2
        assert {tid: os.sched_getaffinity(tid) for tid in threads} == {
            tid: {core} for tid in threads}
        assert os.sched_getaffinity(free.popen.pid) == os.sched_getaffinity(0)
    finally:
        pinned.stop(timeout=5)
        free.stop(timeout=5)
