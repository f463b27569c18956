"""How an application made in another language reads to the agency, whose staff read English.

The assistant records the conversation's language and keeps the applicant's answers as given:
free text in their own words, and for some questions (relationship to the victim, safe times) the
title of the button they chose, in their language ("Członek rodziny"). Here: a language code as
its English name ("Polish (pl)"), the English title of such a button, the consent wording in
English, and the lang/dir attributes that mark the applicant's own words. Free text is never
translated.

Button titles and the consent wording come from the assistant's catalogs (assistant/locales):
the very words the applicant was shown.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import cache

from babel import Locale, UnknownLocaleError
from markupsafe import Markup

from assistant.locales import read_catalog, shipped_languages

CODE = re.compile(r"[a-z]{2,3}")
# Where CLDR's English name is not the one used in England and Wales (the Census's).
_NAMES = {"bn": "Bengali"}
# The assistant's consent question (CONSENT_MSG in assistant/actions/application_form.py).
CONSENT_MESSAGE = "ask-consent-share"


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
    locale = _locale(code)
    if locale is None:
        return "" if code is None else str(code)
    return f"{_NAMES.get(code) or locale.get_display_name('en')} ({code})"


def lang_attributes(code: object, words: object = None) -> Markup:
    """The attributes of the element holding the applicant's own words: ` lang="ur" dir="rtl"`
    for a right-to-left language, ` lang="pl" dir="auto"` otherwise (so a name typed in another
    script still reads right); ` dir="auto"` when the language is not known. Words given with
    no right-to-left letter in them (an address typed in Latin letters in an Urdu conversation)
    get dir="auto" too, so "1 Example Road" is not shown as "Example Road 1"."""
    locale = _locale(code)
    if locale is None:
        return Markup(' dir="auto"')
    right_to_left = locale.character_order == "right-to-left" and (
        not isinstance(words, str) or _has_right_to_left_letter(words))
    direction = "rtl" if right_to_left else "auto"
    return Markup(f' lang="{code}" dir="{direction}"')  # code is [a-z]{2,3}: nothing to escape


def _has_right_to_left_letter(words: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in words)


@cache
def _catalogs() -> dict[str, dict[str, str]]:
    """Every shipped catalog's translated messages: language -> message id -> text."""
    return {
        language: {m.id: str(m.string) for m in read_catalog(language)
                   if m.id and m.string and not m.fuzzy}
        for language in shipped_languages()
    }


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


@cache
def _shown_pattern(template: str) -> re.Pattern[str]:
    """A catalog text as a pattern matching the words it renders to, each placeholder a group."""
    parts: list[str] = []
    seen: set[str] = set()
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>.+?)")
            seen.add(field)
    return re.compile("".join(parts), re.S)


def english_wording(msg_id: str, language: object, shown: object) -> str | None:
    """The English of words the assistant showed in `language` from message `msg_id`: the
    English catalog's text, with the values (such as the agencies' names) read back from the
    words shown. None when the words were shown in English, or no longer match the catalog
    (the wording has changed since)."""
    catalogs = _catalogs()
    if language == "en" or not isinstance(shown, str) or not isinstance(language, str):
        return None
    template = catalogs.get(language, {}).get(msg_id)
    english = catalogs.get("en", {}).get(msg_id)
    if template is None or english is None:
        return None
    match = _shown_pattern(template).fullmatch(shown.strip())
    if match is None:
        return None
    try:
        return english.format(**match.groupdict())
    except (KeyError, IndexError, ValueError):
        return None


def consent_in_english(consent: object) -> str | None:
    """The consent wording the applicant was shown, in English (None if shown in English)."""
    if not isinstance(consent, dict):
        return None
    return english_wording(CONSENT_MESSAGE, consent.get("language"), consent.get("wording"))
