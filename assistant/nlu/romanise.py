"""Bengali and Panjabi words as people spell them in Latin letters: `romanise`.

People who speak Bengali or Panjabi type it in its own script ("আমার আবেদন কোথায়", "ਮੇਰੀ ਅਰਜ਼ੀ
ਕਿੱਥੇ ਹੈ") or in Latin letters as they say it ("amar abedon kothay", "meri arzi kitthe hai"). The
count featurizers see the two as different words unless the script is read the way those Latin
spellings write it, so an example in one teaches the other. Each letter is read as its sound is
commonly spelt; the vowel a consonant carries without a sign (Bengali "o", Panjabi "a") is dropped
at the end of a word and between two syllables ("বলতে" bolte, "আপনার" apnar), as speakers drop
it. It only has to bring the two spellings close: the character n-grams do the rest. Characters of
other scripts are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class Script:
    """One script's letters and their sounds. Data, not rules: change a spelling here."""

    first: int  # the script's Unicode block
    last: int
    consonants: dict[str, str]
    vowels: dict[str, str]  # written on their own
    vowel_signs: dict[str, str]  # written on a consonant
    inherent: str  # the vowel a consonant carries without a sign
    virama: str  # joins a consonant to the next one
    digits: str
    # A consonant and the dot below it (nukta), typed as two characters: the letter they make.
    nukta: str = ""
    with_nukta: dict[str, str] = field(default_factory=dict)
    codas: dict[str, str] = field(default_factory=dict)  # marks heard after the vowel (nasals)
    silent: frozenset[str] = frozenset()
    doubling: str = ""  # a mark that doubles the next consonant (Gurmukhi addak)
    # Consonants read otherwise joined after another: (letter, new sound, unless after this).
    joined: tuple[tuple[str, str, str], ...] = ()


BENGALI = Script(
    first=0x0980, last=0x09FF,
    consonants={
        "ক": "k", "খ": "kh", "গ": "g", "ঘ": "gh", "ঙ": "ng", "চ": "ch", "ছ": "ch", "জ": "j",
        "ঝ": "jh", "ঞ": "n", "ট": "t", "ঠ": "th", "ড": "d", "ঢ": "dh", "ণ": "n", "ত": "t",
        "থ": "th", "দ": "d", "ধ": "dh", "ন": "n", "প": "p", "ফ": "f", "ব": "b", "ভ": "bh",
        "ম": "m", "য": "j", "র": "r", "ল": "l", "শ": "sh", "ষ": "sh", "স": "s", "হ": "h",
        "ৎ": "t", "\u09dc": "r", "\u09dd": "rh", "\u09df": "y",  # ড়, ঢ়, য় as one character each
    },
    vowels={"অ": "o", "আ": "a", "ই": "i", "ঈ": "i", "উ": "u", "ঊ": "u", "ঋ": "ri", "এ": "e",
            "ঐ": "oi", "ও": "o", "ঔ": "ou"},
    vowel_signs={"া": "a", "ি": "i", "ী": "i", "ু": "u", "ূ": "u", "ৃ": "ri", "ে": "e",
                 "ৈ": "oi", "ো": "o", "ৌ": "ou"},
    inherent="o", virama="্", digits="০১২৩৪৫৬৭৮৯",
    nukta="\u09bc", with_nukta={"ড": "\u09dc", "ঢ": "\u09dd", "য": "\u09df"},
    codas={"ং": "ng", "ঃ": "h"},
    silent=frozenset({"ঁ", "ৗ"}),  # the nasal mark (chandrabindu) and the length mark
    joined=(("য", "y", "r"),),  # ্য after a consonant (jophola) is y; after র (ref) it stays j
)

GURMUKHI = Script(
    first=0x0A00, last=0x0A7F,
    consonants={
        "ਸ": "s", "ਹ": "h", "ਕ": "k", "ਖ": "kh", "ਗ": "g", "ਘ": "gh", "ਙ": "ng", "ਚ": "ch",
        "ਛ": "ch", "ਜ": "j", "ਝ": "jh", "ਞ": "n", "ਟ": "t", "ਠ": "th", "ਡ": "d", "ਢ": "dh",
        "ਣ": "n", "ਤ": "t", "ਥ": "th", "ਦ": "d", "ਧ": "dh", "ਨ": "n", "ਪ": "p", "ਫ": "f",
        "ਬ": "b", "ਭ": "bh", "ਮ": "m", "ਯ": "y", "ਰ": "r", "ਲ": "l", "ਵ": "v", "ੜ": "r",
        "\u0a36": "sh", "\u0a59": "kh", "\u0a5a": "g", "\u0a5b": "z", "\u0a5e": "f",
        "\u0a33": "l",  # ਸ਼ ਖ਼ ਗ਼ ਜ਼ ਫ਼ ਲ਼ as one character each
    },
    # Long and short a are both typed "a" ("pata", "sakda"), as most people type them.
    vowels={"ਅ": "a", "ਆ": "a", "ਇ": "i", "ਈ": "i", "ਉ": "u", "ਊ": "u", "ਏ": "e", "ਐ": "ai",
            "ਓ": "o", "ਔ": "au"},
    vowel_signs={"ਾ": "a", "ਿ": "i", "ੀ": "i", "ੁ": "u", "ੂ": "u", "ੇ": "e", "ੈ": "ai",
                 "ੋ": "o", "ੌ": "au"},
    inherent="a", virama="੍", digits="੦੧੨੩੪੫੬੭੮੯",
    nukta="\u0a3c",
    with_nukta={"ਸ": "\u0a36", "ਖ": "\u0a59", "ਗ": "\u0a5a", "ਜ": "\u0a5b", "ਫ": "\u0a5e",
                "ਲ": "\u0a33"},
    codas={"ੰ": "n", "ਂ": "n"},  # tippi and bindi: "ਪੰਜਾਬੀ" panjabi, "ਹੁੰਦਾ" hunda, "ਮੈਂ" main
    silent=frozenset({"ੑ", "ੵ"}),  # udaat, yakash
    doubling="ੱ",  # addak: "ਕਿੱਥੇ" kitthe
)

SCRIPTS = (BENGALI, GURMUKHI)


def _script(word: str) -> Script | None:
    for script in SCRIPTS:
        if any(script.first <= ord(c) <= script.last for c in word):
            return script
    return None


@lru_cache(maxsize=8192)
def romanise(word: str) -> str:
    """The word with its Bengali or Gurmukhi letters spelt as they are in Latin letters; anything
    else kept."""
    script = _script(word)
    if script is None:
        return word
    chars = word.translate(str.maketrans(script.digits, "0123456789"))
    units = _Syllables(script).read(chars)
    return "".join(sounds + vowel for sounds, vowel in _vowels(units, script.inherent))


class _Syllables:
    """The word as [sounds, vowel, letters]: vowel None until known, the virama while joined to
    the next consonant; letters counts the consonants written in the syllable."""

    def __init__(self, script: Script):
        self.script = script
        self.units: list[list] = []
        self.double = False

    def read(self, chars: str) -> list[list]:
        script, i = self.script, 0
        while i < len(chars):
            char = chars[i]
            if char in script.with_nukta and chars[i + 1:i + 2] == script.nukta:
                char, i = script.with_nukta[char], i + 1
            i += 1
            last = self.units[-1] if self.units else [None, "", 0]
            open_consonant = last[1] is None and last[2] > 0
            if char in script.consonants:
                self._consonant(char)
            elif char in script.vowel_signs and open_consonant:
                last[1] = script.vowel_signs[char]
            elif char == script.virama and open_consonant:
                last[1] = script.virama
            elif char in script.vowels:
                self.units.append(["", script.vowels[char], 0])
            elif char in script.codas and self.units:
                last[1] = (script.inherent if last[1] is None else last[1]) + script.codas[char]
            elif char == script.doubling:
                self.double = True
            elif char not in script.silent and char != script.nukta:
                self.units.append([char, "", 0])
        return [[s, "" if v == self.script.virama else v, n] for s, v, n in self.units]

    def _consonant(self, char: str) -> None:
        sound = self.script.consonants[char]
        if self.double:
            sound, self.double = sound[0] + sound, False
        last = self.units[-1] if self.units else None
        if last is None or last[1] != self.script.virama:
            self.units.append([sound, None, 1])
            return
        for letter, joined, unless_after in self.script.joined:
            if char == letter and not last[0].endswith(unless_after):
                sound = joined
        last[0], last[1], last[2] = last[0] + sound, None, last[2] + 1


def _vowels(units: list[list], inherent: str) -> list[tuple[str, str]]:
    """Each consonant without a sign gets its vowel, or none where speakers drop it: at the end of
    a word (not after a cluster: "সাহায্য" sahajyo) and between two syllables when the next
    consonant has a vowel of its own ("করছি" korchi, "বলতে" bolte)."""
    vowels = [v for _, v, _ in units]
    # From the end, as a dropped vowel keeps the one before it: an undecided vowel before counts
    # as said.
    for index in range(len(units) - 1, -1, -1):
        if vowels[index] is not None:
            continue
        if index == 0 or units[index][2] > 1:
            vowels[index] = inherent
        elif index == len(units) - 1:
            vowels[index] = ""
        else:
            after = units[index + 1]
            dropped = vowels[index - 1] != "" and after[2] == 1 and bool(vowels[index + 1])
            vowels[index] = "" if dropped else inherent
    return [(sounds, vowel) for (sounds, _, _), vowel in zip(units, vowels, strict=True)]
