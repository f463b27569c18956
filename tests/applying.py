"""A whole application, driven by what each turn asks, through any channel; people who exist
nowhere, one per language, whose details must stay out of every log.

    texts = apply(say, PEOPLE["cy"])   # say(message) -> the turn's replies in the REST shape

The driver answers the question the assistant asked (the `asks` hint in `custom`, the buttons
offered) rather than following a fixed script, so it carries on after a turn that had to be
sent again (tests/stack/test_faults.py). `SocketIOChat` talks the way rasa-webchat does.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import socketio

from benchmarks.conversation import CHOICES
from tests import disconnect_socketio


@dataclass(frozen=True)
class Person:
    language: str
    name: str
    email: str
    phone: str
    address: str  # the street line; the postcode is the test area's
    impact: str  # the story, in the person's language
    safe_times: str

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be found in a log: the details, and the surname alone."""
        return (self.name, self.name.split()[-1], self.email, self.phone, self.address,
                self.impact)

    def renamed(self, number: int) -> Person:
        """Another person like this one (several applications at once)."""
        first, last = self.name.split(maxsplit=1)
        return Person(self.language, f"{first}{'x' * number} {last}",
                      self.email.replace("@", f".{number}@"), self.phone, self.address,
                      self.impact, self.safe_times)


# language | name | email | phone | street | story | when it is safe to call
PEOPLE_TABLE = """
en | Zebedee Quuxworth | zebedee.qx@example.org | 07700 900417 | 17 Quillon Row | Quuxworth family next door bangs on the wall at 3am | weekdays after 6pm
cy | Gwenllian Pryddquux | gwenllian.pq@example.org | 07700 900418 | 18 Heol Quillon | Mae teulu Pryddquux drws nesaf yn curo ar y wal am 3 y bore | ar ôl 6 yr hwyr
pl | Zofia Kwaksztyl | zofia.kw@example.org | 07700 900419 | 19 Quillon Row | Rodzina Kwaksztyl za ścianą wali w ścianę o 3 w nocy | tylko po 18
ro | Ileana Quuxescu | ileana.qe@example.org | 07700 900420 | 20 Quillon Row | Familia Quuxescu de alături bate în perete la ora 3 noaptea | doar după ora 18
pa | ਗੁਰਲੀਨ ਕੁਕਸਵਰਥ | gurleen.kw@example.org | 07700 900421 | 21 Quillon Row | ਗੁਆਂਢੀ ਕੁਕਸਵਰਥ ਪਰਿਵਾਰ ਰਾਤ 3 ਵਜੇ ਕੰਧ ਖੜਕਾਉਂਦਾ ਹੈ | ਸ਼ਾਮ 6 ਵਜੇ ਤੋਂ ਬਾਅਦ
ur | زبیدہ قوکسورتھ | zubaida.qw@example.org | 07700 900422 | 22 Quillon Row | پڑوسی قوکسورتھ خاندان رات 3 بجے دیوار پیٹتا ہے | شام 6 بجے کے بعد
pt | Graciete Quuxalves | graciete.qa@example.org | 07700 900423 | 23 Quillon Row | A família Quuxalves ao lado bate na parede às 3 da manhã | só depois das 18h
es | Remedios Quuxández | remedios.qz@example.org | 07700 900424 | 24 Quillon Row | La familia Quuxández de al lado golpea la pared a las 3 de la madrugada | solo después de las 6
ar | زبيدة قوكسورث | zubaida.qk@example.org | 07700 900425 | 25 Quillon Row | عائلة قوكسورث المجاورة تطرق الجدار الساعة 3 فجرا | بعد الساعة 6 مساءً
bn | জোবেদা কুক্সওয়ার্থ | jobeda.kw@example.org | 07700 900426 | 26 Quillon Row | পাশের কুক্সওয়ার্থ পরিবার রাত ৩টায় দেয়ালে ধাক্কা দেয় | সন্ধ্যা 6টার পরে
"""  # noqa: E501
PEOPLE = {fields[0]: Person(*fields) for fields in (
    [field.strip() for field in line.split("|")] for line in PEOPLE_TABLE.strip().splitlines())}
DATES = ["2026-01-12", "2026-01-13", "2026-02-02", "2026-02-02", "2026-03-02", "2026-03-03"]


def free_text(person: Person, slot: str) -> str:
    answers = [("postcode", "AN1 2BB"), ("email", person.email), ("phone", person.phone),
               ("address", f"{person.address}, Anytown AN1 2BB"), ("name", person.name),
               ("impact", person.impact), ("access", "large print please"),
               ("time", f"{person.safe_times}, {person.phone}")]
    return next((text for fragment, text in answers if fragment in slot), "no")


def apply(say: Callable[[str], list[dict]], person: Person,
          before: Callable[[str], None] | None = None, turns: int = 80) -> list[str]:
    """A whole application, answering what each turn asks; the assistant's texts, up to the
    reference. `before(slot)` is called before each answer (tests hold a turn there)."""
    texts: list[str] = []
    dates = itertools.chain(DATES, itertools.repeat(DATES[-1]))
    incidents = 0
    replies = say("/greet") + say("/start_application")
    for _ in range(turns):
        texts += [r.get("text") or "" for r in replies]
        if any("ASB-" in text for text in texts[-len(replies):] if replies):
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
            message = free_text(person, slot)
        if before is not None:
            before(slot)
        replies = say(message)
    raise AssertionError("no reference after 80 turns:\n" + "\n".join(texts[-6:]))


def reference_in(texts: list[str]) -> str:
    for text in texts:
        for word in text.replace("(", " ").replace(")", " ").replace(".", " ").split():
            if word.startswith("ASB-") and len(word) == 15:
                return word
    raise AssertionError("no reference in:\n" + "\n".join(texts[-4:]))


class SocketIOChat:
    """A socket.io conversation as rasa-webchat holds it (session_request, then user_uttered
    with the session id and the page's language in customData), over long-polling, on a loop of
    its own thread so tests can call `say` like the REST channel's send."""

    def __init__(self, url: str, language: str, quiet: float = 2.0):
        self.url, self.language, self.quiet = url, language, quiet
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.events: asyncio.Queue | None = None
        self.client: socketio.AsyncClient | None = None
        self.session_id = None
        self.session_id = self._run(self._connect())

    def _run(self, coroutine, timeout: float = 300):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _connect(self) -> str:
        self.events = asyncio.Queue()
        # Long-polling drops now and then on a busy machine (a poll outlasts the client's
        # timeout while Rasa's loop is busy); like rasa-webchat, reconnect and ask for the same
        # session again.
        self.client = client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5,
                                                request_timeout=120)
        self.reconnects = 0
        for name in ("session_confirm", "bot_uttered", "refused"):
            client.on(name, lambda data=None, name=name: self.events.put_nowait((name, data)))

        async def connected() -> None:
            if self.session_id is not None:
                self.reconnects += 1
            await client.emit("session_request", {"session_id": self.session_id})

        client.on("connect", connected)
        await client.connect(self.url, transports=["polling"], socketio_path="/socket.io")
        name, session_id = await asyncio.wait_for(self.events.get(), 60)
        assert name == "session_confirm", name
        return session_id

    async def _emit(self, message: str) -> None:
        for _ in range(120):  # while reconnecting
            if self.client.connected:
                try:
                    await self.client.emit("user_uttered", {
                        "message": message, "session_id": self.session_id,
                        "customData": {"language": self.language}})
                    return
                except socketio.exceptions.BadNamespaceError:
                    pass
            await asyncio.sleep(0.5)
        raise AssertionError("the socket.io connection did not come back")

    async def _next(self, timeout: float):
        """The next bot event (a session_confirm after a reconnect is not one)."""
        while True:
            name, data = await asyncio.wait_for(self.events.get(), timeout)
            if name != "session_confirm":
                return name, data

    async def _say(self, message: str) -> list[dict]:
        await self._emit(message)
        reconnects = self.reconnects
        for _ in range(6):
            try:
                events = [await self._next(30)]
                break
            except asyncio.TimeoutError:
                if self.reconnects != reconnects:  # lost with the connection: send it again
                    reconnects = self.reconnects
                    await self._emit(message)
        else:
            raise AssertionError(f"no answer to {message!r}")
        while True:  # the rest of this turn's messages
            try:
                events.append(await self._next(self.quiet))
            except asyncio.TimeoutError:
                break
        assert all(name == "bot_uttered" for name, _ in events), events
        # rasa-webchat's shape to the REST channel's: quick_replies are the buttons
        return [{**data, "buttons": data.get("quick_replies") or data.get("buttons") or []}
                for _, data in events]

    def say(self, message: str) -> list[dict]:
        return self._run(self._say(message))

    def close(self) -> None:
        try:
            self._run(disconnect_socketio(self.client), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
