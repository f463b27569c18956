"""Answers people type, per language and question, read by the answer reader without the model:
the phrase tables alone must carry them (answers/<lang>.yml; written as people type, not copied
from the tables). Where the model misreads (an emergency for a name, a stop for "no, that's
all"), the test gives the reader that misreading."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.understanding.reader import read_answer
from languages import CODES

ANSWERS = Path(__file__).parent / "answers"
NAMES = Path(__file__).parent / "names.yml"


def _value(value) -> str:
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else str(value)


LANGUAGES = [path.stem for path in sorted(ANSWERS.glob("*.yml"))]


def _cases(section: str, language: str):
    """The rows of one section of one language's table, as tuples."""
    document = yaml.safe_load((ANSWERS / f"{language}.yml").read_text(encoding="utf-8")) or {}
    part = document.get(section) or {}
    if section == "answers":
        for slot, values in part.items():
            for value, texts in (values or {}).items():
                for text in texts or ():
                    yield slot, _value(value), str(text)
    elif section == "free_text":
        for slot, texts in part.items():
            for text in texts or ():
                yield slot, str(text)
    else:
        for text in part or ():
            yield (str(text),)


def _misread(rows, check) -> list[str]:
    """Every row `check` finds read wrong, as "row: reading". One test per language and section
    reads a whole table and lists every miss."""
    return [f"{row}: {problem}" for row in rows if (problem := check(*row)) is not None]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_answer_is_stored_as_meant(language):
    def check(slot, expected, text):
        reading = read_answer(text, slot, language)
        return None if (reading.intent, reading.choice) == ("inform", expected) else reading
    assert not _misread(_cases("answers", language), check)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("misread", ["emergency", "stop", "restart", "ask_process"])
def test_free_text_is_the_answer_whatever_the_model_says(language, misread):
    def check(slot, text):
        reading = read_answer(text, slot, language, misread, 0.99)
        return None if reading.intent == "inform" and not reading.emergency else reading
    assert not _misread(_cases("free_text", language), check)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("asked", [None, "applicant_name", "more_incidents", "incident_date",
                                   "impact", "contact_preferred"])
def test_danger_gets_the_999_advice_at_any_question(language, asked):
    def check(text):
        reading = read_answer(text, asked, language, "inform", 0.9)
        return None if reading.intent == "emergency" else reading
    assert not _misread(_cases("emergencies", language), check)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("asked", ["victim_name", "impact", "accessibility_needs"])
def test_no_999_advice_without_danger(language, asked):
    def check(text):
        reading = read_answer(text, asked, language, "emergency", 0.99)
        return None if reading.intent != "emergency" else reading
    assert not _misread(_cases("not_emergencies", language), check)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("asked", [None, "applicant_name", "more_incidents"])
def test_stop_in_words_that_say_so(language, asked):
    def check(text):
        reading = read_answer(text, asked, language, "inform", 0.9)
        return None if reading.intent in ("stop", "restart") else reading
    assert not _misread(_cases("stops", language), check)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("asked", [None, "more_incidents", "applicant_relationship",
                                   "applicant_role"])
def test_ordinary_answers_are_never_a_stop(language, asked):
    def check(text):
        for misread in ("stop", "restart"):
            reading = read_answer(text, asked, language, misread, 0.99,
                                  [(misread, 0.99), ("inform", 0.01)])
            if reading.intent in ("stop", "restart"):
                return reading
        return None
    assert not _misread(_cases("not_stops", language), check)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("asked", ["victim_name", "more_incidents", "incident_date", None])
def test_a_question_back_is_answered_not_stored(language, asked):
    def check(text):
        reading = read_answer(text, asked, language, "ask_process", 0.8,
                              [("ask_process", 0.8), ("restart", 0.1)])
        return None if reading.intent == "ask_process" else reading
    assert not _misread(_cases("questions", language), check)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("asked", ["incident_reference", "more_incidents", "victim_consent",
                                   "contact_preferred", "incident_date"])
def test_a_question_the_model_cannot_place_is_never_the_answer(language, asked):
    """"where do I find this number?" is no reference number, and no yes or no: a person is
    offered, then the question comes again."""
    def check(text):
        reading = read_answer(text, asked, language, "inform", 0.6, [("inform", 0.6)])
        return None if (reading.intent, reading.choice) == ("request_human", None) else reading
    assert not _misread(_cases("questions", language), check)


@pytest.mark.parametrize("language", ["en", "cy", "pl", "ur"])
def test_a_name_is_a_name(language):
    names = [str(name) for name in yaml.safe_load(NAMES.read_text(encoding="utf-8"))["names"]]
    assert len(names) >= 200

    def check(name):
        for slot in ("applicant_name", "victim_name"):
            for misread in ("emergency", "stop", "restart", "change_language", "request_human"):
                reading = read_answer(name, slot, language, misread, 0.99)
                if (reading.intent, reading.choice) != ("inform", None):
                    return (slot, misread, reading)
        return None
    assert not _misread([(name,) for name in names], check)


def test_every_language_has_a_table_of_answers():
    assert set(LANGUAGES) >= set(CODES)
    for language in LANGUAGES:
        assert len(list(_cases("answers", language))) >= 100, language


OFFER = ("start_application", "deny")  # "Apply now" / "Not now"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("section, expected", [("offers_taken", "start_application"),
                                               ("offers_refused", "deny"),
                                               ("what_else", "ask_support")])
def test_what_is_said_to_an_offer(language, section, expected):
    """With no form question asked and the offer's buttons showing, whatever the model guessed
    (it often cannot place these): a yes takes the offer, a no refuses it, "what else can I do?"
    gets the other help (and the offer again), never a restart or "not understood"."""
    def check(text):
        for model in ("nlu_fallback", "restart", "inform"):
            reading = read_answer(text, None, language, model, 0.5, [(model, 0.5)],
                                  offered=OFFER)
            if reading.intent != expected:
                return f"{model}: {reading}"
        return None
    rows = list(_cases(section, language))
    assert len(rows) >= 2
    assert not _misread(rows, check)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_asking_for_a_change_at_the_summary_never_sends(language):
    def check(text):
        for model in ("inform", "affirm"):
            reading = read_answer(text, "review_choice", language, model, 0.7, [(model, 0.7)])
            if reading.choice == "send":
                return f"{model}: {reading}"
        return None
    rows = list(_cases("review_not_send", language))
    assert len(rows) >= 2
    assert not _misread(rows, check)


# Telling who it was reported to reads like reporting or complaining; at that question it is the
# answer, while asking for a person still interrupts.
REPORTED_TO = [("en", "i rang the police about it last week"), ("cy", "nes i riportio fe i'r heddlu"),
               ("pl", "dzwonilam na policje w tej sprawie"), ("es", "llame a la policia por eso")]


@pytest.mark.parametrize(("language", "text"), REPORTED_TO)
@pytest.mark.parametrize("misread", ["report_incident", "make_complaint"])
def test_who_it_was_reported_to_is_the_answer_whatever_the_model_says(language, text, misread):
    reading = read_answer(text, "report_agencies", language, misread, 0.97, [(misread, 0.97)])
    assert reading.intent == "inform"


def test_a_person_asked_for_at_the_agency_question_still_interrupts():
    reading = read_answer("can i talk to a real person please", "report_agencies", "en",
                          "request_human", 0.97, [("request_human", 0.97)])
    assert reading.intent == "request_human"


@pytest.mark.parametrize("language", LANGUAGES)
def test_saying_they_want_to_apply_starts_the_check_where_the_model_cannot_place_it(language):
    """Nothing asked yet, the model unsure: "I want to apply for my mum" starts the check, and
    "can I apply for my mum?" is left to the model (it is a question)."""
    def starts(text):
        for model in ("nlu_fallback", "out_of_scope"):
            reading = read_answer(text, None, language, model, 0.3, [(model, 0.3)],
                                  first_message=True)
            if reading.intent != "start_application":
                return f"{model}: {reading}"
        return None

    def asks(text):
        reading = read_answer(text, None, language, "nlu_fallback", 0.3,
                              [("nlu_fallback", 0.3)], first_message=True)
        return f"{reading}" if reading.intent == "start_application" else None
    openers, questions = list(_cases("apply_openers", language)), list(_cases("apply_questions", language))
    assert openers and questions
    assert not _misread(openers, starts)
    assert not _misread(questions, asks)


# First messages the model may take for "where is my application?": a story without a word of an
# application or a reference is told the case review; one that speaks of applying is a status check.
FIRST_STORIES = [("en", "lads keep kicking my front door at night and the police do nothing"),
                 ("pl", "sasiedzi od roku robia imprezy do rana i nikt nic z tym nie robi"),
                 ("cy", "ma'r plant yn taflu cerrig at y ffenest bob nos a neb yn gneud dim"),
                 ("en", "hiya the flat above has parties till 4am most nights, reported it "
                        "6 times and the council did nothing")]
FIRST_STATUS = [("en", "sent my application in weeks ago and still nobody has got back to me"),
                ("ro", "am depus cererea acum doua luni si nu mi-a raspuns nimeni inca"),
                ("ar", "بعتت الطلب من زمان وما حدا رجعلي خبر لهلأ"),
                ("en", "hi its about asb 2026 4hq7zm, has anyone looked at it yet")]


@pytest.mark.parametrize(("language", "text"), FIRST_STORIES)
def test_a_first_story_is_not_a_status_check_whatever_the_model_says(language, text):
    reading = read_answer(text, None, language, "ask_status", 0.95, [("ask_status", 0.95)],
                          first_message=True)
    assert reading.intent == "ask_what_is_case_review"


@pytest.mark.parametrize(("language", "text"), FIRST_STATUS)
def test_a_first_message_about_an_application_sent_is_a_status_check(language, text):
    reading = read_answer(text, None, language, "ask_status", 0.95, [("ask_status", 0.95)],
                          first_message=True)
    assert reading.intent == "ask_status"


# Short first messages telling what happened, which the model reads as `inform`: the case
# review is explained (not "I didn't understand"); later, with nothing asked, they stay `inform`.
SHORT_FIRST = [("en", "cops never bothered"), ("cy", "wnaeth neb ddim byd"),
               ("pl", "policja to olała"), ("ur", "kisi ne madad nahi ki")]


@pytest.mark.parametrize(("language", "text"), SHORT_FIRST)
def test_a_short_first_message_telling_what_happened_is_told_the_case_review(language, text):
    first = read_answer(text, None, language, "inform", 0.99, [("inform", 0.99)],
                        first_message=True)
    assert first.intent == "ask_what_is_case_review"
    later = read_answer(text, None, language, "inform", 0.99, [("inform", 0.99)])
    assert later.intent == "inform"
