"""Reference numbers easy to read aloud: `ASB-2026-7F3K9Q`.

Six characters from an alphabet without 0/O or 1/I: five random ones and a check character.
The check is Damm's algorithm over the 32 characters, with the quasigroup x∘y = 2x + y in the
field GF(32): it catches any single wrong character and any swap of two neighbours (the check
character included), which the Luhn mod N scheme does not for every pair.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_VALUE = {char: i for i, char in enumerate(ALPHABET)}
_SHAPE = re.compile(r"^ASB-(\d{4})-([" + ALPHABET + r"]{6})$")
# A reference's shape, whole or in part, anywhere in a text, its check character unchecked.
_MENTIONED = re.compile(r"\bASB\W*\d{4}\b|\b(?=[" + ALPHABET + r"]*\d)(?=[" + ALPHABET
                        + r"]*[A-Z])[" + ALPHABET + r"]{6}\b")
_MODULUS = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)


def _twice(value: int) -> int:
    """2·value in GF(32)."""
    value <<= 1
    return value ^ _MODULUS if value & 0b100000 else value


def _interim(code: str) -> int:
    state = 0
    for char in code:
        state = _twice(state) ^ _VALUE[char]
    return state


def check_character(body: str) -> str:
    """The character that brings the Damm interim of `body` + it to zero."""
    return ALPHABET[_twice(_interim(body))]


def new_reference(year: int) -> str:
    # 32 characters: the low five bits of a random byte pick one without bias.
    body = "".join(ALPHABET[byte & 31] for byte in secrets.token_bytes(5))
    return f"ASB-{year:04d}-{body}{check_character(body)}"


def normalise(text: str) -> str:
    """A reference as someone typed or read it out: upper case, spaces removed."""
    return re.sub(r"\s+", "", text).upper()


def is_valid(reference: str) -> bool:
    """True when `reference` has the right shape and its check character matches."""
    match = _SHAPE.match(reference)
    if not match:
        return False
    return _interim(match.group(2)) == 0


def mentions_reference(text: str) -> bool:
    """Whether a text speaks of a reference: "ASB-2026-7F3K9Q", "asb 2026", "7f3k9q" (its six
    characters, letters and digits mixed), even mistyped. Not "3am", "5 times" or "since 2024"."""
    return bool(_MENTIONED.search(text.upper()))


def parse_reference(text: str, prefix: str = "ASB") -> str | None:
    """A reference as people type it (lower case, spaces or hyphens missing or extra, the
    prefix left off) in its printed form, or None when it cannot be one or its check character
    is wrong (never guessed at: a wrong character could be any of several)."""
    compact = re.sub(r"[\s\-_.–—]+", "", text).upper()
    match = re.fullmatch(rf"(?:{prefix})?(\d{{4}})([{ALPHABET}]{{6}})", compact)
    if not match:
        return None
    year, body = match.groups()
    if check_character(body[:5]) != body[5]:
        return None
    return f"{prefix}-{year}-{body}"
