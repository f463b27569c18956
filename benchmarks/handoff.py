"""Handoff service benchmark: applications stored per second and intake latency with 50
concurrent submitters, on SQLite and on PostgreSQL.

    python -m benchmarks.handoff [--applications 2000] [--submitters 50]

Starts `python -m handoff serve` as its own process (the example deployment file, a temporary
data folder; for PostgreSQL a throwaway cluster), submits the example application document over
HTTP with a fresh Idempotency-Key each time: first as fast as the submitters can (the most it
stores per second, and the latency then, which is queueing: 50 waiting callers), then at an
offered 200 applications per second (the latency at the target rate). Each answer arrives only
after its transaction committed. Targets on the 2-core reference
machine: p95 under 50 ms and at least 200 applications per second on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from asb import env as asb_env
from stack.throwaway_postgres import free_port, start_postgres

ROOT = Path(__file__).resolve().parent.parent
PACED_RATE = 200.0  # applications per second offered in the second part of each run
PACED_SECONDS = 10.0
DOCUMENT = (ROOT / "handoff" / "schema" / "application.v1.example.json").read_bytes()


async def wait_ready(url: str, process: subprocess.Popen) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit("the handoff service stopped while starting")
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the handoff service did not become ready")


async def submit_one(http: aiohttp.ClientSession, url: str, token: str) -> float:
    """Submit the example application under a new key; the seconds until the answer."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex,
               "Content-Type": "application/json"}
    start = time.perf_counter()
    async with http.post(f"{url}/api/v1/applications", data=DOCUMENT,
                         headers=headers) as response:
        await response.read()
        if response.status != 201:
            raise SystemExit(f"intake answered {response.status}")
    return time.perf_counter() - start


async def load(url: str, token: str, total: int, submitters: int) -> tuple[float, list[float]]:
    """Seconds taken and each request's latency."""
    latencies: list[float] = []
    queue = iter(range(total))
    connector = aiohttp.TCPConnector(limit=submitters)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def submitter():
            for _ in queue:
                latencies.append(await submit_one(http, url, token))

        await asyncio.gather(*(submitter() for _ in range(min(submitters, 20))))  # warm up
        latencies.clear()
        queue = iter(range(total))
        began = time.perf_counter()
        await asyncio.gather(*(submitter() for _ in range(submitters)))
        return time.perf_counter() - began, latencies


async def paced(url: str, token: str, rate: float, seconds: float, submitters: int
                ) -> tuple[float, list[float]]:
    """`submitters` submitters sharing an offered load of `rate` applications per second for
    `seconds` (each sends every submitters/rate seconds, staggered; a late answer delays its
    submitter's next send). Returns the achieved rate and each request's latency."""
    latencies: list[float] = []
    interval = submitters / rate
    connector = aiohttp.TCPConnector(limit=submitters)
    async with aiohttp.ClientSession(connector=connector) as http:
        began = time.perf_counter()

        async def submitter(offset: float):
            due = began + offset
            while due < began + seconds:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                latencies.append(await submit_one(http, url, token))
                due += interval

        await asyncio.gather(*(submitter(i / rate) for i in range(submitters)))
        return len(latencies) / (time.perf_counter() - began), latencies


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_wait_seconds(pid: int) -> float:
    """Time the process's threads spent runnable but waiting for a CPU (/proc schedstat): how
    much of the latency is the machine being busy with other work."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def run(store: str, database_url: str | None, total: int, submitters: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="asb-handoff-bench-"))
    port, token = free_port(), uuid.uuid4().hex
    env = {**os.environ, "ASB_HANDOFF_INTAKE_TOKEN": token, "PYTHONPATH": str(ROOT),
           **asb_env.clock_fixed_on("2026-03-10")}
    env.pop("ASB_HANDOFF_DATABASE_URL", None)
    if database_url:
        env["ASB_HANDOFF_DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "handoff", "serve", "--port", str(port)], cwd=folder, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_ready(url, process))
        cpu_before, wait_before = cpu_seconds(process.pid), cpu_wait_seconds(process.pid)
        seconds, latencies = asyncio.run(load(url, token, total, submitters))
        cpu = cpu_seconds(process.pid) - cpu_before
        waited = cpu_wait_seconds(process.pid) - wait_before
        achieved, at_rate = asyncio.run(paced(url, token, PACED_RATE, PACED_SECONDS, submitters))
    finally:
        process.terminate()
        process.wait(timeout=30)
    cuts = statistics.quantiles(latencies, n=100)
    return {"store": store, "applications": len(latencies), "submitters": submitters,
            "per_second": len(latencies) / seconds, "p50_ms": cuts[49] * 1000,
            "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000,
            "service_cpu_ms_per_application": cpu / len(latencies) * 1000,
            "service_waiting_for_cpu": waited / seconds,
            "paced_offered_per_second": PACED_RATE, "paced_achieved_per_second": achieved,
            "paced_p50_ms": statistics.quantiles(at_rate, n=100)[49] * 1000,
            "paced_p95_ms": statistics.quantiles(at_rate, n=100)[94] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.handoff")
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--submitters", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    results = [run("sqlite", None, args.applications, args.submitters)]
    cluster, stop = start_postgres()
    try:
        cluster.admin("CREATE DATABASE handoff_bench")
        results.append(run("postgresql", cluster.url("handoff_bench"), args.applications,
                           args.submitters))
    finally:
        stop()
    print(f"Handoff intake: {args.applications} applications, {args.submitters} concurrent "
          "submitters, the service in its own process")
    print(f"{'store':<12}{'stored/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'CPU ms/app':>12}{'threads waiting for a CPU':>27}")
    for r in results:
        print(f"{r['store']:<12}{r['per_second']:>10,.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
              f"{r['p99_ms']:>9.1f}{r['service_cpu_ms_per_application']:>12.2f}"
              f"{r['service_waiting_for_cpu']:>27.1f}")
    print("(CPU ms/app: the service's CPU time per application; threads waiting for a CPU: how "
          "many of its threads, on average, were ready to run but had no CPU)")
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"\nThen {PACED_RATE:.0f} applications/s offered for {PACED_SECONDS:.0f} s by the same "
          f"{args.submitters} submitters:")
    print(f"{'store':<12}{'achieved/s':>12}{'p50 ms':>9}{'p95 ms':>9}")
    for r in results:
        print(f"{r['store']:<12}{r['paced_achieved_per_second']:>12,.0f}"
              f"{r['paced_p50_ms']:>9.1f}{r['paced_p95_ms']:>9.1f}")
    sqlite = results[0]
    print(f"\nSQLite: at most {sqlite['per_second']:,.0f} applications/s (target at least 200); "
          f"at {PACED_RATE:.0f}/s, p95 {sqlite['paced_p95_ms']:.1f} ms (target under 50 ms)")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
