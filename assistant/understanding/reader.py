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
from datetime import date, timedelta
from functools import cache

from assistant.language_detection import language_request, languages_named_in
from assistant.understanding.kinds import QUESTIONS, Asked
from assistant.understanding.lexicon import Match, available, raw, table
from assistant.understanding.text import emoji_answer, ends_as_question, has_words, tokens
from handoff.reference import mentions_reference
from languages import ROMANISED, script_ranges

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
    if not question and (reading := _what_else_or_offer(text, words, own, keys, offered, model)):
        return reading
    if reading := _stop_words(text, words, matches, question.kind if question else None):
        return reading
    code, bare = named_language(text, question)
    if code and _switches_language(words, question, bare):
        return Reading("change_language", choice=code, reason="language-asked")
    if model == "emergency" and _model_danger(question, model_confidence, words):
        return Reading("emergency", emergency=True, reason="model-danger")
    if not question:
        return _nothing_asked(text, model, ranking, matches, words, first_message)
    reading = _answer(question, text, words, preferred, model, model_confidence,
                      code, bool(stand_in))
    if question.kind == "date" and reading.intent != "inform" and _a_date(text, own):
        return Reading("inform", reason="date")  # "parson", "yr un noson": a day, whatever else
    return reading


def _what_else_or_offer(text: str, words: tuple[str, ...], own: tuple[str, ...],
                        keys: set[str], offered: Sequence[str], model: str) -> Reading | None:
    """With no question asked: "what else can I do?", where the model places it nowhere better,
    is the other help, then the offer again (after a "not met" it is the question people ask; it
    never starts again); then a yes or no to the buttons just offered (a confirmation: "yes,
    start again"). None for neither."""
    if "what_else" in keys and model not in QUESTIONS_BACK | TRIAGE:
        return Reading("ask_support", reason="what-else")
    if offered:
        button = _offer_taken(text, words, own, offered, model)
        if button:
            return Reading(button, reason="offer")
    return None


def _stop_words(text: str, words: tuple[str, ...], matches: list[Match],
                kind: str | None) -> Reading | None:
    """A stop or a start again, in words that say so and little else, and not asked about: "can
    I delete my data later?" asks about stopping; "can we stop" stops. None otherwise."""
    opens_stop = any(m.key in ("stop", "restart") and m.start == 0 for m in matches)
    asks_back = ends_as_question(text) or (not opens_stop and any(
        m.key in _ASKING and m.start == 0 for m in matches))
    if asks_back:
        return None
    if _says_only("stop", matches, words, kind):
        return Reading("stop", reason="stop-words")
    if _says_only("restart", matches, words, kind):  # confirmed first, as a stop is
        return Reading("stop", choice="restart", reason="restart-words")
    return None


def _switches_language(words: tuple[str, ...], question: Asked | None, bare: bool) -> bool:
    """Whether naming a language asks to switch to it: in words that ask to switch, or, away
    from the interpreter question (where a language named is the answer), with little more
    than its name or with nothing asked."""
    switch = bool(_SWITCH.search(" ".join(words)))
    answers_it = bool(question and question.languages)
    return switch or (not answers_it and (bare or not question))


_SCRIPTS = script_ranges()  # the registry's (languages/): blocks and the languages written in them


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
              for code in ROMANISED}
    best = max(counts, key=counts.get)
    return best if counts[best] >= needed else None


@cache
def romanised_words(code: str) -> frozenset[str]:
    return frozenset(phrase[0] for phrase in raw(code).get("romanised", ()) if len(phrase) == 1)


_ASKING = frozenset({"question_words", "what_else"})  # a message opening with these asks
_ALWAYS = ("emergency", "stop", "restart", "not_sure", "question_words", "story", "what_else",
           "romanised")


@cache
def relevant(question: Asked | None) -> frozenset[str]:
    """The phrase lists an answer to this question is looked for in: what may always interrupt,
    and the question's own values ("nahin ji" is "no" at a yes/no question, whatever else it
    may mean at the consent question)."""
    keys = set(_ALWAYS)
    if question is None:
        keys.add("apply")  # "I want to apply", only where nothing was asked
    else:
        keys |= {f"choice:{value}" for value in question.values}
        if question.optional:
            keys |= {"none", "choice:no"}
        if question.yes_means:
            keys |= {"choice:yes", "choice:no"}
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
    if question is None:  # "ايه هلق" (yes, now) is not danger: a short message needs the words
        return confidence >= 0.7 and len(words) >= 3
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
    taken = [intent for intent in offered if intent not in ("deny", "change_language")]
    _, matches = _find(words, own, relevant(_YES_NO))
    values = {m.key for m in matches if m.key.startswith("choice:")}
    value = values.pop().split(":", 1)[1] if len(values) == 1 else None
    first = min((m for m in matches if m.key.startswith("choice:")), key=lambda m: m.start,
                default=None)
    # A yes takes the one offer ("Apply now" / "Not now"); to a menu, the check, which is what
    # "yes" to "I can check if you can ask for one... what would you like to do?" means.
    if len(taken) > 1:
        taken = ["start_application"] if "start_application" in taken else []
    # "da, hai sa vedem", "yes let's do it now", "go on then lets do it": opened with it.
    if value is None or not (_covers(value, matches, words) or (first.start == 0 and (
            _set_apart(text, first.end) or len(words) <= 8 and model not in QUESTIONS_BACK
            and not ends_as_question(text)))):
        if model in ("affirm", "deny") and taken and len(words) <= 6:
            return taken[0] if model == "affirm" else "deny"
        return None
    if value == "no":
        return "deny"
    return taken[0] if taken else None


def _nothing_asked(text, model, ranking, matches, words, first_message) -> Reading:
    if model == "greet" and len(words) >= 6:  # "good afternoon, I'd like to ask for a review..."
        model = _next_best(ranking, EXPLICIT | {"emergency", "greet"})
    if model in EXPLICIT:  # without the words (checked above): not a stop, not a restart
        model = _next_best(ranking, EXPLICIT | {"emergency"})
        if model in STORY_MISREADS and any(m.key == "story" for m in matches):
            return Reading(EXPLAINED, reason="story")
        return Reading(model, reason="not-explicit")
    if model == "emergency":  # the model alone, not sure enough
        model = _next_best(ranking, EXPLICIT | {"emergency"})
    # A short message the model cannot place that says "apply", and asks nothing, is the wish
    # to apply ("amar ammar hoye ekta abedon korte chai"): the check starts.
    keys = {m.key for m in matches}
    if (model in ("nlu_fallback", "out_of_scope") and "apply" in keys and len(words) <= 12
            and not keys & _ASKING and not any(mark in text for mark in "?؟")):
        return Reading("start_application", reason="apply-words")
    # A first message telling what is happening ("kids keep smashing my shop window and nobody
    # does anything", "music till 3am and the council did nothing") is not a status check unless
    # it speaks of an application or a reference.
    if (model == "ask_status" and first_message and len(words) >= 8 and "apply" not in keys
            and not mentions_reference(text)):
        model = "nlu_fallback"
    # A long message the model cannot place tells the person's story; "inform" answers nothing
    # when nothing was asked. A short first one telling it ("the police did nothing") too.
    unplaced = model in ("nlu_fallback", "out_of_scope", "inform")
    if len(words) >= 8 and (model == "inform" or first_message and unplaced):
        return Reading(EXPLAINED, reason="story")
    if first_message and model == "inform" and len(words) >= 3:
        return Reading(EXPLAINED, reason="story")
    story = [m for m in matches if m.key == "story"]
    if story and len(words) >= 6 and model in STORY_MISREADS and (first_message or unplaced):
        return Reading(EXPLAINED, reason="story")
    return Reading(model)


def _question_back(text: str, matches: list[Match], model: str, confidence: float) -> bool:
    """A question to the assistant rather than an answer: asked as a question, and the model
    reads it as one of the questions it answers (or asks for a person)."""
    return _put_as_question(text, matches) and model in (QUESTIONS_BACK | TRIAGE) and (
        confidence >= 0.4)


def _put_as_question(text: str, matches: list[Match]) -> bool:
    """Ends with a question mark, or opens with a question word ("what", "ble", "kya")."""
    return ends_as_question(text) or any(
        m.key in _ASKING and m.start == 0 for m in matches)


def _answer(question: Asked, text, words, matches, model, confidence, named, emoji) -> Reading:
    if _question_back(text, matches, model, confidence):
        return Reading(model, reason="question-back")
    if question.languages and named:
        return _language_named(question, named)
    if _asks_something(text, words, matches, question):
        # "what do you mean?", "where do I find this number?": never taken as the answer; a
        # person can answer what the assistant cannot, then the question comes again.
        return Reading("request_human", reason="question-unplaced")
    if question.optional and _says_only_none(matches, words, emoji, text, question):
        return Reading("inform", choice=question.optional, reason="none")
    value = _picked(question, matches, text)
    if value and question.kind in ("choice", "yes_no", "text", "review"):
        # Free text, and sending the application, only on words that say little else ("all
        # good but change my phone" is no "send").
        if question.kind not in ("text", "review") or _covers(value, matches, words):
            return Reading("inform", choice=value, reason="phrase")
    says = {m.key for m in matches}
    return (_not_sure(question, says)
            or _closed_question(question, text, words, model, confidence, value)
            or Reading("inform", reason="answer"))


def _language_named(question: Asked, named: str) -> Reading:
    """At the interpreter question, the language named; English is no interpreter ("no need, I
    speak English")."""
    if named == "en":
        return Reading("inform", choice=question.optional, reason="none")
    return Reading("inform", choice=named, reason="language-named")


def _not_sure(question: Asked, says: set[str]) -> Reading | None:
    """A "not sure" at a choice, yes/no or date question: the question's own "not sure" where
    it has one, else a "don't know"; None otherwise."""
    if "not_sure" not in says:
        return None
    if question.kind in ("yes_no", "choice"):
        if "not_sure" in question.values:
            return Reading("inform", choice="not_sure", reason="not-sure")
        return Reading("dont_know", reason="not-sure")
    if question.kind == "date":
        return Reading("dont_know", reason="not-sure")
    return None


def _closed_question(question: Asked, text: str, words: tuple[str, ...], model: str,
                     confidence: float, value: str | None) -> Reading | None:
    """Where the model's reading stands at a yes/no, choice, date, agency or review question
    (or nothing answers it); None to take the message as the answer."""
    kind = question.kind
    if kind not in ("yes_no", "choice", "date", "agency", "review"):
        return None
    if kind == "yes_no" and model in ("affirm", "deny") and not value:
        return Reading(model)
    if kind == "review" and model == "affirm" and len(words) > 4:
        return Reading("inform", reason="review-unclear")  # the buttons again, nothing sent
    if kind == "review" and model not in EXPLICIT | {"emergency"}:
        return Reading(model)
    # "I reported it to the police" at "who did you report it to?" reads as reporting or
    # complaining, and is the answer: only a person asked for interrupts there.
    reported = kind == "agency" and model in TRIAGE - {"request_human"}
    if model in TRIAGE and not reported and confidence >= MODEL_SURE and len(words) >= 3:
        return Reading(model, reason="triage")
    if not has_words(text) and kind != "date":
        return Reading("dont_know", reason="no-words")
    return None


_ANSWER_KEYS = ("none", "not_sure")


def _asks_something(text: str, words: tuple[str, ...], matches: list[Match],
                    question: Asked) -> bool:
    """A question put back instead of an answer: asked as a question, not opening with an
    answer ("no, why?" answers), and short where the answer is free text (a story may ask)."""
    if question.kind in ("name", "address") or not has_words(text):
        return False
    if not _put_as_question(text, matches):
        return False
    if any(m.start == 0 and (m.key.startswith("choice:") or m.key in _ANSWER_KEYS) and (
            m.end == len(words) or _set_apart(text, m.end)) for m in matches):
        return False  # "yes?", "no, why do you need it?"
    if question.kind == "contact" and ("@" in text or sum(c.isdigit() for c in text) >= 5):
        return False
    return question.kind != "text" or len(words) <= 10


def _picked(question: Asked, matches: list[Match], text: str) -> str | None:
    """The value the answer chooses: the one its phrases name; of several, the one it opens
    with, set apart ("oes, ma na un arall"), else the one they say most of ("by post please she
    doesn't use email"). A plain yes or no where the question means one ("do they agree?")."""
    named = _scores(matches, {value: value for value in question.values})
    if not named and question.yes_means:
        named = _scores(matches, dict(zip(("yes", "no"), question.yes_means, strict=True)))
    if len(named) == 1:
        return next(iter(named))
    # The answer first, then the rest: "nu, alea au fost toate" (no, those were all) is a no
    # though "au fost" (it was) says more words.
    opening = min(named.items(), key=lambda item: item[1][1], default=None)
    if opening and opening[1][1] == 0 and _set_apart(text, opening[1][2]):
        return opening[0]
    ranked = sorted(named.items(), key=lambda item: -item[1][0])
    if len(ranked) > 1 and ranked[0][1][0] > ranked[1][1][0]:
        return ranked[0][0]
    return None


def _scores(matches: list[Match], meaning: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """value -> (words its phrases cover, where the first starts, where that one ends)."""
    scores: dict[str, tuple[int, int, int]] = {}
    for m in matches:
        value = meaning.get(m.key.split(":", 1)[1]) if m.key.startswith("choice:") else None
        if value is None:
            continue
        size, start, end = scores.get(value, (0, m.start, m.end))
        scores[value] = (size + m.size, min(start, m.start), end if start <= m.start else m.end)
    return scores


def _set_apart(text: str, words_before: int) -> bool:
    """Whether the first `words_before` words are followed by a comma, a full stop or a dash."""
    parts = re.split(r"\s*[,.;:!\u060c\u3001\u0964-]\s*", text.strip(), maxsplit=1)
    return len(parts) == 2 and len(tokens(parts[0])) == words_before


def _a_date(text: str, own: tuple[str, ...]) -> bool:
    """Whether the date tables read a day or a month in the text, in the conversation's language
    or the one it is written in (the form then checks it against today and the incident)."""
    from assistant.understanding.days import understood_day

    today = date.today()
    return understood_day(text, own[0], today, today - timedelta(days=1)).value is not None


def _covers(value: str, matches: list[Match], words: tuple[str, ...]) -> bool:
    found = [m for m in matches if m.key == f"choice:{value}"]
    return len(words) <= sum(m.size for m in found) + 2


def _find(words: tuple[str, ...], own: tuple[str, ...],
          keys: frozenset[str]) -> tuple[list[Match], list[Match]]:
    """The matches in the message's own languages and English (people mix it in), and the same
    with the choices of its own languages preferred where they name one value: Polish "na" is
    "on", not the English "nah"."""
    merged = _polite(table(tuple(dict.fromkeys((*own, "en")))).find(words, keys), words)
    own_matches = merged if own == ("en",) else _polite(table(own).find(words, keys), words)
    return merged, _prefer(own_matches, merged)


# "ji" is a yes alone, and politeness beside another answer ("nahin ji", "پتہ نہیں جی").
_PARTICLES = frozenset(tokens("ji jee جی জি জ্বি ਜੀ"))


def _polite(matches: list[Match], words: tuple[str, ...]) -> list[Match]:
    if len(words) == 1:
        return matches
    return [m for m in matches if not (m.size == 1 and words[m.start] in _PARTICLES)]


def _prefer(own: list[Match], merged: list[Match]) -> list[Match]:
    """The matches to choose an answer from: the message's own language's choices when they
    name one value, else every language's."""
    chosen = {m.key for m in own if m.key.startswith("choice:")}
    if len(chosen) == 1:
        return [m for m in merged if not m.key.startswith("choice:")] + [
            m for m in own if m.key.startswith("choice:")]
    return merged


def _says_only_none(matches: list[Match], words: tuple[str, ...], emoji: bool, text: str,
                    question: Asked) -> bool:
    """The answer says there is none ("no", "dim", "I don't have one", "not sure", an emoji);
    for a number, any such words without a digit ("no I don't have a reference for that one")."""
    if not has_words(text):
        return True  # "😀", "🤷", "-", "?": nothing to store
    found = [m for m in matches if m.key in ("none", "not_sure", "choice:no", "choice:no_reference",
                                             "choice:none")]
    if question.digits and any(c.isdigit() for c in text):
        return False  # "crime no 14/26/0871": "no" is short for number
    if found and question.digits:
        return True
    return bool(found) and len(words) <= sum(m.size for m in found) + 2
