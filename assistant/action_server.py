"""The action server: rasa_sdk's own (POST /webhook, GET /health, /actions) with what a cluster
needs beside it. `python -m assistant.action_server --actions assistant.actions -p 5055` takes
rasa_sdk's arguments.

- GET /healthz: the process answers (liveness).
- GET /readyz: its actions are registered (readiness). It also says whether the handoff service
  answers its own /readyz, but does not fail for it: without the handoff only the last step of a
  conversation cannot finish, and that action tells the user to try again in a moment, so taking
  every action server out of the balancer would only make every other turn fail too.
- GET /metrics (Prometheus text): `asb_conversations_started_total{language}` (the first time
  the action server runs an action for a conversation), `asb_conversations_completed_total
  {language}` (an application sent: the action answered with its reference) and
  `asb_action_seconds{action}`. Labels hold action names and language codes only.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
import zlib

import aiohttp
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request

from assistant.actions.service import handoff_url
from deployment import log_format
from languages import CODES

# sanic_cors warns (distutils' LooseVersion) on import, before any logging is set up, so the
# warning would be the one line of the log that is not in the chosen format.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from rasa_sdk.endpoint import create_app, create_argument_parser

log = logging.getLogger(__name__)
SUBMIT = "action_submit_application"


def _language(tracker: dict) -> str:
    value = (tracker.get("slots") or {}).get("language")
    return value if value in CODES else "other"


class ActionMetrics:
    def __init__(self, action_names: set[str]):
        self.action_names = action_names
        self.registry = CollectorRegistry()
        self.started = Counter("asb_conversations_started", "Conversations the action server "
                               "first served, by language", ["language"], registry=self.registry)
        self.completed = Counter("asb_conversations_completed", "Applications sent, by the "
                                 "conversation's language", ["language"], registry=self.registry)
        self.seconds = Histogram("asb_action_seconds", "Time to run a custom action",
                                 ["action"], registry=self.registry)

    def first_served(self, tracker: dict, action: str) -> bool:
        """No custom action has run in this conversation yet (none in its events)."""
        return not any(event.get("event") == "action" and event.get("name") in self.action_names
                       for event in tracker.get("events") or ())

    def observe(self, call: dict, body: bytes, seconds: float) -> None:
        action, tracker = call.get("next_action"), call.get("tracker") or {}
        if action not in self.action_names:
            return
        self.seconds.labels(action).observe(seconds)
        if self.first_served(tracker, action):
            self.started.labels(_language(tracker)).inc()
        if action == SUBMIT and any(
                event.get("event") == "slot" and event.get("name") == "reference"
                and event.get("value") for event in json.loads(body).get("events") or ()):
            self.completed.labels(_language(tracker)).inc()


def _action_call(request: Request) -> dict:
    if request.headers.get("Content-Encoding") == "deflate":
        return json.loads(zlib.decompress(request.body))
    return request.json or {}


async def _handoff_ready() -> str:
    try:
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as http, \
                http.get(f"{handoff_url()}/readyz") as answer:
            return "ready" if answer.status == 200 else f"not ready ({answer.status})"
    except (aiohttp.ClientError, TimeoutError):
        return "unreachable"


def build(actions: str) -> Sanic:
    """rasa_sdk's application for the actions in the package `actions`, with our routes."""
    app = create_app(actions)
    # The action names, for the metrics: a second registration, not logged a second time.
    registering = logging.getLogger("rasa_sdk.executor")
    level = registering.level
    registering.setLevel(logging.WARNING)
    try:
        executor = ActionExecutor()
        executor.register_package(actions)
    finally:
        registering.setLevel(level)
    metrics = ActionMetrics(set(executor.actions))

    async def healthz(_request: Request):
        return response.json({"status": "ok"})

    async def readyz(_request: Request):
        ready = bool(metrics.action_names)
        return response.json({"status": "ok" if ready else "no actions registered",
                              "actions": len(metrics.action_names),
                              "handoff": await _handoff_ready()}, status=200 if ready else 503)

    async def scrape(_request: Request):
        return response.raw(generate_latest(metrics.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def began(request: Request):
        request.ctx.began = time.perf_counter()

    async def counted(request: Request, answer):
        if request.path == "/webhook" and answer.status == 200:
            try:
                metrics.observe(_action_call(request), answer.body,
                                time.perf_counter() - request.ctx.began)
            except Exception:  # counting must never fail an action
                log.exception("action metrics could not be counted")

    app.add_route(healthz, "/healthz", methods=["GET"])
    app.add_route(readyz, "/readyz", methods=["GET"])
    app.add_route(scrape, "/metrics", methods=["GET"])
    app.register_middleware(began, "request")
    app.register_middleware(counted, "response")
    return app


def main() -> None:
    """rasa_sdk's `python -m rasa_sdk`, serving `build()`'s application."""
    parser = create_argument_parser()
    log_format.add_argument(parser)
    args = parser.parse_args()
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file,
                                 args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()
    log_format.apply(args.log_format)
    app = build(args.actions)
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    app.run(host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
