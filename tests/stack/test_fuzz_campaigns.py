"""Fuzz campaigns against the running system (`stack` fixture): the REST channel, the socket.io
channel (its events through a real python-socketio client, and raw engine.io requests) and the
widget server, 10,000 generated requests each (ASB_FUZZ_REQUESTS sets another count, for a
quicker run while working on the code).

Hypothesis draws pools of hostile ingredients (tests/edge_requests.py: broken and deep JSON,
wrong types, lone surrogates, control characters, payload syntax `/intent{...}`, long text,
plus path tricks and header junk); requests are mixed from them and sent over keep-alive
connections, several in flight (tests/fuzzing.py). Almost all are refused at the edge; the ones
that would pass it reach the NLU and cost a real turn, so at most ASB_FUZZ_NLU (default 100)
are kept per channel (the message rules themselves say which: assistant/channels/messages.py).

No answer may be a 5xx or carry a traceback, no service may die, and each still answers a
normal message afterwards. Figures (requests per second, statuses) are printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request
import uuid
from collections import Counter

import pytest
import socketio
from hypothesis import strategies as st

from assistant.channels.edge import _project_domain
from assistant.channels.messages import MessageRules, Refused, Vocabulary
from assistant.channels.socket_io import SocketIOInput
from tests import disconnect_socketio, run_coroutine
from tests import edge_requests as edge
from tests.fuzzing import HEADER_VALUES, PATH_TRICKS, Probe, blast, leaf_paths, mixed, pool, splice

pytestmark = pytest.mark.integration

REQUESTS = int(os.environ.get("ASB_FUZZ_REQUESTS", "10000"))
NLU_BUDGET = int(os.environ.get("ASB_FUZZ_NLU", "100"))
RULES = MessageRules(5000)  # limits.message_characters of the example deployment
WEBHOOK = "/webhooks/rest/webhook"
JSON = (("Content-Type", "application/json"),)
RASA_PATHS = [WEBHOOK + "/", "/" + WEBHOOK, "/webhooks/rest/../rest/webhook",
              "/webhooks/%72est/webhook", WEBHOOK + "?sender=x&message=hi", WEBHOOK + "%00",
              "/webhooks/rest/", "/webhooks/rest/webhook/../../../status", "/webhooks/socketio/",
              "/conversations/x/tracker", "/conversations/x/messages", "/model/parse", "/status",
              "/version", "/domain", "/model", "/socket.io/"] + PATH_TRICKS


def vocabulary() -> Vocabulary:
    return Vocabulary.of(_project_domain())


def passes_the_edge(body: dict, words: Vocabulary) -> bool:
    try:
        RULES.check(body, words)
    except Refused:
        return False
    return True


def bounded(probes: list, reaches_nlu, budget: int = NLU_BUDGET) -> list:
    """The probes with at most `budget` of those that would reach the NLU."""
    kept, passing = [], 0
    for probe in probes:
        if reaches_nlu(probe):
            passing += 1
            if passing > budget:
                continue
        kept.append(probe)
    return kept


def greets(stack) -> bool:
    replies = stack.send(f"fuzz-after-{uuid.uuid4().hex}", "/greet", {"language": "en"})
    return any(reply.get("text") for reply in replies)


def all_running(stack) -> None:
    for name in ("rasa", "actions", "handoff", "widget"):
        assert stack.running(name), f"{name} died during the campaign"


# -- the REST channel ----------------------------------------------------------------------------

def test_the_rest_channel_campaign(stack):
    words = vocabulary()
    base = {"sender": "fuzz-base", "message": "hello", "metadata": {"language": "en"}}
    places = list(leaf_paths(base))

    def build(rng, body, value, method, path, content_type) -> Probe:
        kind = rng.random()
        if kind < 0.2:  # a good message with one to three places hostile
            body = edge.encoded(splice(rng, base, [value], places))
        if kind < 0.85:
            return Probe("POST", WEBHOOK, body, JSON)
        return Probe(method, path, body, (("Content-Type", content_type),))

    def reaches_nlu(probe: Probe) -> bool:
        if probe.method != "POST" or probe.path != WEBHOOK:
            return False
        try:
            body = RULES.read_body(probe.body)
        except Refused:
            return False
        return passes_the_edge(body, words)

    ingredients = dict(body=pool(edge.bodies), value=pool(st.one_of(edge.texts, edge.json_values)),
                       method=["POST"] * 4 + ["GET", "PUT", "DELETE", "OPTIONS", "HEAD"],
                       path=RASA_PATHS, content_type=pool(HEADER_VALUES, 30) + ["application/json"])
    probes, round_ = [], 0
    while len(probes) < REQUESTS:
        probes = bounded(probes + mixed(REQUESTS, 10 + round_, build, **ingredients), reaches_nlu)
        round_ += 1
    probes = probes[:REQUESTS]
    tally = blast(stack.rasa_url, probes, "REST channel")
    all_running(stack)
    assert tally.failures == [] and tally.server_errors == 0, tally.failures[:3]
    assert tally.sent == REQUESTS  # (200s also answer GET /version and the channel's health)
    assert sum(map(reaches_nlu, probes)) <= NLU_BUDGET
    assert set(tally.statuses) <= {200, 400, 401, 403, 404, 405, 413, 429}, tally.statuses
    assert greets(stack)


# -- the socket.io channel ------------------------------------------------------------------------

SESSION = "<the session this connection confirmed>"
# Larger events are the raw engine.io campaign's (and the REST channel's): several of them in
# one request would pass engine.io's 1 MB limit, and the client gives up its connection on the
# 413 (the server's right answer).
SIO_EVENT_BYTES = 60_000
CHANNEL = SocketIOInput(session_persistence=True, metadata_key="metadata")
OTHER_EVENTS = st.one_of(st.sampled_from(["message", "bot_uttered", "refused", "session_confirm",
                                          "user_uttered ", "USER_UTTERED", ""]),
                         st.text(max_size=30))


def sio_event(rng, message, meta, session, custom, value, other) -> tuple[str, object]:
    kind = rng.random()
    if kind < 0.05:
        return "user_uttered", value  # not an object
    if kind < 0.1:
        return other, value
    data = {"message": message, "session_id": SESSION if rng.random() < 0.8 else session}
    if meta is not None:
        data["metadata"] = meta
    if rng.random() < 0.1:
        data["customData"] = custom
    return "user_uttered", data


def with_session(data, session_id: str):
    if isinstance(data, dict) and data.get("session_id") == SESSION:
        return dict(data, session_id=session_id)
    return data


def sio_reaches_nlu(event: tuple[str, object], words: Vocabulary) -> bool:
    name, data = event
    if name != "user_uttered":
        return False
    try:
        body = CHANNEL._body("sid", with_session(data, "fuzz-session"), {"sid": "fuzz-session"})
    except Refused:
        return False
    return passes_the_edge(body, words)


def chunks(plan: list, most_bytes: int = 150_000, most_events: int = 12):
    """The plan in chunks small enough for one engine.io request: the client sends everything
    queued in one request, and the server takes at most 16 packets and 1 MB in one (it
    refuses more, "Too many packets in payload", and the client gives up its connection)."""
    chunk, size = [], 0
    for event in plan:
        length = len(json.dumps(event[1]))
        if chunk and (size + length > most_bytes or len(chunk) >= most_events):
            yield chunk
            chunk, size = [], 0
        chunk.append(event)
        size += length
    if chunk:
        yield chunk


def chunk_shown(chunk: list) -> list:
    return [(name, len(json.dumps(data)), str(data)[:80]) for name, data in chunk]


async def sio_campaign(url: str, plans: list[list[tuple[str, object]]], words: Vocabulary
                       ) -> dict:
    """Each plan on its own connection, in chunks, each chunk's refusals awaited."""
    seen: Counter = Counter()
    errors: Counter = Counter()

    async def one(plan) -> None:
        # python-engineio gives up its connection when a polling request takes over 5 s (its
        # default), as it can while Rasa's loop runs a turn on a busy machine.
        client = socketio.AsyncClient(reconnection=False, request_timeout=120)
        refused, confirmed = asyncio.Queue(), asyncio.Queue()
        client.on("session_confirm", lambda data=None: confirmed.put_nowait(data))

        def on_refused(data=None) -> None:
            errors[(data or {}).get("error")] += 1
            refused.put_nowait(data)

        client.on("refused", on_refused)
        client.on("bot_uttered", lambda data=None: seen.update(["bot_uttered"]))
        await client.connect(url, transports=["polling"], socketio_path="/socket.io")
        try:
            await client.emit("session_request", {"session_id": None})
            session_id = await asyncio.wait_for(confirmed.get(), 60)
            for chunk in chunks(plan):
                for name, data in chunk:
                    await client.emit(name, with_session(data, session_id))
                    seen["events"] += 1
                for _ in range(6000):  # sent before the next chunk is queued (30 s at most)
                    if client.eio.queue.empty() or not client.connected:
                        break
                    await asyncio.sleep(0.005)
                owed = sum(name == "user_uttered" and not sio_reaches_nlu((name, data), words)
                           for name, data in chunk)
                for _ in range(owed):  # every refused message is answered with `refused`
                    await asyncio.wait_for(refused.get(), 120)
                    seen["refused"] += 1
                assert client.connected, (f"the connection dropped after {seen['events']} "
                                          f"events; the last chunk: {chunk_shown(chunk)}")
            await asyncio.sleep(3)  # the last replies of messages that reached the NLU
            assert refused.empty(), "a message that passes the rules was refused"
        finally:
            await disconnect_socketio(client)

    started = time.monotonic()
    await asyncio.gather(*(one(plan) for plan in plans))
    return {"seconds": time.monotonic() - started, "seen": seen, "errors": errors}


def test_the_socketio_channel_campaign(stack):
    words = vocabulary()
    events = mixed(REQUESTS * 2, 20, sio_event, message=pool(edge.messages),
                   meta=pool(edge.metadata, 60), session=pool(st.one_of(edge.texts, edge.json_values), 60),
                   custom=pool(edge.json_values, 60), value=pool(edge.json_values, 60),
                   other=pool(OTHER_EVENTS, 30))
    events = [event for event in events if len(json.dumps(event[1])) <= SIO_EVENT_BYTES]
    events = bounded(events, lambda event: sio_reaches_nlu(event, words))[:REQUESTS]
    assert len(events) == REQUESTS
    clients = 4
    result = run_coroutine(sio_campaign(stack.rasa_url, [events[i::clients]
                                                         for i in range(clients)], words))
    seen, seconds = result["seen"], result["seconds"]
    print(f"\nfuzz socket.io events: {seen['events']} in {seconds:.1f} s "
          f"({seen['events'] / seconds:.0f}/s), {seen['refused']} refused "
          f"({dict(result['errors'])}), {seen['bot_uttered']} bot_uttered")
    all_running(stack)
    assert seen["events"] == REQUESTS
    assert result["errors"]["not_answered"] == 0  # the 500 of socket.io
    assert greets(stack)


def test_raw_engineio_requests_campaign(stack):
    """What reaches /socket.io/ below the socket.io client: handshakes with wrong versions and
    transports, unknown session ids, broken packets."""
    query = st.builds(
        lambda eio, transport, sid, extra: "&".join(
            p for p in (eio, transport, sid, extra) if p),
        st.sampled_from(["EIO=4", "EIO=3", "EIO=5", "EIO=x", "EIO=", ""]),
        st.sampled_from(["transport=polling", "transport=websocket", "transport=x", ""]),
        st.one_of(st.just(""), st.text(alphabet="abcdefABCDEF0123456789-_%", max_size=30)
                  .map(lambda s: "sid=" + s)),
        st.sampled_from(["", "t=1", "b64=1", "j=0", "%ff=%00"]))
    packets = st.one_of(
        st.sampled_from([b"40", b"41", b"42", b"2", b"3", b"5", b"6", b"4", b"",
                         b'42["user_uttered",{"message":"hi","session_id":"x"}]',
                         b'42["session_request",{"session_id":"\\ud800"}]', b"42[" * 5000]),
        st.binary(max_size=300), edge.bodies)
    probes = mixed(
        max(500, REQUESTS // 5), 30,
        lambda rng, method, q, body: Probe(method, f"/socket.io/?{q}", body,
                                           (("Content-Type", "text/plain;charset=UTF-8"),)),
        method=["GET", "POST", "POST", "OPTIONS", "PUT"], q=pool(query, 80),
        body=pool(packets, 100))
    tally = blast(stack.rasa_url, probes, "socket.io (raw engine.io requests)")
    all_running(stack)
    assert tally.failures == [] and tally.server_errors == 0, tally.failures[:3]
    assert greets(stack)


# -- the widget server -------------------------------------------------------------------------

def test_the_widget_server_campaign(stack):
    real = ["/", "/cy/", "/widget.js", "/healthz", "/favicon.ico", "/assets/", "/assets/x.js",
            "/assets/widget.css", "/assets/..%2f..%2fserver.py", "/assets/%00.js",
            "/assets/" + "a" * 500 + ".js", "/widget.js?v=%ff", "/cy/../", "/CY/", "/en/"]
    segment = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF),
                      max_size=30).map(lambda s: "".join(
                          c if c.isascii() and c.isalnum() else f"%{ord(c) & 0xFF:02X}" for c in s))
    headers = st.tuples(
        st.sampled_from(["Origin", "Accept-Encoding", "If-None-Match", "Range",
                         "Accept-Language", "Host", "X-Forwarded-For", "Cookie", "Referer"]),
        st.one_of(HEADER_VALUES, st.sampled_from(["gzip", "br, gzip;q=0", "bytes=0-1",
                                                  "bytes=-1,0-", "*", "null",
                                                  "http://evil.example"])))

    def build(rng, path, extra, method, header, body) -> Probe:
        path = path if rng.random() < 0.7 else rng.choice(real) + extra
        return Probe(method, path, body if method in ("POST", "PUT") else b"", (header,))

    probes = mixed(REQUESTS, 40, build, path=real + PATH_TRICKS,
                   extra=pool(segment, 100), method=["GET"] * 6 + ["HEAD", "OPTIONS", "POST",
                                                                   "PUT", "DELETE"],
                   header=pool(headers, 100), body=pool(st.binary(max_size=2000), 30))
    tally = blast(stack.widget_url, probes, "widget server")
    all_running(stack)
    assert tally.failures == [] and tally.server_errors == 0, tally.failures[:3]
    with urllib.request.urlopen(stack.widget_url + "/widget.js", timeout=30) as response:
        assert response.status == 200
