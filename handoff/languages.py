"""How an application made in another language reads to the agency, whose staff read English.

The assistant records the conversation's language and keeps the applicant's answers as given:
free text in their own words, and for some questions (relationship to the victim, safe times) the
title of the button they chose, in their language ("Członek rodziny"). Here: a language code as
its English name ("Polish (pl)"), the English title of such a button, the consent wording in
English, and the lang/dir attributes that mark the applicant's own words. Free text is never
translated.

Names and directions come from the language registry (languages/); the consent wording in
English comes in the document (`consent.wording_in_english`, made by the assistant when it builds
the document). Button titles are read from the assistant's catalogs as data files (the .po files
under assistant/locales), the very words the applicant was shown; nothing of the assistant's code
is imported.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po
from markupsafe import Markup

from languages import BY_CODE, CODES

CODE = re.compile(r"[a-z]{2,3}")
# The assistant's catalogs: assistant/locales/<code>/LC_MESSAGES/assistant.po.
CATALOGS = Path(__file__).resolve().parents[1] / "assistant" / "locales"


@cache
def _locale(code: object) -> Locale | None:
    if not isinstance(code, str) or not CODE.fullmatch(code):
        return None
    try:
        return Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return None


def language_name(code: object) -> str:
    """"pl" -> "Polish (pl)". Anything else (a language named in words, an unknown code) is
    shown as given; None as ""."""
    if isinstance(code, str) and code in BY_CODE:
        return f"{BY_CODE[code].english_name} ({code})"
    locale = _locale(code)
    if locale is None:
        return "" if code is None else str(code)
    return f"{locale.get_display_name('en')} ({code})"  # an interpreter language, from CLDR


def lang_attributes(code: object, words: object = None) -> Markup:
    """The attributes of the element holding the applicant's own words: ` lang="ur" dir="rtl"`
    for a right-to-left language, ` lang="pl" dir="auto"` otherwise (so a name typed in another
    script still reads right); ` dir="auto"` when the language is not known. Words given with
    no right-to-left letter in them (an address typed in Latin letters in an Urdu conversation)
    get dir="auto" too, so "1 Example Road" is not shown as "Example Road 1"."""
    locale = _locale(code)
    if locale is None:
        return Markup(' dir="auto"')
    shipped = BY_CODE.get(code)
    written_right_to_left = (shipped.direction == "rtl" if shipped
                             else locale.character_order == "right-to-left")
    right_to_left = written_right_to_left and (
        not isinstance(words, str) or _has_right_to_left_letter(words))
    direction = "rtl" if right_to_left else "auto"
    return Markup(f' lang="{code}" dir="{direction}"')  # code is [a-z]{2,3}: nothing to escape


def _has_right_to_left_letter(words: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in words)


@cache
def _catalogs() -> dict[str, dict[str, str]]:
    """Every shipped catalog's translated messages: language -> message id -> text."""
    catalogs = {}
    for language in CODES:
        with (CATALOGS / language / "LC_MESSAGES" / "assistant.po").open("rb") as handle:
            catalogs[language] = {m.id: str(m.string) for m in read_po(handle, locale=language)
                                  if m.id and m.string and not m.fuzzy}
    return catalogs


@cache
def _english_titles() -> dict[str, str]:
    """A button title in any language (case-folded) -> the English title of the same button."""
    english = _catalogs().get("en", {})
    return {
        text.strip().casefold(): english[msg_id]
        for catalog in _catalogs().values()
        for msg_id, text in catalog.items()
        if msg_id.startswith("choice-") and msg_id in english
    }


def load() -> None:
    """Read the catalogs now (at start-up) rather than on the first page or email."""
    _english_titles()


def english_title(answer: object) -> str | None:
    """The English title of the assistant's button whose title, in any language, the answer is
    ("Członek rodziny" -> "Family member"); None for the applicant's own words, or an answer
    that is the English title already."""
    if not isinstance(answer, str):
        return None
    english = _english_titles().get(answer.strip().casefold())
    return None if english is None or english == answer.strip() else english


def with_english_title(answer: object) -> str:
    """For plain text: the answer, and its English title in brackets when it is a button's."""
    english = english_title(answer)
    return f"{answer} (in English: {english})" if english else str(answer)


def consent_in_english(consent: object) -> str | None:
    """The consent wording the applicant was shown, in English, as the assistant recorded it in
    the document (None when shown in English, or not recorded)."""
    if not isinstance(consent, dict) or consent.get("language") == "en":
        return None
    english = consent.get("wording_in_english")
    return english if isinstance(english, str) and english.strip() else None
