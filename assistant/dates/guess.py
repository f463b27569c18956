"""The last resort: dateparser 1.1.x, restricted to the conversation's language, dates preferred
from the past and numbers read day first. One parser is built per language and day, then reused;
it never reaches the network."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from assistant.dates.answer import DateAnswer


@lru_cache(maxsize=32)
def _parser(language: str, today: date):
    from dateparser.date import DateDataParser

    settings = {
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12, 0),
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": False,
    }
    try:
        return DateDataParser(languages=[language], settings=settings)
    except ValueError:  # a language dateparser does not know
        return None


def dateparser_guess(text: str, language: str, today: date) -> DateAnswer | None:
    parser = _parser(language, today)
    if parser is None:
        return None
    try:
        data = parser.get_date_data(text)
    except (ValueError, OverflowError):
        return None
    if data is None or data.date_obj is None:
        return None
    value = data.date_obj.date()
    period = data.period or "day"
    if period == "month":
        return DateAnswer(value.replace(day=1), approximate=True, grain="month")
    if period == "week":
        return DateAnswer(value, approximate=True, grain="week")
    if period == "year":
        return None  # a year alone is not a date we can use
    return DateAnswer(value, in_future=value > today)
