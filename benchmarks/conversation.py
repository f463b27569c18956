"""Conversation benchmark: N simulated users applying at once through the REST channel.

    python -m benchmarks.conversation [--users 10 50] [--reuse-model] [--json results.json]
    python -m benchmarks.conversation --replicas 1 2 [--users 10 50] [--reuse-model]

Each simulated user runs a whole application: it opens with `/greet`, asks to apply, and then
answers whatever the assistant asks, driven by what the assistant offers rather than by its
wording: a button (chosen by its payload), a date (when the message carries the date-picker
convention `{"input": "date"}`), or free text picked by the slot being asked (the `asks` every
question carries in its `custom`; reading the tracker instead would load the Rasa server with
requests the bare assistant never gets). A conversation is complete when a reply carries a reference
number (ASB-YYYY-XXXXXX). The same number of users, each sending as many messages, then talk to a
bare `rasa init` assistant created, trained and run in the same run, so the ratio of p95 per turn
says what our assistant costs over Rasa itself on this machine.

With `--replicas N ...` the same load runs through the cluster instead (stack/cluster.py, as
`python -m stack cluster`: PostgreSQL, Redis, N Rasa and action servers, two handoff processes,
HAProxy in front), one cluster per N, all up at once on throwaway databases (PostgreSQL with
fsync on, as deployed); each load runs through them in turn, in rounds (1, 2, then 2, 1, ...: at
least two, and 100 applications a cluster), and the bare assistant once a round, so the
machine's drift during the run weighs on every figure alike; a cluster's figures pool its rounds.
Targets there: N replicas serve at least 0.8 x N times one replica's messages per second, with
p95 per turn at 10 users no worse than one replica's, every application completed.

Every server first gets a load that is not measured (two whole applications; the bare assistant
two users' worth of messages): a server's first turns pay TensorFlow's tracing.

Each load also reports the CPU time each part used per message answered (the Rasa server, the
action server, PostgreSQL, HAProxy, the simulated users..., and the whole machine's: read from
/proc by benchmarks/cpu_use.py), which says what limits the messages per second.

Also measured: the Rasa server's start-up (process start to `/status` ready) for both, and
training times: ours from an empty cache (unless --reuse-model), the bare one via `rasa init`.
Targets (2-core machine): p95 per turn within 1.5x the bare assistant's at the same load;
start-up under 90 s; training under 10 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import aiohttp

from benchmarks.cpu_use import CpuMeter
from stack import Project, Settings, Stack, StackError, ensure_model, free_port
from stack.environment import child_environment
from stack.model import ROOT, fingerprint, train
from stack.services import LOAD_TEST_LIMITS, SERVICES

TODAY = date(2026, 3, 10)  # a Tuesday; every server gets it as ASB_TODAY
REFERENCE = re.compile(r"\bASB-\d{4}-[A-Z0-9]{6}\b")
MAX_TURNS = 80
TIMEOUT = aiohttp.ClientTimeout(total=300)
TARGET_RATIO, TARGET_STARTUP, TARGET_TRAINING = 1.5, 90.0, 600.0
# Our processes by service (the cluster's `rasa-1`, ... by the name before the dash), for the CPU
# each uses; the balancer is HAProxy.
CPU_LABELS = {"rasa": "Rasa server(s)", "actions": "action server(s)", "handoff": "handoff",
              "widget": "widget server", "balancer": "HAProxy"}
WARM_UP_TURNS = 35  # a whole application's messages, for the bare assistant's first load
TARGET_SCALING = 0.8  # N replicas: at least 0.8 x N times one replica's messages per second
# Each cluster load runs in rounds, the clusters in turn, until each cluster has run at least
# ROUNDS times and APPLICATIONS whole applications: this machine's speed drifts by a fifth from
# minute to minute, which one cluster's load after the other's measured as scaling, and 10 users'
# 350 messages take a few seconds.
ROUNDS, APPLICATIONS = 2, 100

# Buttons never pressed on the way through an application (they leave the flow).
AVOID = {"emergency", "request_human", "restart", "stop", "change_language", "make_complaint",
         "report_incident", "goodbye", "out_of_scope", "dont_know"}
# Buttons preferred when the question is not one below, best first, matched against the payload.
PREFER = [r"^/start_application", r"^/affirm", r'"choice":"yes"', r"apply|send|continue"]
# The choice (a button's `"choice"` value) a victim applying for themselves makes, by the slot
# the assistant is asking for. `more_incidents` is answered by the incident count.
CHOICES = {"applicant_role": "victim", "victim_kind": "individual", "contact_preferred": "email",
           "report_agencies": "police+council", "incident_reference": "no_reference",
           "incident_hate": "no", "at_risk": "no", "safe_to_call": "yes",
           "interpreter_language": "none", "accessibility_needs": "none",
           "vulnerabilities": "none", "support_wanted": "yes", "consent_share": "yes",
           "review_choice": "send"}
INCIDENTS = 3
# Free-text answers by the slot being asked (a fragment of its name), first match wins.
FREE_TEXT = [
    ("postcode", "AN1 1AA"),
    ("email", "sam.jones@example.com"),
    ("phone", "07700 900123"),
    ("address", "12 High Street, Anytown AN1 1AA"),
    ("name", "Sam Jones"),
    ("reference", "CR/12345/26"),
    ("relationship", "daughter"),
    ("impact", "The noise goes on every night and I cannot sleep. I feel anxious at home."),
    ("vulnerab", "I have anxiety"),
    ("access", "large print please"),
    ("time", "weekdays after 6pm"),
    ("", "no"),
]
# The bare `rasa init` assistant's examples, sent in turn.
BARE_MESSAGES = ["hello", "I am sad", "yes", "great", "bye", "good morning", "no",
                 "I am feeling very good", "are you a bot?", "goodbye"]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, math.ceil(p / 100 * len(ordered)) - 1)  # nearest rank
    return ordered[rank]


@dataclass
class Load:
    """The latencies and outcome of one load run."""

    users: int
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    completed: int = 0  # conversations that reached a reference number
    turns: list[int] = field(default_factory=list)  # messages sent per user
    errors: list[str] = field(default_factory=list)
    runs: int = 1  # the same load run this many times (`pooled`)

    def summary(self) -> dict:
        return {
            "users": self.users,
            "applications": self.users * self.runs,
            "messages": len(self.latencies),
            "p50_ms": round(percentile(self.latencies, 50) * 1000),
            "p95_ms": round(percentile(self.latencies, 95) * 1000),
            "messages_per_second": round(len(self.latencies) / self.seconds, 1)
            if self.seconds else 0,
            "completed": self.completed,
            "mean_turns": round(statistics.mean(self.turns), 1) if self.turns else 0,
            "errors": self.errors[:5],
        }


class User:
    """One simulated user on one REST channel."""

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str, load: Load, sender: str):
        self.session, self.rasa_url, self.load, self.sender = session, rasa_url, load, sender
        self.dates = 0
        self.incidents = 0
        self.sent = 0

    async def send(self, message: str, metadata: dict | None = None) -> list[dict]:
        body = {"sender": self.sender, "message": message, "metadata": metadata or {}}
        started = time.perf_counter()
        async with self.session.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body) as r:
            r.raise_for_status()
            replies = await r.json()
        self.load.latencies.append(time.perf_counter() - started)
        self.sent += 1
        return replies

    def choose(self, buttons: list[dict], slot: str = "") -> str:
        """The button to press: the slot's planned choice if offered, else by preference."""
        wanted = CHOICES.get(slot)
        if slot == "more_incidents":
            self.incidents += 1
            wanted = "yes" if self.incidents < INCIDENTS else "no"
        for button in buttons:
            if wanted and f'"choice":"{wanted}"' in str(button.get("payload", "")).replace(" ", ""):
                return str(button["payload"])

        def intent(button: dict) -> str:
            return str(button.get("payload", "")).lstrip("/").split("{")[0]

        usable = [b for b in buttons if intent(b) not in AVOID] or buttons
        ranked = sorted(usable, key=lambda b: next(
            (i for i, pattern in enumerate(PREFER) if re.search(pattern, str(b["payload"]))),
            len(PREFER)))
        return str(ranked[0]["payload"])

    def next_date(self) -> str:
        """Incidents a fortnight apart, ending a week ago; each reported the day after."""
        incident, second = divmod(self.dates, 2)
        self.dates += 1
        day = TODAY - timedelta(days=50 - 14 * min(incident, 3)) + timedelta(days=second)
        return day.isoformat()

    async def apply(self) -> None:
        replies = await self.send("/greet", {"language": "en"})
        replies += await self.send("/start_application")
        while self.sent < MAX_TURNS:
            if any(REFERENCE.search(r.get("text") or "") for r in replies):
                self.load.completed += 1
                break
            if not replies:
                raise RuntimeError(f"the assistant said nothing after turn {self.sent}")
            customs = [r.get("custom") or {} for r in replies]
            asks_date = any(c.get("input") == "date" for c in customs)
            buttons = [b for r in replies for b in (r.get("buttons") or [])]
            if asks_date:
                message = self.next_date()
            else:
                slot = next((c["asks"] for c in reversed(customs) if c.get("asks")), "")
                if buttons and (slot in CHOICES or slot == "more_incidents" or not slot):
                    message = self.choose(buttons, slot)
                else:
                    message = next(text for fragment, text in FREE_TEXT if fragment in slot)
            replies = await self.send(message)
        self.load.turns.append(self.sent)

    async def chat(self, turns: int) -> None:
        for i in range(turns):
            await self.send(BARE_MESSAGES[i % len(BARE_MESSAGES)])
        self.load.turns.append(self.sent)


async def run_load(rasa_url: str, users: int, turns: int | None = None) -> Load:
    """`users` at once: whole applications (turns None) or `turns` bare messages each."""
    load = Load(users)
    connector = aiohttp.TCPConnector(limit=users + 5)
    async with aiohttp.ClientSession(timeout=TIMEOUT, connector=connector) as session:
        run_id = secrets.token_hex(4)
        simulated = [User(session, rasa_url, load, f"bench-{run_id}-{i}") for i in range(users)]
        started = time.perf_counter()
        jobs = [u.apply() if turns is None else u.chat(turns) for u in simulated]
        for outcome in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(outcome, BaseException):
                load.errors.append(f"{type(outcome).__name__}: {outcome}")
        load.seconds = time.perf_counter() - started
    return load


def make_bare_assistant(folder: Path) -> tuple[Path, float]:
    """`rasa init --no-prompt` (which trains too) into folder/bare; the model and seconds."""
    (folder / "bare").mkdir()  # rasa init --no-prompt wants it to exist
    started = time.monotonic()
    log = folder / "bare-init.log"
    with open(log, "wb") as out:
        code = subprocess.run(
            [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", "bare"],
            cwd=folder, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=child_environment({"RASA_CACHE_DIRECTORY": str(folder / "bare-cache")}),
        ).returncode
    models = sorted((folder / "bare" / "models").glob("*.tar.gz"))
    if code != 0 or not models:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
        raise StackError(f"rasa init failed (exit code {code}):\n{tail}")
    return models[-1], time.monotonic() - started


def settings_for(folder: Path, name: str, rasa_module: str = "stack.rasa_server") -> Settings:
    return Settings(root=ROOT, data_dir=folder / name / "data", run_dir=folder / name / "logs",
                    ports={n: free_port() for n in SERVICES}, intake_token=secrets.token_hex(16),
                    today=TODAY.isoformat(), rasa_ready_timeout=300, rasa_module=rasa_module,
                    limits=LOAD_TEST_LIMITS)  # every simulated user talks from 127.0.0.1


def cluster_settings(folder: Path, replicas: int) -> Settings:
    """The cluster's: one public port (Rasa and the widget behind HAProxy), the load test's
    limits, each Rasa server given 5 minutes per replica to load (they share the cores)."""
    public = free_port()
    return Settings(root=ROOT, data_dir=folder / f"cluster-{replicas}" / "data",
                    run_dir=folder / f"cluster-{replicas}" / "logs",
                    ports={"rasa": public, "widget": public, "actions": free_port(),
                           "handoff": free_port()},
                    intake_token=secrets.token_hex(16), today=TODAY.isoformat(),
                    rasa_ready_timeout=300 * replicas, limits=LOAD_TEST_LIMITS)


def warm_up(url: str, users: int, turns: int | None = None, what: str = "") -> None:
    """Not measured: a first load (whole applications, or `turns` bare messages each), as every
    server's first turns pay TensorFlow's tracing and the first reads of its model."""
    warm = asyncio.run(run_load(url, users, turns))
    if warm.errors:
        raise StackError(f"{what} failed its first conversations: {warm.errors[0]}")


def pooled(loads: list[Load]) -> Load:
    """Several runs of the same load as one: every turn's latency, the seconds they took."""
    whole = Load(loads[0].users, runs=sum(load.runs for load in loads))
    for load in loads:
        whole.latencies += load.latencies
        whole.seconds += load.seconds
        whole.completed += load.completed
        whole.turns += load.turns
        whole.errors += load.errors
    return whole


def rounds_order(names: list, rounds: int) -> list[list]:
    """Whose load runs when: every one once a round, each round in the other's reverse order
    (1, 2, 2, 1, ...), so a machine that gets slower or faster during the run weighs on all."""
    return [list(names) if r % 2 == 0 else list(reversed(names)) for r in range(rounds)]


def load_clusters(folder: Path, model: Path, replicas: list[int], users: list[int],
                  bare_url: str) -> list[dict]:
    """Each `users` load through a cluster of each size in `replicas`, all of them up at once and
    loaded in turn (`rounds_order`), against the bare assistant loaded once a round. A cluster's
    figures pool its rounds: its messages over the seconds they took, its turns' percentiles."""
    from stack.cluster import Cluster

    with contextlib.ExitStack() as stack:
        clusters, roots = {}, {}
        figures = {n: {"replicas": n, "loads": []} for n in replicas}
        for n in replicas:  # one after the other, each start-up with the machine to itself
            # PostgreSQL as deployed (fsync on): throwaway, but never faster than the real one.
            cluster = stack.enter_context(Cluster(cluster_settings(folder, n), model, replicas=n))
            started = time.monotonic()
            cluster.start()
            figures[n]["startup_seconds"] = round(time.monotonic() - started, 1)
            print(f"  cluster of {n} ready in {figures[n]['startup_seconds']:.0f} s", flush=True)
            warm_up(cluster.public_url, 2 * n, what=f"the cluster of {n}")
            clusters[n], roots[n] = cluster, cpu_roots(cluster.processes)
        for count in users:
            runs: dict[int, list[Load]] = {n: [] for n in replicas}
            cpu: dict[int, Counter] = {n: Counter() for n in replicas}
            bare = []
            for order in rounds_order(replicas, max(ROUNDS, math.ceil(APPLICATIONS / count))):
                for n in order:
                    meter = CpuMeter(roots[n])
                    runs[n].append(asyncio.run(run_load(clusters[n].public_url, count)))
                    cpu[n].update(meter.stop())
                turns = [t for n in replicas for t in runs[n][-1].turns]
                bare.append(asyncio.run(run_load(
                    bare_url, count, round(statistics.mean(turns)) if turns else 20)))
            theirs = pooled(bare).summary()
            for n in replicas:
                mine = pooled(runs[n])
                figures[n]["loads"].append({
                    "assistant": mine.summary(), "bare": theirs,
                    "rounds_messages_per_second": [r.summary()["messages_per_second"]
                                                   for r in runs[n]],
                    "cpu_ms_per_message": cpu_per_message(dict(cpu[n]), mine)})
                print(f"  {n} replica(s), {count} users: {json.dumps(figures[n]['loads'][-1])}",
                      flush=True)
    return [figures[n] for n in replicas]


def cpu_roots(processes: dict, label: str | None = None) -> dict[int, str]:
    """The CpuMeter's roots: each running process by its service's label (or `label`), and this
    process, which runs the simulated users."""
    roots = {process.popen.pid: label or CPU_LABELS.get(name.split("-")[0], name)
             for name, process in processes.items() if process.popen}
    return {**roots, os.getpid(): "load generator"}


def cpu_per_message(cpu: dict[str, float], load: Load) -> dict[str, float]:
    """Milliseconds of CPU per message answered, by who used it (benchmarks/cpu_use.py)."""
    messages = max(1, len(load.latencies))
    return {name: round(seconds * 1000 / messages, 1)
            for name, seconds in sorted(cpu.items(), key=lambda item: -item[1])}


def print_cpu(what: str, cpu: dict[str, float]) -> None:
    """The machine's CPU per message, then each part's (the machine's includes all of them)."""
    _row(what, "", f"{cpu.get('machine', 0)} in all", None)
    for name, ms in cpu.items():
        if name != "machine":
            print(f"      {name:<24} {ms:>7} ms", flush=True)


def _row(what: str, target: str, measured: str, ok: bool | None) -> None:
    verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"  {what:<52} {target:>12} {measured:>14}{verdict}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.conversation")
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--reuse-model", action="store_true",
                        help="use models/ (train only if stale) instead of timing a fresh training")
    parser.add_argument("--model", type=Path,
                        help="serve this trained model (e.g. while another run trains)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--replicas", type=int, nargs="+", metavar="N",
                        help="run the load through a cluster of N replicas, for each N given")
    args = parser.parse_args(argv)
    if args.replicas and min(args.replicas) < 1:
        parser.error("--replicas: 1 or more")
    if args.replicas and len(set(args.replicas)) < len(args.replicas):
        parser.error("--replicas: each number once")
    figures: dict = {"today": TODAY.isoformat(), "loads": []}
    print("Conversation benchmark (REST channel)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-conversation-") as tmp:
        folder = Path(tmp)
        project = Project.assistant()
        if project.missing():
            raise StackError(f"the assistant is not in the tree yet: {', '.join(project.missing())}"
                             " missing")
        if args.model:
            model = args.model.resolve()
        elif args.reuse_model:
            model = ensure_model(project, log_path=folder / "train.log").path
        else:
            model = folder / f"{fingerprint(project)}.tar.gz"
            figures["training_seconds"] = train(
                project, model, folder / "train.log",
                extra_env={"RASA_CACHE_DIRECTORY": str(folder / "cache")})
        bare_model, figures["bare_init_and_training_seconds"] = make_bare_assistant(folder)

        if args.replicas:
            bare = Stack(settings_for(folder, "bare", rasa_module="rasa"), model=bare_model)
            with bare:
                bare.start("rasa")
                figures["bare_startup_seconds"] = bare.ready_after("rasa")
                warm_up(bare.settings.url("rasa"), 2, WARM_UP_TURNS, "the bare assistant")
                figures["clusters"] = load_clusters(folder, model, args.replicas, args.users,
                                                    bare.settings.url("rasa"))
            report_clusters(figures)
            if args.json:
                args.json.write_text(json.dumps(figures, indent=2) + "\n")
            return 0
        ours = Stack(settings_for(folder, "assistant"), model=model)
        bare = Stack(settings_for(folder, "bare", rasa_module="rasa"), model=bare_model)
        with ours, bare:
            ours.start("actions", "handoff", "rasa")
            figures["startup_seconds"] = ours.ready_after("rasa")
            print(f"  our Rasa server ready in {figures['startup_seconds']:.0f} s", flush=True)
            bare.start("rasa")  # one after the other, so each start-up has the machine alone
            figures["bare_startup_seconds"] = bare.ready_after("rasa")
            warm_up(ours.settings.url("rasa"), 2, what="our assistant")
            warm_up(bare.settings.url("rasa"), 2, WARM_UP_TURNS, "the bare assistant")
            roots = cpu_roots(ours.processes)
            bare_roots = cpu_roots(bare.processes, "bare Rasa server")
            for users in args.users:
                meter = CpuMeter(roots)
                mine = asyncio.run(run_load(ours.settings.url("rasa"), users))
                cpu = cpu_per_message(meter.stop(), mine)
                turns = round(statistics.mean(mine.turns)) if mine.turns else 20
                meter = CpuMeter(bare_roots)
                theirs = asyncio.run(run_load(bare.settings.url("rasa"), users, turns))
                bare_cpu = cpu_per_message(meter.stop(), theirs)
                figures["loads"].append({"assistant": mine.summary(), "bare": theirs.summary(),
                                         "cpu_ms_per_message": cpu,
                                         "bare_cpu_ms_per_message": bare_cpu})
                print(f"  {users} users: {json.dumps(figures['loads'][-1])}", flush=True)
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def report(figures: dict) -> None:
    print()
    _row("what", "target", "measured", None)
    if "training_seconds" in figures:
        seconds = figures["training_seconds"]
        _row("training our model, empty cache", "< 600 s", f"{seconds:.0f} s",
             seconds < TARGET_TRAINING)
    bare_training = figures["bare_init_and_training_seconds"]
    _row("bare `rasa init` (creates and trains)", "", f"{bare_training:.0f} s", None)
    _row("Rasa server start-up, our model", "< 90 s", f"{figures['startup_seconds']:.0f} s",
         figures["startup_seconds"] < TARGET_STARTUP)
    _row("Rasa server start-up, bare model", "", f"{figures['bare_startup_seconds']:.0f} s", None)
    for load in figures["loads"]:
        mine, theirs = load["assistant"], load["bare"]
        n = mine["users"]
        ratio = mine["p95_ms"] / theirs["p95_ms"] if theirs["p95_ms"] else float("inf")
        load["p95_ratio"] = round(ratio, 2)
        _row(f"{n} users: p50 / p95 per turn, ours", "", f"{mine['p50_ms']} / {mine['p95_ms']} ms",
             None)
        _row(f"{n} users: p50 / p95 per turn, bare", "",
             f"{theirs['p50_ms']} / {theirs['p95_ms']} ms", None)
        _row(f"{n} users: p95 ours / p95 bare", "<= 1.5x", f"{ratio:.2f}x", ratio <= TARGET_RATIO)
        _row(f"{n} users: messages per second, ours / bare", "",
             f"{mine['messages_per_second']} / {theirs['messages_per_second']}", None)
        _row(f"{n} users: applications completed", f"{n}", f"{mine['completed']}",
             mine["completed"] == n)
        for key, whose in (("cpu_ms_per_message", "ours"), ("bare_cpu_ms_per_message", "bare")):
            print_cpu(f"{n} users: CPU ms per message, {whose}", load.get(key, {}))
        for error in mine["errors"] + theirs["errors"]:
            print(f"    error: {error}")


def report_clusters(figures: dict) -> None:
    """The clusters' table: each replica count's load, against one replica's in the same run."""
    print()
    _row("what", "target", "measured", None)
    if "training_seconds" in figures:
        _row("training our model, empty cache", "< 600 s", f"{figures['training_seconds']:.0f} s",
             figures["training_seconds"] < TARGET_TRAINING)
    clusters = figures["clusters"]
    first = clusters[0]
    for cluster in clusters:
        n = cluster["replicas"]
        _row(f"{n} replica(s): cluster start-up", "", f"{cluster['startup_seconds']:.0f} s", None)
        for load, base in zip(cluster["loads"], first["loads"], strict=True):
            mine, theirs, one = load["assistant"], load["bare"], base["assistant"]
            users = mine["users"]
            ratio = mine["p95_ms"] / theirs["p95_ms"] if theirs["p95_ms"] else float("inf")
            load["p95_ratio"] = round(ratio, 2)
            _row(f"{n} replica(s), {users} users: p50 / p95 per turn", "",
                 f"{mine['p50_ms']} / {mine['p95_ms']} ms", None)
            _row(f"{n} replica(s), {users} users: messages per second", "",
                 f"{mine['messages_per_second']}", None)
            _row(f"{n} replica(s), {users} users: p95 ours / p95 bare", "", f"{ratio:.2f}x", None)
            if cluster is not first and one["messages_per_second"]:
                scale = mine["messages_per_second"] / one["messages_per_second"]
                load["scaling"] = round(scale, 2)
                wanted = TARGET_SCALING * n / first["replicas"]
                _row(f"{n} replica(s), {users} users: msg/s against {first['replicas']}",
                     f">= {wanted:.1f}x", f"{scale:.2f}x", scale >= wanted)
                if users == min(u["assistant"]["users"] for u in first["loads"]):
                    _row(f"{n} replica(s), {users} users: p95 against {first['replicas']}",
                         f"<= {one['p95_ms']} ms", f"{mine['p95_ms']} ms",
                         mine["p95_ms"] <= one["p95_ms"])
            started = mine.get("applications", users)
            _row(f"{n} replica(s), {users} users: applications completed", f"{started}",
                 f"{mine['completed']}", mine["completed"] == started)
            print_cpu(f"{n} replica(s), {users} users: CPU ms per message",
                      load.get("cpu_ms_per_message", {}))
            for error in mine["errors"] + theirs["errors"]:
                print(f"    error: {error}")
    _row("bare assistant: messages per second at each load", "",
         " / ".join(str(load["bare"]["messages_per_second"]) for load in first["loads"]), None)


if __name__ == "__main__":
    # SIGTERM unwinds like Ctrl-C: the servers stop and the temporary folder goes.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    try:
        sys.exit(main())
    except StackError as exc:
        print(f"benchmarks.conversation: {exc}", file=sys.stderr)
        sys.exit(1)
