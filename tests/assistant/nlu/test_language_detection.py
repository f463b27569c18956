"""A language asked for by name, and the language a message is written in."""

from __future__ import annotations

import pytest

from assistant.language_detection import (
    SUPPORTED,
    detect_language,
    language_named_in,
    language_names,
)

REQUESTS = [
    ("Cymraeg", "cy"),
    ("cymraeg plis", "cy"),
    ("yn Gymraeg os gwelwch yn dda", "cy"),
    ("in Welsh please", "cy"),
    ("can we speak welsh", "cy"),
    ("i want welsh", "cy"),
    ("Welsh", "cy"),
    ("English", "en"),
    ("saesneg plis", "en"),
    ("po polsku", "pl"),
    ("polski", "pl"),
    ("în română vă rog", "ro"),
    ("romana", "ro"),
    ("ਪੰਜਾਬੀ", "pa"),
    ("ਪੰਜਾਬੀ ਵਿੱਚ", "pa"),
    ("اردو", "ur"),
    ("اردو میں بات کریں", "ur"),
    ("em português por favor", "pt"),
    ("en español", "es"),
    ("بالعربي", "ar"),
    ("العربية", "ar"),
    ("বাংলা", "bn"),
    ("বাংলায় বলুন", "bn"),
]


@pytest.mark.parametrize(("text", "code"), REQUESTS)
def test_a_named_language_is_a_request(text: str, code: str) -> None:
    assert language_named_in(text) == code


NOT_REQUESTS = [
    "i need a polish interpreter",
    "dw i angen cyfieithydd pwyleg",
    "my english is not good",
    "i dont speak english",
    "my neighbour is polish and shouts at me",
    "the welsh government is rubbish",
    "english or welsh",
    "hello",
    "",
    "/change_language",
    "I reported it to the police",
]


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_a_name_in_a_sentence_is_not_a_request(text: str) -> None:
    assert language_named_in(text) is None


def test_every_supported_language_has_names_from_the_nlu_synonyms() -> None:
    assert set(language_names().values()) >= set(SUPPORTED)


@pytest.mark.parametrize(("text", "code"), [
    ("in german please", "de"), ("can we do it in french", "fr"), ("Türkçe", "tr"),
    ("somali please", "so"), ("українською", "uk"),
    # "do you speak ...?" asked in that language
    ("hallo, sprechen sie deutsch?", "de"), ("parlez-vous français ?", "fr"),
])
def test_a_language_not_spoken_is_still_recognised_when_asked_for(text, code) -> None:
    assert language_named_in(text) == code


ALL = list(SUPPORTED)

WRITTEN_IN = [
    ("dw i eisiau gwneud cais am adolygiad achos", "cy"),
    ("mae fy nghymdogion yn swnllyd bob nos", "cy"),
    ("my neighbours are playing loud music every night", "en"),
    ("chcę złożyć wniosek o przegląd sprawy", "pl"),
    ("vreau să fac o cerere pentru vecinii mei", "ro"),
    ("ਮੈਂ ਅਰਜ਼ੀ ਦੇਣਾ ਚਾਹੁੰਦਾ ਹਾਂ", "pa"),
    ("میں درخواست دینا چاہتا ہوں", "ur"),
    ("quero fazer um pedido sobre os meus vizinhos", "pt"),
    ("quiero hacer una solicitud sobre mis vecinos", "es"),
    ("أريد تقديم طلب بخصوص جيراني", "ar"),
    ("আমি আবেদন করতে চাই", "bn"),
]


@pytest.mark.parametrize(("text", "code"), WRITTEN_IN)
def test_detects_each_shipped_language(text: str, code: str) -> None:
    assert detect_language(text, ALL) == code


@pytest.mark.parametrize("text", ["hi", "ok", "yes", "no", "", "/greet", "12", "???"])
def test_too_short_or_unsure_is_none(text: str) -> None:
    assert detect_language(text, ALL) is None


def test_only_shipped_languages_are_answered() -> None:
    polish = "chcę złożyć wniosek o przegląd sprawy"
    assert detect_language(polish, ["en", "cy"]) in (None, "en", "cy")
    assert detect_language(polish, ["en", "cy"]) != "pl"
    assert detect_language("ਮੈਂ ਅਰਜ਼ੀ ਦੇਣਾ ਚਾਹੁੰਦਾ ਹਾਂ", ["en", "cy"]) != "pa"
    assert detect_language("dw i eisiau gwneud cais", ["en", "cy"]) == "cy"
    assert detect_language("dw i eisiau gwneud cais", ["cy"]) == "cy"
    assert detect_language("dw i eisiau gwneud cais", ["xx"]) is None


def test_warm_up_builds_the_detector_that_detection_then_uses() -> None:
    from assistant.language_detection import _detector, warm_up

    _detector.cache_clear()
    warm_up(["cy", "en", "xx"])
    assert _detector.cache_info().currsize == 1
    assert detect_language("dw i eisiau gwneud cais", ["en", "cy"]) == "cy"
    assert _detector.cache_info().hits == 1
