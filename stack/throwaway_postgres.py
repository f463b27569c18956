"""A throwaway PostgreSQL cluster for `python -m stack cluster`, tests and benchmarks: Debian's
initdb and pg_ctl from /usr/lib/postgresql/*/bin, a temporary folder, a free loopback port, trust
authentication. PostgreSQL refuses to run as root, so as root it runs as the unprivileged
`postgres` user. `make setup-system` installs it."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from stack.services import free_port

PG_USER = "postgres"


def as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", PG_USER, "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True,
                          **kwargs)


@dataclass
class PostgresCluster:
    port: int
    admin_dsn: str
    pg_ctl: list[str] = field(default_factory=list)  # pg_ctl -D <data>
    start_arguments: list[str] = field(default_factory=list)  # after pg_ctl's -w start

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        connection = psycopg2.connect(self.admin_dsn)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def start(self) -> None:
        as_postgres(*self.pg_ctl, "-w", "start", *self.start_arguments)

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """Stopped for the block (a fast shutdown: every session cut), started again on the
        same port and data after it: a restart, with time to see what clients meet meanwhile."""
        as_postgres(*self.pg_ctl, "-m", "fast", "-w", "stop")
        try:
            yield
        finally:
            self.start()


def start_postgres(durable: bool = True) -> tuple[PostgresCluster, Callable[[], None]]:
    """Start a cluster; returns it and a function that stops and removes it. `durable=False`
    turns off fsync: quicker for tests, never for figures."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make setup-system`")
    bin_dir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="asb-handoff-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, PG_USER)
    data = folder / "data"
    port = free_port()
    as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", PG_USER,
                "--no-sync", "-E", "UTF8")
    admin_dsn = f"host=127.0.0.1 port={port} user={PG_USER} dbname=postgres"
    options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
               + ("" if durable else " -c fsync=off -c full_page_writes=off"))
    cluster = PostgresCluster(port, admin_dsn, pg_ctl=[str(bin_dir / "pg_ctl"), "-D", str(data)],
                              start_arguments=["-l", str(folder / "log"), "-o", options])
    cluster.start()

    def stop() -> None:
        as_postgres(*cluster.pg_ctl, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)

    return cluster, stop
