"""A day typed as an answer, in the conversation's language or the one the text is written in."""

from __future__ import annotations

from datetime import date

from assistant.dates import DateAnswer, understand_date
from assistant.understanding.reader import written_in
from assistant.understanding.text import tokens
from languages import ROMANISED


def understood_day(text: str, language: str, today: date,
                   anchor: date | None = None) -> DateAnswer:
    """The DateAnswer for typed or picked text (the picker sends YYYY-MM-DD); "the same day" and
    "the next day" are relative to `anchor`. Typed in another language than the conversation's
    (Banglish or Roman Urdu on an English page), that language's words are tried too."""
    answer = understand_date(text.strip(), language, today, anchor)
    if answer.value is not None and answer.certain:
        return answer
    others = written_in(text, tokens(text), language)
    if text.isascii():  # romanised Urdu, Panjabi, Bengali are typed on any page
        others += ROMANISED
    for other in dict.fromkeys(code for code in others if code != language):
        found = understand_date(text.strip(), other, today, anchor)
        if found.value is not None and found.certain:
            return found
    return answer
