"""stack/kept_connections.py: Rasa's calls to an endpoint (the action server) go over one kept
connection instead of a new one each, and answer exactly as Rasa's own `EndpointConfig.request`:
checked against a real HTTP server on 127.0.0.1 that notes which connection each request came on.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import web
from rasa.core import run as rasa_run
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from stack import free_port, kept_connections

RASAS_SESSION = EndpointConfig.session


@pytest.fixture
def installed(monkeypatch):
    """kept_connections installed for the test, Rasa's own put back after it."""
    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    monkeypatch.setattr(rasa_run, "close_resources", rasa_run.close_resources)
    kept_connections.install()


class Server:
    """An action server stand-in: each request's connection (the client's port), body, query and
    headers noted; idle connections closed after `idle` seconds, as Sanic and HAProxy do."""

    def __init__(self, idle: float = 75.0) -> None:
        self.idle = idle
        self.seen: list[dict] = []
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.seen.append({"peer": request.transport.get_extra_info("peername")[1],
                          "body": body, "query": dict(request.query),
                          "auth": request.headers.get("Authorization"),
                          "cookie": request.headers.get("Cookie"),
                          "custom": request.headers.get("X-Custom")})
        if body.get("next_action") == "refused":
            return web.json_response({"action_name": "refused", "error": "not valid"}, status=400)
        if body.get("next_action") == "text":
            return web.Response(text="not json")
        response = web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})
        response.set_cookie("session", "abc")  # never sent back: Rasa's calls carry no cookies
        return response

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        self.runner = web.AppRunner(app, keepalive_timeout=self.idle)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self.runner.cleanup()

    @property
    def connections(self) -> int:
        return len({seen["peer"] for seen in self.seen})


async def call(endpoint: EndpointConfig, action: str):
    return await endpoint.request(json={"next_action": action}, method="post", timeout=30)


@pytest.fixture
async def servers():
    """Starts Servers; stops them, and closes this loop's kept sessions, after the test."""
    started: list[Server] = []

    async def start(idle: float = 75.0) -> Server:
        server = Server(idle)
        await server.start()
        started.append(server)
        return server

    yield start
    await kept_connections.close_sessions()
    for server in started:
        await server.stop()


async def test_calls_share_one_connection_and_answer_as_rasas(installed, servers):
    server = await servers()
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook", token="t0k",
                              headers={"X-Custom": "yes"},
                              basic_auth={"username": "rasa", "password": "pw"})
    replies = [await call(endpoint, f"action_{i}") for i in range(5)]
    assert [r["responses"][0]["text"] for r in replies] == [f"action_{i}" for i in range(5)]
    assert server.connections == 1
    assert all(seen["query"] == {"token": "t0k"} and seen["custom"] == "yes"
               and seen["auth"].startswith("Basic ") and seen["cookie"] is None
               for seen in server.seen)
    # several at once: each its own connection, kept for the calls after
    await asyncio.gather(*(call(endpoint, "validate_form") for _ in range(3)))
    before = server.connections
    await call(endpoint, "action_ask_victim_name")
    assert server.connections == before
    # a refusal is Rasa's ClientResponseError, its body readable as RemoteAction reads it
    with pytest.raises(ClientResponseError) as refused:
        await call(endpoint, "refused")
    assert refused.value.status == 400
    assert json.loads(refused.value.text)["action_name"] == "refused"
    assert await call(endpoint, "text") is None  # not JSON: None, as Rasa answers


async def test_rasas_own_session_opens_a_connection_per_call(servers, monkeypatch):
    """What the module is for: the same calls with Rasa's own session, one connection each."""
    monkeypatch.setattr(EndpointConfig, "session", RASAS_SESSION)
    server = await servers()
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    for i in range(3):
        await call(endpoint, f"a{i}")
    assert server.connections == 3


async def test_a_connection_is_let_go_before_the_server_closes_it(installed, servers,
                                                                  monkeypatch):
    monkeypatch.setattr(kept_connections, "KEEPALIVE_SECONDS", 0.5)
    server = await servers(idle=1.5)
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    for pause in (0.05, 1.0, 2.0, 0.05):  # kept, let go by us, closed by the server, kept
        await call(endpoint, "action_ask_incident_date")
        await asyncio.sleep(pause)
    await call(endpoint, "action_ask_incident_date")
    assert len(server.seen) == 5 and server.connections == 3


async def test_a_restarted_server_is_reached_on_a_new_connection(installed, servers):
    server = await servers()
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    await call(endpoint, "validate_application_form")
    await server.stop()  # its connections closed, as a restart or a kill closes them
    with pytest.raises(aiohttp.ClientConnectionError):
        await call(endpoint, "validate_application_form")  # down: fails, as before
    await server.start()
    await asyncio.sleep(0.05)
    reply = await call(endpoint, "validate_application_form")
    assert reply["responses"][0]["text"] == "validate_application_form"


async def test_stopping_the_server_closes_the_kept_sessions(installed, servers):
    server = await servers()
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    await call(endpoint, "action_greet")
    session = kept_connections.kept_session(endpoint)
    assert not session.closed

    class App:  # what Rasa's close_resources reads: no agent loaded
        class ctx:  # noqa: N801
            agent = None

    await rasa_run.close_resources(App, asyncio.get_running_loop())
    assert session.closed
    assert (await call(endpoint, "action_greet"))["responses"][0]["text"] == "action_greet"
