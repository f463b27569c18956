"""Text as people type it, made comparable: one normal form for phrase tables and messages."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Marks removed: Latin accents ("são" = "sao", "ŵ" = "w") and Arabic/Urdu harakat. Marks of the
# Indic scripts (Gurmukhi and Bengali vowel signs, virama) are letters of the word and stay.
_DROPPED_MARKS = ((0x0300, 0x036F), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED))
LETTER_VARIANTS = str.maketrans({
    "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ـ": "", "’": "'", "‘": "'", "`": "'",
    "ı": "i", "ł": "l", "ß": "ss", "ø": "o", "đ": "d",
})
# Emoji that are an answer on their own.
EMOJI_WORDS = {"👍": "yes", "👌": "yes", "✅": "yes", "✔": "yes", "👎": "no", "❌": "no",
               "🤷": "not sure", "🤷‍♀️": "not sure", "🤷‍♂️": "not sure"}


def _dropped(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _DROPPED_MARKS)


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Lower case, Latin accents and Arabic harakat gone, Arabic letter variants unified,
    apostrophes dropped, anything not a letter, digit or mark made a space, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if not _dropped(c)).translate(LETTER_VARIANTS)
    kept = unicodedata.normalize("NFC", kept).replace("'", "")
    out = []
    for char in kept:
        category = unicodedata.category(char)
        out.append(char if category[0] in "LNM" else " ")
    return " ".join("".join(out).split())


def tokens(text: str) -> tuple[str, ...]:
    return tuple(normalise(text).split())


def has_words(text: str) -> bool:
    """Whether the text has any letter or digit (an emoji or "???" has none)."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def emoji_answer(text: str) -> str | None:
    """The word an emoji-only answer stands for ("👍" is yes), or None."""
    bare = "".join(c for c in text if not c.isspace() and c not in "\ufe0f\u200d")
    if not bare or has_words(bare):
        return None
    for emoji, word in EMOJI_WORDS.items():
        if emoji.replace("\u200d", "").replace("\ufe0f", "") in bare:
            return word
    return None


_QUESTION_MARKS = re.compile(r"[?؟？]\s*$")


def ends_as_question(text: str) -> bool:
    return bool(_QUESTION_MARKS.search(text.strip())) if text else False


def within_edits(a: str, b: str, limit: int) -> bool:
    """Whether a and b are at most `limit` single-character edits apart (Levenshtein)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def typo_allowance(word: str) -> int:
    """How many typos a word of a phrase tolerates: none under 5 letters, one, two from 9."""
    return 0 if len(word) < 5 else (1 if len(word) < 9 else 2)
