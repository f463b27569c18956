"""The language slot: from the page, from the first message, by switching; answers after a
switch carry the language and direction for the page."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.language import ActionChangeLanguage, ValidateSlotMappings, language_for
from assistant.actions.messages import direction
from tests.assistant.trackers import DOMAIN, button_titles, message, said, tracker


def conversation(latest, language=None, before=()):
    """The conversation after the messages `before` (texts) and then `latest`."""
    events = [{"event": "user", "text": text} for text in before]
    events.append({"event": "user", "text": latest["text"], "parse_data": latest})
    return tracker({"language": language}, latest, events=events)


def test_the_page_sets_the_first_language():
    latest = message("/greet", "greet", metadata={"language": "cy"})
    assert language_for(conversation(latest)) == "cy"


def test_the_page_does_not_undo_a_switch():
    latest = message("hello", "greet", metadata={"language": "en"})
    assert language_for(conversation(latest, "cy")) is None


def test_a_first_message_typed_in_welsh_is_answered_in_welsh():
    latest = message("Helo, dw i eisiau gwneud cais am adolygiad achos", "start_application")
    assert language_for(conversation(latest)) == "cy"


def test_a_first_typed_message_in_welsh_on_an_english_page_switches_to_welsh():
    latest = message("Helo, dw i eisiau gwneud cais am adolygiad achos", "start_application",
                     metadata={"language": "en"})
    assert language_for(conversation(latest, "en", before=["/greet"])) == "cy"


def test_a_later_message_in_another_language_does_not_switch_by_itself():
    latest = message("Helo, dw i eisiau gwneud cais am adolygiad achos", "start_application")
    assert language_for(conversation(latest, "en", before=["/greet", "hello there"])) is None


async def test_a_switch_by_how_they_write_tells_the_page():
    dispatcher = CollectingDispatcher()
    latest = message("Helo, dw i eisiau gwneud cais am adolygiad achos", "start_application")
    await ValidateSlotMappings().run(dispatcher, conversation(latest, "en", ["/greet"]), DOMAIN)
    assert [m["custom"] for m in dispatcher.messages] == [{"language": "cy", "dir": "ltr"}]


@pytest.mark.parametrize("latest", [
    message("cymraeg plis", "change_language", [("language", "cy")]),
    message('/change_language{"language":"cy"}', "change_language", [("language", "cy")]),
])
def test_switching_sets_the_language(latest):
    assert language_for(conversation(latest, "en")) == "cy"


async def test_the_validation_action_sets_only_the_language():
    dispatcher = CollectingDispatcher()
    latest = message("cymraeg", "change_language", [("language", "cy")])
    t = tracker({"language": "en", "victim_name": "Sam"}, latest,
                events=[{"event": "user", "text": "cymraeg", "parse_data": latest}])
    events = await ValidateSlotMappings().run(dispatcher, t, DOMAIN)
    assert [(e["name"], e["value"]) for e in events if e["event"] == "slot"] == [
        ("language", "cy")]
    assert dispatcher.messages == []  # action_change_language answers a request


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
