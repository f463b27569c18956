"""socket.io at /socket.io: Rasa's socket.io channel, checked, and answering.

Talks the way rasa-webchat does: `session_request {session_id}` -> `session_confirm session_id`,
then `user_uttered {message, session_id, metadata}` -> one `bot_uttered` per bot message.

What differs from Rasa 3.6.21's own channel:
- Rasa calls `sio.enter_room(...)` without `await` (RasaHQ/rasa#13027); with the python-socketio
  we pin, that is a coroutine never run, so with `session_persistence` every reply went to a room
  nobody was in. Here it is awaited.
- A message gets the same checks as the REST channel (assistant/channels/messages.py) and the same
  rate limits; a refused one gets a `refused` event with the JSON error, and never reaches Rasa.
  A session id that is not a valid sender id is replaced by a new one.
- With `session_persistence`, a message must carry the session id this connection asked for.
- rasa-webchat's `customData` gives the language when `metadata` is absent (its other keys,
  free-form there, are left out).
- A custom message (the assistant's language and layout hints) is sent as
  `bot_uttered {"custom": {...}}`, the shape the REST channel gives, instead of Rasa's
  `emit(event, **json)`, which failed with a TypeError for anything but `data`-keyed JSON.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from assistant.channels.edge import Edge, shared_edge
from assistant.channels.messages import SENDER, Refused

logger = logging.getLogger(__name__)

REFUSED_EVENT = "refused"


class _Blueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, keeping the app so handlers find the served domain."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.app = app
        super().register(app, options)


class SocketIOOutputChannel(SocketIOOutput):
    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any],
                               **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class SocketIOInput(RasaSocketIOInput):
    """Registered in credentials.yml as `assistant.channels.SocketIOInput`."""

    edge_override: Edge | None = None  # tests: a fixed Edge instead of the deployment's

    @property
    def edge(self) -> Edge:
        return self.edge_override or shared_edge()

    def get_output_channel(self) -> SocketIOOutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()  # Rasa's warning, and None
        return SocketIOOutputChannel(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        webhook = _Blueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        sockets = _Sockets(self, sio, webhook, on_new_message)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        for event, handler in (("connect", sockets.connect),
                               ("disconnect", sockets.disconnect),
                               ("session_request", sockets.session_request),
                               (self.user_message_evt, sockets.handle_message)):
            sio.on(event, namespace=self.namespace)(handler)
        return webhook

    def _body(self, sid: str, data: Any, sessions: dict[str, str]) -> dict[str, Any]:
        """The message as the REST channel's body {sender, message, metadata}, or Refused."""
        if not isinstance(data, dict):
            raise Refused(400, "not_json", f"{self.user_message_evt} must carry a JSON object")
        if self.session_persistence:
            session_id = data.get("session_id")
            if not session_id or session_id != sessions.get(sid):
                raise Refused(400, "no_session", "send session_request first, then each "
                              "message with the session_id it confirmed", field="session_id")
            sender = session_id
        else:
            sender = sid
        metadata = data.get(self.metadata_key)
        if metadata is None and isinstance(data.get("customData"), dict):
            # rasa-webchat's free-form customData: its language only
            metadata = {key: value for key, value in data["customData"].items()
                        if key == "language"}
        if isinstance(metadata, str):  # Rasa accepts metadata sent as a JSON string
            try:
                metadata = json.loads(metadata)
            except (ValueError, RecursionError):
                raise Refused(400, "bad_metadata", "metadata must be a JSON object",
                              field="metadata") from None
        body = {"sender": sender, "message": data.get("message")}
        if metadata is not None:
            body["metadata"] = metadata
        return body


class _Sockets:
    """The socket.io server's handlers for one channel, with what they know of each socket: its
    client's address and the session (conversation) it asked for."""

    def __init__(self, channel: SocketIOInput, sio: AsyncServer, webhook: _Blueprint,
                 on_new_message: Callable[[UserMessage], Awaitable[Any]]):
        self.channel, self.sio, self.webhook = channel, sio, webhook
        self.on_new_message = on_new_message
        self.namespace = channel.namespace
        self.addresses: dict[str, str] = {}  # socket id: client address
        self.sessions: dict[str, str] = {}  # socket id: the session it asked for

    async def refuse(self, sid: str, refused: Refused) -> None:
        await self.sio.emit(REFUSED_EVENT, refused.body(), room=sid, namespace=self.namespace)

    async def connect(self, sid: str, environ: dict, auth: dict | None = None) -> bool:
        channel = self.channel
        if channel.jwt_key:
            token = auth.get("token") if isinstance(auth, dict) else None
            if not isinstance(token, str) or not decode_bearer_token(
                    token, channel.jwt_key, channel.jwt_algorithm):
                return False
        request = environ.get("sanic.request")
        if request is not None:
            self.addresses[sid] = request.remote_addr or request.ip
        return True

    async def disconnect(self, sid: str, *args: Any) -> None:
        self.addresses.pop(sid, None)
        self.sessions.pop(sid, None)

    async def session_request(self, sid: str, data: Any = None) -> None:
        try:
            self.channel.edge.admit_address(self.addresses.get(sid, ""))
        except Refused as refused:
            await self.refuse(sid, refused)
            return
        asked = data.get("session_id") if isinstance(data, dict) else None
        session_id = (asked if isinstance(asked, str) and SENDER.fullmatch(asked)
                      else uuid.uuid4().hex)
        if self.channel.session_persistence:
            previous = self.sessions.get(sid)
            if previous and previous != session_id:
                await self.sio.leave_room(sid, previous, namespace=self.namespace)
            await self.sio.enter_room(sid, session_id, namespace=self.namespace)
        self.sessions[sid] = session_id
        await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

    async def handle_message(self, sid: str, data: Any = None) -> None:
        channel = self.channel
        edge = channel.edge
        try:
            edge.admit_address(self.addresses.get(sid, ""))
            incoming = edge.admit(channel._body(sid, data, self.sessions),
                                  getattr(self.webhook.ctx, "app", None))
        except Refused as refused:
            await self.refuse(sid, refused)
            return
        output = SocketIOOutputChannel(self.sio, channel.bot_message_evt)
        try:
            await self.on_new_message(UserMessage(
                incoming.text, output, incoming.sender, input_channel=channel.name(),
                metadata=incoming.metadata or None))
        except Exception as exc:  # never the text or the exception's message: personal data
            logger.error("socket.io channel: a message could not be handled (%s)",
                         type(exc).__name__)
            await self.refuse(sid, Refused(500, "not_answered", "the assistant could not answer "
                                           "this message; try again in a moment"))
