"""Every word the assistant says, one Babel/gettext catalog per language.

Catalogs live in `assistant/locales/<lang>/LC_MESSAGES/assistant.po` and use message ids (such as
`triage-emergency`), not English source text, so English is a translation like any other and a
missing message is an error, never a silent fallback. `python -m assistant.locales compile` writes
the .mo files the action server reads (the setup runs it).
"""

from __future__ import annotations

import gettext
import string
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from languages import CODES

LOCALES_DIR = Path(__file__).resolve().parent
DOMAIN = "assistant"


class CatalogError(RuntimeError):
    """A catalog is missing, not compiled, or lacks a message."""


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def shipped_languages() -> tuple[str, ...]:
    """The registry's languages (languages/), English first: each has a catalog here (the
    tests check there is no other)."""
    return CODES


def read_catalog(language: str):
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def compile_catalogs() -> list[Path]:
    """Compile every .po into its .mo (fuzzy entries are left out, as gettext does)."""
    written = []
    for language in shipped_languages():
        catalog = read_catalog(language)
        target = mo_path(language)
        with target.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(target)
    translations.cache_clear()
    return written


@cache
def translations(language: str) -> gettext.GNUTranslations:
    po, mo = po_path(language), mo_path(language)
    if not po.exists():
        raise CatalogError(f"no catalog for language {language!r} ({po})")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        raise CatalogError(
            f"{mo} is missing or older than its .po: run `python -m assistant.locales compile`"
        )
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def message(language: str, msg_id: str) -> str:
    """The catalog text of `msg_id` in `language`, placeholders unfilled."""
    text = translations(language)._catalog.get(msg_id)  # noqa: SLF001 - no public lookup
    if not text:
        raise CatalogError(f"message {msg_id!r} is missing from the {language!r} catalog")
    return text


def catalog_ids(language: str) -> list[str]:
    """The message ids of the compiled catalog of `language` (plural forms left out)."""
    catalog = translations(language)._catalog  # noqa: SLF001 - no public lookup
    return sorted(key for key in catalog if isinstance(key, str) and key)


def placeholders(text: str) -> frozenset[str]:
    """The named placeholders of a message: "{day}" -> {"day"}."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def catalog_problems(directory: Path = LOCALES_DIR, reference: str = "en") -> list[str]:
    """Every message missing, empty, fuzzy or with other placeholders than the reference
    language's, in every catalog under `directory`: what `make test` refuses to ship."""
    catalogs = {}
    for path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = path.parent.parent.name
        with path.open("rb") as handle:
            catalogs[language] = {m.id: m for m in read_po(handle, locale=language) if m.id}
    if reference not in catalogs:
        return [f"no {reference!r} catalog under {directory}"]
    problems = []
    expected = catalogs[reference]
    for language, messages in catalogs.items():
        for msg_id in sorted(set(expected) - set(messages)):
            problems.append(f"{language}: {msg_id!r} is missing")
        for msg_id in sorted(set(messages) - set(expected)):
            problems.append(f"{language}: {msg_id!r} is not in the {reference!r} catalog")
        for msg_id, entry in messages.items():
            if not entry.string or not str(entry.string).strip():
                problems.append(f"{language}: {msg_id!r} is not translated")
            elif entry.fuzzy:
                problems.append(f"{language}: {msg_id!r} is marked fuzzy")
            elif msg_id in expected and placeholders(entry.string) != placeholders(
                    expected[msg_id].string):
                problems.append(
                    f"{language}: {msg_id!r} has placeholders "
                    f"{sorted(placeholders(entry.string))}, {reference!r} has "
                    f"{sorted(placeholders(expected[msg_id].string))}"
                )
    return problems
