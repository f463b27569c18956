"""Bengali words as Banglish: `romanise`.

People who speak Bengali type it in its own script ("আমার আবেদন কোথায়") or in Latin letters as
they say it ("amar abedon kothay"). The count featurizers see the two as different words unless
the Bengali script is read the way Banglish writes it, so an example in one script teaches the
other. This reads each letter as Banglish writers spell its sound; the vowel a consonant carries
without a sign ("o") is dropped at the end of a word and between two syllables ("বলতে" bolte,
"আপনার" apnar), as speakers drop it. It only has to bring the two spellings close: the character
n-grams do the rest. Characters of other scripts are left as they are.
"""

from __future__ import annotations

from functools import lru_cache

# The sound of each letter, as Banglish spells it. Data, not rules: change a spelling here.
CONSONANTS = {
    "ক": "k", "খ": "kh", "গ": "g", "ঘ": "gh", "ঙ": "ng", "চ": "ch", "ছ": "ch", "জ": "j",
    "ঝ": "jh", "ঞ": "n", "ট": "t", "ঠ": "th", "ড": "d", "ঢ": "dh", "ণ": "n", "ত": "t", "থ": "th",
    "দ": "d", "ধ": "dh", "ন": "n", "প": "p", "ফ": "f", "ব": "b", "ভ": "bh", "ম": "m", "য": "j",
    "র": "r", "ল": "l", "শ": "sh", "ষ": "sh", "স": "s", "হ": "h", "ৎ": "t",
    "\u09dc": "r", "\u09dd": "rh", "\u09df": "y",  # ড়, ঢ়, য় (one character each)
}
# A consonant with the dot below (nukta), typed as two characters.
NUKTA = "\u09bc"
WITH_NUKTA = {"ড": "\u09dc", "ঢ": "\u09dd", "য": "\u09df"}
VOWELS = {"অ": "o", "আ": "a", "ই": "i", "ঈ": "i", "উ": "u", "ঊ": "u", "ঋ": "ri", "এ": "e",
          "ঐ": "oi", "ও": "o", "ঔ": "ou"}
VOWEL_SIGNS = {"া": "a", "ি": "i", "ী": "i", "ু": "u", "ূ": "u", "ৃ": "ri", "ে": "e", "ৈ": "oi",
               "ো": "o", "ৌ": "ou"}
# Written, not heard in Banglish: the nasal mark (chandrabindu) and the length mark.
SILENT = {"ঁ", "ৗ"}
OTHER = {"ং": "ng", "ঃ": "h"}
VIRAMA = "্"
INHERENT = "o"
DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")

_FIRST, _LAST = 0x0980, 0x09FF


@lru_cache(maxsize=8192)
def romanise(word: str) -> str:
    """The word with its Bengali letters spelt as Banglish; anything else kept."""
    if not any(_FIRST <= ord(c) <= _LAST for c in word):
        return word
    return "".join(sounds + vowel for sounds, vowel in _vowels(_syllables(word.translate(DIGITS))))


def _syllables(chars: str) -> list[list]:
    """The word as [sounds, vowel, letters]: vowel None until known, VIRAMA while joined to the
    next consonant; letters counts the consonants written in it."""
    units: list[list] = []
    i = 0
    while i < len(chars):
        char = chars[i]
        if char in WITH_NUKTA and chars[i + 1:i + 2] == NUKTA:
            char, i = WITH_NUKTA[char], i + 1
        i += 1
        last = units[-1] if units else [None, "", 0]
        if char in CONSONANTS:
            _consonant(units, char)
        elif char in VOWEL_SIGNS and last[1] is None and last[2]:
            last[1] = VOWEL_SIGNS[char]
        elif char == VIRAMA and last[1] is None and last[2]:
            last[1] = VIRAMA
        elif char in VOWELS:
            units.append(["", VOWELS[char], 0])
        elif char not in SILENT and char != NUKTA:
            units.append([OTHER.get(char, char), "", 0])
    return units


def _consonant(units: list[list], char: str) -> None:
    sound = CONSONANTS[char]
    last = units[-1] if units else None
    if last is None or last[1] != VIRAMA:
        units.append([sound, None, 1])
        return
    if char == "য" and not last[0].endswith("r"):
        sound = "y"  # ্য after a consonant (jophola); after র (ref) it stays j
    last[0], last[1], last[2] = last[0] + sound, None, last[2] + 1


def _vowels(units: list[list]) -> list[tuple[str, str]]:
    """Each consonant without a sign gets its vowel, or none where speakers drop it: at the end of
    a word (not after a cluster: "সাহায্য" sahajyo) and between two syllables when the next
    consonant has a vowel of its own ("করছি" korchi, "বলতে" bolte)."""
    vowels = [v if v != VIRAMA else "" for _, v, _ in units]
    # From the end, as a dropped vowel keeps the one before it: an undecided vowel before counts
    # as said.
    for index in range(len(units) - 1, -1, -1):
        if vowels[index] is not None:
            continue
        if index == 0 or units[index][2] > 1:
            vowels[index] = INHERENT
        elif index == len(units) - 1:
            vowels[index] = ""
        else:
            after = units[index + 1]
            dropped = vowels[index - 1] != "" and after[2] == 1 and bool(vowels[index + 1])
            vowels[index] = "" if dropped else INHERENT
    return [(sounds, vowel) for (sounds, _, _), vowel in zip(units, vowels, strict=True)]
