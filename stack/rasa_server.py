"""The Rasa server, with its action-reply check made affordable.

    python -m stack.rasa_server run --enable-api -m models/<fingerprint>.tar.gz ...

takes exactly `rasa`'s own command line (it calls Rasa's `main`), after two changes that keep
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
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import rasa
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

RASA_VERSION = "3.6.21"  # the version whose RemoteAction this replaces a method of
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


def install() -> None:
    """Make both changes, only on the Rasa version they were written against."""
    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(
            f"stack.rasa_server was written for Rasa {RASA_VERSION}, found {rasa.__version__}: "
            "check RemoteAction._validate_action_result and update stack/rasa_server.py")
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_event_type)


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
