"""The language slot, set by the Rasa server after every user message (stack/language_slot.py
running assistant.actions.language's rules on Rasa's own tracker): from the page, from the first
message, by switching; answers after a switch carry the language and direction for the page."""

from __future__ import annotations

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Restarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.language import ActionChangeLanguage
from assistant.actions.messages import direction
from stack import language_slot
from tests.assistant.trackers import ROOT, button_titles, message, said, tracker

SERVED = Domain.load(str(ROOT / "domain.yml"))
WELSH = "Helo, dw i eisiau gwneud cais am adolygiad achos"


def user(text: str, intent: str = "inform", language: str | None = None,
         page: str | None = None) -> UserUttered:
    entities = [{"entity": "language", "value": language}] if language else []
    return UserUttered(text, {"name": intent, "confidence": 0.95}, entities,
                       metadata={"language": page} if page else {})


def conversation(latest: UserUttered, language: str | None = None, before=(),
                 asking: str | None = None, restarted_after: int | None = None,
                 ) -> DialogueStateTracker:
    """Rasa's tracker after the typed messages `before`, then `latest`; the language slot set
    (before any of them); a form asking for `asking`; a restart after `restarted_after` of
    the earlier messages."""
    events = [SlotSet("language", language)] if language else []
    for index, text in enumerate(before):
        events += [ActionExecuted("action_listen"), user(text), ActionExecuted("action_greet")]
        if restarted_after == index + 1:
            events += [Restarted()]
    if asking:
        events.append(SlotSet("requested_slot", asking))
    events += [ActionExecuted("action_listen"), latest]
    conversation = DialogueStateTracker("language", SERVED.slots)
    conversation.update_with_events(events, SERVED)
    return conversation


def language_set(conversation: DialogueStateTracker) -> str | None:
    """The language the Rasa server sets after the latest message (None: left as it is)."""
    set_ = [e.value for e in language_slot.language_events(conversation, [])
            if isinstance(e, SlotSet)]
    return set_[0] if set_ else None


def test_the_page_sets_the_first_language():
    assert language_set(conversation(user("/greet", "greet", page="cy"))) == "cy"


def test_the_page_does_not_undo_a_switch():
    assert language_set(conversation(user("hello", "greet", page="en"), "cy")) is None


def test_a_first_message_typed_in_welsh_is_answered_in_welsh():
    assert language_set(conversation(user(WELSH, "start_application"))) == "cy"


def test_a_first_typed_message_in_welsh_on_an_english_page_switches_to_welsh():
    latest = user(WELSH, "start_application", page="en")
    assert language_set(conversation(latest, "en", before=["/greet"])) == "cy"


def test_a_later_message_in_another_language_does_not_switch_by_itself():
    latest = user(WELSH, "start_application")
    assert language_set(conversation(latest, "en", before=["/greet", "hello there"])) is None


def test_two_sentences_in_a_row_in_welsh_switch_but_not_one_short_answer():
    latest = user("mae'r cymdogion yn swnllyd bob nos")
    assert language_set(conversation(latest, "en", before=["hello", WELSH])) == "cy"
    assert language_set(conversation(user("ie"), "en", before=["hello", WELSH])) is None


def test_an_answer_to_a_question_is_not_the_first_message_even_when_first_typed():
    latest = user("Sam Jones")
    assert language_set(conversation(latest, "en", asking="applicant_name")) is None


def test_after_a_restart_the_first_message_typed_counts_as_first_again():
    latest = user(WELSH, "start_application")
    assert language_set(conversation(latest, "en", before=["hello there"])) is None
    assert language_set(conversation(latest, "en", before=["hello there"],
                                     restarted_after=1)) == "cy"


def test_a_switch_by_how_they_write_tells_the_page():
    events = language_slot.language_events(
        conversation(user(WELSH, "start_application"), "en", ["/greet"]), [])
    assert [type(e) for e in events] == [BotUttered, SlotSet]
    assert events[0].data["custom"] == {"language": "cy", "dir": "ltr"}


@pytest.mark.parametrize("latest", [
    user("cymraeg plis", "change_language", "cy"),
    user('/change_language{"language":"cy"}', "change_language", "cy"),
])
def test_switching_sets_the_language_and_leaves_the_answer_to_the_action(latest):
    events = language_slot.language_events(conversation(latest, "en"), [])
    assert [(type(e), e.value) for e in events] == [(SlotSet, "cy")]


def test_a_language_named_as_an_answer_switches_nothing():
    latest = user("cymraeg", "inform")
    assert language_set(conversation(latest, "en", before=["hello"],
                                     asking="interpreter_language")) is None


async def test_rasas_slot_extraction_sets_only_the_language(monkeypatch):
    """The patched extraction on the served domain: the language after a request to switch,
    nothing else changed, no call to an action server (none is listening here)."""
    monkeypatch.setattr(ActionExtractSlots, "_execute_validation_action",
                        language_slot.execute_validation_action)
    latest = user("cymraeg", "change_language", "cy")
    conversation_ = conversation(latest, "en", before=["hello"])
    conversation_.update(SlotSet("applicant_name", "Sam"))
    extract = ActionExtractSlots(None)
    events = await extract.run(CollectingOutputChannel(),
                               TemplatedNaturalLanguageGenerator(SERVED.responses),
                               conversation_, SERVED)
    assert [(e.key, e.value) for e in events if isinstance(e, SlotSet)] == [("language", "cy")]


async def test_after_a_switch_the_answer_carries_language_and_direction():
    dispatcher = CollectingDispatcher()
    latest = message("cymraeg", "change_language", [("language", "cy")])
    await ActionChangeLanguage().run(dispatcher, tracker({"language": "cy"}, latest), {})
    assert said(dispatcher).startswith("Bydda i'n siarad Cymraeg")
    assert [m["custom"] for m in dispatcher.messages if m.get("custom")] == [
        {"language": "cy", "dir": "ltr"}]


async def test_a_language_not_offered_gets_the_languages_that_are(monkeypatch):
    offered = service.deployment().copy(update={"languages": ["en", "cy"]})
    monkeypatch.setattr(service, "deployment", lambda: offered)
    dispatcher = CollectingDispatcher()
    latest = message("po polsku", "change_language", [("language", "pl")])
    await ActionChangeLanguage().run(dispatcher, tracker({"language": "en"}, latest), {})
    assert "can't speak that language yet" in said(dispatcher)
    assert button_titles(dispatcher) == ["Cymraeg"]


async def test_a_language_not_shipped_gets_every_other_language_in_its_own_name():
    dispatcher = CollectingDispatcher()
    latest = message("in french please", "change_language", [("language", "fr")])
    await ActionChangeLanguage().run(dispatcher, tracker({"language": "en"}, latest), {})
    assert button_titles(dispatcher) == [
        "Cymraeg", "Polski", "Română", "ਪੰਜਾਬੀ", "اردو", "Português", "Español", "العربية", "বাংলা"]


def test_urdu_and_arabic_are_right_to_left():
    assert direction("ur") == direction("ar") == "rtl"
    assert direction("cy") == "ltr"
