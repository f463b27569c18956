"""The cluster's HAProxy: deploy/haproxy.cfg, the file a deployment uses, rendered for one machine.

    text = render(servers={"rasa": [41001, 41002], "actions": [...], "handoff": [...],
                           "widget": [...]},
                  public=8000, internal={"actions": 41100, "handoff": 41101})

Everything that decides where a request goes (frontends, routes, the deny rules, the backends'
balancing, stickiness and health checks, timeouts) is the deployment's, line for line. Only what
belongs to the machine changes: every `bind` is on 127.0.0.1 at the given ports; the TLS lines go
(no certificate here: plain HTTP on the loopback); Docker's resolvers go; each backend's `server`
lines name this run's processes (`rasa-1 127.0.0.1:<port>`, ...); and the `staff` networks
include the loopback, since only this machine can reach the balancer.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from stack.model import ROOT, StackError
from stack.services import DEFAULT_PORTS

HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
# Lines of the deployment's file that only concern TLS at the public edge.
_TLS = re.compile(r"\bssl\b|https|Strict-Transport-Security")


def haproxy_binary() -> str:
    """Debian's haproxy (in /usr/sbin, which a user's PATH may lack)."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise StackError("haproxy is not installed: run `make setup-system`")
    return found


def process_names(service: str, count: int) -> list[str]:
    """The cluster's names for a service's processes: `widget` alone, `rasa-1`, `rasa-2`, ...
    (as in deploy/compose.yml and the balancer's `server` lines)."""
    return [service] if count == 1 else [f"{service}-{i}" for i in range(1, count + 1)]


def render(servers: dict[str, list[int]], public: int, internal: dict[str, int],
           source: Path = HAPROXY_CFG) -> str:
    """deploy/haproxy.cfg for processes listening on 127.0.0.1 at these ports (see above)."""
    out: list[str] = []
    section = ""
    for line in source.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if line and not line[0].isspace() and not line.startswith("#"):
            section = stripped.split()[0]
        if section == "resolvers" or (stripped and _TLS.search(stripped.split("#")[0])):
            continue
        out.extend(_rendered(stripped, line, servers, public, internal))
    return "\n".join(out) + "\n"


def _rendered(stripped: str, line: str, servers: dict[str, list[int]], public: int,
              internal: dict[str, int]) -> list[str]:
    words = stripped.split()
    if not words or stripped.startswith("#"):
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    if words[0] == "bind":
        port = int(words[1].rsplit(":", 1)[1])
        name = next((n for n in internal if DEFAULT_PORTS[n] == port), None)
        return [f"{indent}bind 127.0.0.1:{internal[name] if name else public}"]
    if words[0] == "default-server":
        return [indent + re.sub(r" (init-addr|resolvers) \S+", "", stripped)]
    if words[0] == "server":
        service = words[1].rsplit("-", 1)[0]
        if words[1] not in (service, f"{service}-1"):
            return []  # the first server line of a backend stands for all of them
        ports = servers[service]
        return [f"{indent}server {n} 127.0.0.1:{p}"
                for n, p in zip(process_names(service, len(ports)), ports, strict=True)]
    if words[:2] == ["acl", "staff"]:
        return [f"{line} 127.0.0.0/8"]
    return [line]
