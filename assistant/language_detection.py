"""Which language a message is in, or asks for.

- `language_named_in(text)`: an explicit request for a language ("Cymraeg", "in Welsh please",
  "po polsku", "اردو"), as an ISO 639-1 code. The names come from the `language` synonyms in
  assistant/data/nlu/shared.yml, the same list the NLU model normalises with. A name inside a
  longer sentence that is not a request ("I need a Polish interpreter", "my English is not good")
  is not a request.
- `detect_language(text, shipped)`: the language the text is written in (lingua, offline),
  restricted to the shipped languages; None when the text is too short or lingua is unsure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import yaml

from languages import BY_CODE, CODES, script_ranges

SUPPORTED = CODES  # the registry's (languages/)
_SHARED_NLU = Path(__file__).parent / "data" / "nlu" / "shared.yml"
_OTHER_LANGUAGES = Path(__file__).parent / "other_languages.yml"  # not spoken: "can't speak it"

# Words around a language name that make it a request ("in Welsh please", "yn Gymraeg plis").
_BEFORE = [
    "in", "into", "to", "speak", "talk", "use", "prefer", "want", "switch to", "change to",
    "change it to", "do it in", "yn", "i'r", "ir", "siarad", "newid i", "newid i'r", "isio",
    "eisiau", "moyn", "po", "w jezyku", "em", "en", "in limba", "ب", "بال",
    # "do you speak ...?" as people ask it in their own language
    "sprechen sie", "sprichst du", "parlez vous", "parlez", "hablas", "habla", "fala", "falas",
    "vorbiti", "vorbesti", "mowisz", "mowi pan", "mowi pani", "parli",
]
_AFTER = [
    "please", "pls", "plz", "plis", "os gwelwch yn dda", "prosze", "por favor", "va rog",
    "من فضلك", "میں", "ਵਿੱਚ", "ਵਿਚ", "বলুন", "language", "iaith", "version",
]
# A name in these sentences is not a request for that language.
_NOT_A_REQUEST = re.compile(
    r"interpret|translat|cyfieith|don.?t speak|dont speak|do not speak|not good|not very good|"
    r"cant speak|can.?t speak|ddim yn siarad|ddim yn dda|neighbou?r|family|teulu|cymydog"
)
_FILLER = {
    "please", "pls", "plz", "plis", "can", "we", "i", "you", "do", "it", "the", "a", "speak",
    "talk", "in", "yn", "ga", "gawn", "ni", "os", "gwelwch", "dda", "thanks", "diolch", "ok",
}


def _fold(text: str) -> str:
    from assistant.understanding.text import LETTER_VARIANTS

    text = unicodedata.normalize("NFKD", text.lower()).translate(LETTER_VARIANTS)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", re.sub(r"[.,!?;:()\"“”]", " ", text)).strip()


@lru_cache(maxsize=1)
def language_names() -> dict[str, str]:
    """Every name of a language (folded) -> its ISO 639-1 code: the supported ones from
    shared.yml, others from other_languages.yml."""
    document = yaml.safe_load(_SHARED_NLU.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for item in document.get("nlu", []):
        code = item.get("synonym")
        if code in SUPPORTED:
            for line in item["examples"].splitlines():
                name = line.strip().removeprefix("- ").strip()
                if name:
                    names[_fold(name)] = code
    other = yaml.safe_load(_OTHER_LANGUAGES.read_text(encoding="utf-8"))
    for code, spoken in other.items():
        for name in spoken:
            names.setdefault(_fold(str(name)), code)
    return names


@lru_cache(maxsize=1)
def _name_pattern() -> re.Pattern[str]:
    names = sorted(language_names(), key=len, reverse=True)
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?<!\w)(?P<name>{alternatives})(?!\w)")


def language_named_in(text: str) -> str | None:
    """The language a message explicitly asks for, as an ISO 639-1 code, or None."""
    return language_request(text)[0]


def languages_named_in(text: str) -> set[str]:
    """Every supported language the text names, request or not ("a Polish interpreter")."""
    if not text or text.startswith("/"):
        return set()
    return {language_names()[m["name"]] for m in _name_pattern().finditer(_fold(text))}


def language_request(text: str) -> tuple[str | None, bool]:
    """The language a message asks for (or None), and whether the message is little more than
    the language's name ("Cymraeg", "haan urdu"): at the interpreter question that is an answer,
    not a request to switch."""
    if not text or text.startswith("/"):
        return None, False
    folded = _fold(text)
    matches = list(_name_pattern().finditer(folded))
    if not matches or _NOT_A_REQUEST.search(folded):
        return None, False
    codes = {language_names()[m["name"]] for m in matches}
    if len(codes) != 1:
        return None, False  # "English or Welsh?": not a clear request
    code = codes.pop()
    rest = _name_pattern().sub(" ", folded).split()
    if len([word for word in rest if word not in _FILLER]) <= 1:
        return code, True
    before_words, after_words = _request_words()
    for match in matches:
        before = folded[: match.start()].rstrip()
        after = folded[match.end():].lstrip()
        if before_words.search(before) or after_words.match(after):
            return code, False
    return None, False


@lru_cache(maxsize=1)
def _request_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    def alternatives(words: list[str]) -> str:
        return "|".join(re.escape(_fold(word)) for word in sorted(words, key=len, reverse=True))

    return (
        re.compile(rf"(?:^|\s)(?:{alternatives(_BEFORE)})$"),
        re.compile(rf"(?:{alternatives(_AFTER)})(?!\w)"),
    )


# --- detection ---------------------------------------------------------------------------------

# Scripts used by only one supported language: a message in them is that language.
_SCRIPT_OF = tuple((chr(low), chr(high), codes[0])
                   for low, high, codes in script_ranges() if len(codes) == 1)


@lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...]):
    from lingua import Language, LanguageDetectorBuilder

    wanted = [getattr(Language, BY_CODE[code].lingua) for code in languages]
    if len(wanted) == 1:
        return None
    return (
        LanguageDetectorBuilder.from_languages(*wanted)
        .with_minimum_relative_distance(0.1)
        .with_preloaded_language_models()
        .build()
    )


def detect_language(text: str, shipped: Sequence[str]) -> str | None:
    """The shipped language `text` is written in, or None when too short or unsure."""
    languages = tuple(sorted({code for code in shipped if code in SUPPORTED}))
    if not text or not languages or text.startswith("/"):
        return None
    letters = [ch for ch in text if ch.isalpha()]
    for low, high, code in _SCRIPT_OF:
        if code in languages and letters and sum(low <= ch <= high for ch in letters) > len(
                letters) / 2:
            return code
    words = text.split()
    if len(letters) < 5:
        return None
    from assistant.understanding.reader import romanised_in
    from assistant.understanding.text import tokens

    romanised = romanised_in(tokens(text))
    if romanised in languages:
        return romanised
    if len(languages) == 1:
        return languages[0]
    detector = _detector(languages)
    values = detector.compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    needed = 0.8 if len(words) < 2 else 0.6
    if best.value < needed:
        return None
    return next((code for code in languages if BY_CODE[code].lingua == best.language.name), None)


def warm_up(shipped: Sequence[str]) -> None:
    """Load lingua's models for the shipped languages now (a few seconds, about 250 MB), so the
    first message of the first conversation does not wait for them. Call once at start-up."""
    languages = tuple(sorted({code for code in shipped if code in SUPPORTED}))
    if len(languages) > 1:
        _detector(languages)
    language_names()
