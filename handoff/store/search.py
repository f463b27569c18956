"""What the inbox's list of applications is searched by, besides the reference: the victim's
name, the applicant's name and the victim's postcode, kept beside the document in one column
(`applications.search_text`) so the database can search them without reading any document. They
are kept folded (case- and space-insensitive: "AN1 2BB", "an12bb" and "An1 2bb" are the same),
the first FIELD_LENGTH characters of each (so the column's index takes any name), and erased with
the document."""

from __future__ import annotations

import unicodedata

# Between the folded fields: folded text never holds it, so no search matches across two.
SEPARATOR = "\n"
FIELD_LENGTH = 100  # three of them stay well inside PostgreSQL's limit for an index entry


def folded(text: str) -> str:
    """`text` as searched: one Unicode form, case folded, without any white space."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def search_text(document: dict) -> str | None:
    """The folded names and postcode of an application document (None when it has none)."""
    victim = document.get("victim") or {}
    applicant = document.get("applicant") or {}
    fields = [folded(value)[:FIELD_LENGTH] for value in (
        victim.get("name"), applicant.get("name"), victim.get("postcode"))
        if isinstance(value, str)]
    return SEPARATOR.join(field for field in fields if field) or None
