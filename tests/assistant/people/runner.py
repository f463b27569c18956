"""Scripted people: who they are, what they type when asked what, and what must be stored.

A person is data (one YAML file per language in this folder, `people:` a list). The runner sends
the page's `/greet`, the person's opening message(s), then answers whatever the assistant asks:
each question message carries `custom.asks` (the slot asked), and the person's answer is looked
up by it, so the script does not depend on the order of the questions. Where the assistant asks
nothing but offers to check or to apply, the runner uses the pseudo-questions `offer_check` and
`offer_apply`. It stops at the reference (the application was sent) or after a bound of turns.

Every turn where the assistant did not take what the person typed is recorded as a miss: the same
question asked again, "choose one of the buttons", "didn't understand", the 999 advice or
"shall I delete everything?" when not expected, "let's start again", a language change nobody
asked for. An answer may list what the person does next when not understood (say it another
way, press the button: `button:<value>`, pick the date: `pick:YYYY-MM-DD`), so the rest of the
conversation is still tried; the first miss already fails the person.

Person format (see README.md in this folder):

    - id: en-victim-noise
      persona: a victim of noise ...
      page: en                      # the page's language (metadata of every message)
      opening: ["hi", "my neighbours ..."]   # typed after the greeting, in order
      answers:                      # asks -> the answer (used every time it is asked) or
        incident_date:              #   {each: [...]}: the 1st, 2nd, 3rd time it is asked
          each: ["last tuesday", ["the 2nd of march", "pick:2026-03-02"]]
        contact_preferred: ["email is best", "button:email"]   # a list: tries, in order
      interruptions:                # typed when `at` is asked (its `time`-th time, default 1)
        - {at: victim_name, say: "what does that mean?", kind: question}
      expect:                       # dotted paths into the stored application document
        language: en
        applicant.role: victim
        incidents: [{occurred_on: 2026-03-03, reported_to: [police], reference: null}]
"""

from __future__ import annotations

import json
import re
import string
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from assistant.actions.choices import payload, title_id
from assistant.actions.messages import render
from assistant.locales import CatalogError, message, shipped_languages

HERE = Path(__file__).parent
MAX_TURNS = 90
# How many times a question may be asked afresh before the conversation is going round in
# circles (the incident questions once per incident, up to four incidents).
ROUNDS = {slot: 4 for slot in ("incident_date", "report_date", "report_agencies",
                                "incident_reference", "incident_hate", "more_incidents")}

# Interruption kinds: what the assistant must do with them.
QUESTION, EMERGENCY, LANGUAGE = "question", "emergency", "language"

# Messages that say an answer was not taken (any language: the conversation may have switched).
NOT_TAKEN = ("choose-a-button", "fallback", "date-not-understood", "date-dont-know",
             "agency-not-understood", "type-an-answer", "review-choose", "postcode-not-understood",
             "phone-not-understood", "email-not-understood", "applicant-contact-not-understood",
             "reference-type-it")
UNWANTED = {"emergency": "the 999 advice", "stop-confirm": "'delete everything?'",
            "start-again": "'let's start again'", "language-changed": "a language change",
            "language-not-available": "'I can't speak that language'"}


# --- the person -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Interruption:
    at: str
    say: str
    kind: str = QUESTION
    time: int = 1
    to: str | None = None  # kind `language`: the language asked for


@dataclass(frozen=True)
class Person:
    id: str
    persona: str
    language: str  # the language they write in (and expect the application in, unless expected)
    page: str
    opening: tuple[str, ...]
    answers: dict[str, Any]
    interruptions: tuple[Interruption, ...]
    expect: dict[str, Any]
    max_turns: int = MAX_TURNS

    def answer(self, asks: str, time: int) -> list[str] | None:
        """The tries (typed first, then what they do when not understood) for the `time`-th
        (1-based) asking of `asks`; the last of an `each` list stands for later times."""
        if asks == "victim_postcode" and asks not in self.answers:
            # Asked for the postcode again, people type the one in their address.
            address = self.answer("victim_address", 1) or [""]
            found = re.search(r"\b[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}\b", address[0])
            return [found.group(0)] if found else None
        if asks not in self.answers:
            return None
        given = self.answers[asks]
        if isinstance(given, dict):
            each = given["each"]
            given = each[min(time, len(each)) - 1]
        return [str(t) for t in given] if isinstance(given, list) else [str(given)]

    def texts(self) -> list[str]:
        """Everything the person types (not the button presses or picked dates)."""
        found = list(self.opening) + [i.say for i in self.interruptions]
        for given in self.answers.values():
            if isinstance(given, dict):
                given = given["each"]
            for item in given if isinstance(given, list) else [given]:
                for text in item if isinstance(item, list) else [item]:
                    if not is_action(str(text)):
                        found.append(str(text))
        return found


def load_people(folder: Path = HERE) -> list[Person]:
    people = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        language = data["language"]
        for raw in data["people"]:
            people.append(Person(
                id=raw["id"],
                persona=raw["persona"],
                language=raw.get("language", language),
                page=raw.get("page", language),
                opening=tuple(raw.get("opening", ())),
                answers=raw["answers"],
                interruptions=tuple(Interruption(**i) for i in raw.get("interruptions", ())),
                expect=raw["expect"],
                max_turns=raw.get("max_turns", MAX_TURNS),
            ))
    return people


def is_action(text: str) -> bool:
    return text.startswith(("button:", "pick:", "payload:"))


def wire(text: str) -> str:
    """What the widget sends for a try: typed text, a button's payload, or the picker's date."""
    if text.startswith("button:"):
        return payload(text.split(":", 1)[1])
    if text.startswith("payload:"):
        return text.split(":", 1)[1]
    if text.startswith("pick:"):
        return text.split(":", 1)[1]
    return text


# --- recognising what the assistant said ----------------------------------------------------


def _fragment(text: str) -> str:
    """The longest literal part of a message (placeholders left out)."""
    parts = [literal.strip() for literal, *_ in string.Formatter().parse(text)]
    return max(parts, key=len) if parts else ""


class Said:
    """Finds which catalog messages a reply contains, in any shipped language."""

    def __init__(self) -> None:
        self.fragments: dict[str, list[str]] = {}

    def markers(self, msg_id: str) -> list[str]:
        if msg_id not in self.fragments:
            found = []
            for language in shipped_languages():
                try:
                    fragment = _fragment(message(language, msg_id))
                except CatalogError:
                    continue
                if len(fragment) >= 8:
                    found.append(fragment)
            self.fragments[msg_id] = found
        return self.fragments[msg_id]

    def has(self, text: str, msg_id: str) -> bool:
        return any(marker in text for marker in self.markers(msg_id))


SAID = Said()


def button_titles(language: str, *msg_ids: str) -> set[str]:
    return {render(language, m) for m in msg_ids}


# --- one conversation -----------------------------------------------------------------------


@dataclass
class Turn:
    asked: str | None
    sent: str
    kind: str  # "answer", "retry", "opening", "interruption", "auto"
    replies: list[str]
    problems: list[str] = field(default_factory=list)


@dataclass
class Record:
    person: str
    turns: list[Turn] = field(default_factory=list)
    reference: str | None = None
    document: dict[str, Any] | None = None
    ended: str = ""  # why it stopped without a reference

    @property
    def misses(self) -> list[str]:
        # Said without the person's words: privacy of the pretend people is not at stake, but the
        # record stays readable.
        return [f"turn {n} ({t.asked or '-'}, {t.kind}: {t.sent!r}): {'; '.join(t.problems)}"
                for n, t in enumerate(self.turns, start=1) if t.problems]

    def as_json(self) -> dict[str, Any]:
        return {"person": self.person, "reference": self.reference, "ended": self.ended,
                "misses": self.misses,
                "turns": [t.__dict__ for t in self.turns]}


class Conversation:
    def __init__(self, stack, person: Person):
        self.stack = stack
        self.person = person
        self.sender = f"person-{person.id}-{uuid.uuid4().hex[:8]}"
        self.lang = person.page  # as the widget: follows custom.language
        self.replies: list[dict] = []
        self.record = Record(person.id)

    # the wire

    def send(self, text: str) -> list[dict]:
        self.replies = self.stack.send(self.sender, text, {"language": self.lang})
        for reply in self.replies:
            custom = reply.get("custom") or {}
            if custom.get("language"):
                self.lang = custom["language"]
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.replies if r.get("text"))

    @property
    def payloads(self) -> set[str]:
        return {b.get("payload") for r in self.replies for b in r.get("buttons", [])}

    def asks(self) -> str | None:
        """The slot the latest replies ask for, or a pseudo-question, or None."""
        asked = [r["custom"]["asks"] for r in self.replies
                 if isinstance(r.get("custom"), dict) and r["custom"].get("asks")]
        if asked:
            return asked[-1]
        titles = {b.get("title") for r in self.replies for b in r.get("buttons", [])}
        if "/start_application" in self.payloads:
            offers_apply = any(t in titles for t in _all_titles("button-apply", "button-pass-on"))
            return "offer_apply" if offers_apply else "offer_check"
        if SAID.has(self.text, "stop-confirm"):
            return "stop_confirm"
        return None

    def reference(self) -> str | None:
        found = re.search(r"\bASB-\d{4}-[0-9A-Z]{6}\b", self.text)
        return found.group(0) if found else None

    # judging one turn

    def problems(self, asked: str | None, expected: str | None = None) -> list[str]:
        """What went wrong with the turn just sent, as an answer to `asked`."""
        found = _what_was_said(self.text, expected) + self._what_came_next(asked, expected)
        return sorted(set(found))

    def _what_came_next(self, asked: str | None, expected: str | None) -> list[str]:
        """The question after the turn: a new one once answered, the same one again after an
        interruption, and there is always a question or the reference."""
        found = []
        now = self.asks()
        if asked and expected is None and now == asked:
            found.append("the same question again")
        if asked and expected in (QUESTION, EMERGENCY, LANGUAGE) and now != asked:
            found.append(f"then asked {now!r} instead of {asked!r} again")
        if now is None and self.reference() is None:
            found.append("no question and no reference after it")
        return found

    def turn(self, asked: str | None, sent: str, kind: str,
             expected: str | None = None) -> Turn:
        self.send(wire(sent))
        turn = Turn(asked, sent, kind, [r.get("text", "") for r in self.replies if r.get("text")])
        turn.problems = self.problems(asked, expected)
        self.record.turns.append(turn)
        return turn

    # the whole conversation

    def run(self) -> Record:
        person, record = self.person, self.record
        self.send("/greet")
        self._openings()
        state = _State()
        try:
            for _ in range(person.max_turns):
                if self.reference():
                    record.reference = self.reference()
                    break
                self._step(state)
            else:
                record.ended = f"no reference after {person.max_turns} turns"
        except _Ended as ended:
            record.ended = ended.reason
        if record.reference:
            record.document = stored(self.stack, record.reference)
        return record

    def _openings(self) -> None:
        openings = self.person.opening
        for number, opening in enumerate(openings):
            last = number == len(openings) - 1
            self.turn("start", opening, "opening")
            turns = self.record.turns
            if not last and turns[-1].problems == ["no question and no reference after it"]:
                turns[-1].problems = []  # "hi" then the story: nothing asked yet is fine

    def _step(self, state: _State) -> None:
        """One turn (or two, with interruptions) answering what the assistant asks now; _Ended
        when the conversation cannot go on."""
        asks = self.asks()
        if asks is None:
            raise _Ended("the assistant asked nothing and offered nothing to go on with")
        if asks == "stop_confirm":
            # Not something the person asked for (already a miss): press "keep".
            self.turn(asks, "payload:/deny", "auto")
            return
        if self._answer_refused(state.previous, asks):
            # Taken for an emergency, a stop or a language change: the person says their
            # answer to the same question again, their next way (a button, say).
            self.turn(state.previous, state.next_try(state.previous), "retry")
            return
        if asks != state.previous or not state.tries:
            if not self._first_asked(state, asks):
                return
        else:
            state.next_try(asks)
        state.previous = asks
        self.turn(asks, state.tries[state.try_index],
                  "answer" if state.try_index == 0 else "retry")

    def _answer_refused(self, previous: str | None, asks: str) -> bool:
        """The last answer (or retry) to `previous` was taken for an emergency, a stop or a
        language change, and the assistant moved on to `asks`."""
        last = self.record.turns[-1] if self.record.turns else None
        return bool(last is not None and last.kind in ("answer", "retry") and previous
                    and asks != previous and any(p.startswith("gave ") for p in last.problems))

    def _first_asked(self, state: _State, asks: str) -> bool:
        """`asks` asked afresh: the person's interruptions due at it, then their tries for it
        (False when the interruptions moved the assistant to another question)."""
        state.asked_times[asks] = times = state.asked_times.get(asks, 0) + 1
        if times > ROUNDS.get(asks, 3):
            raise _Ended(f"going round in circles: {asks!r} asked {times} times")
        self._interrupt(state, asks, times)
        if self.asks() != asks:
            state.previous = None
            state.tries = []
            return False
        found = self.person.answer(asks, times)
        if found is None:
            raise _Ended(f"the person has no answer for {asks!r}")
        state.tries, state.try_index = found, 0
        return True

    def _interrupt(self, state: _State, asks: str, times: int) -> None:
        """The person's interruptions at the `times`-th asking of `asks`, each once."""
        for index, interruption in enumerate(self.person.interruptions):
            if (index not in state.done_interruptions and interruption.at == asks
                    and interruption.time == times):
                state.done_interruptions.add(index)
                self.turn(asks, interruption.say, "interruption", interruption.kind)
                if (interruption.kind == LANGUAGE and interruption.to
                        and self.lang != interruption.to):
                    self.record.turns[-1].problems.append(
                        f"the page was not switched to {interruption.to}")


def _what_was_said(text: str, expected: str | None) -> list[str]:
    """The messages in `text` saying an answer was not taken, or doing what was not expected;
    and the 999 advice or the language change missing where expected."""
    found = []
    for msg_id in NOT_TAKEN:
        if SAID.has(text, msg_id):
            found.append(f"said {msg_id}")
    for msg_id, what in UNWANTED.items():
        if msg_id == expected:
            continue
        if msg_id == "language-changed" and expected == LANGUAGE:
            continue
        if SAID.has(text, msg_id):
            found.append(f"gave {what}")
    if expected == EMERGENCY and not SAID.has(text, "emergency"):
        found.append("no 999 advice")
    if expected == LANGUAGE and not SAID.has(text, "language-changed"):
        found.append("the language was not changed")
    return found


class _Ended(Exception):
    """The conversation cannot go on: `reason` says why (the record's `ended`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class _State:
    """Where the person is: the question answered last and their tries for it, how many times
    each question was asked afresh, and the interruptions already made."""

    previous: str | None = None
    tries: list[str] = field(default_factory=list)
    try_index: int = 0
    asked_times: dict[str, int] = field(default_factory=dict)
    done_interruptions: set[int] = field(default_factory=set)

    def next_try(self, asks: str) -> str:
        """The person's next way of answering `asks`; _Ended when none is left."""
        self.try_index += 1
        if self.try_index >= len(self.tries):
            raise _Ended(f"stuck at {asks!r}: every try was refused")
        return self.tries[self.try_index]


def _all_titles(*msg_ids: str) -> set[str]:
    found = set()
    for language in shipped_languages():
        for msg_id in msg_ids:
            try:
                found.add(render(language, msg_id))
            except CatalogError:
                continue
    return found


def stored(stack, reference: str) -> dict[str, Any] | None:
    with stack.handoff_db() as db:
        row = db.execute("select document from applications where reference = ?",
                         (reference,)).fetchone()
    return json.loads(row["document"]) if row else None


# --- what must be stored --------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _at(document: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(document, list):
            document = document[int(key)] if int(key) < len(document) else KeyError(path)
        elif isinstance(document, dict) and key in document:
            document = document[key]
        else:
            return KeyError(path)
    return document


def _digits(value: Any) -> Any:
    """Phone numbers compared by their digits, as UK numbers: "07700 900123" = "07700900123" =
    "+44 7700 900123"."""
    if isinstance(value, dict):
        return {k: (_uk(v) if k == "phone" and isinstance(v, str) else v)
                for k, v in value.items()}
    return value


def _uk(phone: str) -> str:
    digits = re.sub(r"[^\d+]", "", phone)
    return "0" + digits[3:] if digits.startswith("+44") else digits


def _matches(got: Any, wanted: Any, language: str, path: str = "") -> str | None:
    """None when `got` is what `wanted` describes, else why not."""
    wanted = _plain(wanted)
    if path.endswith("phone") and isinstance(got, str) and isinstance(wanted, str):
        got, wanted = _digits({"phone": got})["phone"], _digits({"phone": wanted})["phone"]
    elif path.endswith("contact") and isinstance(got, dict) and isinstance(wanted, dict):
        got, wanted = _digits(got), _digits(wanted)
    if isinstance(wanted, dict) and set(wanted) <= {"title", "starts", "contains", "not"}:
        if isinstance(got, KeyError):
            return "missing"
        if "title" in wanted and got != render(language, title_id(wanted["title"])):
            return f"{got!r} is not the {wanted['title']!r} button's title"
        if "starts" in wanted and not str(got).startswith(wanted["starts"]):
            return f"{got!r} does not start with {wanted['starts']!r}"
        if "contains" in wanted and wanted["contains"] not in str(got):
            return f"{got!r} does not contain {wanted['contains']!r}"
        if "not" in wanted and got == wanted["not"]:
            return f"{got!r} must not be stored"
        return None
    if got != wanted:
        return f"{got!r}, not {wanted!r}"
    return None


def check(person: Person, record: Record) -> list[str]:
    """Everything wrong with the conversation and what was stored."""
    problems = [f"miss: {m}" for m in record.misses]
    if record.reference is None:
        problems.append(f"not sent: {record.ended or 'no reference'}")
        return problems
    document = record.document
    if document is None:
        return [*problems, f"{record.reference} is not in the handoff database"]
    language = person.expect.get("language", person.language)
    for path, wanted in person.expect.items():
        if path == "incidents":
            incidents = document.get("incidents") or []
            if len(incidents) != len(wanted):
                problems.append(f"incidents: {len(incidents)} stored, {len(wanted)} expected")
            for number, (got, want) in enumerate(zip(incidents, wanted, strict=False), start=1):
                for key, value in want.items():
                    why = _matches(got.get(key, KeyError(key)), value, language)
                    if why:
                        problems.append(f"incident {number} {key}: {why}")
            continue
        why = _matches(_at(document, path), wanted, language, path)
        if why:
            problems.append(f"{path}: {why}")
    return problems
