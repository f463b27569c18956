"""The language registry (languages/): its table as written, and that every part that must have
something per language has it for exactly the registry's languages."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml
from babel import Locale
from lingua import Language as LinguaLanguage

from languages import BY_CODE, CODES, LANGUAGES, ROMANISED, SCRIPTS, language, script_ranges

ROOT = Path(__file__).resolve().parents[2]


def test_the_table_as_written():
    assert CODES == ("en", "cy", "pl", "ro", "ur", "pa", "pt", "es", "ar", "bn")
    assert {x.code: x.own_name for x in LANGUAGES} == {
        "en": "English", "cy": "Cymraeg", "pl": "Polski", "ro": "Română", "pa": "ਪੰਜਾਬੀ",
        "ur": "اردو", "pt": "Português", "es": "Español", "ar": "العربية", "bn": "বাংলা"}
    assert {x.code: x.english_name for x in LANGUAGES} == {
        "en": "English", "cy": "Welsh", "pl": "Polish", "ro": "Romanian", "pa": "Punjabi",
        "ur": "Urdu", "pt": "Portuguese", "es": "Spanish", "ar": "Arabic", "bn": "Bengali"}
    assert {x.code for x in LANGUAGES if x.direction == "rtl"} == {"ar", "ur"}
    assert ROMANISED == ("ur", "pa", "bn")
    assert language("en").locale == "en_GB"
    assert script_ranges()[0] == (0x0A00, 0x0A7F, ("pa",))
    assert (0x0600, 0x06FF, ("ar", "ur")) in script_ranges()
    with pytest.raises(KeyError):
        language("so")


@pytest.mark.parametrize("code", CODES)
def test_each_entry_agrees_with_cldr_and_lingua(code):
    entry = BY_CODE[code]
    locale = Locale.parse(entry.locale)
    assert locale.language == code
    assert entry.direction == ("rtl" if locale.character_order == "right-to-left" else "ltr")
    assert entry.own_name.casefold() == locale.get_display_name(code).split(" (")[0].casefold()
    assert getattr(LinguaLanguage, entry.lingua).iso_code_639_1.name.lower() == code
    letters = [ch for ch in entry.own_name if ch.isalpha()]
    if entry.script == "Latn":
        assert all("LATIN" in unicodedata.name(ch) for ch in letters)
    else:
        assert all(any(low <= ord(ch) <= high for low, high in SCRIPTS[entry.script])
                   for ch in letters)


def _stems(folder: str, pattern: str) -> set[str]:
    return {path.name.split(".")[0] for path in (ROOT / folder).glob(pattern)}


@pytest.mark.parametrize("folder, pattern", [
    ("assistant/locales", "*/LC_MESSAGES/assistant.po"),
    ("web_widget/strings", "*.json"),
    ("assistant/understanding/phrases", "*.yml"),
    ("assistant/dates/words", "*.yml"),
])
def test_every_part_has_each_language_and_no_other(folder, pattern):
    if pattern.startswith("*/"):
        found = {path.parts[-3] for path in (ROOT / folder).glob(pattern)}
    else:
        found = _stems(folder, pattern)
    assert found == set(CODES), folder


def test_every_language_has_nlu_examples_and_the_domain_offers_each():
    assert set(CODES) <= _stems("assistant/data/nlu", "*.yml")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["slots"]["language"]["values"]) == set(CODES)
