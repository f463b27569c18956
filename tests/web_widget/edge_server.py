"""The project's own REST channel (assistant.channels.RestInput, with its Edge built from a
deployment file's `limits`, and Rasa's own CORS set-up) in a real Sanic server, with the real
widget server in front of a browser: for the edge's 400 and 429 answers, which the test stack
(LOAD_TEST_LIMITS, every test from 127.0.0.1) is set up never to give.

Rasa's agent is the one part stood in for: each message it is given gets one answer (as in
tests/assistant/test_channels_server.py); everything the widget sees, status, JSON error and
headers, comes from the channel itself. Both servers run in one background thread with its own
event loop.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path

import yaml
from aiohttp import web
from rasa.core.channels.channel import UserMessage
from rasa.server import configure_cors
from sanic import Sanic

from assistant.channels import RestInput
from assistant.channels.edge import Edge
from deployment import load_deployment
from stack import free_port
from web_widget.server import create_app

ROOT = Path(__file__).resolve().parents[2]


def deployment_file(folder: Path, name: str, **limits: int) -> Path:
    """The example deployment with these `limits`, written to `folder`."""
    data = yaml.safe_load((ROOT / "deployment.example.yml").read_text(encoding="utf-8"))
    data["limits"] = {**(data.get("limits") or {}), **limits}
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class EdgeServer:
    """`rasa_limits` for the channel, `widget_limits` for the widget server's deployment (the
    widget counts down to its own `message_characters`)."""

    def __init__(self, folder: Path, rasa_limits: dict[str, int],
                 widget_limits: dict[str, int] | None = None):
        self.rasa_deployment = load_deployment(deployment_file(folder, "rasa", **rasa_limits))
        self.widget_deployment = load_deployment(
            deployment_file(folder, "widget", **(widget_limits or {})))
        self.received: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.rasa_url = ""
        self.widget_url = ""
        self._sanic = None
        self._runner: web.AppRunner | None = None

    async def _answer(self, message: UserMessage) -> None:
        self.received.append(message.text)
        reply = "Hello." if message.text == "/greet" else f"Answer {len(self.received)}."
        await message.output_channel.send_text_message(message.sender_id, reply)

    async def _start(self) -> None:
        Sanic.test_mode = True  # several apps in one process
        app = Sanic(f"widget_edge_{uuid.uuid4().hex}", configure_logging=False)
        configure_cors(app, ["*"])  # as `rasa run --cors "*"` in the test stack
        rest = RestInput(Edge.from_limits(self.rasa_deployment.limits))
        app.blueprint(rest.blueprint(self._answer), url_prefix="/webhooks/rest")
        port = free_port()
        self._sanic = await app.create_server(host="127.0.0.1", port=port,
                                              return_asyncio_server=True)
        await self._sanic.startup()
        await self._sanic.before_start()  # Sanic-CORS sets itself up in the start listeners
        await self._sanic.after_start()
        self.rasa_url = f"http://127.0.0.1:{port}"
        self._runner = web.AppRunner(create_app(self.widget_deployment, rasa_url=self.rasa_url))
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.widget_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._sanic is not None:
            await self._sanic.before_stop()
            self._sanic.close()
            await self._sanic.wait_closed()

    def __enter__(self) -> EdgeServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=60)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
