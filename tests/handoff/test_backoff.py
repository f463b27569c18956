"""Retry waits: doubling from the first wait, capped, with jitter in the upper half."""

from __future__ import annotations

import random

from handoff.worker import backoff


def test_waits_double_then_stop_growing_and_are_jittered():
    random.seed(7)
    initial, longest = 30.0, 3600.0
    for attempts in range(1, 15):
        ceiling = min(longest, initial * 2 ** (attempts - 1))
        waits = [backoff(attempts, initial, longest) for _ in range(200)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 150  # not in step with each other
    assert max(backoff(40, initial, longest) for _ in range(100)) <= longest
