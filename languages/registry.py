"""Every language the product speaks, once: the assistant, the handoff service, the deployment
file's checks, the stack and the widget all read this table (docs/languages.md).

A language here must also have the assistant's catalog, NLU examples, phrase and date tables and
the widget's words (docs/languages.md, "Adding a language"); the tests check that each one does.
This module imports nothing of the project, so every package may import it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, as the slot, the document and the deployment file write it
    english_name: str  # as the agency reads it (the Census's name where CLDR's differs)
    own_name: str  # the language's name in itself, on the language buttons and the widget
    direction: str  # "ltr" or "rtl"
    script: str  # ISO 15924 code of the script the assistant writes it in (SCRIPTS)
    lingua: str  # the name of its `lingua.Language`, for language detection
    locale: str  # the Babel locale its dates and numbers are written with
    romanised: bool = False  # also typed in Latin letters (Roman Urdu, Banglish…)


# Unicode blocks of each script other than Latin: a message in them is in one of the languages
# written in that script.
SCRIPTS: dict[str, tuple[tuple[int, int], ...]] = {
    "Guru": ((0x0A00, 0x0A7F),),
    "Beng": ((0x0980, 0x09FF),),
    "Arab": ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF)),
}

LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English", "ltr", "Latn", "ENGLISH", "en_GB"),
    Language("cy", "Welsh", "Cymraeg", "ltr", "Latn", "WELSH", "cy"),
    Language("pl", "Polish", "Polski", "ltr", "Latn", "POLISH", "pl"),
    Language("ro", "Romanian", "Română", "ltr", "Latn", "ROMANIAN", "ro"),
    Language("ur", "Urdu", "اردو", "rtl", "Arab", "URDU", "ur", romanised=True),
    Language("pa", "Punjabi", "ਪੰਜਾਬੀ", "ltr", "Guru", "PUNJABI", "pa", romanised=True),
    Language("pt", "Portuguese", "Português", "ltr", "Latn", "PORTUGUESE", "pt"),
    Language("es", "Spanish", "Español", "ltr", "Latn", "SPANISH", "es"),
    Language("ar", "Arabic", "العربية", "rtl", "Arab", "ARABIC", "ar"),
    Language("bn", "Bengali", "বাংলা", "ltr", "Beng", "BENGALI", "bn", romanised=True),
)

BY_CODE: dict[str, Language] = {language.code: language for language in LANGUAGES}
CODES: tuple[str, ...] = tuple(BY_CODE)  # English first, then as above
# Written in Latin letters too: read for their romanised words on any page, in this order (the
# first wins a tie).
ROMANISED: tuple[str, ...] = tuple(language.code for language in LANGUAGES if language.romanised)


def language(code: str) -> Language:
    """The registry's entry for `code` (KeyError for a language the product does not speak)."""
    return BY_CODE[code]


def script_ranges() -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """(first, last code point, the languages written in it) for every block of SCRIPTS that a
    language here is written in."""
    return tuple(
        (low, high, codes)
        for script, blocks in SCRIPTS.items()
        if (codes := tuple(sorted(x.code for x in LANGUAGES if x.script == script)))
        for low, high in blocks
    )
