"""What a message from the outside may be, checked before anything reaches the tracker store or
the NLU.

    rules = MessageRules(message_characters=5000)
    incoming = rules.check(rules.read_body(raw_bytes), Vocabulary.of(domain))  # or Refused

- `sender`: required, 1-128 characters of A-Z a-z 0-9 _ . : - (the widget sends 32 hex digits).
- `message`: a string of valid Unicode (a lone surrogate is refused: Rasa's SQL tracker store
  cannot store it), control characters other than newline and tab removed, not empty, at most
  `message_characters` long.
- A message starting with "/" is a button's payload: `/intent` or `/intent{"entity": "value"}`
  with an intent and entities of the domain and short one-line string values; anything else
  starting with "/" is refused (Rasa would otherwise log it whole in a warning).
- `metadata`: absent, or an object with known keys only (`language`: a language tag; `prefill`:
  a 2nd-report link's value, its id and signature as `handoff.prefill_link.LINK` has them).
- No other fields.

Every refusal is a `Refused` with an HTTP status, a short code, the field and a plain sentence.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from handoff.prefill_link import FRAGMENT, LINK

SENDER = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
FIELDS = ("sender", "message", "metadata")
# The payload a button sends: /intent, or /intent followed by a JSON object of entities.
PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z0-9_]{1,100})(?P<entities>\{.*\})?", re.DOTALL)
ENTITY_VALUE_CHARACTERS = 100
ENTITIES_PER_PAYLOAD = 5
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")
METADATA_KEYS = ("language", "prefill")
BODY_BYTES_PER_CHARACTER = 12  # "\ud83d\ude00" in JSON: 12 bytes for one character
BODY_BYTES_OVERHEAD = 4096  # sender, metadata, JSON punctuation


class Refused(Exception):
    """A request the channel will not pass on: HTTP status, code, field, plain sentence."""

    def __init__(self, status: int, error: str, detail: str, field: str | None = None,
                 **extra: Any):
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.field = field
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "detail": self.detail}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


def _bad(error: str, detail: str, field: str | None = None, **extra: Any) -> Refused:
    return Refused(400, error, detail, field, **extra)


@dataclass(frozen=True)
class Vocabulary:
    """The intents and entities a payload may name (the served model's domain)."""

    intents: frozenset[str]
    entities: frozenset[str]

    @classmethod
    def of(cls, domain: Any) -> Vocabulary:
        return cls(frozenset(domain.intents), frozenset(domain.entities))


@dataclass(frozen=True)
class Incoming:
    """A message that passed every check, ready for Rasa."""

    sender: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def without_controls(text: str) -> str:
    """The text with line breaks as newlines and other control characters (C0, C1, DEL) gone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text
                   if c in "\n\t" or unicodedata.category(c) != "Cc")


class MessageRules:
    def __init__(self, message_characters: int = 5000):
        self.message_characters = message_characters

    @property
    def body_bytes(self) -> int:
        """The largest request body worth reading: the longest message, escaped, and the rest."""
        return self.message_characters * BODY_BYTES_PER_CHARACTER + BODY_BYTES_OVERHEAD

    def read_body(self, raw: bytes | None) -> dict[str, Any]:
        """The request body as a JSON object, or Refused."""
        if raw and len(raw) > self.body_bytes:
            raise Refused(413, "body_too_large",
                          f"the request body is larger than {self.body_bytes} bytes",
                          limit_bytes=self.body_bytes)
        if not raw:
            raise _bad("not_json", "the request body must be a JSON object")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise _bad("not_json", "the request body is not valid JSON (UTF-8)") from None
        if not isinstance(body, dict):
            raise _bad("not_json", "the request body must be a JSON object")
        return body

    def check(self, body: dict[str, Any], vocabulary: Vocabulary) -> Incoming:
        unknown = [key for key in body if key not in FIELDS]
        if unknown:
            raise _bad("unknown_field", f"only these fields are accepted: {', '.join(FIELDS)}",
                       field=_shown_key(unknown[0]))
        return Incoming(sender=self.sender(body.get("sender")),
                        text=self.text(body.get("message"), vocabulary),
                        metadata=self.metadata(body.get("metadata")))

    @staticmethod
    def sender(value: Any) -> str:
        if value is None:
            raise _bad("sender_required", "sender is required: the conversation's id",
                       field="sender")
        if not isinstance(value, str) or not SENDER.fullmatch(value):
            raise _bad("bad_sender",
                       "sender must be 1 to 128 characters of A-Z, a-z, 0-9, _ . : -",
                       field="sender")
        return value

    def text(self, value: Any, vocabulary: Vocabulary) -> str:
        if value is None:
            raise _bad("message_required", "message is required", field="message")
        if not isinstance(value, str):
            raise _bad("bad_message", "message must be a string", field="message")
        if has_lone_surrogate(value):
            raise _bad("bad_unicode", "message is not valid Unicode (it holds a lone surrogate)",
                       field="message")
        text = without_controls(value)
        if not text.strip():
            raise _bad("empty_message", "message is empty", field="message")
        if len(text) > self.message_characters:
            raise _bad("message_too_long",
                       f"message is longer than the limit of {self.message_characters} "
                       f"characters", field="message", limit=self.message_characters)
        if text.strip().startswith("/"):
            self.payload(text.strip(), vocabulary)
        return text

    @staticmethod
    def payload(text: str, vocabulary: Vocabulary) -> None:
        """A button's payload, or Refused."""
        match = PAYLOAD.fullmatch(text)
        if not match or match.group("intent") not in vocabulary.intents:
            raise _bad("bad_payload",
                       "a message starting with / must be one of the assistant's button "
                       "payloads: /intent or /intent{\"entity\": \"value\"}", field="message")
        if match.group("entities") is None:
            return
        try:
            entities = json.loads(match.group("entities"))
        except (ValueError, RecursionError):
            entities = None
        if not isinstance(entities, dict) or len(entities) > ENTITIES_PER_PAYLOAD:
            raise _bad("bad_payload", "a payload's entities must be a small JSON object",
                       field="message")
        for name, value in entities.items():
            if name not in vocabulary.entities:
                raise _bad("bad_payload", "a payload may only name the assistant's entities",
                           field="message")
            if (not isinstance(value, str) or not value.strip()
                    or len(value) > ENTITY_VALUE_CHARACTERS
                    or any(unicodedata.category(c) in ("Cc", "Cs") for c in value)):
                raise _bad("bad_payload",
                           f"a payload's entity values must be strings of 1 to "
                           f"{ENTITY_VALUE_CHARACTERS} characters on one line", field="message")

    @staticmethod
    def metadata(value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise _bad("bad_metadata", "metadata must be a JSON object", field="metadata")
        unknown = [key for key in value if key not in METADATA_KEYS]
        if unknown:
            raise _bad("bad_metadata",
                       f"metadata may only hold: {', '.join(METADATA_KEYS)}", field="metadata")
        language = value.get("language")
        if language is not None and (not isinstance(language, str)
                                     or len(language) > 35
                                     or not LANGUAGE_TAG.fullmatch(language)):
            raise _bad("bad_metadata", "metadata.language must be a language tag such as 'cy'",
                       field="metadata")
        prefill = value.get("prefill")
        if prefill is not None and (not isinstance(prefill, str) or len(prefill) > 68
                                    or not LINK.fullmatch(prefill)):
            raise _bad("bad_metadata", f"metadata.prefill must be the link's value, as after "
                       f"#{FRAGMENT}= in it", field="metadata")
        return dict(value)


def _shown_key(key: str) -> str:
    """A client's field name, safe to echo: printable ASCII, at most 40 characters."""
    return "".join(c if " " <= c <= "~" else "?" for c in key[:40])
