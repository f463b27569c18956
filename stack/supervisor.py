"""Services that come back: `make run` restarts a service that dies, with backoff, and says so.

    supervisor = Supervisor(stack.processes, say=print)
    while True:
        supervisor.tick()   # every second or so, from the thread that started the processes
        time.sleep(1)

A service that exits is started again after 1 s, then 2, 4, ... up to 60 s while it keeps dying
(or does not get ready in its time); once it has stayed up for 5 minutes the wait is back to
1 s. Each step is one line on the console, naming the service, its exit code and the log file:
never what the log holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from stack.model import StackError
from stack.processes import ManagedProcess

FIRST_WAIT = 1.0
LONGEST_WAIT = 60.0
STABLE_AFTER = 300.0  # seconds up after which a service's backoff starts again from FIRST_WAIT


@dataclass
class _State:
    restarts: int = 0
    wait: float = FIRST_WAIT
    restart_at: float | None = None  # when a dead service is started again
    starting: bool = False  # started again, not ready yet
    up_since: float | None = None


class Supervisor:
    def __init__(self, processes: dict[str, ManagedProcess], say: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic):
        self.processes = processes
        self.say = say
        self.clock = clock
        now = clock()
        self.states = {name: _State(up_since=now) for name in processes}

    def restarts(self, name: str) -> int:
        return self.states[name].restarts

    def tick(self) -> None:
        now = self.clock()
        for name, process in self.processes.items():
            state = self.states[name]
            if state.restart_at is not None:
                if now >= state.restart_at:
                    self._restart(name, process, state, now)
            elif not process.running:
                self._died(name, process, state, now)
            elif state.starting:
                self._check_ready(name, process, state, now)
            elif state.up_since is not None and now - state.up_since >= STABLE_AFTER:
                state.wait = FIRST_WAIT

    def _died(self, name: str, process: ManagedProcess, state: _State, now: float) -> None:
        code = process.popen.returncode if process.popen is not None else None
        process.stop()  # whatever is left of its process group goes too
        how = "while starting" if state.starting else "unexpectedly"
        self.say(f"{name} stopped {how} (exit code {code}); restarting it in "
                 f"{state.wait:.0f} s (log: {process.log_path})")
        self._schedule(state, now)

    def _schedule(self, state: _State, now: float) -> None:
        state.restart_at = now + state.wait
        state.wait = min(state.wait * 2, LONGEST_WAIT)
        state.starting = False
        state.up_since = None

    def _restart(self, name: str, process: ManagedProcess, state: _State, now: float) -> None:
        state.restart_at = None
        state.restarts += 1
        try:
            process.start()
        except (StackError, OSError) as exc:
            self.say(f"{name} could not be started ({type(exc).__name__}); trying again in "
                     f"{state.wait:.0f} s")
            self._schedule(state, now)
            return
        state.starting = True
        self.say(f"{name} started again (restart {state.restarts})")

    def _check_ready(self, name: str, process: ManagedProcess, state: _State, now: float) -> None:
        try:
            ready = process.check_ready()
        except StackError:  # exited before it was ready: handled as a death on the next tick
            return
        if ready:
            state.starting = False
            state.up_since = now
            self.say(f"{name} is back (ready {process.ready_after or 0:.0f} s after restarting)")
        elif process.timed_out():
            process.stop()
            self.say(f"{name} was not ready after {process.spec.ready_timeout:.0f} s; "
                     f"restarting it in {state.wait:.0f} s (log: {process.log_path})")
            self._schedule(state, now)
