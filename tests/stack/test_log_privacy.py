"""The logging set-up the stack gives Rasa and the action server keeps personal data out: Rasa's
structlog events, exceptions with their messages and frames' local variables, warnings."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import warnings

import pytest
import structlog
import yaml

from stack.log_privacy import PersonalDataFilter, hashed_id
from stack.services import LOGGING_CONFIG

NAME, EMAIL = "Zebedee Quuxworth", "zebedee.q@example.org"


@pytest.fixture
def logged():
    """Logging configured from stack/log_privacy.yml, writing into a buffer."""
    buffer = io.StringIO()
    config = yaml.safe_load(open(LOGGING_CONFIG, encoding="utf-8"))
    config["handlers"]["console"]["stream"] = buffer
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logging.config.dictConfig(config)
    yield buffer
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    logging.captureWarnings(False)
    for name in ("sanic.root", "sanic.error", "sanic.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.filters.clear()


def failing(text: str) -> None:
    secret = {"email": EMAIL}  # noqa: F841 - a local variable Rasa's traceback would print
    raise ValueError(f"cannot parse {text!r}")


def test_rasa_structlog_events_keep_no_message_text_and_no_exception_locals(logged):
    """Rasa 3.6's structlog pipeline as it runs under the stack (JSON, dict tracebacks)."""
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, structlog.processors.add_log_level,
                    structlog.dev.set_exc_info, structlog.processors.dict_tracebacks,
                    structlog.processors.JSONRenderer()],
        logger_factory=structlog.stdlib.LoggerFactory(), cache_logger_on_first_use=False)
    log = structlog.get_logger("rasa.core.channels.rest")
    try:
        failing(f"my name is {NAME}")
    except ValueError:
        log.exception("rest.message.received.failure", text=f"my name is {NAME}",
                      sender_id="abc123")
    log.info("processor.slots.set", slot_values={"victim_name": NAME}, action_name="x")
    structlog.reset_defaults()
    output = logged.getvalue()
    assert NAME not in output and EMAIL not in output and "cannot parse" not in output
    events = [json.loads(line.split(" - ", 1)[1]) for line in output.splitlines()]
    failure, slots = events
    assert failure["text"] == "[withheld]" and failure["sender_id"] == hashed_id("abc123")
    assert failure["exception"][0]["exc_type"] == "ValueError"
    assert {frame["name"] for frame in failure["exception"][0]["frames"]} >= {"failing"}
    assert all(set(frame) == {"filename", "lineno", "name"}
               for frame in failure["exception"][0]["frames"])
    assert slots["slot_values"] == "[withheld]" and slots["action_name"] == "x"


def test_an_exception_keeps_its_frames_and_type_not_its_message(logged):
    try:
        try:
            failing(EMAIL)
        except ValueError as exc:
            raise RuntimeError(f"while handling {NAME}") from exc
    except RuntimeError:
        logging.getLogger("rasa.core.processor").exception("Encountered %s", NAME)
        logging.getLogger("sanic.error").exception("Exception occurred while handling uri")
    output = logged.getvalue()
    assert NAME in output  # the log message itself is the caller's business...
    tracebacks = output.split("Traceback")[1:]
    assert all(NAME not in part and EMAIL not in part for part in tracebacks)
    assert "builtins.ValueError (message withheld)" in output
    assert "builtins.RuntimeError (message withheld)" in output
    assert 'in failing' in output and "which led to:" in output


def test_warnings_keep_their_words_but_not_what_was_quoted(logged):
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"Failed to parse arguments in line '/inform{{\"name\": \"{NAME}\"}}'",
                      UserWarning, stacklevel=1)
    output = logged.getvalue()
    assert "Failed to parse arguments in line" in output and NAME not in output


def test_a_record_is_cleaned_once_even_through_two_filters():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, '{"text": "%s"}', (NAME,), None)
    privacy = PersonalDataFilter()
    assert privacy.filter(record) and privacy.filter(record)
    assert json.loads(record.getMessage()) == {"text": "[withheld]"}
