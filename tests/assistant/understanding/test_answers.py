"""Answers people type, per language and question, read by the answer reader without the model:
the phrase tables alone must carry them (answers/<lang>.yml; written as people type, not copied
from the tables). Where the model misreads (an emergency for a name, a stop for "no, that's
all"), the test gives the reader that misreading."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.understanding import read_answer

ANSWERS = Path(__file__).parent / "answers"
NAMES = Path(__file__).parent / "names.yml"


def _value(value) -> str:
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else str(value)


def _tables():
    for path in sorted(ANSWERS.glob("*.yml")):
        yield path.stem, yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _cases(section: str):
    for language, document in _tables():
        part = document.get(section) or {}
        if section == "answers":
            for slot, values in part.items():
                for value, texts in (values or {}).items():
                    for text in texts or ():
                        yield pytest.param(language, slot, _value(value), str(text),
                                           id=f"{language}-{slot}-{_value(value)}-{text}"[:120])
        elif section == "free_text":
            for slot, texts in part.items():
                for text in texts or ():
                    yield pytest.param(language, slot, str(text),
                                       id=f"{language}-{slot}-{text}"[:120])
        else:
            for text in part or ():
                yield pytest.param(language, str(text), id=f"{language}-{text}"[:120])


@pytest.mark.parametrize(("language", "slot", "expected", "text"), list(_cases("answers")))
def test_an_answer_is_stored_as_meant(language, slot, expected, text):
    reading = read_answer(text, slot, language)
    assert (reading.intent, reading.choice) == ("inform", expected), reading


@pytest.mark.parametrize(("language", "slot", "text"), list(_cases("free_text")))
@pytest.mark.parametrize("misread", ["emergency", "stop", "restart", "ask_process"])
def test_free_text_is_the_answer_whatever_the_model_says(language, slot, text, misread):
    reading = read_answer(text, slot, language, misread, 0.99)
    assert reading.intent == "inform" and not reading.emergency, reading


@pytest.mark.parametrize(("language", "text"), list(_cases("emergencies")))
@pytest.mark.parametrize("asked", [None, "applicant_name", "more_incidents", "incident_date",
                                   "impact", "contact_preferred"])
def test_danger_gets_the_999_advice_at_any_question(language, text, asked):
    reading = read_answer(text, asked, language, "inform", 0.9)
    assert reading.intent == "emergency", reading


@pytest.mark.parametrize(("language", "text"), list(_cases("not_emergencies")))
@pytest.mark.parametrize("asked", ["victim_name", "impact", "accessibility_needs"])
def test_no_999_advice_without_danger(language, text, asked):
    reading = read_answer(text, asked, language, "emergency", 0.99)
    assert reading.intent != "emergency", reading


@pytest.mark.parametrize(("language", "text"), list(_cases("stops")))
@pytest.mark.parametrize("asked", [None, "applicant_name", "more_incidents"])
def test_stop_in_words_that_say_so(language, text, asked):
    reading = read_answer(text, asked, language, "inform", 0.9)
    assert reading.intent in ("stop", "restart"), reading


@pytest.mark.parametrize(("language", "text"), list(_cases("not_stops")))
@pytest.mark.parametrize("asked", [None, "more_incidents", "applicant_relationship",
                                   "applicant_role"])
def test_ordinary_answers_are_never_a_stop(language, text, asked):
    for misread in ("stop", "restart"):
        reading = read_answer(text, asked, language, misread, 0.99,
                              [(misread, 0.99), ("inform", 0.01)])
        assert reading.intent not in ("stop", "restart"), reading


@pytest.mark.parametrize(("language", "text"), list(_cases("questions")))
@pytest.mark.parametrize("asked", ["victim_name", "more_incidents", "incident_date", None])
def test_a_question_back_is_answered_not_stored(language, text, asked):
    reading = read_answer(text, asked, language, "ask_process", 0.8,
                          [("ask_process", 0.8), ("restart", 0.1)])
    assert reading.intent == "ask_process", reading


def _names():
    if NAMES.exists():
        for name in yaml.safe_load(NAMES.read_text(encoding="utf-8"))["names"]:
            yield pytest.param(str(name), id=str(name))


@pytest.mark.parametrize("name", list(_names()))
@pytest.mark.parametrize("language", ["en", "cy", "pl", "ur"])
def test_a_name_is_a_name(name, language):
    for slot in ("applicant_name", "victim_name"):
        for misread in ("emergency", "stop", "restart", "change_language", "request_human"):
            reading = read_answer(name, slot, language, misread, 0.99)
            assert (reading.intent, reading.choice) == ("inform", None), (slot, misread, reading)


def test_every_language_has_a_table_of_answers():
    languages = {language for language, _ in _tables()}
    assert languages >= {"en", "cy", "pl", "ro", "pa", "ur", "pt", "es", "ar", "bn"}


@pytest.mark.parametrize(("language", "text"), list(_cases("questions")))
@pytest.mark.parametrize("asked", ["incident_reference", "more_incidents", "victim_consent",
                                   "contact_preferred", "incident_date"])
def test_a_question_the_model_cannot_place_is_never_the_answer(language, text, asked):
    """"where do I find this number?" is no reference number, and no yes or no: a person is
    offered, then the question comes again."""
    reading = read_answer(text, asked, language, "inform", 0.6, [("inform", 0.6)])
    assert (reading.intent, reading.choice) == ("request_human", None), reading
