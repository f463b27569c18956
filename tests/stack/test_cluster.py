"""The cluster (`python -m stack cluster`, stack/cluster.py) under faults: one cluster of two
replicas for the session (tests/stack/conftest.py), on throwaway PostgreSQL and Redis, HAProxy
in front. Redis, PostgreSQL and a handoff process: tests/stack/test_cluster_parts.py.

- A burst: ~20 conversations, each with its messages sent to both Rasa servers at once. Every
  tracker in PostgreSQL must hold each message once, every turn whole (the lock store keeps two
  servers from handling one conversation together), its events in order.
- An action server killed with SIGKILL in the middle of a whole application: its Rasa server
  (each calls its own) goes on through the balancer's action frontend, nothing the user sends
  fails, and the conversation stays on its Rasa server.
- A Rasa server killed with SIGKILL in the middle of a whole application through the balancer:
  the next message, sent once, is answered by the other server, and the application completes
  with every answer kept (in the tracker store and in the stored application).

The burst runs first: it needs both servers.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest

from stack.cluster import Cluster, rasa_cores
from stack.supervisor import Supervisor
from tests.applying import PEOPLE, apply, reference_in
from tests.live_stack import send
from tests.stack.conftest import CLUSTER_REPLICAS as REPLICAS

pytestmark = pytest.mark.integration

CONVERSATIONS = int(os.environ.get("ASB_CLUSTER_CONVERSATIONS", "20"))
BURST = 4  # messages per conversation, sent at once, alternately to each Rasa server
KILL_AFTER = 10  # turns of the application before its Rasa server is killed


def _connect(cluster: Cluster, database: str):
    return psycopg2.connect(host="127.0.0.1", port=cluster.backing.ports["tracker"], user="asb",
                            dbname=database)


def _events(cluster: Cluster, sender: str) -> list[tuple[str, str | None, dict]]:
    """(type, action name, data) of each stored event of a conversation, in the order stored."""
    with _connect(cluster, "asb_tracker") as db, db.cursor() as cursor:
        cursor.execute("select type_name, action_name, data from events where sender_id = %s "
                       "order by id", (sender,))
        return [(kind, action, json.loads(data)) for kind, action, data in cursor.fetchall()]


def _turns(events: list[tuple[str, str | None, dict]]) -> list[str]:
    """The user messages of a conversation, checking that each turn is whole: after a user
    message, the bot's events up to `action_listen`, before the next message; timestamps
    never going back."""
    texts: list[str] = []
    listening = True
    stamps = [data["timestamp"] for _, _, data in events]
    assert stamps == sorted(stamps), "events stored out of time order"
    for kind, action, data in events:
        if kind == "user":
            assert listening, f"message {data.get('text')!r} came in the middle of a turn"
            texts.append(data.get("text"))
            listening = False
        elif kind == "action" and action == "action_listen":
            listening = True
    assert listening, "the last turn never ended"
    return texts


def test_one_conversation_on_both_servers_at_once(cluster):
    replicas = [f"http://127.0.0.1:{cluster.processes[f'rasa-{i}'].spec.port}"
                for i in range(1, REPLICAS + 1)]
    run = uuid.uuid4().hex[:6]
    sent = {f"burst-{run}-{n}": [f"hello {word}" for word in ("one", "two", "three", "four")]
            for n in range(CONVERSATIONS)}
    failures: list[str] = []
    lock = threading.Lock()

    def one(sender: str, index: int) -> None:
        try:
            replies = send(replicas[index % REPLICAS], sender, sent[sender][index],
                           {"language": "en"}, timeout=300)
            assert replies, "no answer"
        except (AssertionError, urllib.error.URLError, OSError) as error:
            with lock:
                failures.append(f"{sender} #{index}: {error}")

    started = time.monotonic()
    with ThreadPoolExecutor(CONVERSATIONS * BURST) as pool:
        for future in [pool.submit(one, sender, index) for sender in sent
                       for index in range(BURST)]:
            future.result()
    seconds = time.monotonic() - started
    assert failures == []
    events = 0
    for sender, texts in sent.items():
        stored = _events(cluster, sender)
        events += len(stored)
        assert Counter(_turns(stored)) == Counter(texts), f"{sender}: lost or doubled"
    print(f"\ncluster burst: {CONVERSATIONS} conversations x {BURST} messages at once on "
          f"{REPLICAS} Rasa servers in {seconds:.1f} s; {events} events stored, every turn whole")


def _served_by(cluster: Cluster) -> list[str]:
    """The Rasa server of each REST request through the balancer, from its log."""
    log = cluster.processes["balancer"].log_path.read_text(errors="replace")
    return [word.split("/", 1)[1] for line in log.splitlines() if '"POST ' in line
            for word in line.split() if word.startswith("rasa_rest/")]


def _down(cluster: Cluster) -> set[str]:
    """The Rasa servers HAProxy's health checks have taken out of service, from its log."""
    log = cluster.processes["balancer"].log_path.read_text(errors="replace")
    state: dict[str, str] = {}
    for line in log.splitlines():
        if line.startswith("Server rasa_rest/"):
            name, _, rest = line[len("Server rasa_rest/"):].partition(" is ")
            state[name] = rest.split(",", 1)[0]
    return {name for name, now in state.items() if now != "UP"}


def restarted(cluster: Cluster, name: str, seconds: float = 180) -> int:
    """Start a killed process of the cluster again as `python -m stack cluster` would (its
    Supervisor), wait until it is ready; how many restarts that took."""
    said: list[str] = []
    supervisor = Supervisor({name: cluster.processes[name]}, said.append)
    state = supervisor.states[name]
    deadline = time.monotonic() + seconds
    while state.restarts == 0 or state.starting or state.restart_at is not None:
        assert time.monotonic() < deadline, f"{name} not back: {said}"
        supervisor.tick()
        time.sleep(0.2)
    return state.restarts


def _all_up(cluster: Cluster) -> None:
    """Wait for every Rasa server to be in service again (a server the burst kept too busy to
    answer its checks is out until they pass)."""
    deadline = time.monotonic() + 120
    while _down(cluster):
        assert time.monotonic() < deadline, f"still down: {_down(cluster)}"
        time.sleep(1)


def _actions_run(cluster: Cluster, names: list[str] | None = None) -> dict[str, float]:
    """How many actions each action server (or those named) has run (its /metrics)."""
    counts = {}
    for name in names or [f"actions-{i}" for i in range(1, REPLICAS + 1)]:
        port = cluster.processes[name].spec.port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            text = answer.read().decode()
        counts[name] = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                           if line.startswith("asb_action_seconds_count{"))
    return counts


def test_each_rasa_server_on_a_core_of_its_own(cluster):
    """Every thread of each Rasa server (TensorFlow's too) on its core (`rasa_cores`), a
    different one for each while there are cores enough; every other process on any core."""
    cores = rasa_cores(REPLICAS)
    anywhere = os.sched_getaffinity(0)
    if len(anywhere) >= REPLICAS:
        assert len(set(cores)) == REPLICAS
    for name, process in cluster.processes.items():
        threads = [int(t) for t in os.listdir(f"/proc/{process.popen.pid}/task")]
        where = {os.sched_getaffinity(tid) == ({cores[int(name[5:]) - 1]}
                                               if name.startswith("rasa-") else anywhere)
                 for tid in threads}
        assert where == {True}, f"{name} runs on {os.sched_getaffinity(process.popen.pid)}"


def test_an_action_server_killed_mid_application(cluster):
    """Each Rasa server calls its own action server (rasa-N, actions-N); killed, the calls go
    through the balancer to the other, the conversation stays on its Rasa server and nothing
    the user sends fails. The killed one is started again for the tests after."""
    _all_up(cluster)
    person = PEOPLE["en"].renamed(8)
    sender = f"actions-killed-{uuid.uuid4().hex[:8]}"
    said: list[str] = []
    killed: list[str] = []
    earlier = len(_served_by(cluster))
    before = _actions_run(cluster)

    def say(message: str) -> list[dict]:
        said.append(message)
        if len(said) == KILL_AFTER + 1:
            deadline = time.monotonic() + 10
            while len(_served_by(cluster)) < earlier + KILL_AFTER:
                assert time.monotonic() < deadline, "the balancer logged no request"
                time.sleep(0.05)
            (rasa,) = set(_served_by(cluster)[earlier:])
            paired = rasa.replace("rasa", "actions")
            now = _actions_run(cluster)
            ran = {name: now[name] - before[name] for name in now}
            assert ran[paired] > 0 and all(n == 0 for name, n in ran.items() if name != paired), (
                f"{rasa}'s actions must run on {paired} alone: {ran}")
            killed.append(paired)
            before.update(now)
            os.kill(cluster.processes[paired].popen.pid, signal.SIGKILL)
            cluster.processes[paired].popen.wait(10)
        return send(cluster.public_url, sender, message, {"language": "en"}, timeout=300)

    try:
        reference = reference_in(apply(say, person))  # every message sent once: none may fail
        served = set(_served_by(cluster)[earlier:])
        assert len(served) == 1, f"the conversation stayed on its Rasa server: {served}"
        (paired,) = killed
        (other,) = set(before) - {paired}
        assert _actions_run(cluster, [other])[other] > before[other], (
            "the balancer's action server ran the rest")
        assert _turns(_events(cluster, sender)) == said, "every message kept, once, in order"
        print(f"\ncluster action server kill: {paired} killed after {KILL_AFTER} of {len(said)} "
              f"messages; its Rasa server went on through the balancer; {reference}")
    finally:
        for name in killed:  # back for the tests after this one
            restarted(cluster, name)


def test_a_rasa_server_killed_mid_application(cluster):
    _all_up(cluster)
    person = PEOPLE["en"].renamed(7)
    sender = f"killed-{uuid.uuid4().hex[:8]}"
    said: list[str] = []
    killed: dict[str, int] = {}
    earlier = len(_served_by(cluster))  # requests of the tests before this one

    def say(message: str) -> list[dict]:
        said.append(message)
        if len(said) == KILL_AFTER + 1:  # the conversation's server dies before this message
            # HAProxy logs a request once it has answered it: wait for the last one's line.
            deadline = time.monotonic() + 10
            while len(_served_by(cluster)) < earlier + KILL_AFTER:
                assert time.monotonic() < deadline, "the balancer logged no request"
                time.sleep(0.05)
            servers = set(_served_by(cluster)[earlier:])
            assert len(servers) == 1, f"one conversation, one server while it is up: {servers}"
            name = servers.pop()
            killed[name] = len(_served_by(cluster))
            os.kill(cluster.processes[name].popen.pid, signal.SIGKILL)
            cluster.processes[name].popen.wait(10)
        return send(cluster.public_url, sender, message, {"language": "en"}, timeout=300)

    started = time.monotonic()
    reference = reference_in(apply(say, person))  # every message is sent once: none may fail
    seconds = time.monotonic() - started

    (name, before), = killed.items()
    after = _served_by(cluster)[before:]
    assert after and name not in after, f"after {name} died: {after}"
    print(f"\ncluster kill: {name} killed after {KILL_AFTER} of {len(said)} messages; the other "
          f"{len(after)} answered by {sorted(set(after))}; {reference} in {seconds:.1f} s")
    assert _turns(_events(cluster, sender)) == said, "every message kept, once, in order"
    with _connect(cluster, "asb") as db, db.cursor() as cursor:
        cursor.execute("select document from applications where reference = %s", (reference,))
        (document,), = cursor.fetchall()
    stored = json.dumps(json.loads(document), ensure_ascii=False)
    for detail in (person.name, person.email, person.phone, person.address, person.impact):
        assert detail in stored, f"{detail!r} lost from the application"
