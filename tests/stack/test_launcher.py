"""`python -m stack run` (make run) on free ports: a service killed with SIGKILL comes back, the
console says so, and the REST channel answers again; Ctrl-C stops everything.

It starts a whole second system (its own Rasa server), so it is slow: about as long as Rasa takes
to load the model. It trains nothing when the model is up to date (the `stack` fixture's).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from stack import SERVICES, free_port
from stack.model import ROOT

pytestmark = pytest.mark.integration

READY_TIMEOUT = 900  # the model may need training first on a fresh clone, and the machine is shared
ACTION_SERVER = "assistant.action_server"  # python -m <this>: the action server (stack/services.py)


class Launcher:
    def __init__(self, tmp_path: Path):
        self.ports = {name: free_port() for name in SERVICES}
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", ASB_DATA_DIR=str(tmp_path / "data"),
                   ASB_RASA_READY_TIMEOUT=str(READY_TIMEOUT),
                   **{f"ASB_{name.upper()}_PORT": str(port) for name, port in self.ports.items()})
        for name in ("ASB_HANDOFF_DATABASE_URL", "ASB_RASA_AUTH_TOKEN", "ASB_DEPLOYMENT"):
            env.pop(name, None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stack", "run"], cwd=ROOT, env=env, text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.console: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, words: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.reader.is_alive(), "the launcher ended:\n" + "\n".join(self.console)
                continue
            self.console.append(line)
            if words in line:
                return line
        raise AssertionError(f"no {words!r} after {timeout} s:\n" + "\n".join(self.console))

    def pid_of(self, module: str) -> int:
        """The process serving `module` (e.g. the action server) on this launcher's port for it."""
        port = str(self.ports["actions" if module == ACTION_SERVER else module])
        for proc in Path("/proc").iterdir():
            try:
                argv = (proc / "cmdline").read_bytes().decode().split("\0")
            except OSError:
                continue
            if module in argv and port in argv and proc.name.isdigit():
                return int(proc.name)
        raise AssertionError(f"no {module} process on port {port}")

    def greet(self) -> list[dict]:
        body = json.dumps({"sender": f"launcher-{uuid.uuid4().hex}", "message": "/greet",
                           "metadata": {"language": "en"}}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports['rasa']}/webhooks/rest/webhook", data=body,
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def test_a_killed_service_comes_back_and_the_assistant_answers_again(tmp_path):
    launcher = Launcher(tmp_path)
    try:
        launcher.wait_for("stack: ready", READY_TIMEOUT)
        launcher.wait_for("Press Ctrl-C to stop", 30)
        assert any(reply.get("text") for reply in launcher.greet())

        first = launcher.pid_of(ACTION_SERVER)
        os.kill(first, signal.SIGKILL)
        died = launcher.wait_for("actions stopped", 30)
        assert "exit code -9" in died and "restarting it in 1 s" in died
        launcher.wait_for("actions is back", 120)
        assert launcher.pid_of(ACTION_SERVER) != first
        assert any(reply.get("text") for reply in launcher.greet())
        assert launcher.process.poll() is None  # nothing else was stopped
    finally:
        launcher.stop()
    assert launcher.process.returncode == 0
    launcher.wait_for("all stopped", 10)
