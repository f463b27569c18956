"""Eligibility engine benchmark: decisions per second in one process.

    python -m benchmarks.eligibility

Prints decisions per second for a 3-incident case and for cases of growing size up to 1,000
incidents, and how the cost per incident grows (it should grow no faster than n log n).
Targets on the 2-core reference machine: at least 20,000 decisions per second for 3 incidents.
"""

from __future__ import annotations

import math
import random
import time
from datetime import date, timedelta

from eligibility import Case, IncidentRecord, decide, resolve_policy

APPLIED_ON = date(2026, 6, 15)


def make_case(n: int, seed: int = 1) -> Case:
    rng = random.Random(seed)
    records = []
    for _ in range(n):
        occurred = APPLIED_ON - timedelta(days=rng.randint(0, 300))
        reported = min(APPLIED_ON, occurred + timedelta(days=rng.randint(0, 45)))
        records.append(
            IncidentRecord(
                occurred_on=occurred,
                reported_on=reported,
                reported_to=("police",),
                # about one record in five is the same incident reported to a second agency
                id=str(rng.randint(0, max(1, n * 4 // 5))) if n > 3 else None,
                hate_related=rng.random() < 0.05,
                reporter=rng.choice(("applicant", "neighbour")),
            )
        )
    return Case(applied_on=APPLIED_ON, incidents=tuple(records))


def rate(case: Case, policy, seconds: float = 1.5) -> float:
    """Decisions per second, best of three runs of about `seconds` / 3 each."""
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        deadline = start + seconds / 3
        while True:
            for _ in range(50):
                decide(case, policy)
            count += 50
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def main() -> None:
    policies = [resolve_policy("statutory-default"), resolve_policy("wales")]
    print("Eligibility engine: decisions per second (one process, best of 3)")
    print(f"{'policy':<20}{'incidents':>10}{'decisions/s':>14}{'µs/decision':>14}"
          f"{'µs/incident':>14}{'÷ log2 n':>10}")
    for policy in policies:
        for n in (3, 10, 100, 1000):
            r = rate(make_case(n), policy)
            per = 1e6 / r
            print(f"{policy.id:<20}{n:>10}{r:>14,.0f}{per:>14.1f}{per / n:>14.2f}"
                  f"{per / n / math.log2(max(n, 2)):>10.3f}")
    three = rate(make_case(3), policies[0])
    big = rate(make_case(1000), policies[0])
    growth = (three / big) / (1000 / 3)
    print(f"\n3 incidents: {three:,.0f} decisions/s (target at least 20,000)")
    print(f"1,000 incidents: {big:,.0f} decisions/s; cost per incident at 1,000 is "
          f"{growth:.2f}x that at 3 (n log n would allow {math.log2(1000) / math.log2(3):.1f}x)")


if __name__ == "__main__":
    main()
