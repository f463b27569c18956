"""Logs without personal data: what people typed, names, contact details, exception details.

Used by Rasa and the action server through stack/log_privacy.yml (`--logging-config-file`), a
logging dictConfig that puts `PersonalDataFilter` on the root handler and on Sanic's loggers. The
filter rewrites each record before any handler formats it:

- Rasa 3.6 logs through structlog, rendered as one JSON object per line (FORCE_JSON_LOGGING, set
  by the stack): the keys that can hold what a user typed or what the assistant knows about them
  (`text`, `user_text`, `parse_data_*`, `slot_values`, `tracker_*`, `rasa_events`, ...: Rasa's
  own list of anonymisable keys and more) are replaced by "[withheld]", conversation ids by a
  short hash, and an exception keeps
  only its type and frames (file, line, function): no message, no local variables.
- Any other record with an exception keeps the traceback's frames and the exception's type,
  never its message (a `ValueError` can quote the message it failed on).
- Python warnings (routed into logging here) keep their text with quoted parts withheld.

Filters survive what Rasa does next: coloredlogs keeps a replaced handler's filters, and Sanic's
own logging set-up (Rasa's HTTP API) replaces the handlers of its loggers, not their filters.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import traceback
from types import TracebackType
from typing import Any

WITHHELD = "[withheld]"
# structlog keys that may carry personal data: rasa.utils.log_utils._anonymizer's list and more.
PERSONAL_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text",
    "parse_data_entities", "prediction_events", "tracker_latest_message", "prefilled_slots",
    "message", "response", "slot_candidates", "rasa_event", "rasa_events", "tracker_states",
    "current_states", "old_states", "successes", "current_entity", "next_entity", "states",
    "entity", "token_text", "user_message", "json_message", "parse_data", "tracker", "events",
    "slots", "slot_value", "value", "metadata", "entities", "utterance", "body", "data",
    "exc_info", "exc_value", "stack", "locals",
})
# Conversation ids are random, but stay linkable to a person's conversation: logged hashed.
ID_KEYS = frozenset({"sender_id", "conversation_id", "sender", "recipient_id"})
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def frames_only(exc_type: type[BaseException] | None, exc: BaseException | None,
                tb: TracebackType | None) -> str:
    """A traceback with each frame's place and the exceptions' types: no messages, no locals."""
    lines = []
    seen: set[int] = set()
    chain: list[BaseException] = []
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    if not chain:
        return f"{getattr(exc_type, '__name__', 'Exception')} (details withheld)"
    for position, error in enumerate(reversed(chain)):
        if position:
            lines.append("which led to:")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(tb if error is exc else error.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        lines.append(f"{type(error).__module__}.{type(error).__qualname__} (message withheld)")
    return "\n".join(lines)


def hashed_id(value: Any) -> str:
    """A conversation id as a short hash: the same id gives the same hash within the logs."""
    return "id:" + hashlib.sha256(str(value).encode("utf-8", "replace")).hexdigest()[:12]


def _clean_structlog_exception(value: Any) -> Any:
    """structlog's dict_tracebacks: keep each exception's type and frames' places."""
    if not isinstance(value, list):
        return WITHHELD
    cleaned = []
    for item in value:
        if not isinstance(item, dict):
            continue
        cleaned.append({
            "exc_type": item.get("exc_type"),
            "frames": [{key: frame.get(key) for key in ("filename", "lineno", "name")}
                       for frame in item.get("frames") or [] if isinstance(frame, dict)],
        })
    return cleaned


def clean_event(event: dict[str, Any]) -> dict[str, Any]:
    """A structlog event with personal keys withheld and exceptions reduced to frames."""
    cleaned = {}
    for key, value in event.items():
        if key == "exception":
            cleaned[key] = _clean_structlog_exception(value)
        elif key in PERSONAL_KEYS:
            cleaned[key] = WITHHELD
        elif key in ID_KEYS:
            cleaned[key] = hashed_id(value)
        else:
            cleaned[key] = value
    return cleaned


class PersonalDataFilter(logging.Filter):
    """Rewrites every record it sees so that no personal data reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_privacy_checked", False):  # a record passes root and its handler
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: show the format only, without the arguments
            message = str(record.msg)
        if message.startswith("{"):
            try:
                event = json.loads(message)
            except ValueError:
                event = None
            if isinstance(event, dict):
                message = json.dumps(clean_event(event), ensure_ascii=False, default=str)
        if record.name == "py.warnings":
            message = QUOTED.sub(f"'{WITHHELD}'", message)
        record.msg, record.args = message, ()
        if record.exc_info:
            record.exc_text = frames_only(*record.exc_info)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = "(exception details withheld)"
        record._privacy_checked = True
        return True


def personal_data_filter() -> PersonalDataFilter:
    """The dictConfig factory: the filter, with Python warnings sent through logging too."""
    logging.captureWarnings(True)
    return PersonalDataFilter()
