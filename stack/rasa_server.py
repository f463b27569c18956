"""The Rasa server, with its action-reply check made affordable.

    python -m stack.rasa_server run --enable-api -m models/<fingerprint>.tar.gz ...

takes exactly `rasa`'s own command line (it calls Rasa's `main`), after three changes that keep
what Rasa does and only stop it redoing work on every message. Measured with py-spy on the Rasa
server while ten simulated users applied at once (docs/stack.md):

1. Rasa 3.6 checks every reply from the action server against a JSON schema with
`jsonschema.validate`, which (jsonschema 4.17) first checks the schema itself and builds a new
validator on every call. Our forms call the action server two or three times a turn, so under load
that check was a third of the Rasa server's CPU. Here the validator is built and the schema
checked once; every reply is still validated against the same schema and a bad reply fails with
the same `ValidationError` and message as before.
2. Every event read from the tracker store finds its class by walking all subclasses of `Event`
(`Event.resolve_by_type`), a tenth of the CPU once the first fix was in, since a whole
application is a few hundred events read back on every message. Here the classes are looked up
in a table of the same subclasses, made again if a name is not in it; unknown names behave as
before.
3. The SQL tracker store no longer reads and deserialises the whole conversation on every message
while the database still holds exactly the events this server last read or saved, nor asks the
database how many events it holds before and after writing a turn (stack/tracker_cache.py).
4. Each policy (memoization, rules) turns the whole conversation into its list of states on
every prediction (`DialogueStateTracker.past_states`, replaying every event), several times a
turn with the same arguments. Here a tracker keeps the states it made for as long as it has the
same events, and hands each caller its own copy (callers change the states they get).
5. Every call to the action server carried the whole conversation, every event serialised; it
now carries what the actions read (stack/action_payload.py).
6. A tracker's applied events (restarts, rewinds and repeated form executions taken out) were
made again from the first event on every call, several times a message; they are now carried on
over the events added since (stack/applied_events.py).
7. Loading the model traced DIET's and TED's whole training step (Rasa trains each on one example
before reading the saved weights); the weights are now read as the first prediction creates them,
checked, and only the prediction is traced (stack/quick_load.py): 5 s instead of 35 s.
8. TensorFlow bound each prediction's inputs to the traced function's signature again and looked
the function up, on every prediction; it is now called directly (stack/predict_call.py).
9. Every call to the action server opened a new HTTP session and connection; the connections are
now kept open between calls (stack/kept_connections.py).
10. In a cluster each Rasa server calls its own action server, not the balancer, and the balancer
only when its own cannot be reached (stack/paired_actions.py).

Started before its model exists (`make run` while the model trains, WAIT_FOR_MODEL set), it
imports Rasa, TensorFlow and the pipeline meanwhile and calls Rasa's `main` once the model's file
(`-m`) is there: the server is up that much sooner after training.

And one change of behaviour, ours: every message is read as an answer to the question the form
asked before the dialogue acts on it (`reread`, with assistant.understanding): the NLU's intent
and a `choice` or `language` entity are set from that reading. Rasa's NLU runs as it always did.
"""

from __future__ import annotations

import functools
import importlib
import sys
import time
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from asb import env as asb_env
from stack import (
    action_payload,
    applied_events,
    form_questions,
    kept_connections,
    language_slot,
    paired_actions,
    predict_call,
    quick_load,
    rasa_patches,
    tracker_cache,
)
from stack.environment import WAIT_FOR_MODEL

_ADVICE = (". Failed to validate Action server response from API, make sure your response from "
           "the Action endpoint is valid. For more information about the format visit "
           "{docs}/custom-actions")


@functools.lru_cache(maxsize=1)
def reply_validator():
    """A validator for Rasa's action-reply schema, built once (the schema checked once)."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """What `RemoteAction._validate_action_result` does, with the validator built once."""
    error = best_match(reply_validator().iter_errors(result))
    if error is None:
        return True
    from rasa.shared.constants import DOCS_BASE_URL

    error.message += _ADVICE.format(docs=DOCS_BASE_URL)
    raise error


_resolve_by_type = Event.resolve_by_type  # Rasa's own, for names not found


@functools.lru_cache(maxsize=1)
def event_classes() -> dict[str, type[Event]]:
    """type_name: class, the first in `all_subclasses(Event)` order winning as in Rasa."""
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def resolve_event_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """What `Event.resolve_by_type` returns, from a table instead of a walk."""
    found = event_classes().get(type_name)
    if found is None:
        event_classes.cache_clear()  # an event class imported since the table was made
        found = event_classes().get(type_name)
    return found if found is not None else _resolve_by_type(type_name, default)


_past_states = DialogueStateTracker.past_states  # Rasa's own


def _frozen(data: dict[str, Any] | None) -> tuple | None:
    return None if not data else tuple(sorted((k, tuple(v)) for k, v in data.items()))


def past_states(self: DialogueStateTracker, domain, omit_unset_slots: bool = False,
                ignore_rule_only_turns: bool = False,
                rule_only_data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rasa's `past_states`, made once per set of arguments while the tracker's events are the
    same (events are only ever added), each caller given a copy of every state."""
    key = (id(domain), omit_unset_slots, ignore_rule_only_turns, _frozen(rule_only_data))
    length = len(self.events)
    kept = self.__dict__.get("_asb_past_states")
    if kept is None or kept[0] != length:
        kept = self.__dict__["_asb_past_states"] = (length, {})
    states = kept[1].get(key)
    if states is None:
        states = kept[1][key] = _past_states(self, domain, omit_unset_slots,
                                             ignore_rule_only_turns, rule_only_data)
    return [{name: dict(sub) if isinstance(sub, dict) else sub for name, sub in state.items()}
            for state in states]


_parse_message = MessageProcessor.parse_message  # Rasa's own


async def parse_message(self, message, tracker=None, only_output_properties=True):
    """Rasa's parse, then read again as an answer to the question asked."""
    parse_data = await _parse_message(self, message, tracker, only_output_properties)
    if tracker is not None:
        reread(parse_data, tracker, message.metadata)
    return parse_data


def _typed(text: Any) -> bool:
    return isinstance(text, str) and bool(text) and not text.startswith("/")


def offered_intents(tracker) -> tuple[str, ...]:
    """The intents of the buttons in the assistant's answer to the user's last message."""
    intents: list[str] = []
    for event in reversed(tracker.events):
        if getattr(event, "type_name", "") == "user":
            break
        if getattr(event, "type_name", "") == "bot":
            for button in reversed((getattr(event, "data", None) or {}).get("buttons") or []):
                payload = str(button.get("payload") or "")
                if payload.startswith("/") and "{" not in payload:
                    intents.insert(0, payload[1:])
    return tuple(intents)


def reread(parse_data: dict[str, Any], tracker, metadata: dict[str, Any] | None) -> None:
    """Set the intent (and a `choice` or `language` entity) from reading the message as an
    answer to the form's question (assistant.understanding.read_answer)."""
    from assistant.understanding.reader import read_answer

    text = parse_data.get("text") or ""
    if not _typed(text):
        return
    asked = tracker.get_slot("requested_slot") if tracker.active_loop_name else None
    language = (tracker.get_slot("language") or (metadata or {}).get("language") or "en")
    intent = parse_data.get("intent") or {}
    ranking = [(r.get("name"), r.get("confidence") or 0.0)
               for r in parse_data.get("intent_ranking") or []]
    events = tracker.applied_events()
    typed = sum(getattr(e, "type_name", "") == "user" and _typed(getattr(e, "text", None))
                for e in events)
    asked_before = any(getattr(e, "type_name", "") == "active_loop" and getattr(e, "name", None)
                       for e in events)
    first = typed == 0 or (typed < 3 and not asked_before)  # "hi", then their story
    reading = read_answer(text, asked, str(language), intent.get("name"),
                          float(intent.get("confidence") or 0.0), ranking, first,
                          offered_intents(tracker))
    if reading.intent == intent.get("name") and reading.choice is None:
        return
    parse_data["intent"] = {"name": reading.intent, "confidence": 1.0}
    parse_data["intent_ranking"] = [parse_data["intent"], *(
        r for r in parse_data.get("intent_ranking") or [] if r.get("name") != reading.intent)]
    if reading.choice is not None:
        name = "language" if reading.reason.startswith("language") else "choice"
        parse_data["entities"] = [e for e in parse_data.get("entities") or []
                                  if e.get("entity") not in ("choice", "language")] + [{
            "entity": name, "value": reading.choice, "start": 0, "end": len(text),
            "confidence_entity": 1.0, "extractor": "AnswerReader"}]


def install() -> None:
    """Make the changes, only on the Rasa version they were written against."""
    rasa_patches.require_rasa_version("stack.rasa_server", "RemoteAction._validate_action_result")
    RemoteAction._validate_action_result = validate_action_result
    MessageProcessor.parse_message = parse_message
    rasa_patches.install()  # a bad message fails alone, never stops the server
    Event.resolve_by_type = staticmethod(resolve_event_type)
    tracker_cache.install()
    DialogueStateTracker.past_states = past_states
    action_payload.install()
    language_slot.install()
    form_questions.install()
    applied_events.install()
    quick_load.install()
    predict_call.install()
    kept_connections.install()
    paired_actions.install()


# What `rasa run` imports on its way to serving our model, the slowest first.
SERVING_MODULES = ("tensorflow", "rasa.__main__", "rasa.core.run", "rasa.core.agent",
                   "rasa.nlu.classifiers.diet_classifier", "rasa.core.policies.ted_policy",
                   "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer",
                   "assistant.nlu.folding", "assistant.channels")


def wait_for_model(argv: list[str], interval: float = 0.2) -> None:
    """Import what serving needs, then wait until the model named by `-m`/`--model` exists."""
    for name in SERVING_MODULES:
        importlib.import_module(name)
    language_slot.warm_up_detector()  # the language detector's models too (install() reuses them)
    flags = [i for i, arg in enumerate(argv[:-1]) if arg in ("-m", "--model")]
    model = Path(argv[flags[-1] + 1]) if flags else None
    if model is not None and not model.exists():
        print(f"stack.rasa_server: imported; waiting for {model} to be trained", flush=True)
    while model is not None and not model.exists():
        time.sleep(interval)


def main() -> None:
    if asb_env.get(WAIT_FOR_MODEL):
        wait_for_model(sys.argv[1:])
    rasa_patches.run_rasa(install)


if __name__ == "__main__":
    main()
