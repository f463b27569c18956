"""The cluster's HAProxy configuration is deploy/haproxy.cfg rendered for one machine
(stack/balancer.py): every routing, balancing and health-check line is the deployment's, and
HAProxy accepts the result."""

from __future__ import annotations

import subprocess

import pytest

from stack.balancer import HAPROXY_CFG, haproxy_binary, render
from stack.model import StackError

SERVERS = {"rasa": [41001, 41002, 41003], "actions": [41101, 41102, 41103],
           "handoff": [41201, 41202], "widget": [41301]}
INTERNAL = {"actions": 41401, "handoff": 41402}


def _lines(text: str) -> list[str]:
    return [line.split("#")[0].strip() if not line.strip().startswith("http-") else line.strip()
            for line in text.splitlines() if line.split("#")[0].strip()]


def test_rendered_for_this_machine_keeps_the_deployments_rules():
    text = render(SERVERS, 8000, INTERNAL)
    rendered = _lines(text)
    binds = [line for line in rendered if line.startswith("bind ")]
    assert binds == ["bind 127.0.0.1:8000", "bind 127.0.0.1:41401", "bind 127.0.0.1:41402"]
    for service, ports in SERVERS.items():
        names = [service] if len(ports) == 1 else [f"{service}-{i + 1}" for i in range(len(ports))]
        expected = [f"server {n} 127.0.0.1:{p}" for n, p in zip(names, ports, strict=True)]
        backends = 2 if service in ("rasa", "handoff") else 1  # REST and socket.io; inbox
        assert [line for line in rendered
                if line.startswith(f"server {names[0]} ")] == expected[:1] * backends
        assert all(line in rendered for line in expected)
    changed = ("bind ", "server ", "default-server ", "acl staff ", "resolvers ", "nameserver ",
               "hold ")
    kept = [line for line in _lines(HAPROXY_CFG.read_text(encoding="utf-8"))
            if not line.startswith(changed) and "ssl" not in line and "https" not in line
            and "Strict-Transport-Security" not in line]
    assert [line for line in rendered if line in kept] == kept, "a rule of the deployment lost"
    assert "resolvers" not in text and "ssl" not in text
    assert "acl staff src 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 127.0.0.0/8" in rendered
    assert "default-server check inter 5s fall 3 rise 2" in rendered


def test_haproxy_accepts_it(tmp_path):
    try:
        binary = haproxy_binary()
    except StackError:
        pytest.fail("haproxy is not installed: run `make setup-system`")
    config = tmp_path / "haproxy.cfg"
    config.write_text(render(SERVERS, 8000, INTERNAL), encoding="utf-8")
    checked = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
