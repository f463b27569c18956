"""How typed text and the word tables are both made plain before they are compared.

The same `normalise` is applied to what people type and to every phrase of the word tables, so a
table may be written with accents and still match text typed without them:

- lower case; digits of every script as 0-9 ("৩", "٣", "੩" -> "3");
- Latin accents and marks removed ("marțea trecută" -> "martea trecuta", "zeszły" -> "zeszly");
- Arabic and Urdu: harakat and tatweel removed, letter variants unified (أ/إ/آ -> ا, ي/ى -> ی,
  ك -> ک, ة/ۃ/ہ -> ه); Gurmukhi nukta, adhak, tippi and bindi removed ("ਹਫ਼ਤੇ" = "ਹਫਤੇ",
  "ਤਿੰਨ" = "ਤਿਨ"); Bengali nukta and chandrabindu removed; zero-width joiners removed;
- apostrophes removed ("bore 'ma" -> "bore ma"), other punctuation a space, except the dots,
  slashes and dashes inside numbers ("12.3.26", "12/03", "2026-03-12"); a dash between a number
  and a word is dropped ("3-go" -> "3go"), one between words is a space ("terça-feira");
- single spaces, nothing at either end.
"""

from __future__ import annotations

import re
import unicodedata

_DROP = {
    *range(0x0300, 0x0370),  # Latin combining accents (after NFD)
    *range(0x064B, 0x0660), 0x0670, 0x0640,  # Arabic harakat, superscript alef, tatweel
    0x0A3C, 0x0A70, 0x0A71, 0x0A02, 0x0A01,  # Gurmukhi nukta, tippi, adhak, bindi, adak bindi
    0x09BC, 0x0981,  # Bengali nukta, chandrabindu
    0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF,  # zero width, direction marks
}
_MAP = str.maketrans({
    "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ı": "i",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ي": "ی", "ى": "ی", "ك": "ک",
    "ة": "ه", "ۃ": "ه", "ہ": "ه",
    "،": " ", "؛": " ", "؟": " ", "۔": " ", "٫": ".", "٬": " ",
    "’": "", "‘": "", "'": "", "`": "", "´": "", "ʼ": "",
})
_KEEP_PUNCT = "./-"


def western_digits(text: str) -> str:
    """Bengali, Gurmukhi, Arabic-Indic and other decimal digits as 0-9."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def normalise(text: str) -> str:
    text = western_digits(unicodedata.normalize("NFD", text.casefold()))
    text = "".join(ch for ch in text if ord(ch) not in _DROP).translate(_MAP)
    text = unicodedata.normalize("NFC", text)
    chars = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in _KEEP_PUNCT or category[0] not in "PSZC":
            chars.append(ch)
        else:
            chars.append(" ")
    text = "".join(chars)
    # dots, slashes and dashes are kept only inside numbers
    text = re.sub(r"(?<=[0-9])-(?=[^\W\d_])|(?<=[^\W\d_])-(?=[0-9])", "", text)
    text = re.sub(r"(?<![0-9])[./-]|[./-](?![0-9])", " ", text)
    return re.sub(r"\s+", " ", text).strip()
