"""deploy/ describes what the tested system runs: these tests hold every deployment file to the
stack's own service definitions (stack/services.py), so that neither can change without the other.

This machine has no container runtime: the files are parsed and compared here, never run. The
expected commands, ports, health paths, environment variable names and start-up budgets come from
`service_specs()` and the route tables in the code, not from copies typed into this file. What is
typed here is only the deployment's own layout (which compose service runs which stack service,
which backend of the balancer serves which, which URLs browsers reach through the public address).
"""

from __future__ import annotations

import configparser
import functools
import importlib
import inspect
import os
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from stack import retention
from stack.cluster import rasa_cores
from stack.model import ROOT
from stack.processes import ManagedProcess
from stack.services import (
    ACTION_ENDPOINT_ENV,
    ACTION_FALLBACK_ENV,
    DEFAULT_PORTS,
    SERVICES,
    Settings,
    handoff_database_env,
    intake_token_env,
    service_specs,
)

DEPLOY = ROOT / "deploy"
# The model the image builds in and the Rasa command serves (deploy/Dockerfile links it).
MODEL = "models/current.tar.gz"
# Reached by browsers through the balancer's public address, not service to service.
PUBLIC_URLS = {"ASB_RASA_URL", "ASB_WIDGET_URL"}
# Which compose services and Kubernetes Deployments run each of the stack's services.
COMPOSE = {"rasa": ["rasa-1", "rasa-2"], "actions": ["actions-1", "actions-2"],
           "handoff": ["handoff-1", "handoff-2"], "widget": ["widget"]}
K8S = {name: f"asb-{name}" for name in SERVICES}
SYSTEMD = {name: f"asb-{name}.service" for name in SERVICES}
# The balancer's backends and the stack service each sends to.
BACKENDS = {"rasa_rest": "rasa", "rasa_socketio": "rasa", "actions": "actions",
            "handoff": "handoff", "handoff_inbox": "handoff", "widget": "widget"}
# Paths the public may reach and the service behind each (credentials.yml's channels, the inbox).
PUBLIC_PATHS = {"/webhooks/rest/webhook": "rasa", "/socket.io/": "rasa", "/inbox": "handoff"}
# The Rasa server's HTTP API and our services' internal routes: never through the public edge.
NEVER_PUBLIC = ("/conversations", "/model", "/status", "/metrics", "/api/v1/applications")


# --- what the stack runs -----------------------------------------------------------------------

def _specs(host: str, root: Path, port_offset: int, token: str, cors: list[str]):
    settings = Settings(root=root, data_dir=root / "data", run_dir=root / "data" / "runs" / "t",
                        ports={n: p + port_offset for n, p in DEFAULT_PORTS.items()}, host=host,
                        intake_token=token, cors=cors)
    specs = service_specs(settings, Path(MODEL))
    for spec in specs.values():  # pytest sets it again for each test's call, after the fixture
        spec.env.pop("PYTEST_CURRENT_TEST", None)
    return specs


@pytest.fixture()
def clean_environment(monkeypatch):
    """The stack's own variables only: nothing inherited from whoever runs the tests."""
    for name in list(os.environ):
        monkeypatch.delenv(name)


def expected_specs(host: str, cors: list[str]):
    """service_specs() as a deployment runs them: default ports, this host, these origins."""
    return _expected_specs(host, tuple(cors))


@functools.cache  # each call reads the deployment file; always the same answer
def _expected_specs(host: str, cors: tuple[str, ...]):
    assert not os.environ.get("ASB_DEPLOYMENT"), "use the clean_environment fixture"
    return _specs(host, ROOT, 0, "not-a-secret", list(cors))


def stack_argv(spec) -> list[str]:
    """The command with `python` for the interpreter and paths relative to the repository."""
    argv = ["python"]
    for arg in spec.argv[1:]:
        path = Path(arg)
        argv.append(str(path.relative_to(ROOT)) if path.is_absolute() and path.is_relative_to(ROOT)
                    else arg)
    return argv


def health_path(spec) -> str:
    return urlsplit(spec.health_url).path


@functools.cache
def _classes() -> dict[str, str]:
    """Each variable the stack passes, by what kind of value it has, from two differently
    configured stacks: fixed (same in both), host, url, path, secret."""
    a = _specs("10.1.1.1", Path("/srv/a"), 0, "token-a", ["https://a.example"])
    b = _specs("10.2.2.2", Path("/srv/b"), 1000, "token-b", ["https://b.example"])
    secrets = {intake_token_env(), handoff_database_env()}
    kinds = {}
    for name in SERVICES:
        for var, value in a[name].env.items():
            if var in secrets:
                kinds[var] = "secret"
            elif value == b[name].env[var]:
                kinds[var] = "fixed"
            elif value == "10.1.1.1":
                kinds[var] = "host"
            elif value.startswith("http://"):
                kinds[var] = "url"
            elif value.startswith("/srv/a"):
                kinds[var] = "path"
            else:
                raise AssertionError(f"{var}: a new kind of variable; teach deploy/ and this test")
    return kinds


# --- reading deploy/ ---------------------------------------------------------------------------

def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))


def endpoints() -> dict:
    return yaml.safe_load((DEPLOY / "endpoints.yml").read_text(encoding="utf-8"))


def _values(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _values(value)
    elif node is not None:
        yield str(node)


@functools.cache
def endpoint_variables() -> frozenset[str]:
    """The ${VAR}s Rasa expands in deploy/endpoints.yml (values only, not comments)."""
    return frozenset(var for value in _values(endpoints())
                     for var in re.findall(r"\$\{(\w+)\}", value))


def endpoint_secrets() -> set[str]:
    found = set()
    for section in endpoints().values():
        match = re.fullmatch(r"\$\{(\w+)\}", str(section.get("password", "")))
        if match:
            found.add(match.group(1))
    return found


@functools.cache
def secret_names() -> frozenset[str]:
    return frozenset({intake_token_env(), handoff_database_env(), *endpoint_secrets()})


def compose_env_example() -> dict[str, str]:
    env = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


def interpolated(environment: dict) -> dict[str, str]:
    """compose's ${NAME}, ${NAME:-default}, ${NAME:?error} from deploy/env.example."""
    example = compose_env_example()

    def one(match):
        name, op, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        return example.get(name) or (rest if op == ":-" else "")

    pattern = r"\$\{(\w+)(:[-?])?([^}]*)\}"
    return {k: re.sub(pattern, one, str(v)) for k, v in environment.items()}


@functools.cache
def kubernetes() -> tuple[dict, ...]:
    documents = []
    for file in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(file.read_text(encoding="utf-8")) if d]
    return tuple(documents)


def k8s(kind: str, name: str) -> dict:
    found = [d for d in kubernetes() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"one {kind} {name} in deploy/kubernetes/"
    return found[0]


def pod_spec(document: dict) -> dict:
    spec = document["spec"]
    if document["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def k8s_environment(container: dict) -> dict[str, object]:
    """Name -> value, or ("secret", name, key) for a secretKeyRef, as the container gets them."""
    env: dict[str, object] = {}
    for source in container.get("envFrom", []):
        assert "secretRef" not in source, "name each secret (secretKeyRef), so it can be checked"
        env.update(k8s("ConfigMap", source["configMapRef"]["name"])["data"])
    for item in container.get("env", []):
        if "valueFrom" in item:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = ("secret", ref["name"], ref["key"])
        else:
            env[item["name"]] = item["value"]
    return env


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return parser


def systemd_environment_file() -> dict[str, str]:
    env = {}
    for line in (DEPLOY / "systemd" / "asb.env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    return env


def systemd_environment(parser: configparser.ConfigParser) -> dict[str, str]:
    service = parser["Service"]
    assert service["EnvironmentFile"] == "/etc/asb/asb.env"
    env = systemd_environment_file()
    for pair in shlex.split(service.get("Environment", "")):
        name, _, value = pair.partition("=")
        env[name] = value
    return env


def systemd_argv(parser: configparser.ConfigParser, env: dict[str, str]) -> list[str]:
    """ExecStart as systemd runs it: ${NAME} replaced within a word, a bare $NAME word split."""
    argv = []
    for word in shlex.split(parser["Service"]["ExecStart"]):
        if re.fullmatch(r"\$\w+", word):
            argv += env[word[1:]].split()
            continue
        argv.append(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], word))
    python = str(Path(parser["Service"]["WorkingDirectory"]) / ".venv" / "bin" / "python")
    assert argv[0] == python, "the project's own virtualenv (make setup)"
    return ["python", *argv[1:]]


def haproxy() -> dict[tuple[str, str], list[str]]:
    sections: dict[tuple[str, str], list[str]] = {}
    current = None
    for raw in (DEPLOY / "haproxy.cfg").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip() if not raw.lstrip().startswith("http-") else raw.rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            words = line.split()
            current = (words[0], words[1] if len(words) > 1 else "")
            sections[current] = []
        else:
            sections[current].append(line.strip())
    return sections


def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text(encoding="utf-8")


def workdir() -> str:
    return re.findall(r"^WORKDIR\s+(\S+)", dockerfile(), re.M)[-1]


def cors_of(argv: list[str]) -> list[str]:
    return argv[argv.index("--cors") + 1:] if "--cors" in argv else []


def allowed_origins() -> list[str]:
    example = yaml.safe_load((ROOT / "deployment.example.yml").read_text(encoding="utf-8"))
    return example["widget"]["allowed_origins"]


# --- the checks shared by every form -----------------------------------------------------------

def check_command(name: str, argv: list[str], host: str, where: str) -> None:
    spec = expected_specs(host, cors_of(argv))[name]
    assert argv == stack_argv(spec), f"{where}: {name}'s command is not the stack's"
    if name == "rasa":
        assert set(allowed_origins()) <= set(cors_of(argv)), (
            f"{where}: Rasa must allow the deployment's widget.allowed_origins (--cors)")
        assert "--enable-api" not in argv and not any(a.startswith("--auth-token") for a in argv), (
            f"{where}: Rasa's HTTP API stays off in a deployment")


def check_environment(name: str, env: dict[str, object], host: str, app_root: str, where: str,
                      url_check=None) -> None:
    spec = expected_specs(host, [])[name]
    kinds = _classes()
    missing = sorted(set(spec.env) - set(env))
    assert not missing, f"{where}: {name} lacks {missing}, which the stack passes"
    if name == "rasa":
        missing = sorted(endpoint_variables() - set(env))
        assert not missing, f"{where}: Rasa lacks {missing}, which deploy/endpoints.yml reads"
    for var in spec.env:
        value, kind = env[var], kinds[var]
        if var in secret_names() or kind == "secret":
            continue  # check_no_secrets
        assert isinstance(value, str) and value, f"{where}: {var} is empty"
        if kind == "fixed":
            assert value == spec.env[var], f"{where}: {var}={value!r}, the stack sets {spec.env[var]!r}"
        elif kind == "host":
            assert value == host, f"{where}: {var} must be the address the services listen on"
        elif var == "PYTHONPATH":
            assert value == app_root, f"{where}: PYTHONPATH must be the code's folder {app_root}"
        elif kind == "path" and var not in endpoint_variables():
            assert value.startswith("/"), f"{where}: {var} must be an absolute path"
        elif kind == "url":
            check_url(var, value, spec.env[var], where, url_check)


def check_url(var: str, value: str, stack_value: str, where: str, url_check) -> None:
    stack_url = urlsplit(stack_value)
    target = next(n for n, p in DEFAULT_PORTS.items() if p == stack_url.port)
    url = urlsplit(value)
    if var in PUBLIC_URLS:
        assert url.scheme == "https" and not url.port and url.path in ("", "/"), (
            f"{where}: {var} is how browsers reach {target}: the public HTTPS address")
        return
    assert url.scheme == "http" and url.port == DEFAULT_PORTS[target], (
        f"{where}: {var} must reach {target} on port {DEFAULT_PORTS[target]}")
    assert url.path == stack_url.path, f"{where}: {var} must end in {stack_url.path!r}"
    if url_check:
        url_check(var, url, target)


def stop_timeout() -> float:
    """Seconds the stack gives a service between SIGTERM and SIGKILL."""
    return inspect.signature(ManagedProcess.stop).parameters["timeout"].default


def is_reference(value: str) -> bool:
    return "${" in value


# --- the image ---------------------------------------------------------------------------------

def test_dockerfile_python_lock_model_and_user():
    text = dockerfile()
    minor = re.search(r'requires-python\s*=\s*">=(3\.\d+)',
                      (ROOT / "pyproject.toml").read_text(encoding="utf-8")).group(1)
    base = re.search(r"^FROM\s+python:(\d+\.\d+)[-.\w]*", text, re.M)
    assert base and base.group(1) == minor, f"the image's Python must be {minor}, the project's"
    assert re.search(r"pip install [^\n]*-r /tmp/requirements\.lock", text)
    assert "COPY requirements.lock /tmp/requirements.lock" in text
    assert "python -m stack train" in text, "the model is trained at build time"
    assert f'ln -s "$(python -m stack fingerprint).tar.gz" {MODEL}' in text
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("0", "root"), "the services run as non-root"
    assert users[-1].split(":")[0] == "10001"  # the uid the Kubernetes pods run as
    # The Rasa command reads Settings' endpoints file; forget-conversations reads the same one.
    endpoints_file = Settings(root=ROOT, data_dir=ROOT, run_dir=ROOT, ports={}).endpoints
    default = inspect.signature(retention.forget_conversations).parameters["endpoints"].default
    assert default == ROOT / endpoints_file
    assert f"cp deploy/endpoints.yml {endpoints_file}" in text
    assert re.search(r"^ENV PYTHONPATH=(\S+)", text, re.M).group(1) == workdir()
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "models", "data", "deploy/.env"} <= set(ignore)


def test_cluster_endpoints_use_postgresql_and_the_ticket_lock_store():
    config = endpoints()
    tracker = config["tracker_store"]
    assert tracker["type"] == "SQL" and tracker["dialect"] == "postgresql", (
        "forget-conversations needs an SQL tracker store; several servers need a shared one")
    lock = config["lock_store"]
    module, _, cls = lock["type"].rpartition(".")
    store = getattr(importlib.import_module(module), cls)
    assert store.__name__ == "TicketRedisLockStore"
    accepted = set(inspect.signature(store._connect).parameters) - {"self"}
    assert set(lock) - {"type"} <= accepted, "every lock store key is one the store takes"
    assert config["action_endpoint"]["url"] == "${ASB_ACTION_ENDPOINT_URL}"
    stack_endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert stack_endpoints["action_endpoint"] == config["action_endpoint"]


# --- compose -----------------------------------------------------------------------------------

def _compose_url_check(var, url, target):
    """An internal URL goes to the balancer's frontend on that port, which sends to `target`."""
    assert url.hostname == "haproxy", f"compose: {var} goes through the balancer"
    _balancer_leads_to(var, url, target)


def _paired_url_check(service_name: str):
    """A Rasa server's action endpoint: its own action server (rasa-N's is actions-N)."""
    paired = COMPOSE["actions"][COMPOSE["rasa"].index(service_name)]

    def check(var, url, target):
        if var != ACTION_ENDPOINT_ENV:
            return _compose_url_check(var, url, target)
        assert url.hostname == paired and paired in COMPOSE[target], (
            f"compose {service_name}: {var} goes to its own action server, {paired}")
    return check


def _balancer_leads_to(var, url, target):
    sections = haproxy()
    for (kind, _name), lines in sections.items():
        if kind == "frontend" and f"bind :{url.port}" in lines:
            backend = next(line.split()[1] for line in lines if line.startswith("default_backend"))
            assert BACKENDS[backend] == target, f"haproxy: :{url.port} must lead to {target}"
            return
    raise AssertionError(f"haproxy.cfg has no frontend on :{url.port} for {var}")


@pytest.mark.parametrize("name", SERVICES)
def test_compose_services_match_the_stack(name, clean_environment):
    services = compose()["services"]
    spec = expected_specs("0.0.0.0", [])[name]
    for service_name in COMPOSE[name]:
        service = services[service_name]
        where = f"compose {service_name}"
        assert service["image"].startswith("asb-case-review:")
        assert service["restart"] == "on-failure"
        assert service["stop_grace_period"] == f"{stop_timeout():g}s"
        check_command(name, service["command"], "0.0.0.0", where)
        environment = interpolated(service["environment"])
        check_environment(name, environment, "0.0.0.0", workdir(), where,
                          _paired_url_check(service_name) if name == "rasa" else _compose_url_check)
        if name == "rasa":  # when its own action server cannot be reached: the balancer
            stack_url = expected_specs("0.0.0.0", [])["rasa"].env[ACTION_ENDPOINT_ENV]
            check_url(ACTION_FALLBACK_ENV, environment.get(ACTION_FALLBACK_ENV, ""), stack_url,
                      where, _compose_url_check)
        test = service["healthcheck"]["test"]
        url = urlsplit(test[-1])
        assert test[:3] == ["CMD", "python", "-c"] and "urlopen(sys.argv[1]" in test[3]
        assert url.port == DEFAULT_PORTS[name] and url.path == health_path(spec), (
            f"{where}: health check must be {health_path(spec)} on {DEFAULT_PORTS[name]}")
        start = int(service["healthcheck"]["start_period"].rstrip("s"))
        assert start >= spec.ready_timeout, f"{where}: the stack allows {spec.ready_timeout} s"
        assert "ports" not in service, f"{where}: only the balancer publishes ports"


def test_compose_cluster_shape():
    services = compose()["services"]
    assert len(COMPOSE["rasa"]) == 2 and len(COMPOSE["actions"]) == 2
    assert len(COMPOSE["handoff"]) == 2
    assert {"postgres", "redis", "haproxy"} <= set(services)
    published = {n for n, s in services.items() if s.get("ports")}
    assert published == {"haproxy"}
    for service_name in COMPOSE["handoff"]:
        assert services[service_name]["depends_on"]["handoff-migrate"] == {
            "condition": "service_completed_successfully"}
    for service_name in COMPOSE["rasa"]:
        assert services[service_name]["depends_on"]["redis"]["condition"] == "service_healthy"
    # Each Rasa server on a core of its own, as the cluster runs them on a 2-core machine.
    assert [services[n].get("cpuset") for n in COMPOSE["rasa"]] == [
        str(core) for core in rasa_cores(len(COMPOSE["rasa"]), [0, 1])]
    assert not [n for n, s in services.items() if "cpuset" in s and n not in COMPOSE["rasa"]]
    ours = {n for n, s in services.items() if str(s.get("image", "")).startswith("asb-case")}
    listed = {n for names in COMPOSE.values() for n in names}
    assert ours - listed == {"handoff-migrate", "forget-conversations"}


# --- the balancer ------------------------------------------------------------------------------

def test_haproxy_backends_ports_and_health_checks(clean_environment):
    sections = haproxy()
    specs = expected_specs("0.0.0.0", [])
    backends = {name: lines for (kind, name), lines in sections.items() if kind == "backend"}
    assert set(backends) == set(BACKENDS)
    for backend, lines in backends.items():
        service = BACKENDS[backend]
        servers = [line.split() for line in lines if line.startswith("server ")]
        assert [s[2] for s in servers] == [f"{c}:{DEFAULT_PORTS[service]}"
                                           for c in COMPOSE[service]], backend
        assert f"option httpchk GET {health_path(specs[service])}" in lines, backend
        assert "http-check expect status 200" in lines, backend
    assert "stick on req.body,json_query('$.sender')" in backends["rasa_rest"]
    assert "balance leastconn" in backends["rasa_rest"]
    assert "balance source" in backends["rasa_socketio"]


def test_haproxy_public_edge():
    sections = haproxy()
    public = sections[("frontend", "public")]
    assert any(line.startswith("bind :443 ssl crt ") for line in public), "TLS ends here"
    assert any("redirect scheme https" in line for line in public)
    acls = {}
    for line in public:
        if line.startswith("acl "):
            words = line.split()
            acls.setdefault(words[1], []).append(words[2:])
    routes = {line.split()[3]: line.split()[1] for line in public if line.startswith("use_backend")}
    for path, service in PUBLIC_PATHS.items():
        matched = [acl for acl, tests in acls.items()
                   if any(t[0] == "path" and path.rstrip("/") in [p.rstrip("/") for p in t[1:]]
                          or t[0] == "path_beg" and path.startswith(t[1]) for t in tests)]
        assert any(BACKENDS[routes[acl]] == service for acl in matched if acl in routes), path
    assert set(routes.values()) | {"widget"} == {"rasa_rest", "rasa_socketio", "handoff_inbox",
                                                 "widget"}, "nothing else is public"
    assert "http-request deny deny_status 403 if inbox !staff" in public
    internal = next(t for t in acls["internal"])
    assert {"/metrics", "/healthz", "/readyz"} <= set(internal[1:])
    for (kind, name), lines in sections.items():
        if kind == "frontend" and name != "public":
            assert not any("ssl" in line or ":80" in line.split() or ":443" in line
                           for line in lines if line.startswith("bind"))


def _route_paths(router_or_routes) -> set[str]:
    return {getattr(route, "path", None) for route in router_or_routes}


def test_health_paths_are_served_by_the_services(clean_environment):
    """Each health path the deployment files use is a route the service really has."""
    from handoff import escalation, inbox, intake, pack, progress, status

    handoff_paths = set()
    for module in (intake, inbox, progress, status, escalation, pack):
        handoff_paths |= _route_paths(module.routes)
    action_source = (ROOT / "assistant" / "action_server.py").read_text(encoding="utf-8")
    widget_source = (ROOT / "web_widget" / "server.py").read_text(encoding="utf-8")
    served = {
        "handoff": handoff_paths,
        "actions": set(re.findall(r'app\.add_route\(\w+, "([^"]+)"', action_source)),
        "widget": set(re.findall(r'router\.add_get\("([^"]+)"', widget_source)),
        "rasa": {"/"},  # Rasa's own hello route, the one the stack waits on
    }
    specs = expected_specs("0.0.0.0", [])
    for name in SERVICES:
        assert health_path(specs[name]) in served[name], name
    for name in ("handoff", "actions", "widget"):
        assert {"/healthz", "/readyz"} <= served[name], name


# --- Kubernetes --------------------------------------------------------------------------------

def _k8s_url_check(var, url, target):
    assert url.hostname == K8S[target], f"kubernetes: {var} goes to the Service {K8S[target]}"
    service = k8s("Service", K8S[target])
    assert [p["port"] for p in service["spec"]["ports"]] == [DEFAULT_PORTS[target]]


@pytest.mark.parametrize("name", SERVICES)
def test_kubernetes_deployments_match_the_stack(name, clean_environment):
    deployment = k8s("Deployment", K8S[name])
    spec = expected_specs("0.0.0.0", [])[name]
    pod = pod_spec(deployment)
    where = f"kubernetes {K8S[name]}"
    assert pod["enableServiceLinks"] is False, "no ASB_*_PORT=tcp://... from Services"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["terminationGracePeriodSeconds"] >= stop_timeout()
    (container,) = pod["containers"]
    check_command(name, container["command"], "0.0.0.0", where)
    check_environment(name, k8s_environment(container), "0.0.0.0", workdir(), where,
                      _k8s_url_check)
    port = DEFAULT_PORTS[name]
    assert [p["containerPort"] for p in container["ports"]] == [port]
    ready = health_path(spec)
    for probe in ("startupProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": ready, "port": port}, f"{where} {probe}"
    live = "/" if name == "rasa" else "/healthz"
    assert container["livenessProbe"]["httpGet"] == {"path": live, "port": port}
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= spec.ready_timeout
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0, "one pod at a time, never fewer ready"
    service = k8s("Service", K8S[name])
    assert [p["port"] for p in service["spec"]["ports"]] == [port]
    assert deployment["spec"]["replicas"] >= 2


def test_kubernetes_ingress_exposes_only_the_public_paths():
    seen = {}
    for document in kubernetes():
        if document["kind"] != "Ingress":
            continue
        assert document["spec"]["tls"][0]["secretName"], "TLS at the Ingress"
        for rule in document["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                seen[path["path"]] = (backend["name"], backend["port"]["number"])
    assert K8S["actions"] not in {name for name, _ in seen.values()}, "never the action server"
    for path, (name, port) in seen.items():
        service = next(s for s, n in K8S.items() if n == name)
        assert port == DEFAULT_PORTS[service]
        if service == "handoff":
            assert path == "/inbox", "only the handoff's inbox, never its intake API"
    for path, service in PUBLIC_PATHS.items():
        assert any(seen.get(p, ("",))[0] == K8S[service] and path.startswith(p)
                   for p in seen), path


# --- systemd -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SERVICES)
def test_systemd_units_match_the_stack(name, clean_environment):
    parser = unit(SYSTEMD[name])
    service = parser["Service"]
    env = systemd_environment(parser)
    host = env["ASB_BIND"]
    where = f"systemd {SYSTEMD[name]}"
    assert service["Restart"] == "on-failure"
    assert service["User"] != "root"
    assert int(service["TimeoutStopSec"]) == stop_timeout()
    check_command(name, systemd_argv(parser, env), host, where)
    check_environment(name, env, host, service["WorkingDirectory"], where)
    assert parser["Install"]["WantedBy"] == "asb.target"
    assert SYSTEMD[name] in unit("asb.target")["Unit"]["Wants"].split()


def test_systemd_migrations_before_handoff_and_forget_timer():
    handoff = unit(SYSTEMD["handoff"])["Unit"]
    assert "asb-migrate.service" in handoff["Requires"].split()
    assert "asb-migrate.service" in handoff["After"].split()
    assert unit("asb-migrate.service")["Service"]["Type"] == "oneshot"
    timer = unit("asb-forget-conversations.timer")["Timer"]
    assert timer["OnCalendar"] and timer["Persistent"] == "true"
    assert "asb-forget-conversations.timer" in unit("asb.target")["Unit"]["Wants"].split()


# --- the jobs: migrations and forgetting conversations ----------------------------------------

def _jobs() -> dict[str, dict[str, tuple[list[str], dict]]]:
    services = compose()["services"]
    env_file = systemd_environment_file()
    migrate_unit, forget_unit = unit("asb-migrate.service"), unit("asb-forget-conversations.service")
    job = pod_spec(k8s("Job", "asb-handoff-migrate"))["containers"][0]
    cron = pod_spec(k8s("CronJob", "asb-forget-conversations"))["containers"][0]
    return {
        "migrate": {
            "compose": (services["handoff-migrate"]["command"],
                        services["handoff-migrate"]["environment"]),
            "kubernetes": (job["command"], k8s_environment(job)),
            "systemd": (systemd_argv(migrate_unit, env_file), systemd_environment(migrate_unit)),
        },
        "forget": {
            "compose": (services["forget-conversations"]["command"],
                        services["forget-conversations"]["environment"]),
            "kubernetes": (cron["command"], k8s_environment(cron)),
            "systemd": (systemd_argv(forget_unit, env_file), systemd_environment(forget_unit)),
        },
    }


@pytest.mark.parametrize("form", ["compose", "kubernetes", "systemd"])
def test_migration_job_runs_handoffs_migrate(form, monkeypatch, clean_environment):
    from handoff import cli

    argv, env = _jobs()["migrate"][form]
    assert argv[:3] == ["python", "-m", "handoff"]
    ran = []
    monkeypatch.setattr(cli, "migrate", lambda deployment: ran.append(deployment) or 0)
    assert cli.main(argv[3:]) == 0 and len(ran) == 1, f"{form}: not `python -m handoff migrate`"
    assert handoff_database_env() in env


@pytest.mark.parametrize("form", ["compose", "kubernetes", "systemd"])
def test_forget_conversations_job(form, monkeypatch, clean_environment):
    from stack import __main__ as stack_cli

    argv, env = _jobs()["forget"][form]
    assert argv[:3] == ["python", "-m", "stack"]
    days = []
    monkeypatch.setattr(stack_cli, "forget_conversations", lambda d: days.append(d) or 0)
    monkeypatch.setattr(stack_cli, "default_environment", lambda data_dir: None)
    assert stack_cli.main(argv[3:]) == 0 and len(days) == 1 and days[0] > 0, form
    missing = endpoint_variables() - set(env)
    assert not missing, f"{form}: forget-conversations reads deploy/endpoints.yml: {missing}"


def test_kubernetes_cronjob_and_migration_job_shape():
    cron = k8s("CronJob", "asb-forget-conversations")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid" and cron["spec"]["schedule"]
    assert pod_spec(k8s("Job", "asb-handoff-migrate"))["restartPolicy"] == "Never"


# --- secrets -----------------------------------------------------------------------------------

def test_no_secret_value_is_inlined():
    names = secret_names()
    assert names >= {"ASB_HANDOFF_INTAKE_TOKEN", "ASB_HANDOFF_DATABASE_URL"}
    _check_compose_secrets(names)
    _check_kubernetes_secrets(names)
    _check_systemd_secrets(names)
    _check_no_password_in_deploy()
    assert not (DEPLOY / ".env").exists()


_SECRET_LIKE = re.compile(r"PASSWORD|TOKEN|SECRET")


def _is_secret(name: str, names: frozenset[str]) -> bool:
    return name in names or bool(_SECRET_LIKE.search(name))


def _check_compose_secrets(names: frozenset[str]) -> None:
    """compose: every secret is interpolated from deploy/.env"""
    for service_name, service in compose()["services"].items():
        env = service.get("environment") or {}
        for name, value in env.items():
            if _is_secret(name, names):
                assert is_reference(str(value)), f"compose {service_name}: {name} is inlined"


def _check_kubernetes_secrets(names: frozenset[str]) -> None:
    """kubernetes: secrets only by secretKeyRef; no Secret objects with data"""
    for document in kubernetes():
        assert document["kind"] != "Secret", "create Secrets with kubectl, not in deploy/"
        if document["kind"] == "ConfigMap":
            assert not names & set(document["data"]), "a secret in a ConfigMap"
            assert not [n for n in document["data"] if _SECRET_LIKE.search(n)]
        if document["kind"] in ("Deployment", "Job", "CronJob"):
            for container in pod_spec(document)["containers"]:
                for item in container.get("env", []):
                    if _is_secret(item["name"], names):
                        assert "secretKeyRef" in item.get("valueFrom", {}), item["name"]


def _check_systemd_secrets(names: frozenset[str]) -> None:
    """systemd: the example leaves every secret empty"""
    env_file = systemd_environment_file()
    for name, value in env_file.items():
        if _is_secret(name, names):
            assert value == "", f"asb.env.example: {name} must be left for the machine"
    for name in names:
        assert name in env_file, f"asb.env.example: {name} missing"


def _check_no_password_in_deploy() -> None:
    """no credentials in any URL, no password values anywhere in deploy/"""
    for file in DEPLOY.rglob("*"):
        if not file.is_file():
            continue
        text = file.read_text(encoding="utf-8")
        for user_info in re.findall(r"://([^/@\s:]+):([^/@\s]+)@", text):
            assert is_reference(user_info[1]) or user_info[1] == "PASSWORD", (
                f"{file.name}: a password in a URL")
        for value in re.findall(r"^\s*password:\s*(\S+)", text, re.M):
            assert is_reference(value), f"{file.name}: password: {value}"


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, None: 0.001, "m": 60, "h": 3600}[unit]


def test_rasa_lets_kept_connections_go_before_the_far_ends_close_them(clean_environment):
    """Rasa keeps its connections to the action servers open (stack/kept_connections.py) for
    less time than HAProxy and the action servers keep an idle one, else a call can go out on a
    connection being closed and fail."""
    from stack.kept_connections import KEEPALIVE_SECONDS

    timeouts = {line.split()[1]: line.split()[2] for line in haproxy()[("defaults", "")]
                if line.startswith("timeout ")}
    idle = timeouts.get("http-keep-alive", timeouts["http-request"])  # HAProxy's fallback
    assert _seconds(idle) >= 2 * KEEPALIVE_SECONDS
    stack = Settings(root=ROOT, data_dir=ROOT, run_dir=ROOT, ports=dict(DEFAULT_PORTS)).environment()
    for sanic in (compose()["x-environment"]["SANIC_KEEP_ALIVE_TIMEOUT"],
                  stack["SANIC_KEEP_ALIVE_TIMEOUT"]):
        assert float(sanic) >= 2 * KEEPALIVE_SECONDS


def test_rasa_servers_go_round_the_cores():
    assert rasa_cores(2, [0, 1]) == [0, 1]
    assert rasa_cores(3, [1, 0]) == [0, 1, 0]
    assert rasa_cores(2, [5]) == [5, 5]
    assert rasa_cores(1, [2, 3, 7]) == [2]
    assert set(rasa_cores(4)) <= os.sched_getaffinity(0)
