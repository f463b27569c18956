"""CPU time used over a stretch of a benchmark, by who used it, read from Linux's /proc.

    meter = CpuMeter({rasa.pid: "Rasa server", os.getpid(): "load generator"})
    ...                                  # the load
    used = meter.stop()                  # {"Rasa server": 12.3, ..., "machine": 40.1} seconds

A process is counted under its command's name when that is one of `BY_COMMAND` (PostgreSQL's
backends, Redis, HAProxy, whoever started them), else under the first of its ancestors (itself
included) named in `roots`, else under "other". Each process's time includes that of its
children that ended and were waited for (Linux's cutime and cstime), so a PostgreSQL backend
that closed during the stretch is still counted, under the postmaster. "machine" is every
core's busy time from /proc/stat (everything but idle and I/O wait), so it also holds what ran
outside any process counted here (the kernel's own work, processes that ended unwaited).
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = 1.0 / os.sysconf("SC_CLK_TCK")
BY_COMMAND = {"postgres": "PostgreSQL", "redis-server": "Redis", "haproxy": "HAProxy"}
PROC = Path("/proc")


def read_stat(text: str) -> tuple[str, int, float]:
    """(command, parent pid, CPU seconds with waited children) from a /proc/<pid>/stat line.
    The command is between the first "(" and the last ")": it may hold spaces and brackets."""
    command = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    # After the command: state, ppid, ... utime is the 14th field of the line, cstime the 17th.
    ticks = sum(int(value) for value in fields[11:15])
    return command, int(fields[1]), ticks * TICK


def processes(proc: Path = PROC) -> dict[int, tuple[str, int, float]]:
    """Every process now: pid -> (command, parent pid, CPU seconds)."""
    found = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            found[int(entry.name)] = read_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):  # it ended while being read
            continue
    return found


def machine_busy(proc: Path = PROC) -> float:
    """Seconds every core has spent on anything but idle and I/O wait since boot."""
    fields = (proc / "stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    # guest time is already inside user time
    return (sum(ticks[:8]) - idle) * TICK


def label(pid: int, table: dict[int, tuple[str, int, float]], roots: dict[int, str]) -> str:
    if table[pid][0] in BY_COMMAND:
        return BY_COMMAND[table[pid][0]]
    seen = pid
    while seen in table and seen not in roots and seen > 1:
        seen = table[seen][1]
    return roots.get(seen, "other")


def by_label(roots: dict[int, str], proc: Path = PROC) -> dict[str, dict[int, float]]:
    table = processes(proc)
    grouped: dict[str, dict[int, float]] = {}
    for pid, (_, _, seconds) in table.items():
        grouped.setdefault(label(pid, table, roots), {})[pid] = seconds
    return grouped


class CpuMeter:
    """CPU seconds by label between its creation and `stop()`. A process that started during
    the stretch counts from zero; one that ended is lost unless its parent waited for it."""

    def __init__(self, roots: dict[int, str], proc: Path = PROC):
        self.roots, self.proc = dict(roots), proc
        self.before = by_label(self.roots, proc)
        self.machine_before = machine_busy(proc)

    def stop(self) -> dict[str, float]:
        after = by_label(self.roots, self.proc)
        used: dict[str, float] = {}
        for name, seconds in after.items():
            earlier = self.before.get(name, {})
            used[name] = sum(max(0.0, s - earlier.get(pid, 0.0)) for pid, s in seconds.items())
        used["machine"] = machine_busy(self.proc) - self.machine_before
        return used
