"""Reference numbers easy to read aloud: `ASB-2026-7F3K9Q`.

Six characters from an alphabet without 0/O or 1/I: five random ones and a check character
(Luhn mod 32), which catches any single mistyped character and any swap of two neighbours.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_BASE = len(ALPHABET)
_VALUE = {char: i for i, char in enumerate(ALPHABET)}
_SHAPE = re.compile(r"^ASB-(\d{4})-([" + ALPHABET + r"]{6})$")


def check_character(body: str) -> str:
    """The Luhn mod N check character for `body` (characters from ALPHABET)."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * _VALUE[char]
        total += addend // _BASE + addend % _BASE
        factor = 1 if factor == 2 else 2
    return ALPHABET[(_BASE - total % _BASE) % _BASE]


def new_reference(year: int) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(5))
    return f"ASB-{year:04d}-{body}{check_character(body)}"


def normalise(text: str) -> str:
    """A reference as someone typed or read it out: upper case, spaces removed."""
    return re.sub(r"\s+", "", text).upper()


def is_valid(reference: str) -> bool:
    """True when `reference` has the right shape and its check character matches."""
    match = _SHAPE.match(reference)
    if not match:
        return False
    code = match.group(2)
    return check_character(code[:5]) == code[5]
