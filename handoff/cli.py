"""python -m handoff serve | migrate | add-user USERNAME [--role ROLE] [--reset]
| api-client add NAME --scopes SCOPES | api-client list | api-client disable NAME"""

from __future__ import annotations

import argparse
import getpass
import logging
import secrets
import sys

from sqlalchemy.exc import IntegrityError

from deployment import load_deployment, log_format
from deployment.config import DeploymentError
from eligibility import clock
from handoff.api_clients import SCOPES, name_problem, scopes_of, token_hash
from handoff.app import database_url, prepare_database, serve
from handoff.inbox import account_key
from handoff.passwords import hash_password, password_problem
from handoff.roles import AS_A, ROLES
from handoff.store import Store


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("handoff: the two passwords are different; nothing was changed")
    return first


def add_user(args, deployment) -> int:
    password = _password(args.password_stdin)
    problem = password_problem(password, args.username)
    if problem:
        print(f"handoff: {problem[0].lower()}{problem[1:]} Nothing was changed.",
              file=sys.stderr)
        return 2
    store = Store(database_url(deployment.handoff))
    try:
        prepare_database(store, deployment.handoff)
        if args.reset:
            user = store.user(args.username)
            if user is None:
                print(f"handoff: there is no user {args.username!r}", file=sys.stderr)
                return 1
            store.set_password(args.username, hash_password(password),
                               account_key(args.username))
            if args.role:
                store.set_role(user["id"], args.role)
            print(f"handoff: new password set for {args.username}, "
                  f"{AS_A[args.role or user['role']]} (signed out everywhere; any sign-in "
                  "pause for this account is lifted)")
            return 0
        # The first user administers the others; after that, caseworker unless told.
        role = args.role or ("caseworker" if store.has_users() else "manager")
        try:
            store.add_user(args.username, hash_password(password),
                           clock.now().isoformat(timespec="seconds"), role)
        except IntegrityError:
            print(f"handoff: user {args.username!r} already exists (use --reset to set a new "
                  "password)", file=sys.stderr)
            return 1
        print(f"handoff: user {args.username} can now sign in to the inbox as {AS_A[role]}")
        return 0
    finally:
        store.close()


def api_client(args, deployment) -> int:
    """Add an API client (its token printed once), list them, or disable one."""
    store = Store(database_url(deployment.handoff))
    try:
        prepare_database(store, deployment.handoff)
        if args.action == "add":
            return _add_api_client(store, args.name, args.scopes)
        if args.action == "disable":
            if not store.disable_api_client(args.name, clock.now().isoformat(timespec="seconds")):
                print(f"handoff: there is no API client {args.name!r}", file=sys.stderr)
                return 1
            print(f"handoff: the API client {args.name}'s token is refused from now on")
            return 0
        for row in store.list_api_clients():
            print(f"{row['name']}\t{row['scopes']}\tcreated {row['created_at']}\t"
                  + (f"disabled {row['disabled_at']}" if row["disabled_at"] else "enabled"))
        return 0
    finally:
        store.close()


def _add_api_client(store: Store, name: str, scopes: str) -> int:
    try:
        problem = name_problem(name)
        if problem:
            raise ValueError(problem)
        given = scopes_of(scopes)
    except ValueError as exc:
        print(f"handoff: {exc}; nothing was changed", file=sys.stderr)
        return 2
    token = secrets.token_urlsafe(32)
    try:
        store.add_api_client(name, token_hash(token), ",".join(given),
                             clock.now().isoformat(timespec="seconds"))
    except IntegrityError:
        print(f"handoff: there is an API client {name!r} already (disable it and add one under "
              "another name for a new token)", file=sys.stderr)
        return 1
    print(f"handoff: API client {name} added with the scopes {', '.join(given)}. Its token "
          "(shown this once; only its SHA-256 is kept), to send as Authorization: Bearer:",
          file=sys.stderr)
    print(token)
    return 0


def migrate(deployment) -> int:
    """Bring the database to this version's schema; nothing to do when it is there already."""
    store = Store(database_url(deployment.handoff))
    try:
        before, after = store.migrate()
    except RuntimeError as exc:  # a migration that refuses (e.g. tables it did not make)
        print(f"handoff: the database was not migrated: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if before == after:
        print(f"handoff: the database schema is at {after}, this version's; nothing to do")
    else:
        print(f"handoff: database schema migrated from {before or 'nothing'} to {after}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff")
    parser.add_argument("--deployment", help="deployment file (default: ASB_DEPLOYMENT or the "
                        "example file)")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the intake API, delivery and inbox")
    serve_cmd.add_argument("--host")
    serve_cmd.add_argument("--port", type=int)
    log_format.add_argument(serve_cmd)
    commands.add_parser("migrate", help="bring the database to this version's schema")
    user_cmd = commands.add_parser("add-user", help="create a user who can sign in to the inbox")
    user_cmd.add_argument("username")
    user_cmd.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of standard input")
    user_cmd.add_argument("--reset", action="store_true", help="set a new password (and, with "
                          "--role, a new role) for a user there is")
    user_cmd.add_argument("--role", choices=ROLES, help="what the user may do (default: "
                          "manager for the first user, caseworker after that)")
    _api_client_commands(commands)
    args = parser.parse_args(argv)
    try:
        deployment = load_deployment(args.deployment)
    except DeploymentError as exc:
        print(f"handoff: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    log_format.apply(getattr(args, "log_format", None))
    if args.command == "serve":
        serve(deployment, args.host, args.port)
        return 0
    if args.command == "migrate":
        return migrate(deployment)
    if args.command == "api-client":
        return api_client(args, deployment)
    return add_user(args, deployment)


def _api_client_commands(commands) -> None:
    client_cmd = commands.add_parser("api-client", help="the API's tokens for agencies' sites "
                                     "and case systems")
    actions = client_cmd.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a client and print its token once")
    add.add_argument("name")
    add.add_argument("--scopes", required=True, help="comma-separated: " + "; ".join(
        f"{scope} ({what})" for scope, what in SCOPES.items()))
    actions.add_parser("list", help="every client: name, scopes, created, disabled (no tokens)")
    disable = actions.add_parser("disable", help="refuse a client's token from now on")
    disable.add_argument("name")
