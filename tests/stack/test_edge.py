"""The public edge of the running system (`stack` fixture): the REST and socket.io channels in
front of the real Rasa server, Rasa's HTTP API behind its token, and logs without personal data.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest
import socketio

from tests import disconnect_socketio, run_coroutine

pytestmark = pytest.mark.integration


def post(stack, body: bytes | dict, timeout: float = 60) -> tuple[int, object]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(stack.rest_url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def greets(stack) -> bool:
    replies = stack.send(f"edge-{uuid.uuid4().hex}", "/greet", {"language": "en"})
    return any(reply.get("text") for reply in replies)


def test_a_lone_surrogate_gets_400_and_the_server_keeps_answering(stack):
    # Before the project's channel, this made Rasa's SQL tracker store call sys.exit(1).
    raw = b'{"sender": "\\ud800x", "message": "hi"}'
    assert post(stack, raw)[0] == 400
    status, body = post(stack, b'{"sender": "edge-1", "message": "\\ud800x"}')
    assert (status, body["error"]) == (400, "bad_unicode")
    assert stack.running("rasa") and greets(stack)


def test_an_over_long_message_is_refused_naming_the_limit(stack):
    status, body = post(stack, {"sender": "edge-2", "message": "a" * 5001})
    assert status == 400 and body["limit"] == 5000 and "5000" in body["detail"]
    status, replies = post(stack, {"sender": "edge-2", "message": "a " * 2500})
    assert status == 200 and isinstance(replies, list)


def test_rasa_http_api_needs_the_token(stack):
    sender = f"edge-{uuid.uuid4().hex}"
    stack.send(sender, "/greet", {"language": "en"})
    for path in (f"/conversations/{sender}/tracker", "/status", "/domain"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(stack.rasa_url + path, timeout=30)
        assert refused.value.code in (401, 403), path
    with urllib.request.urlopen(stack.api_url(f"/conversations/{sender}/tracker"),
                                timeout=30) as response:
        assert json.loads(response.read())["sender_id"] == sender


def test_a_rasa_webchat_exchange_over_socketio(stack):
    """session_request -> session_confirm -> user_uttered -> bot_uttered, as rasa-webchat does,
    with the session kept (`session_persistence`), through to the next question."""

    async def exchange() -> tuple[str, list[dict], list[dict]]:
        client = socketio.AsyncClient(reconnection=False)
        events: asyncio.Queue = asyncio.Queue()
        for name in ("session_confirm", "bot_uttered", "refused"):
            client.on(name, lambda data=None, name=name: events.put_nowait((name, data)))
        # Long-polling: python-engineio's websocket client needs a newer aiohttp than Rasa's
        # pin; the server's websocket transport is tested in tests/assistant/.
        await client.connect(stack.rasa_url, transports=["polling"], socketio_path="/socket.io")
        try:
            await client.emit("session_request", {"session_id": None})
            name, session_id = await asyncio.wait_for(events.get(), 30)
            assert name == "session_confirm"

            async def say(message: str) -> list[dict]:
                await client.emit("user_uttered", {"message": message, "session_id": session_id,
                                                   "customData": {"language": "en"}})
                replies = [await asyncio.wait_for(events.get(), 120)]
                while True:  # the rest of this turn's messages
                    try:
                        replies.append(await asyncio.wait_for(events.get(), 3))
                    except asyncio.TimeoutError:
                        return replies

            greeting = await say("/greet")
            asked = await say("/start_application")
            return session_id, greeting, asked
        finally:
            await disconnect_socketio(client)

    session_id, greeting, asked = run_coroutine(exchange())
    assert {name for name, _ in greeting + asked} == {"bot_uttered"}
    assert any(data.get("text") for _, data in greeting)
    assert any(data.get("quick_replies") for _, data in greeting)  # the menu's buttons
    assert any(data.get("text") for _, data in asked)
    with urllib.request.urlopen(stack.api_url(f"/conversations/{session_id}/tracker"),
                                timeout=30) as response:
        tracker = json.loads(response.read())
    said = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert said == ["/greet", "/start_application"]
    assert all(e["input_channel"] == "socketio" for e in tracker["events"] if e["event"] == "user")


# A person who exists nowhere: every piece of what they type must stay out of every log.
NAME, EMAIL, ADDRESS = "Zebedee Quuxworth", "zebedee.qx@example.org", "17 Quillon Row"
PHONE, IMPACT = "07700 900417", "Quuxworth family next door bangs on the wall at 3am"


# What a victim applying for themselves picks, by the slot asked (the `asks` hint in `custom`).
CHOICES = {"applicant_role": "victim", "victim_kind": "individual", "contact_preferred": "email",
           "report_agencies": "police+council", "incident_reference": "no_reference",
           "incident_hate": "no", "at_risk": "no", "safe_to_call": "yes",
           "interpreter_language": "none", "accessibility_needs": "none",
           "vulnerabilities": "none", "support_wanted": "yes", "consent_share": "yes",
           "review_choice": "send"}
FREE_TEXT = [("postcode", "AN1 2BB"), ("email", EMAIL), ("phone", PHONE),
             ("address", f"{ADDRESS}, Anytown AN1 2BB"), ("name", NAME),
             ("impact", IMPACT), ("access", "large print please"),
             ("time", f"weekdays after 6pm, or call {PHONE}"), ("", "no")]


def apply(stack, sender: str) -> list[str]:
    """A whole application through the REST channel, answering what each turn asks; the
    assistant's texts."""
    texts: list[str] = []
    dates, incidents = iter(["2026-01-12", "2026-01-13", "2026-02-02", "2026-02-02",
                             "2026-03-02", "2026-03-03"]), 0
    replies = stack.send(sender, "/greet", {"language": "en"})
    replies += stack.send(sender, "/start_application", {"language": "en"})
    for _ in range(80):
        texts += [r.get("text") or "" for r in replies]
        if any("ASB-" in text for text in texts[-len(replies):]):
            return texts
        customs = [r.get("custom") or {} for r in replies]
        buttons = [b for r in replies for b in (r.get("buttons") or [])]
        slot = next((c["asks"] for c in reversed(customs) if c.get("asks")), "")
        if any(c.get("input") == "date" for c in customs):
            message = next(dates)
        elif buttons and (slot in CHOICES or slot == "more_incidents"):
            if slot == "more_incidents":
                incidents += 1
            wanted = ("yes" if incidents < 3 else "no") if slot == "more_incidents" \
                else CHOICES[slot]
            message = next((b["payload"] for b in buttons
                            if f'"choice":"{wanted}"' in b["payload"].replace(" ", "")),
                           buttons[0]["payload"])
        elif buttons and not slot:
            message = next((b["payload"] for b in buttons if b["payload"].startswith(
                ("/start_application", "/affirm"))), buttons[0]["payload"])
        else:
            message = next(text for fragment, text in FREE_TEXT if fragment in slot)
        replies = stack.send(sender, message, {"language": "en"})
    raise AssertionError("no reference after 80 turns:\n" + "\n".join(texts[-6:]))


def test_an_application_leaves_no_personal_data_in_any_log(stack):
    sender = f"edge-{uuid.uuid4().hex}"
    texts = apply(stack, sender)
    # Hostile ones too: refused at the edge, and not logged on the way.
    assert post(stack, {"sender": sender, "message": f'/inform{{"choice": "{NAME}\\n"}}'})[0] == 400
    assert post(stack, {"sender": sender, "message": f"/ {NAME}"})[0] == 400
    assert post(stack, {"sender": sender, "message": f"{EMAIL}\ud800"})[0] == 400
    assert any("ASB-" in text for text in texts)

    logs = [path for path in stack.run_dir.rglob("*") if path.is_file()]
    assert {"rasa.log", "actions.log"} <= {path.name for path in logs}
    found = {}
    for path in logs:
        content = path.read_text(errors="replace")
        for secret in (NAME, "Quuxworth", EMAIL, ADDRESS, PHONE, IMPACT):
            if secret in content:
                found.setdefault(path.name, []).append(secret)
    assert found == {}
