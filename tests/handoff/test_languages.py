"""How languages read to the agency: codes as English names, the English of the assistant's
buttons and consent wording (the latter as the document carries it), and the attributes marking
the applicant's own words."""

from __future__ import annotations

import pytest

from assistant.actions.application_form import consent_wording_in_english
from handoff import languages
from languages import CODES
from tests.handoff.handoff_parts import application_in, consent_shown


@pytest.mark.parametrize("code, shown", [
    ("en", "English (en)"), ("cy", "Welsh (cy)"), ("pl", "Polish (pl)"), ("ro", "Romanian (ro)"),
    ("pa", "Punjabi (pa)"), ("ur", "Urdu (ur)"), ("pt", "Portuguese (pt)"),
    ("es", "Spanish (es)"), ("ar", "Arabic (ar)"), ("bn", "Bengali (bn)"),
    ("so", "Somali (so)"),  # an interpreter language the assistant does not speak
    ("xx", "xx"), ("Somali", "Somali"), ("po polsku", "po polsku"), ("", ""), (None, ""),
])
def test_a_language_code_is_shown_by_its_english_name_and_anything_else_as_given(code, shown):
    assert languages.language_name(code) == shown


@pytest.mark.parametrize("code, words, attributes", [
    ("ur", "میں سو نہیں سکتی", ' lang="ur" dir="rtl"'),
    ("ar", "لا أستطيع النوم", ' lang="ar" dir="rtl"'),
    ("ur", "Tesco کے باہر", ' lang="ur" dir="rtl"'),  # a right-to-left sentence may start in Latin
    ("ur", "1 Example Road", ' lang="ur" dir="auto"'),  # no right-to-left letter: not turned round
    ("pl", "Nie mogę spać", ' lang="pl" dir="auto"'),
    ("xx", "words", ' dir="auto"'),
    (None, "words", ' dir="auto"'),
])
def test_the_applicants_words_carry_their_language_and_direction(code, words, attributes):
    assert str(languages.lang_attributes(code, words)) == attributes


def test_a_button_title_in_any_language_has_its_english_title():
    polish = application_in("pl")
    assert languages.english_title(polish["applicant"]["relationship"]) == "Family member"
    assert languages.english_title("  o każdej PORZE ") == "Any time"
    assert languages.english_title("Family member") is None  # English already
    assert languages.english_title("mój sąsiad z dołu") is None  # their own words
    assert languages.english_title(None) is None
    assert languages.with_english_title("mój sąsiad") == "mój sąsiad"


@pytest.mark.parametrize("language", [code for code in CODES if code != "en"])
def test_the_consent_shown_in_any_language_has_its_english_wording(language):
    # The document carries the English as the assistant makes it; the agency reads that.
    shown = consent_shown(language)
    consent = {"language": language, "wording": shown,
               "wording_in_english": consent_wording_in_english(language, shown)}
    assert shown != consent_shown("en")
    assert languages.consent_in_english(consent) == consent_shown("en")


def test_no_english_wording_for_english_consent_or_words_the_catalog_no_longer_has():
    english = consent_shown("en")
    assert languages.consent_in_english(
        {"language": "en", "wording": english, "wording_in_english": english}) is None
    changed = consent_shown("pl").replace("Czy wyrażasz", "Czy wyraża Pan/Pani")
    assert consent_wording_in_english("pl", changed) is None  # what the assistant sends then
    assert languages.consent_in_english(
        {"language": "pl", "wording": changed, "wording_in_english": None}) is None
    # A document stored before the field existed.
    assert languages.consent_in_english({"language": "pl", "wording": changed}) is None
    assert languages.consent_in_english({"language": "pl", "wording_in_english": " "}) is None
    assert languages.consent_in_english(None) is None
