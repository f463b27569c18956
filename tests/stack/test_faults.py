"""The fault campaign, on the running system (`stack` fixture): each of the action server, the
handoff service and the Rasa server is killed with SIGKILL while several whole applications go
through the REST channel at once, and `make run`'s supervisor (stack/supervisor.py) starts it
again.

Each application is driven by what the assistant asks (tests/applying.py); a message that gets
no answer is sent again, as the widget does. While a service is down the user must be told to
try again (the edge's "try again in a moment", the assistant's "please try again in a few
minutes", or, with Rasa itself down, no connection, which the widget turns into "We cannot
reach the assistant at the moment"), never an empty answer. Every application must reach its
reference and be stored exactly once. Each killed service is kept down until a user has met
it, so the campaign checks what users are told, not the race of a quick restart. At the end
every service is back and ready, for the tests that run after this one.

ASB_FAULT_APPLICATIONS sets how many applications run at once (default 3).
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.error
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.applying import PEOPLE, apply, reference_in

pytestmark = pytest.mark.integration

APPLICATIONS = int(os.environ.get("ASB_FAULT_APPLICATIONS", "3"))
KILLED = ("actions", "rasa", "handoff")
SUPERVISED = ("rasa", "actions", "handoff")
CAMPAIGN_SECONDS = 1800  # Rasa may take minutes to load again on a busy machine
TRY_AGAIN = ("try again in a moment", "try again in a few minutes")


class Applicant:
    """One application in its own thread; what it was told while things were down."""

    def __init__(self, stack, number: int, log: list, lock: threading.Lock):
        self.stack, self.number, self.log, self.lock = stack, number, log, lock
        self.person = PEOPLE["en"].renamed(number + 1)
        self.sender = f"fault-{number}-{uuid.uuid4().hex[:8]}"
        self.turns = 0
        self.reference: str | None = None
        self.at_review = threading.Event()
        self.may_send = threading.Event()

    def note(self, what: str) -> None:
        with self.lock:
            self.log.append((time.monotonic(), self.number, what))

    def say(self, message: str) -> list[dict]:
        deadline = time.monotonic() + CAMPAIGN_SECONDS
        while True:
            try:
                replies = self.stack.send(self.sender, message, {"language": "en"}, timeout=300)
            except urllib.error.HTTPError as error:
                detail = json.loads(error.read() or b"{}").get("detail", "")
                self.note(f"edge {error.code}: {detail}")
                assert any(words in detail for words in TRY_AGAIN), (error.code, detail)
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException, TimeoutError) as error:
                self.note(f"unreachable ({type(error).__name__})")
            else:
                if not replies:
                    self.note("silence")
                text = " ".join(r.get("text") or "" for r in replies)
                if any(words in text for words in TRY_AGAIN):
                    self.note("assistant: try again")
                    # A person reads "try again in a moment" before trying again: sending again
                    # at once used up apply()'s turns in two seconds of the handoff's restart.
                    time.sleep(1)
                self.turns += 1
                return replies
            assert time.monotonic() < deadline, "still not answered"
            time.sleep(1)

    def before(self, slot: str) -> None:
        if slot == "review_choice" and not self.may_send.is_set():
            self.at_review.set()
            self.may_send.wait(600)

    def run(self) -> None:
        self.reference = reference_in(apply(self.say, self.person, before=self.before))


def test_killed_services_lose_no_application(stack):
    said: list[str] = []
    supervisor = stack.supervisor(SUPERVISED, said.append)
    log: list = []
    lock = threading.Lock()
    applicants = [Applicant(stack, n, log, lock) for n in range(APPLICATIONS)]
    first = applicants[0]
    for applicant in applicants[1:]:
        applicant.may_send.set()  # only the first waits at the review for the handoff's kill
    # When each service is killed: the action server and Rasa during the questions, the
    # handoff service when the first application is about to be sent.
    plan = [("actions", lambda: min(a.turns for a in applicants) >= 4),
            ("rasa", lambda: min(a.turns for a in applicants) >= 12),
            ("handoff", first.at_review.is_set)]
    started = time.monotonic()
    with ThreadPoolExecutor(APPLICATIONS) as pool:
        running = [pool.submit(a.run) for a in applicants]
        try:
            kills = _kill_while_applying(stack, supervisor, plan, running, log, first, started)
        finally:
            first.may_send.set()
            for applicant in applicants:
                applicant.may_send.set()
            _wait_until_all_back(stack, supervisor, said)
        for future in running:
            future.result()
    seconds = time.monotonic() - started

    stored = _stored(stack, applicants)
    lost = [n for n, refs in stored.items() if not refs]
    duplicated = [n for n, refs in stored.items() if len(refs) > 1]
    silence = [entry for entry in log if entry[2] == "silence"]
    print(f"\nfaults: {len(applicants)} applications, kills {[k for k, _ in kills]} "
          f"(restarts {[supervisor.restarts(n) for n in SUPERVISED]} of {SUPERVISED}) in "
          f"{seconds:.0f} s; told {len(log)} times: "
          f"{sorted({what.split(':')[0] for _, _, what in log})}; lost {len(lost)}, "
          f"duplicated {len(duplicated)}, silent answers {len(silence)}")
    print("\n".join(f"  supervisor: {line}" for line in said))
    assert [k for k, _ in kills] == list(KILLED)
    for name, at in kills:  # while each was down, somebody was told so
        assert any(t >= at for t, _, _ in log), f"nobody met {name} down"
    assert silence == [] and lost == [] and duplicated == []
    assert {n: refs[0] for n, refs in stored.items()} == {a.number: a.reference
                                                           for a in applicants}
    assert any("unreachable" in what for _, _, what in log)  # Rasa down
    assert any(what.startswith("edge 500") for _, _, what in log)  # the action server down
    assert any(what == "assistant: try again" for _, _, what in log)  # the handoff down


def _kill_while_applying(stack, supervisor, plan: list, running: list, log: list,
                         first: Applicant, started: float) -> list[tuple[str, float]]:
    """Until every application is done: kill the next service of `plan` when its moment comes
    and all are running, keep it down until a user has met the failure (or two minutes), and let
    the supervisor restart it. The kills, with when each was made."""
    kills: list[tuple[str, float]] = []
    held: str | None = None
    while not all(f.done() for f in running):
        assert time.monotonic() - started < CAMPAIGN_SECONDS, "the campaign took too long"
        now = time.monotonic()
        if held is None and plan and plan[0][1]() and all(
                stack.running(n) for n in SUPERVISED):
            held = plan.pop(0)[0]
            stack.kill(held)
            kills.append((held, now))
            if held == "handoff":
                first.may_send.set()
        if held is not None:  # restart only once a user has met the failure
            met = [entry for entry in log if entry[0] >= kills[-1][1]]
            if met or now - kills[-1][1] > 120:
                held = None
        if held is None:
            supervisor.tick()
        time.sleep(0.5)
    return kills


def _wait_until_all_back(stack, supervisor, said: list[str]) -> None:
    """Every service running and ready again, for the tests that run after this one."""
    back_deadline = time.monotonic() + 900
    while not all(stack.running(n) and not supervisor.states[n].starting
                  and supervisor.states[n].restart_at is None for n in SUPERVISED):
        assert time.monotonic() < back_deadline, f"not all back: {said}"
        supervisor.tick()
        time.sleep(0.5)


def _stored(stack, applicants: list[Applicant]) -> dict[int, list[str]]:
    """Each applicant's number: the references of the applications stored with their name."""
    with stack.handoff_db() as db:
        documents = [(row["reference"], json.loads(row["document"])) for row in db.execute(
            "select reference, document from applications")]
    return {a.number: [ref for ref, d in documents if d["victim"]["name"] == a.person.name]
            for a in applicants}
