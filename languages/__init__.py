"""The languages the product speaks: one table (`languages.registry`), read by every part."""

from languages.registry import (
    BY_CODE,
    CODES,
    LANGUAGES,
    ROMANISED,
    SCRIPTS,
    Language,
    language,
    script_ranges,
)

__all__ = ["BY_CODE", "CODES", "LANGUAGES", "ROMANISED", "SCRIPTS", "Language", "language",
           "script_ranges"]
