"""The last run of the scripted people, summed up from test-artifacts/people/*.json:

    .venv/bin/python -m tests.assistant.people.summary [--all]

One line per person (passed, or its first problem; --all: every problem), then the totals the
README's table shows.
"""

from __future__ import annotations

import argparse
import json
import sys

from tests.assistant.people.runner import load_people
from tests.assistant.trackers import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "people"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every problem, not only the first")
    args = parser.parse_args(argv)
    people = load_people()
    passed = misses = wrong = unsent = turns = missing = 0
    for person in people:
        path = ARTIFACTS / f"{person.id}.json"
        if not path.exists():
            missing += 1
            print(f"{person.id:42} not run")
            continue
        record = json.loads(path.read_text(encoding="utf-8"))
        problems = record["problems"]
        turns += len(record["turns"])
        misses += len(record["misses"])
        stored = [p for p in problems if not p.startswith(("miss:", "not sent:"))]
        wrong += len(stored)
        unsent += record["reference"] is None
        passed += not problems
        if not problems:
            print(f"{person.id:42} passed ({len(record['turns'])} turns)")
            continue
        print(f"{person.id:42} {len(record['misses'])} misses, {len(stored)} wrong fields"
              f"{', not sent' if record['reference'] is None else ''}")
        for problem in problems if args.all else problems[:1]:
            print(f"    {problem}")
    print(f"\n{passed}/{len(people)} passed; {misses} missed turns of {turns}; "
          f"{wrong} wrong or missing stored fields; {unsent} not sent"
          f"{f'; {missing} not run' if missing else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
