"""python -m eligibility check CASE.json [--policy ID_OR_FILE] [--today YYYY-MM-DD]

Prints one JSON object and exits 0, or one line naming the field at fault on standard error and
exits 2. Never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from eligibility import check, explain
from eligibility.clock import today as clock_today
from eligibility.errors import EligibilityError
from eligibility.fields import parse_date
from eligibility.policy import shipped_policies

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for any bad input
        self.exit(EXIT_BAD_INPUT, f"usage: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m eligibility", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check_cmd = commands.add_parser("check", help="decide one case")
    check_cmd.add_argument("case", help="CASE.json, or - for standard input")
    check_cmd.add_argument("--policy", help="a policy id or a policy YAML file")
    check_cmd.add_argument("--today", help="fix today's date (YYYY-MM-DD)")
    commands.add_parser("policies", help="list the shipped policies")
    return parser


def _read(source: str) -> object:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    except OSError as exc:
        raise EligibilityError("CASE.json", f"cannot read {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise EligibilityError("CASE.json", f"{source} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EligibilityError(
            "CASE.json", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "policies":
            for policy in shipped_policies().values():
                print(f"{policy.id}\t{policy.title}\t{policy.source}")
            return 0
        today = parse_date("--today", args.today) if args.today else clock_today()
        decision = check(_read(args.case), policy=args.policy, today=today)  # type: ignore[arg-type]
    except EligibilityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = decision.to_json()
    out["explanation"] = explain(decision)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
