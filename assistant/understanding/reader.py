"""Reading a message as an answer to the question that was asked.

The NLU model gives every message one intent out of all of them; a name is not an intent, and
"Dan Price" or "no, that's all" can come out as an emergency or a wish to stop. So when a form
has asked something (`asked`, Rasa's requested slot), the message is read first as an answer to
it: choices from the phrase tables of the conversation's language (and English, which people
mix in), "none" and "not sure" for what may be left out, names and free text as typed. Only an
unmistakable interruption pre-empts the answer:

- danger, when the emergency phrases are there (or, at a choice, yes/no or date question, when
  the model is very sure about a sentence, not a short phrase): a name never is;
- stopping or starting again, only in words that say so and little else;
- a change of language, asked for in words ("can we do this in Welsh"); at the interpreter
  question a language named is the answer;
- a question back ("what does that mean?"), when the model also reads it as one.

With nothing asked the model's reading stands, except that stopping and starting again still
need words that say so, a first message telling what is happening gets the explanation, and
the emergency phrases always get the 999 advice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from assistant.language_detection import language_request, languages_named_in
from assistant.understanding.kinds import QUESTIONS, Asked
from assistant.understanding.lexicon import Match, available, raw, table
from assistant.understanding.text import emoji_answer, ends_as_question, has_words, tokens

# Intents that interrupt a form (domain.yml's `not_intent` lists).
QUESTIONS_BACK = frozenset({
    "ask_what_is_case_review", "ask_eligibility", "ask_who_can_apply", "ask_process",
    "ask_timescales", "ask_data_sharing", "ask_appeal", "ask_support",
})
TRIAGE = frozenset({"request_human", "report_incident", "make_complaint"})
EXPLICIT = frozenset({"stop", "restart"})
EXPLAINED = "ask_what_is_case_review"
# First messages the model may misread when they tell a story; other intents stand.
STORY_MISREADS = frozenset({"out_of_scope", "nlu_fallback", "greet", "inform", "ask_data_sharing",
                            "report_incident", "make_complaint", "affirm", "deny", "dont_know",
                            "thank", "goodbye"})
# Words asking to switch the conversation, not naming an interpreter's language.
_SWITCH = re.compile(
    r"\b(switch|change|can we|could we|speak to me|talk to me|write to me|newid|siarad a fi|"
    r"siarad efo fi|siarad gyda fi|gawn ni|zmien|schimb|mudar|cambiar|cambia)\b")
MODEL_SURE = 0.9  # the model alone, on a sentence, at a choice/yes-no/date question


@dataclass(frozen=True)
class Reading:
    intent: str
    choice: str | None = None  # a value of the question, "none"/"no_reference", or a language
    emergency: bool = False
    reason: str = "model"  # why: a code for tests and the benchmark, never the text


def read_answer(
    text: str,
    asked: str | None,
    language: str,
    model_intent: str | None = None,
    model_confidence: float = 0.0,
    ranking: Sequence[tuple[str, float]] = (),
    first_message: bool = False,
    offered: Sequence[str] = (),
) -> Reading:
    """How to take `text`, typed when `asked` was the question (None: no question), in a
    conversation in `language`, given the NLU model's intent, confidence and ranking. `offered`
    are the intents of the buttons the assistant's last answer offered ("Apply now", "Not now"):
    with no form question asked, a yes or a no is read against them."""
    model = model_intent or "nlu_fallback"
    if not text or text.startswith("/"):
        return Reading(model)
    stand_in = emoji_answer(text)
    words = tokens(stand_in or text)
    own = tuple(dict.fromkeys((language, *written_in(text, words, language))))
    question = asked and QUESTIONS.get(asked) or None
    matches, preferred = _find(words, own, relevant(question))
    keys = {m.key for m in matches}

    # Every language's danger words count, the others' typed exactly (Bengali "marche" is not
    # the English "march").
    if "emergency" in keys or table(available()).find(words, frozenset({"emergency"}), False):
        return Reading("emergency", emergency=True, reason="danger-words")
    kind = question.kind if question else None
    # A yes or no to the buttons just offered (a confirmation: "yes, start again") first.
    if not question and offered:
        button = _offer_taken(text, words, own, offered, model)
        if button:
            return Reading(button, reason="offer")
    # "can I delete my data later?" asks about stopping; "can we stop" stops.
    opens_stop = any(m.key in ("stop", "restart") and m.start == 0 for m in matches)
    asks_back = ends_as_question(text) or (not opens_stop and any(
        m.key == "question_words" and m.start == 0 for m in matches))
    if asks_back:
        pass
    elif _says_only("stop", matches, words, kind):
        return Reading("stop", reason="stop-words")
    elif _says_only("restart", matches, words, kind):  # confirmed first, as a stop is
        return Reading("stop", choice="restart", reason="restart-words")
    code, bare = named_language(text, question)
    if code:
        switch = bool(_SWITCH.search(" ".join(words)))
        answers_it = bool(question and question.languages)
        if switch or (not answers_it and (bare or not question)):
            return Reading("change_language", choice=code, reason="language-asked")
    if model == "emergency" and _model_danger(question, model_confidence, words):
        return Reading("emergency", emergency=True, reason="model-danger")
    if not question:
        return _nothing_asked(model, ranking, matches, words, first_message)
    return _answer(question, text, words, preferred, model, model_confidence,
                   code, bool(stand_in))


_SCRIPTS = ((0x0A00, 0x0A7F, ("pa",)), (0x0980, 0x09FF, ("bn",)), (0x0600, 0x06FF, ("ar", "ur")),
            (0x0750, 0x077F, ("ar", "ur")), (0xFB50, 0xFDFF, ("ar", "ur")))


def written_in(text: str, words: tuple[str, ...], language: str = "en") -> list[str]:
    """Languages the text shows signs of beyond the conversation's: its script (Gurmukhi is
    Panjabi; Arabic script is Arabic or Urdu, unless the conversation is in one of them), or
    romanised words (Roman Urdu, romanised Panjabi, Banglish)."""
    found: list[str] = []
    for low, high, codes in _SCRIPTS:
        if language not in codes and any(low <= ord(c) <= high for c in text):
            found.extend(codes)
    romanised = romanised_in(words)
    if romanised:
        found.append(romanised)
    return found


def romanised_in(words: tuple[str, ...]) -> str | None:
    """Urdu, Panjabi or Bengali typed in Latin letters, when the words say so: two of the
    language's own common words (one in a message of up to three words)."""
    needed = 1 if len(words) <= 3 else 2
    counts = {code: sum(word in romanised_words(code) for word in words)
              for code in ("ur", "pa", "bn")}
    best = max(counts, key=counts.get)
    return best if counts[best] >= needed else None


@cache
def romanised_words(code: str) -> frozenset[str]:
    return frozenset(phrase[0] for phrase in raw(code).get("romanised", ()) if len(phrase) == 1)


_ALWAYS = ("emergency", "stop", "restart", "not_sure", "question_words", "story", "romanised")


@cache
def relevant(question: Asked | None) -> frozenset[str]:
    """The phrase lists an answer to this question is looked for in: what may always interrupt,
    and the question's own values ("nahin ji" is "no" at a yes/no question, whatever else it
    may mean at the consent question)."""
    keys = set(_ALWAYS)
    if question is not None:
        keys |= {f"choice:{value}" for value in question.values}
        if question.optional:
            keys |= {"none", "choice:no"}
    return frozenset(keys)


def named_language(text: str, question: Asked | None) -> tuple[str | None, bool]:
    """(code, bare): the language the text asks for, and whether it is little more than its
    name. At the interpreter question, any one language named ("a Polish interpreter")."""
    if question and question.languages:
        codes = languages_named_in(text)
        return (codes.pop(), False) if len(codes) == 1 else (None, False)
    return language_request(text)


# Words around "stop" that add nothing ("please stop now").
_POLITE = frozenset({"please", "pls", "plz", "plis", "just", "now", "it", "ok", "okay", "thanks",
                     "os", "gwelwch", "yn", "dda", "diolch"})


def _says_only(key: str, matches: list[Match], words: tuple[str, ...], kind: str | None) -> bool:
    """The phrases of `key` are there and the message says little else: "please stop", "bas
    karo, mujhe nahi chahiye". A one-word phrase must be the whole message, but for politeness
    ("Will Stop" is a name, "they won't stop" a complaint); in free text, nearly all of it."""
    found = [m for m in matches if m.key == key]
    if not found:
        return False
    covered = sum(m.size for m in found)
    if all(m.size == 1 for m in found):
        inside = {i for m in found for i in range(m.start, m.end)}
        return all(i in inside or w in _POLITE for i, w in enumerate(words))
    if kind == "text":  # a story may quote "stop it": there, the phrase must be nearly all
        return len(words) <= covered + 2
    return len(words) <= (covered + 3 if covered == 1 else covered * 4)


def _model_danger(question: Asked | None, confidence: float, words: tuple[str, ...]) -> bool:
    if question is None:
        return confidence >= 0.7
    if question.kind not in ("yes_no", "date"):
        return False  # names, free text, choices typed in words: only the danger words count
    return confidence >= MODEL_SURE and len(words) >= 4


def _next_best(ranking: Sequence[tuple[str, float]], excluded: frozenset[str]) -> str:
    for intent, confidence in ranking:
        if intent not in excluded and intent != "nlu_fallback" and confidence >= 0.15:
            return intent
    return "out_of_scope"


_YES_NO = Asked("yes_no", ("yes", "no"))


def _offer_taken(text: str, words: tuple[str, ...], own: tuple[str, ...],
                 offered: Sequence[str], model: str) -> str | None:
    """The intent of the offered button a yes ("ie", "ايه هلق", "haan ji karo") takes, or "deny"
    for a no; None when the message is not a plain yes or no (or asks something)."""
    if model in QUESTIONS_BACK and ends_as_question(text):
        return None
    _, matches = _find(words, own, relevant(_YES_NO))
    values = {m.key for m in matches if m.key.startswith("choice:")}
    if len(values) != 1 or not _covers(values.pop().split(":", 1)[1], matches, words):
        return None
    if any(m.key == "choice:no" for m in matches):
        return "deny"
    taken = [intent for intent in offered if intent not in ("deny", "change_language")]
    return taken[0] if taken else None


def _nothing_asked(model, ranking, matches, words, first_message) -> Reading:
    if model in EXPLICIT:  # without the words (checked above): not a stop, not a restart
        model = _next_best(ranking, EXPLICIT | {"emergency"})
        if model in STORY_MISREADS and any(m.key == "story" for m in matches):
            return Reading(EXPLAINED, reason="story")
        return Reading(model, reason="not-explicit")
    if model == "emergency":  # the model alone, not sure enough
        model = _next_best(ranking, EXPLICIT | {"emergency"})
    if first_message and len(words) >= 8 and model in ("nlu_fallback", "out_of_scope"):
        return Reading(EXPLAINED, reason="story")  # a long first message tells their story
    story = [m for m in matches if m.key == "story"]
    if story and len(words) >= 6 and model in STORY_MISREADS and (first_message or model in (
            "out_of_scope", "nlu_fallback")):
        return Reading(EXPLAINED, reason="story")
    return Reading(model)


def _question_back(text: str, matches: list[Match], model: str, confidence: float) -> bool:
    """A question to the assistant rather than an answer: asked as a question, and the model
    reads it as one of the questions it answers (or asks for a person)."""
    asked_so = ends_as_question(text) or any(
        m.key == "question_words" and m.start == 0 for m in matches)
    return asked_so and model in (QUESTIONS_BACK | TRIAGE) and confidence >= 0.4


def _answer(question: Asked, text, words, matches, model, confidence, named, emoji) -> Reading:
    picked = {m.key.split(":", 1)[1] for m in matches
              if m.key.startswith("choice:") and m.key.split(":", 1)[1] in question.values}
    says = {m.key for m in matches}
    if _question_back(text, matches, model, confidence):
        return Reading(model, reason="question-back")
    if question.languages and named:
        if named == "en":  # "no need, I speak English"
            return Reading("inform", choice=question.optional, reason="none")
        return Reading("inform", choice=named, reason="language-named")
    if question.optional and _says_only_none(matches, words, emoji, text):
        return Reading("inform", choice=question.optional, reason="none")
    if len(picked) == 1 and question.kind in ("choice", "yes_no", "text", "review"):
        value = picked.pop()
        if question.kind != "text" or _covers(value, matches, words):
            return Reading("inform", choice=value, reason="phrase")
    if question.kind in ("yes_no", "choice") and "not_sure" in says:
        if "not_sure" in question.values:
            return Reading("inform", choice="not_sure", reason="not-sure")
        return Reading("dont_know", reason="not-sure")
    if question.kind == "date" and "not_sure" in says:
        return Reading("dont_know", reason="not-sure")
    if question.kind in ("yes_no", "choice", "date", "agency", "review"):
        if question.kind == "yes_no" and model in ("affirm", "deny") and not picked:
            return Reading(model)
        if question.kind == "review" and model not in EXPLICIT | {"emergency"}:
            return Reading(model)
        if model in TRIAGE and confidence >= MODEL_SURE and len(words) >= 3:
            return Reading(model, reason="triage")
        if not has_words(text) and question.kind != "date":
            return Reading("dont_know", reason="no-words")
    return Reading("inform", reason="answer")


def _covers(value: str, matches: list[Match], words: tuple[str, ...]) -> bool:
    found = [m for m in matches if m.key == f"choice:{value}"]
    return len(words) <= sum(m.size for m in found) + 2


def _find(words: tuple[str, ...], own: tuple[str, ...],
          keys: frozenset[str]) -> tuple[list[Match], list[Match]]:
    """The matches in the message's own languages and English (people mix it in), and the same
    with the choices of its own languages preferred where they name one value: Polish "na" is
    "on", not the English "nah"."""
    merged = table(tuple(dict.fromkeys((*own, "en")))).find(words, keys)
    own_matches = merged if own == ("en",) else table(own).find(words, keys)
    return merged, _prefer(own_matches, merged)


def _prefer(own: list[Match], merged: list[Match]) -> list[Match]:
    """The matches to choose an answer from: the message's own language's choices when they
    name one value, else every language's."""
    chosen = {m.key for m in own if m.key.startswith("choice:")}
    if len(chosen) == 1:
        return [m for m in merged if not m.key.startswith("choice:")] + [
            m for m in own if m.key.startswith("choice:")]
    return merged


def _says_only_none(matches: list[Match], words: tuple[str, ...], emoji: bool, text: str) -> bool:
    """The answer says there is none ("no", "dim", "I don't have one", "not sure", an emoji)."""
    if not has_words(text):
        return True  # "😀", "🤷", "-", "?": nothing to store
    found = [m for m in matches if m.key in ("none", "not_sure", "choice:no", "choice:no_reference",
                                             "choice:none")]
    return bool(found) and len(words) <= sum(m.size for m in found) + 2
