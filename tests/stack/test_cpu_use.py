"""The conversation benchmark's CPU meter (benchmarks/cpu_use.py), on real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks.cpu_use import CpuMeter, read_stat

# Burns about `seconds` of CPU in a grandchild (a child that starts it and waits), then sleeps.
BURN = """
import subprocess, sys, time
def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
if sys.argv[1] == "parent":
    subprocess.run([sys.executable, "-c", sys.argv[2], "child", sys.argv[3]], check=True)
    time.sleep(30)
else:
    burn(float(sys.argv[2]))
"""


def test_a_stat_line_with_spaces_and_brackets_in_the_command_is_read():
    line = "4242 (odd ) name) (x) S 17 4242 4242 0 -1 4194560 1 0 0 0 250 50 7 3 20 0 1 0 9 0 0"
    command, parent, seconds = read_stat(line)
    assert (command, parent) == ("odd ) name) (x", 17)
    assert seconds == (250 + 50 + 7 + 3) / os.sysconf("SC_CLK_TCK")


def test_cpu_is_counted_under_the_root_that_started_it_and_waited():
    parent = subprocess.Popen([sys.executable, "-c", BURN, "parent", BURN, "1.0"])
    try:
        meter = CpuMeter({parent.pid: "burner", os.getpid(): "this test"})
        deadline = time.monotonic() + 60
        used = meter.stop()
        while used.get("burner", 0) < 0.9 and time.monotonic() < deadline:
            time.sleep(0.2)
            used = meter.stop()
        # The grandchild's second, counted while it ran and after it ended (the parent waited).
        assert 0.9 <= used["burner"] < 2.0
        assert used["this test"] < used["burner"]
        assert used["machine"] >= used["burner"] - 0.1
    finally:
        parent.kill()
        parent.wait()


def test_a_meter_counts_only_what_was_used_after_it_started():
    end = time.process_time() + 0.5
    while time.process_time() < end:  # before the meter: not counted
        pass
    meter = CpuMeter({os.getpid(): "this test"})
    assert meter.stop()["this test"] < 0.3
