"""POST /webhooks/rest/webhook {"sender", "message", "metadata"}: Rasa's REST channel, checked.

Answers as Rasa's own does (a JSON list of the bot's messages), except:
- a request the rules refuse gets 400 (413 for a body far too large) with a JSON error,
  `{"error": code, "detail": sentence, "field": ...}`, and never reaches Rasa;
- too many requests from one address or conversation get 429 with Retry-After;
- a message Rasa fails on gets 500 with a JSON error (Rasa's own answers 200 with no messages,
  and logs the message's text);
- no `input_channel` from the client and no streaming.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.edge import Edge, TooMany, shared_edge
from assistant.channels.messages import Refused
from assistant.channels.rates import retry_after

logger = logging.getLogger(__name__)

NOT_ANSWERED = {"error": "not_answered",
                "detail": "the assistant could not answer this message; try again in a moment"}


def refusal(refused: Refused) -> HTTPResponse:
    headers = {"Retry-After": retry_after(refused.wait)} if isinstance(refused, TooMany) else None
    return response.json(refused.body(), status=refused.status, headers=headers)


def client_address(request: Request) -> str:
    """The client's address: from the proxy's headers when Sanic is told to trust them
    (SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER or SANIC_FORWARDED_SECRET), else the peer."""
    return request.remote_addr or request.ip


class RestInput(RasaRestInput):
    """Registered in credentials.yml as `assistant.channels.RestInput`; served under /rest."""

    def __init__(self, edge: Edge | None = None):
        self._edge = edge

    @property
    def edge(self) -> Edge:
        if self._edge is None:
            self._edge = shared_edge()
        return self._edge

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            edge = self.edge
            try:
                edge.admit_address(client_address(request))
                incoming = edge.admit(edge.rules.read_body(request.body), request.app)
            except Refused as refused:
                return refusal(refused)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(
                    incoming.text, collector, incoming.sender, input_channel=self.name(),
                    metadata=incoming.metadata or None))
            except CancelledError:
                raise
            except Exception as exc:  # never the text or the exception's message: personal data
                logger.error("rest channel: a message could not be handled (%s)",
                             type(exc).__name__)
                return response.json(NOT_ANSWERED, status=500)
            return response.json(collector.messages)

        return webhook
