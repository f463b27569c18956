"""A small stand-in for Rasa's REST channel, served by the test itself, with the real widget server
pointed at it: for what the whole stack cannot show on demand (a server that takes a request and
never answers, a queue of messages, a question of a given kind, a summary and a reference).

Both run in one background thread with its own event loop. The test sets `respond` (what the
"assistant" answers to a message) and can hold requests (`hold()`, `release()`); every request is
recorded in `received`. Nothing here imitates the project's own parts: the widget server is the
real one, and the widget talks to this exactly as to Rasa (`POST /webhooks/rest/webhook`).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from deployment import load_deployment
from web_widget.bundle import language_strings
from web_widget.server import create_app

TIMEOUT_SECONDS = 3  # the widget's request timeout in these tests (30 s in a deployment)
MENU = ["/ask_what_is_case_review", "/start_application", "/ask_process", "/ask_support",
        "/request_human"]


@dataclass
class Received:
    sender: str
    message: str
    metadata: dict


def greeting(language: str, languages: list[str]) -> list[dict]:
    """Like the assistant's greeting: a welcome, a menu of five, and the other languages."""
    return [
        {"text": f"[{language}] Hello. This is the assistant."},
        {"text": f"[{language}] What would you like to do?",
         "buttons": [{"title": f"Topic {i + 1}", "payload": p} for i, p in enumerate(MENU)]},
        {"text": f"[{language}] You can also talk to me in another language:",
         "buttons": [{"title": language_strings(code)["name"],
                      "payload": f'/change_language{{"language":"{code}"}}'}
                     for code in languages if code != language]},
    ]


class FakeRasa:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.received: list[Received] = []
        self.respond: Callable[[Received], list[dict]] = self.default
        self.languages = list(load_deployment().languages)
        self._holding = False
        self._release: asyncio.Event | None = None
        self._runners: list[web.AppRunner] = []
        self.rasa_url = ""
        self.widget_url = ""

    # ---- what the "assistant" says ----
    def default(self, received: Received) -> list[dict]:
        language = received.metadata.get("language", "en")
        if received.message == "/greet":
            return greeting(language, self.languages)
        if received.message.startswith("/change_language"):
            code = json.loads(received.message[len("/change_language"):])["language"]
            return [{"text": f"[{code}] Now in {language_strings(code)['name']}.",
                     "custom": {"language": code}}]
        return [{"text": f"[{language}] Answer to message {len(self.received)}."}]

    def reset(self) -> None:
        self.received.clear()
        self.respond = self.default
        self.release()

    # ---- holding requests: the server takes them and does not answer ----
    def hold(self) -> None:
        self._holding = True

    def release(self) -> None:
        self._holding = False
        if self._release is not None:
            self.loop.call_soon_threadsafe(self._release.set)

    def messages(self) -> list[str]:
        return [r.message for r in self.received]

    # ---- the servers ----
    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        received = Received(body["sender"], body["message"], body.get("metadata") or {})
        self.received.append(received)
        if self._holding:
            if self._release is None or self._release.is_set():
                self._release = asyncio.Event()
            try:
                await asyncio.wait_for(self._release.wait(), timeout=120)
            except asyncio.TimeoutError:
                pass
        return web.json_response(self.respond(received), headers=self._cors())

    async def _preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers={
            **self._cors(), "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type"})

    @staticmethod
    def _cors() -> dict[str, str]:
        return {"Access-Control-Allow-Origin": "*"}

    async def _serve(self, app: web.Application) -> str:
        runner = web.AppRunner(app, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runners.append(runner)
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    async def _start(self) -> None:
        rasa = web.Application()
        rasa.router.add_post("/webhooks/rest/webhook", self._webhook)
        rasa.router.add_route("OPTIONS", "/webhooks/rest/webhook", self._preflight)
        self.rasa_url = await self._serve(rasa)
        self.widget_url = await self._serve(create_app(
            load_deployment(), rasa_url=self.rasa_url, timeout_seconds=TIMEOUT_SECONDS))

    async def _stop(self) -> None:
        if self._release is not None:
            self._release.set()
        for runner in self._runners:
            await runner.cleanup()

    def start(self) -> FakeRasa:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=60)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
