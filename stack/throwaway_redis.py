"""A throwaway Redis server for tests and benchmarks: Debian's redis-server on a free loopback
port, nothing saved to disk. `make setup-system` installs it."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis

from stack.services import free_port


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen
    folder: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)

    def stop(self) -> None:
        """SIGTERM (redis-server exits at once, saving nothing), SIGKILL if it lingers."""
        for signal_sent in (self.process.terminate, self.process.kill):
            if self.process.poll() is None:
                signal_sent()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """Stopped for the block, started again on the same port after it (empty: nothing is
        saved): a restart, with time to see what clients meet meanwhile."""
        self.stop()
        try:
            yield
        finally:
            again = start_redis(self.port)
            self.process, self.folder = again.process, again.folder


def start_redis(port: int | None = None, timeout: float = 15.0) -> RedisServer:
    """Start redis-server and wait until it answers PING; stop it with `.stop()`. A port given
    again (a restart) is reused."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run `make setup-system`")
    port = port or free_port()
    folder = Path(tempfile.mkdtemp(prefix="asb-redis-"))
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = RedisServer(port, process, folder)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if server.client().ping():
                return server
        except redis.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log = (folder / "redis.log")
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            server.stop()
            raise RuntimeError(f"redis-server did not start on port {port}: {detail}")
        time.sleep(0.05)
