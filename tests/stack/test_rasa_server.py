"""stack/rasa_server.py: Rasa with its action-reply check and event lookup made once, doing what
Rasa's own code does (compared with it here, on Rasa's own schema and event classes)."""

from __future__ import annotations

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core import run as rasa_run
from rasa.core.actions.action import ActionExtractSlots, RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.models import RasaModel

from stack import (
    form_questions,
    kept_connections,
    language_slot,
    predict_call,
    quick_load,
    rasa_server,
)
from tests.assistant.trackers import ROOT

ORIGINAL_VALIDATE = RemoteAction._validate_action_result
ORIGINAL_RESOLVE = rasa_server._resolve_by_type

GOOD_REPLIES = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "cy"}],
     "responses": [{"text": "Helo", "buttons": [{"title": "Ie", "payload": "/affirm"}],
                    "custom": {"asks": "impact"}}]},
]
BAD_REPLIES = [
    {"events": "not a list"},
    {"events": [{"name": "language"}]},  # no event type
    {"events": [{"event": "slot", "name": "language", "timestamp": "yesterday"}]},
    {"responses": "hello"},
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_test", None)


@pytest.mark.parametrize("reply", GOOD_REPLIES)
def test_a_good_reply_passes_as_with_rasa(action, reply):
    assert ORIGINAL_VALIDATE(action, reply) is True
    assert rasa_server.validate_action_result(action, reply) is True


@pytest.mark.parametrize("reply", BAD_REPLIES)
def test_a_bad_reply_fails_with_rasas_error_and_message(action, reply):
    with pytest.raises(ValidationError) as rasas:
        ORIGINAL_VALIDATE(action, reply)
    with pytest.raises(ValidationError) as ours:
        rasa_server.validate_action_result(action, reply)
    assert ours.value.message == rasas.value.message
    assert list(ours.value.path) == list(rasas.value.path)


def test_the_validator_is_built_once():
    assert rasa_server.reply_validator() is rasa_server.reply_validator()


def test_every_event_type_resolves_to_rasas_class():
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "slot", "action", "active_loop", "session_started"} <= names
    for name in names:
        assert rasa_server.resolve_event_type(name) is ORIGINAL_RESOLVE(name)


def test_unknown_event_types_behave_as_in_rasa():
    assert rasa_server.resolve_event_type("no_such_event", default=Event) is Event
    assert rasa_server.resolve_event_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        rasa_server.resolve_event_type("no_such_event")


def test_an_event_class_imported_later_is_found():
    rasa_server.event_classes()  # the table exists before the new class does

    class LateEvent(Event):  # noqa: PLW1641 (never compared here)
        type_name = "late_event_for_test"

        def __eq__(self, other):
            return isinstance(other, LateEvent)

        def as_story_string(self):
            return None

    assert rasa_server.resolve_event_type("late_event_for_test") is LateEvent


def test_install_replaces_both_only_on_the_rasa_it_was_written_for(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", ORIGINAL_VALIDATE)
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(ORIGINAL_RESOLVE))
    for owner, name in [(MessageProcessor, "parse_message"), (MessageProcessor, "_run_action"),
                        (RemoteAction, "run"), (SQLTrackerStore, "session_scope"),
                        (SQLTrackerStore, "retrieve"), (SQLTrackerStore, "save"),
                        (FailSafeTrackerStore, "on_tracker_store_error"),
                        (FailSafeTrackerStore, "on_tracker_store_retrieve_error"),
                        (RemoteAction, "_action_call_format"),
                        (DialogueStateTracker, "past_states"),
                        (DialogueStateTracker, "applied_events"), (RasaModel, "_rasa_predict"),
                        (EndpointConfig, "session"), (rasa_run, "close_resources"),
                        (ActionExtractSlots, "_execute_validation_action"),
                        (FormAction, "request_next_slot")]:
        monkeypatch.setattr(owner, name, getattr(owner, name))  # put back after this test
    monkeypatch.setattr(RasaModel, "load", RasaModel.__dict__["load"])  # the classmethod itself
    rasa_server.install()
    assert RemoteAction._validate_action_result is rasa_server.validate_action_result
    assert Event.resolve_by_type("slot") is ORIGINAL_RESOLVE("slot")
    assert RasaModel.load.__func__ is quick_load._quick_load
    assert RasaModel._rasa_predict is predict_call.rasa_predict
    assert EndpointConfig.session is kept_connections.session
    assert ActionExtractSlots._execute_validation_action is language_slot.execute_validation_action
    assert FormAction.request_next_slot is form_questions.request_next_slot
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match=r"^stack\.rasa_server was written for Rasa 3\.6\.21, "
                       r"found 3\.7\.0: check RemoteAction\._validate_action_result and update "
                       r"stack/rasa_server\.py$"):
        rasa_server.install()


@pytest.mark.parametrize("token", ["-LqQ3x_9", "--enable-api", "abc-DEF_1", "x"])
def test_rasas_own_parser_reads_back_the_token_we_pass(tmp_path, token):
    """A token from token_urlsafe begins with "-" one time in 32: passed as a separate argument,
    argparse took it for an option and Rasa exited with code 2 (a whole CI run lost to it)."""
    from rasa.__main__ import create_argument_parser

    from stack.processes import _shown
    from stack.services import DEFAULT_PORTS, Settings, service_specs

    settings = Settings(root=tmp_path, data_dir=tmp_path, run_dir=tmp_path, ports=DEFAULT_PORTS,
                        rasa_token=token)
    argv = service_specs(settings, tmp_path / "model.tar.gz")["rasa"].argv
    args = create_argument_parser().parse_args(argv[argv.index("run"):])
    assert args.auth_token == token and args.enable_api
    # The log's command line masks the token: the other arguments are shown as they are (a
    # one-letter token may well occur in a path), the token's own argument never.
    given = f"--auth-token={token}"
    assert given in argv
    assert _shown(argv) == " ".join(argv).replace(given, "--auth-token=***")


@pytest.mark.parametrize("given", [None, "2"])
def test_the_rasa_server_runs_tensorflow_on_the_threads_the_stack_names(tmp_path, monkeypatch,
                                                                         given):
    """The Rasa server's env (Settings.rasa_environment) is read by Rasa's own start-up
    (`rasa/__main__.py` calls setup_tf_environment): one thread each unless the operator's
    environment says otherwise. Run as Rasa runs it, in a process of its own."""
    import json
    import subprocess
    import sys

    from stack.services import DEFAULT_PORTS, TF_THREADS, Settings, service_specs

    for name in TF_THREADS:
        if given is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, given)
    settings = Settings(root=tmp_path, data_dir=tmp_path, run_dir=tmp_path, ports=DEFAULT_PORTS)
    env = service_specs(settings, tmp_path / "model.tar.gz")["rasa"].env
    script = ("import json, tensorflow as tf\n"
              "from rasa.utils.tensorflow.environment import setup_tf_environment\n"
              "setup_tf_environment()\n"
              "t = tf.config.threading\n"
              "print(json.dumps([t.get_inter_op_parallelism_threads(),"
              " t.get_intra_op_parallelism_threads()]))\n")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == [int(given or 1)] * 2


def a_conversation(domain):
    """A form in progress, with slots set, a rule-only turn and a user message with text."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        SessionStarted,
        SlotSet,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("states", domain.slots)
    tracker.update_with_events([
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet", "confidence": 1.0}), ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
        UserUttered("i want to apply", {"name": "start_application", "confidence": 0.9}),
        ActionExecuted("eligibility_form"), ActiveLoop("eligibility_form"),
        SlotSet("requested_slot", "incidents"), ActionExecuted("action_listen"),
        UserUttered("three times since may", {"name": "inform", "confidence": 0.8}),
        ActionExecuted("eligibility_form"), SlotSet("language", "cy"),
    ], domain)
    return tracker


def test_a_trackers_states_are_made_once_and_are_rasas(monkeypatch):
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = a_conversation(domain)
    rasas = rasa_server._past_states
    calls = []
    monkeypatch.setattr(rasa_server, "_past_states",
                        lambda *args: calls.append(args[2:]) or rasas(*args))
    monkeypatch.setattr(DialogueStateTracker, "past_states", rasa_server.past_states)
    rule_only = {"slots": ["paused_form"], "active_loops": ["status_form"]}
    arguments = [(False, False, None), (True, False, None), (False, True, rule_only),
                 (True, True, rule_only), (False, True, None)]
    for _ in range(3):
        for args in arguments:
            assert tracker.past_states(domain, *args) == rasas(tracker, domain, *args)
    assert len(calls) == len(arguments)  # made once for each set of arguments
    # a caller changing its states changes no one else's
    mine = tracker.past_states(domain)
    mine[-1]["prev_action"]["action_name"] = "changed"
    mine[-1].pop("slots", None)
    assert tracker.past_states(domain) == rasas(tracker, domain)
    # an event added: made again
    tracker.update(ActionExecuted("action_listen"), domain)
    assert tracker.past_states(domain) == rasas(tracker, domain)
    assert tracker.past_states(domain)[-1]["prev_action"] == {"action_name": "action_listen"}
