"""The cluster's own parts failing (the session's cluster, tests/stack/conftest.py): Redis and
PostgreSQL restarted (stopped, then started again on the same port), a handoff process killed
with SIGKILL while it delivers.

While a part is down, whoever writes is told to try again in a moment (the REST channel's 500
with that sentence, the intake's 503), never an empty answer; once it is back, the next message
of every conversation is answered, nothing of the turn that failed is kept (the same message sent
again is one turn), and every application reaches the agency exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter

import pytest

from stack.services import handoff_database_env
from tests.handoff.handoff_parts import all_delivered, example_application
from tests.live_stack import INTAKE_TOKEN, send
from tests.stack.test_cluster import _events, _turns, restarted

pytestmark = pytest.mark.integration

TRY_AGAIN = "try again in a moment"
CONVERSATIONS = 3


def _told(cluster, sender: str, message: str) -> tuple[int, str]:
    """The status and what the user reads: the replies' text, or the error's detail."""
    try:
        replies = send(cluster.public_url, sender, message, {"language": "en"}, timeout=120)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}").get("detail", "")
    return 200, " ".join(reply.get("text") or "" for reply in replies)


def _outage(cluster, part) -> None:
    """Conversations going on while `part` (a throwaway server) is down and once it is back."""
    senders = [f"outage-{uuid.uuid4().hex[:8]}" for _ in range(CONVERSATIONS)]
    for sender in senders:
        status, text = _told(cluster, sender, "hello")
        assert status == 200 and text.strip(), (status, text)
    with part.down():
        for sender in senders:
            status, text = _told(cluster, sender, "I need help")
            assert status == 500 and TRY_AGAIN in text, (status, text)
    for sender in senders:  # back: the same message again, answered, kept once
        status, text = _told(cluster, sender, "I need help")
        assert status == 200 and text.strip(), (status, text)
        assert _turns(_events(cluster, sender)) == ["hello", "I need help"]


def test_redis_restarted(cluster):
    _outage(cluster, cluster.backing.redis)


def _submit(cluster, key: str, document: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{cluster.settings.url('handoff')}/api/v1/applications",
        data=json.dumps(document).encode(), method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": key,
                 "Authorization": f"Bearer {INTAKE_TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _delivered(cluster, references: set[str], timeout: float = 60) -> None:
    """Wait until the handoff's store has each application delivered."""
    url = cluster.backing.env[handoff_database_env()]
    deadline = time.monotonic() + timeout
    while not all_delivered(url, references):
        assert time.monotonic() < deadline, "not all delivered"
        time.sleep(0.5)


def test_postgresql_restarted(cluster, agency):
    _outage(cluster, cluster.backing.postgres)
    # The intake meanwhile: told to try again; the same application sent again once it is back
    # is taken and delivered once.
    key, document = uuid.uuid4().hex, example_application()
    with cluster.backing.postgres.down():
        status, body = _submit(cluster, key, document)
        assert status == 503 and "again in a moment" in json.dumps(body), (status, body)
    status, body = _submit(cluster, key, document)
    assert status == 201, (status, body)
    _delivered(cluster, {body["reference"]})
    assert Counter(k for k, _ in agency.agency.sent)[body["reference"]] == 1


def test_a_handoff_process_killed_while_delivering(cluster, agency):
    names = ["handoff-1", "handoff-2"]
    processes = {name: cluster.processes[name] for name in names}
    agency.agency.senders = {name: p.popen.pid for name, p in processes.items()}
    agency.agency.owners = {}
    before = len(agency.agency.sent)
    agency.agency.delay = 2.0  # long enough to kill a process with a delivery in flight
    try:
        references = set()
        for _ in range(6):
            status, body = _submit(cluster, uuid.uuid4().hex, example_application())
            assert status == 201, (status, body)
            references.add(body["reference"])
        deadline = time.monotonic() + 30
        while not (busy := [n for n in names if agency.agency.in_flight[n] > 0]):
            assert time.monotonic() < deadline, "no delivery in flight"
            time.sleep(0.05)
        killed = busy[0]
        os.kill(processes[killed].popen.pid, signal.SIGKILL)
        restarts = restarted(cluster, killed, 90)
        _delivered(cluster, references)
        time.sleep(6)  # a lease more: anything sent twice late would show
    finally:
        agency.agency.delay = 0.2
    sent = agency.agency.sent[before:]
    counts = Counter(key for key, _ in sent if key in references)
    again = {key for key, count in counts.items() if count > 1}
    print(f"\ncluster handoff kill: {killed} killed with deliveries in flight, back after "
          f"{restarts} restart; {len(references)} applications delivered, "
          f"{len(again)} sent again under the same Idempotency-Key")
    assert set(counts) == references  # none lost
    # Sent twice only what the killed process was sending, and once more only.
    assert all(agency.agency.accepted[key] == killed and counts[key] == 2 for key in again), counts
