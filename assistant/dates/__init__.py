"""Understanding a date typed in any shipped language: `understand_date(text, language, today)`.

One rule engine (`rules.py`) reads every language from its word table (`words/<language>.yml`,
data): today, this morning, last night, yesterday, the day before yesterday, "N days / weeks /
months ago" in digits or words, a fortnight ago, last <weekday>, on <weekday>, last week / month,
"early / mid / late <month>", a day and a month name with or without a year, a month alone, and
numbers day first (12/3, 12/03/2026, 12.3.26, 2026-03-12). Text is compared after `normalise`
(no case, no accents, one spelling of Arabic and Urdu letters, Gurmukhi and Bengali without the
marks people often leave out), so "acum doua saptamani" is read like "acum două săptămâni".

"The same day", "the next day", "two days later" mean something only relative to an `anchor`
(for the report date, the incident date); with no anchor they are not understood and nothing
else guesses them. Words that mean both yesterday and tomorrow (Urdu "کل", Panjabi "ਕੱਲ੍ਹ",
Bengali "কাল") are read as the past but `certain=False` unless a past tense is typed with them
("kal hua tha"), so the assistant asks again with the date picker.

When a language's own words say nothing, its table may fall back to English words (people in
Wales and England mix them in: "pichle tuesday", "2 weeks pehle" are read by the Urdu table
itself, "last week" typed in a Polish conversation by the English one, without the short names
"sun", "sat", "mar" that are words elsewhere); then a short answer is read again with one typo
corrected ("last tusday"); then, if it has a number in it, dateparser, restricted to the
language, dates preferred from the past, day first: the last resort, built once per language
and day.

`value` is the best single day: for `grain="month"` the first of the month (the 15th for "mid",
the last day for "end of"), for `grain="week"` the day that many weeks ago. A day or month with
no year is the latest one on or before today; a date after today is understood and flagged
`in_future`. Hedges ("about", "tua", "creo que", "تقریباً") make the answer `approximate`. Nothing
here reaches the network.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache

from assistant.dates.answer import NOT_UNDERSTOOD, DateAnswer, Grain
from assistant.dates.guess import dateparser_guess
from assistant.dates.rules import NoDay, Rules, numeric
from assistant.dates.text import normalise, western_digits
from assistant.dates.words import languages, load

__all__ = ["NOT_UNDERSTOOD", "DateAnswer", "Grain", "languages", "understand_date"]


def understand_date(text: str, language: str, today: date,
                    anchor: date | None = None) -> DateAnswer:
    """The date `text` means, typed in `language` (ISO 639-1), relative to `today`; "the same
    day" and "the next day" relative to `anchor` (None: they mean nothing)."""
    if not text or not text.strip():
        return NOT_UNDERSTOOD
    language = (language or "en").lower()
    cleaned = normalise(text)
    answer: DateAnswer | NoDay | None = None
    hedged = False
    for rules in _readers(language):  # its own words, then English ones
        hedged_here, stripped = rules.strip_hedges(cleaned)
        hedged = hedged or hedged_here
        answer = rules.read(stripped, today, anchor)
        if answer is not None:
            break
    if answer is None and _readers(language):  # then with small typos corrected
        own = _readers(language)[0]
        corrected = own.correct(cleaned)
        if corrected is not None:
            hedged_here, stripped = own.strip_hedges(corrected)
            answer = own.read(stripped, today, anchor)
            hedged = hedged or hedged_here
    if not _readers(language):
        answer = numeric(cleaned, today)
        return NOT_UNDERSTOOD if answer is None else _final(answer, False, today)
    if answer is None and any(ch.isdigit() for ch in cleaned):
        # the last resort, for numbers written in ways the rules do not know; words alone are
        # not guessed ("nie" is no Sunday, "y" no year)
        answer = dateparser_guess(western_digits(text.strip().lower()), language, today)
    if not isinstance(answer, DateAnswer) or answer.value is None:
        return NOT_UNDERSTOOD
    return _final(answer, hedged, today)


def _final(answer: DateAnswer, hedged: bool, today: date) -> DateAnswer:
    assert answer.value is not None
    return DateAnswer(
        value=answer.value,
        approximate=answer.approximate or hedged,
        grain=answer.grain,
        in_future=answer.in_future or answer.value > today,
        certain=answer.certain,
    )


@cache
def _rules(language: str) -> Rules | None:
    words = load(language)
    return Rules(words) if words is not None else None


@cache
def _fallback_rules(language: str) -> Rules | None:
    """A table as a fallback for another language: without its short weekday and month names,
    which are words elsewhere ("sun" is "call" in Romanian, "sat" a greeting in Panjabi)."""
    words = load(language)
    if words is None:
        return None
    return Rules(replace(
        words,
        weekdays={k: v for k, v in words.weekdays.items() if len(k) > 4},
        months={k: v for k, v in words.months.items()
                if len(k) > 4 and k not in words.ambiguous_months},
    ))


@cache
def _readers(language: str) -> tuple[Rules, ...]:
    """The language's own rules, then those of the languages its table falls back to."""
    own = _rules(language)
    if own is None:
        return ()
    return (own, *(r for r in (_fallback_rules(other) for other in own.w.fallback)
                   if r is not None))
