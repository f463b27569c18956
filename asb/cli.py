"""`asb COMMAND ...`: every command of the project under one name, from any directory.

Each command is one of the `python -m ...` commands, which keep working; `asb COMMAND --help`
shows its options. Files are found in the project folder (ASB_PROJECT_ROOT, else the folder the
packages are in: see asb/env.py), never in the current directory.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence

from asb import env

# name: (module:function, arguments put first, the same as, what it does). A function takes the
# argument list; "argv:" before one means it reads sys.argv instead (Rasa's and rasa_sdk's).
COMMANDS: dict[str, tuple[str, list[str], str, str]] = {
    "run": ("stack.__main__:main", ["run"], "python -m stack run",
            "train the model if its inputs changed, start every server, print where to chat"),
    "cluster": ("stack.__main__:main", ["cluster"], "python -m stack cluster",
                "the same replicated behind HAProxy, on PostgreSQL and Redis (--replicas N)"),
    "train": ("stack.__main__:main", ["train"], "python -m stack train",
              "train the model if its inputs changed"),
    "fingerprint": ("stack.__main__:main", ["fingerprint"], "python -m stack fingerprint",
                    "print the model's fingerprint (its name under models/)"),
    "forget-conversations": ("stack.__main__:main", ["forget-conversations"],
                             "python -m stack forget-conversations",
                             "delete conversations idle for --older-than-days N"),
    "serve-rasa": ("argv:stack.rasa_server:main", ["run"], "python -m stack.rasa_server run",
                   "one Rasa server (Rasa's `rasa run` options), in the project folder"),
    "serve-actions": ("argv:assistant.action_server:main", [], "python -m assistant.action_server",
                      "one action server, in the project folder"),
    "serve-handoff": ("handoff.cli:main", ["serve"], "python -m handoff serve",
                      "the handoff service: intake API, delivery, inbox"),
    "migrate": ("handoff.cli:main", ["migrate"], "python -m handoff migrate",
                "bring the handoff database to this version's schema"),
    "inbox": ("asb.cli:inbox", [], "python -m handoff add-user",
              "inbox users: asb inbox add-user USERNAME [--role ROLE] [--reset]"),
    "api-client": ("handoff.cli:main", ["api-client"], "python -m handoff api-client",
                   "the API's tokens for agencies' sites: add NAME --scopes S,S | list | "
                   "disable NAME"),
    "serve-widget": ("web_widget.__main__:main", ["serve"], "python -m web_widget serve",
                     "the widget's server and the demo pages"),
    "widget-size": ("web_widget.__main__:main", ["size"], "python -m web_widget size",
                    "the widget's bytes on the wire, checked against its budget"),
    "eligibility": ("eligibility.cli:main", [], "python -m eligibility",
                    "decide one case: asb eligibility check CASE.json; asb eligibility policies"),
    "compile-catalogs": ("assistant.locales.__main__:main", ["compile"],
                         "python -m assistant.locales compile",
                         "compile the translation catalogs (.po to .mo)"),
    "check-deployment": ("asb.cli:check_deployment", [], "",
                         "check the deployment file (ASB_DEPLOYMENT, or FILE) and summarise it"),
    "paths": ("asb.cli:paths", [], "", "print the project folder and the files found in it"),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS) + 2
    lines = ["usage: asb COMMAND [OPTIONS]   (asb COMMAND --help: the command's options)", "",
             "commands:"]
    for name, (_, _, same_as, what) in COMMANDS.items():
        lines.append(f"  {name:<{width}}{what}" + (f" ({same_as})" if same_as else ""))
    lines += ["", f"project folder: {env.project_root()}"]
    return "\n".join(lines)


def _function(target: str) -> Callable:
    module, name = target.removeprefix("argv:").split(":")
    return getattr(importlib.import_module(module), name)


def _with_argv(function: Callable, name: str, argv: list[str]) -> int:
    """Run a command that parses sys.argv, in the project folder (as the stack runs it)."""
    saved, here = sys.argv, os.getcwd()
    sys.argv = [f"asb {name}", *argv]
    os.chdir(env.project_root())
    try:
        return function() or 0
    finally:
        sys.argv = saved
        os.chdir(here)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage(), file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"asb: there is no command {name!r}; `asb --help` lists them", file=sys.stderr)
        return 2
    target, first, _, _ = COMMANDS[name]
    function = _function(target)
    if target.startswith("argv:"):
        return _with_argv(function, name, [*first, *rest])
    return int(function([*first, *rest]) or 0)


def inbox(argv: list[str]) -> int:
    """`asb inbox add-user ...`: the handoff service's user command."""
    if not argv or argv[0] not in ("add-user", "-h", "--help"):
        print("usage: asb inbox add-user USERNAME [--role ROLE] [--reset] [--password-stdin]",
              file=sys.stderr)
        return 2
    from handoff.cli import main as handoff_main

    return handoff_main(["add-user", *argv[1:]] if argv[0] == "add-user" else ["add-user", "-h"])


def check_deployment(argv: list[str]) -> int:
    """Load and validate the deployment file; one line per finding, exit 2 when it is wrong."""
    import argparse

    from deployment.config import DEFAULT_FILE, DeploymentError, load_deployment

    parser = argparse.ArgumentParser(prog="asb check-deployment")
    parser.add_argument("file", nargs="?", help="the deployment file (default: ASB_DEPLOYMENT, "
                        "else deployment.example.yml in the project folder)")
    path = parser.parse_args(argv).file or env.get("ASB_DEPLOYMENT") or str(DEFAULT_FILE)
    try:
        deployment = load_deployment(path)
    except DeploymentError as exc:
        print(f"asb: {exc}", file=sys.stderr)
        return 2
    print(f"deployment file {os.path.abspath(path)} is valid")
    print(f"  service: {deployment.service_name}")
    print(f"  areas: {', '.join(area.id for area in deployment.areas)}")
    print(f"  languages: {', '.join(deployment.languages)} (default {deployment.default_language})")
    return 0


def paths(argv: list[str]) -> int:
    """Where the project's files are; exit 1 when one the assistant needs is missing."""
    if argv:
        print("usage: asb paths", file=sys.stderr)
        return 2
    from deployment.config import DEFAULT_FILE
    from stack.model import Project

    project = Project.assistant()
    root = project.root
    data = env.get("ASB_DATA_DIR")
    source = "ASB_PROJECT_ROOT" if env.get(env.PROJECT_ROOT) else "the packages' folder"
    print(f"project folder  {root}  (from {source})")
    rows = [(name, root / name, True) for name in
            (project.config, project.domain, *project.data, "endpoints.yml", "credentials.yml")]
    rows += [("deployment", env.get("ASB_DEPLOYMENT") or DEFAULT_FILE, True),
             ("models", root / project.models, False),
             ("data", data or root / "data", False)]
    missing = []
    for name, where, needed in rows:
        exists = os.path.exists(where)
        print(f"  {name:<16}{where}" + ("" if exists else "  (not there)"))
        if needed and not exists:
            missing.append(name)
    if missing:
        print(f"asb: {', '.join(missing)} not found: set ASB_PROJECT_ROOT to the folder that "
              "holds them", file=sys.stderr)
        return 1
    return 0
