"""The channels in a real Sanic server on a free port, driven by real HTTP and socket.io clients.

Rasa's agent is the one part stood in for (`Echo`): it answers each message it is given, so the
tests see exactly what the channels pass on and what they keep out. The whole assistant behind
them is tested in tests/stack/test_edge.py.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
import pytest
import socketio
import websockets
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from assistant.channels import RestInput, SocketIOInput
from assistant.channels.edge import Edge
from assistant.channels.messages import MessageRules, Vocabulary
from assistant.channels.rates import Gate
from stack.services import free_port

VOCABULARY = Vocabulary(intents=frozenset({"greet", "inform"}), entities=frozenset({"choice"}))


class Domain:
    intents = sorted(VOCABULARY.intents)
    entities = sorted(VOCABULARY.entities)


class Echo:
    """Stands in for Rasa's agent: records each message, answers with text, buttons and custom."""

    def __init__(self):
        self.received: list[UserMessage] = []
        self.fail_on: str | None = None

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        if message.text == self.fail_on:
            raise ValueError(f"cannot handle {message.text}")
        out, to = message.output_channel, message.sender_id
        await out.send_text_message(to, f"you said {len(message.text)} characters")
        await out.send_text_with_buttons(to, "Choose", [{"title": "Yes", "payload": "/greet"}])
        await out.send_custom_json(to, {"language": "cy", "dir": "ltr"})


class Server:
    def __init__(self, edge: Edge):
        self.echo = Echo()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        Sanic.test_mode = True  # several apps in one process (Sanic rewrites methods once)
        self.app = Sanic(f"edge_test_{uuid.uuid4().hex}", configure_logging=False)
        rest = RestInput(edge)
        live = SocketIOInput(session_persistence=True)
        live.edge_override = edge
        self.app.blueprint(rest.blueprint(self.echo), url_prefix="/webhooks/rest")
        self.app.blueprint(live.blueprint(self.echo), url_prefix="/webhooks/socketio")
        self.server = None

    async def __aenter__(self) -> Server:
        self.server = await self.app.create_server(host="127.0.0.1", port=self.port,
                                                   return_asyncio_server=True)
        await self.server.startup()
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()


def edge(conversation_per_minute=1000, address_per_minute=1000, characters=5000) -> Edge:
    return Edge(MessageRules(characters), Gate(address_per_minute, conversation_per_minute),
                domain=Domain())


async def post(session, server, body, raw: bytes | None = None):
    data = raw if raw is not None else None
    async with session.post(f"{server.url}/webhooks/rest/webhook", data=data,
                            json=None if raw is not None else body) as response:
        return response.status, await response.json(content_type=None), response.headers


async def test_rest_passes_a_checked_message_and_answers_as_rasa_does():
    async with Server(edge()) as server, aiohttp.ClientSession() as session:
        status, replies, _ = await post(session, server, {
            "sender": "abc", "message": "hi\x00 there", "metadata": {"language": "cy"}})
        assert status == 200
        assert [r.get("text") for r in replies][:2] == ["you said 8 characters", "Choose"]
        assert replies[-1]["custom"] == {"language": "cy", "dir": "ltr"}
        (message,) = server.echo.received
        assert (message.sender_id, message.text, message.input_channel, message.metadata) == (
            "abc", "hi there", "rest", {"language": "cy"})


async def test_rest_refuses_with_json_and_passes_nothing_on():
    async with Server(edge()) as server, aiohttp.ClientSession() as session:
        status, body, _ = await post(session, server, {"sender": "\ud800x", "message": "hi"})
        assert (status, body["error"], body["field"]) == (400, "bad_sender", "sender")
        status, body, _ = await post(session, server, {"sender": "a", "message": "hi \ud800"})
        assert (status, body["error"]) == (400, "bad_unicode")
        status, body, _ = await post(session, server, None, raw=b'{"sender": "a", "message": ')
        assert (status, body["error"]) == (400, "not_json")
        status, body, _ = await post(session, server, {"sender": "a", "message": "a" * 5001})
        assert (status, body["limit"]) == (400, 5000)
        assert "5000" in body["detail"]
        status, body, _ = await post(session, server, None, raw=b"[" * 70000)
        assert (status, body["error"]) == (413, "body_too_large")
        assert server.echo.received == []


async def test_rest_answers_500_with_json_when_the_assistant_fails_and_logs_no_text(caplog):
    async with Server(edge()) as server, aiohttp.ClientSession() as session:
        server.echo.fail_on = "my name is Zebedee Quux"
        status, body, _ = await post(session, server, {"sender": "a", "message": server.echo.fail_on})
        assert (status, body["error"]) == (500, "not_answered")
        status, _, _ = await post(session, server, {"sender": "a", "message": "hello"})
        assert status == 200
    assert "Zebedee" not in caplog.text and "ValueError" in caplog.text


async def test_rest_limits_each_conversation_with_429_and_retry_after():
    async with Server(edge(conversation_per_minute=3)) as server, \
            aiohttp.ClientSession() as session:
        statuses = [(await post(session, server, {"sender": "a", "message": "hi"}))[0]
                    for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        status, body, headers = await post(session, server, {"sender": "a", "message": "hi"})
        assert status == 429 and body["error"] == "too_many_requests"
        assert 1 <= int(headers["Retry-After"]) <= 20
        assert (await post(session, server, {"sender": "b", "message": "hi"}))[0] == 200
        assert len(server.echo.received) == 4


async def test_rest_limits_each_address_whatever_the_conversation():
    async with Server(edge(address_per_minute=5)) as server, aiohttp.ClientSession() as session:
        statuses = [(await post(session, server, {"sender": f"s{i}", "message": "hi"}))[0]
                    for i in range(4)]
        statuses.append((await post(session, server, None, raw=b"{"))[0])  # refused ones count
        statuses.append((await post(session, server, {"sender": "new", "message": "hi"}))[0])
        assert statuses == [200, 200, 200, 200, 400, 429]


class Live:
    """A socket.io client that talks the way rasa-webchat does."""

    def __init__(self, server: Server):
        self.server = server
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue = asyncio.Queue()
        for name in ("session_confirm", "bot_uttered", "refused"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name):
        async def record(data=None):
            await self.events.put((name, data))
        return record

    async def __aenter__(self) -> Live:
        # Long-polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins
        # (the websocket transport is tested with a raw client below).
        await self.client.connect(self.server.url, transports=["polling"],
                                  socketio_path="/socket.io")
        return self

    async def __aexit__(self, *exc) -> None:
        # A graceful disconnect waits for the pending long-poll to time out (30 s): close the
        # connection and stop its reader instead.
        eio = self.client.eio
        reader = eio.read_loop_task
        await eio.disconnect(abort=True)
        if reader is not None and not reader.done():
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def next(self, timeout: float = 10):
        return await asyncio.wait_for(self.events.get(), timeout)


async def test_socketio_answers_a_webchat_exchange_in_the_session_room():
    async with Server(edge()) as server, Live(server) as live:
        await live.client.emit("session_request", {"session_id": None})
        name, session_id = await live.next()
        assert name == "session_confirm" and len(session_id) == 32
        await live.client.emit("user_uttered", {"message": "hello", "session_id": session_id,
                                                "customData": {"language": "pl", "x": 1}})
        replies = [await live.next() for _ in range(3)]
        assert [name for name, _ in replies] == ["bot_uttered"] * 3
        assert replies[0][1] == {"text": "you said 5 characters"}
        assert replies[1][1]["quick_replies"][0]["payload"] == "/greet"
        assert replies[2][1] == {"custom": {"language": "cy", "dir": "ltr"}}
        (message,) = server.echo.received
        assert (message.sender_id, message.metadata) == (session_id, {"language": "pl"})


async def test_socketio_answers_over_the_websocket_transport():
    """The Engine.IO 4 / Socket.IO 5 frames a browser's socket.io client sends over a websocket."""
    async with Server(edge()) as server:
        url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(url) as ws:

            async def event():
                while True:
                    frame = await asyncio.wait_for(ws.recv(), 10)
                    if frame == "2":  # ping
                        await ws.send("3")
                    elif frame.startswith("42"):
                        return json.loads(frame[2:])

            assert (await ws.recv()).startswith("0{")  # open
            await ws.send("40")
            assert (await ws.recv()).startswith("40")  # namespace connected
            await ws.send('42["session_request",{"session_id":null}]')
            name, session_id = await event()
            assert name == "session_confirm"
            await ws.send("42" + json.dumps(
                ["user_uttered", {"message": "hi", "session_id": session_id}]))
            assert [await event() for _ in range(3)][0] == ["bot_uttered",
                                                            {"text": "you said 2 characters"}]


async def test_socketio_keeps_a_valid_session_id_and_replaces_a_bad_one():
    async with Server(edge()) as server, Live(server) as live:
        await live.client.emit("session_request", {"session_id": "kept-1"})
        assert await live.next() == ("session_confirm", "kept-1")
        await live.client.emit("session_request", {"session_id": "bad id\ud800"})
        name, session_id = await live.next()
        assert name == "session_confirm" and session_id != "bad id\ud800" and len(session_id) == 32


async def test_socketio_refuses_what_rest_refuses_and_messages_without_a_session():
    async with Server(edge()) as server, Live(server) as live:
        await live.client.emit("user_uttered", {"message": "hi", "session_id": "nobody"})
        name, body = await live.next()
        assert (name, body["error"]) == ("refused", "no_session")
        await live.client.emit("session_request", {})
        _, session_id = await live.next()
        for data, error in [("hi", "not_json"),
                            ({"message": "a" * 5001, "session_id": session_id}, "message_too_long"),
                            ({"message": "x\ud800", "session_id": session_id}, "bad_unicode"),
                            ({"message": "/unknown", "session_id": session_id}, "bad_payload"),
                            ({"message": "hi", "session_id": session_id, "metadata": {"k": 1}},
                             "bad_metadata")]:
            await live.client.emit("user_uttered", data)
            name, body = await live.next()
            assert (name, body["error"]) == ("refused", error)
        assert server.echo.received == []
        await live.client.emit("user_uttered", {"message": "still here", "session_id": session_id})
        assert (await live.next())[0] == "bot_uttered"


async def test_socketio_limits_each_conversation():
    async with Server(edge(conversation_per_minute=2)) as server, Live(server) as live:
        await live.client.emit("session_request", {})
        _, session_id = await live.next()
        for _ in range(3):
            await live.client.emit("user_uttered", {"message": "hi", "session_id": session_id})
        names = [(await live.next())[0] for _ in range(7)]
        assert names.count("bot_uttered") == 6 and names.count("refused") == 1
        assert len(server.echo.received) == 2


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch):
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")
