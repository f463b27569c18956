"""`python -m stack run | cluster | train | fingerprint | forget-conversations`.

run          train if stale, start every server on the default ports, print where to chat;
             restart any that dies (with backoff, said here); Ctrl-C stops them all
cluster --replicas N [--port P]
             the same as a cluster (stack/cluster.py): PostgreSQL, Redis, N Rasa servers and
             N action servers, two handoff processes, the widget server, HAProxy on port P
train        train the model if its inputs changed since the last training
fingerprint  print the model's fingerprint (the name it has under models/)
forget-conversations --older-than-days N
             delete conversations idle for longer than N days from the tracker store
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

from asb import env
from deployment import log_format
from stack.balancer import process_names
from stack.cluster import HANDOFF_PROCESSES, Cluster
from stack.model import Project, StackError, TrainResult, ensure_model, fingerprint, model_path
from stack.processes import ManagedProcess
from stack.retention import default_environment, forget_conversations, prune_runs
from stack.services import DEFAULT_PORTS, Settings, Stack, free_port
from stack.supervisor import Supervisor


def _say(line: str) -> None:
    print(f"stack: {line}", flush=True)


def _ports() -> dict[str, int]:
    """Default ports, each overridable by ASB_<NAME>_PORT (e.g. ASB_RASA_PORT=5006)."""
    ports = {}
    for name, default in DEFAULT_PORTS.items():
        value = env.get(f"ASB_{name.upper()}_PORT", str(default))
        if not value.isdigit():
            raise StackError(f"ASB_{name.upper()}_PORT must be a port number, not {value!r}")
        ports[name] = int(value)
    return ports


def _check_ports_free(ports: dict[str, int], names: list[str]) -> None:
    for name in names:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", ports[name])) == 0:
                raise StackError(
                    f"port {ports[name]} ({name}) is already in use: is another `make run` going? "
                    f"Stop it, or choose another port with ASB_{name.upper()}_PORT"
                )


def _ensure_model(project: Project) -> TrainResult:
    if not project.missing() and not model_path(project).exists():
        _say("the model's inputs changed: training it (a few minutes)")
    return ensure_model(project)


def _prune_run_logs(settings: Settings) -> None:
    """Delete run logs older than the deployment's `limits.run_logs_days` (default 14)."""
    try:
        from deployment import load_deployment

        days = load_deployment().limits.run_logs_days
    except Exception:  # the deployment file is checked, with a clear message, by each service
        days = 14
    deleted = prune_runs(settings.run_dir.parent, days, keep=settings.run_dir)
    if deleted:
        _say(f"deleted {deleted} run log folder(s) older than {days} days")


def train() -> int:
    project = Project.assistant()
    result = _ensure_model(project)
    if result.trained:
        _say(f"trained {result.path.relative_to(project.root)} in {result.seconds:.0f} s")
    else:
        _say(f"up to date: {result.path.relative_to(project.root)} (inputs unchanged)")
    return 0


def run() -> int:
    project = Project.assistant()
    settings = Settings.for_run(ports=_ports())
    _prune_run_logs(settings)
    target = model_path(project)
    stack = Stack(settings, model=target)  # Rasa loads it once it exists
    missing = stack.missing()
    for name, reason in missing.items():
        _say(f"{name} is not in the tree yet ({reason}); starting the others without it")
    present = [name for name in stack.processes if name not in missing]
    _check_ports_free(settings.ports, present)

    def start() -> dict[str, ManagedProcess]:
        _say(f"logs in {settings.run_dir}")
        early = [] if project.missing() or target.exists() else _start_while_training(
            stack, present)
        try:
            result = ensure_model(project)
        except BaseException:
            stack.stop()
            raise
        if result.trained:
            _say(f"trained {result.path.relative_to(project.root)} in {result.seconds:.0f} s")
        started = {process.spec.name for process in early}
        if "rasa" in started:  # its start-up counts from the model's existence
            stack.processes["rasa"].restart_clock()
        later = [name for name in present if name not in started]
        if later:
            _say(f"starting {', '.join(later)}")
        if "rasa" in present:
            _say(f"Rasa is loading {result.path.relative_to(project.root)} (about a quarter of "
                 "a minute)")
        stack.wait_ready(early + (stack.launch(*later) if later else []))
        rasa_seconds = stack.ready_after("rasa") if "rasa" in present else None
        _say("ready" + (f" (Rasa server up in {rasa_seconds:.0f} s)" if rasa_seconds else ""))
        print()
        if "widget" in present:
            print(f"  Chat on the demo page:  {settings.url('widget')}/  (Cymraeg: /cy/)")
        _print_rest_and_api(settings)
        if "handoff" in present:
            print(f"  Handoff service:        {settings.url('handoff')}/")
        return {name: stack.processes[name] for name in present}

    return _serve(start, stack.stop)


def _start_while_training(stack: Stack, present: list[str]) -> list[ManagedProcess]:
    """The services that do not need the model, and the Rasa server, which imports Rasa and
    TensorFlow meanwhile and loads the model once it is trained (`Stack.launch_before_model`)."""
    others = [name for name in present if name != "rasa"]
    _say(f"the model's inputs changed: training it (a few minutes); starting {', '.join(others)}"
         " meanwhile" + (", and Rasa, to load the model once it is trained"
                         if "rasa" in present else ""))
    early = stack.launch(*others)
    if "rasa" in present:
        early += stack.launch_before_model()
    return early


def _print_rest_and_api(settings: Settings) -> None:
    print(f"  REST channel:           {settings.url('rasa')}/webhooks/rest/webhook")
    print("  Rasa's HTTP API:        " + ("on (ASB_RASA_AUTH_TOKEN)" if settings.rasa_token
                                           else "off (set ASB_RASA_AUTH_TOKEN to use it)"))


def _serve(start: Callable[[], dict[str, ManagedProcess]], stop: Callable[[], None]) -> int:
    """Start (which prints where to chat), restart whatever dies, stop on Ctrl-C or SIGTERM."""

    def _terminate(signum, frame):  # SIGTERM: stop like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        supervisor = Supervisor(start(), say=_say)
        print("\n  Press Ctrl-C to stop.\n", flush=True)
        while True:
            supervisor.tick()
            time.sleep(1)
    except KeyboardInterrupt:
        print()
        _say("stopping")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up
        stop()
        _say("all stopped")


def cluster(replicas: int, port: int) -> int:
    """`python -m stack cluster`: stack/cluster.py's cluster, the balancer on `port`."""
    project = Project.assistant()
    result = _ensure_model(project)
    _say(("trained " if result.trained else "using ") + str(result.path.relative_to(project.root)))
    _check_ports_free({"cluster": port}, ["cluster"])
    settings = Settings.for_run(ports={"rasa": port, "widget": port, "actions": free_port(),
                                       "handoff": free_port()})
    if not env.get("ASB_RASA_READY_TIMEOUT"):  # they load at once, sharing this machine's cores
        settings.rasa_ready_timeout *= max(1, replicas)
    _prune_run_logs(settings)
    group = Cluster(settings, result.path, replicas=replicas)

    def start() -> dict[str, ManagedProcess]:
        _say(f"starting PostgreSQL, Redis, {replicas} Rasa server(s), {replicas} action "
             f"server(s), {HANDOFF_PROCESSES} handoff processes, the widget server and HAProxy "
             f"(the Rasa servers take a minute or more); logs in {settings.run_dir}")
        group.start()
        rasa = [group.processes[n].ready_after or 0 for n in process_names("rasa", replicas)]
        _say(f"ready (Rasa servers up in {max(rasa):.0f} s)")
        print()
        print(f"  Chat on the demo page:  {group.public_url}/  (Cymraeg: /cy/)")
        _print_rest_and_api(settings)
        print(f"  Caseworker inbox:       {group.public_url}/inbox")
        for what, where in group.backing.described.items():
            print(f"  {what[0].upper() + what[1:] + ':':<24}{where}")
        return group.processes

    return _serve(start, group.stop)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "cluster", "train", "fingerprint",
                                            "forget-conversations"])
    parser.add_argument("--older-than-days", type=float, default=None,
                        help="forget-conversations: how long an idle conversation is kept")
    parser.add_argument("--replicas", type=int, default=2,
                        help="cluster: how many Rasa servers and action servers (default 2)")
    parser.add_argument("--port", type=int, default=None,
                        help="cluster: the balancer's port (default ASB_CLUSTER_PORT or 8000)")
    log_format.add_argument(parser)
    args = parser.parse_args(argv)
    if args.log_format:  # every service started from here writes its logs in this format
        os.environ[log_format.ENV] = log_format.chosen(args.log_format)
    try:
        if args.command == "fingerprint":
            print(fingerprint(Project.assistant()))
            return 0
        if args.command == "forget-conversations":
            if args.older_than_days is None:
                parser.error("forget-conversations needs --older-than-days N")
            default_environment(Settings.for_run().data_dir)
            count = forget_conversations(args.older_than_days)
            _say(f"deleted {count} conversation(s) idle for over {args.older_than_days:g} days")
            return 0
        if args.command == "cluster":
            return cluster(args.replicas, args.port or int(env.get("ASB_CLUSTER_PORT", "8000")))
        return train() if args.command == "train" else run()
    except StackError as exc:
        _say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
