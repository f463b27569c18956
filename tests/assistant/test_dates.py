"""Dates typed in words, per language, against a fixed today (Thursday 12 March 2026). The
per-language tables in tests/assistant/dates/ are run by test_dates_tables.py."""

from __future__ import annotations

import socket
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from assistant.dates import DateAnswer, understand_date

TODAY = date(2026, 3, 12)
assert TODAY.weekday() == 3  # a Thursday: "last Tuesday" is two days before


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def last(weekday: int, weeks_back: int = 0) -> date:
    """The latest `weekday` (Monday 0) strictly before TODAY, computed from the calendar."""
    day = TODAY - timedelta(days=1)
    while day.weekday() != weekday:
        day -= timedelta(days=1)
    return day - timedelta(weeks=weeks_back)


def day(value: date, approximate: bool = False, future: bool = False) -> DateAnswer:
    return DateAnswer(value, approximate=approximate, grain="day", in_future=future,
                      certain=True)


def month(year: int, number: int, on: int = 1) -> DateAnswer:
    return DateAnswer(date(year, number, on), approximate=True, grain="month", in_future=False,
                      certain=True)


def weeks_ago(n: int) -> DateAnswer:
    return DateAnswer(days_ago(7 * n), approximate=True, grain="week", in_future=False,
                      certain=True)


TUESDAY, FRIDAY, SATURDAY = 1, 4, 5

ENGLISH = [
    ("last tuesday", day(last(TUESDAY))),
    ("Last Tuesday", day(last(TUESDAY))),
    ("on tuesday", day(last(TUESDAY))),
    ("tues", day(last(TUESDAY))),
    ("tuesday just gone", day(last(TUESDAY))),
    ("tuesday before last", day(last(TUESDAY, weeks_back=1))),
    ("it was last friday night i think", day(last(FRIDAY), approximate=True)),
    ("yesterday", day(days_ago(1))),
    ("yesterday evening", day(days_ago(1))),
    ("last night", day(days_ago(1))),
    ("the day before yesterday", day(days_ago(2))),
    ("this morning", day(TODAY)),
    ("today", day(TODAY)),
    ("3 days ago", day(days_ago(3))),
    ("three days ago", day(days_ago(3))),
    ("a few days ago", day(days_ago(3), approximate=True)),
    ("about two weeks ago", weeks_ago(2)),
    ("2 weeks ago", weeks_ago(2)),
    ("a fortnight ago", weeks_ago(2)),
    ("a week ago", weeks_ago(1)),
    ("last week", weeks_ago(1)),
    ("3rd of march", day(date(2026, 3, 3))),
    ("3 march", day(date(2026, 3, 3))),
    ("march 3rd", day(date(2026, 3, 3))),
    ("3rd March 2025", day(date(2025, 3, 3))),
    ("on the 3rd of march 2025", day(date(2025, 3, 3))),
    ("12 december", day(date(2025, 12, 12))),  # no year: the latest one in the past
    ("the 5th", day(date(2026, 3, 5))),
    ("the 14th", day(date(2026, 2, 14))),  # 14 March has not come yet
    ("03/03/2026", day(date(2026, 3, 3))),  # day first
    ("04/03/2026", day(date(2026, 3, 4))),
    ("3/3/26", day(date(2026, 3, 3))),
    ("3.3.2026", day(date(2026, 3, 3))),
    ("2026-03-03", day(date(2026, 3, 3))),  # the date picker
    ("11/03", day(date(2026, 3, 11))),
    ("sometime in january", month(2026, 1)),
    ("in january", month(2026, 1)),
    ("january", month(2026, 1)),
    ("in december", month(2025, 12)),
    ("last month", month(2026, 2)),
    ("a month ago", month(2026, 2)),
    ("beginning of february", month(2026, 2)),
    ("mid february", month(2026, 2, 15)),
    ("end of january", month(2026, 1, 31)),
    ("around christmas", day(date(2025, 12, 25), approximate=True)),
    ("bonfire night", day(date(2025, 11, 5))),
    ("the weekend", day(last(SATURDAY), approximate=True)),
    ("yesterday at 10.30", day(days_ago(1))),
    # the future is understood and flagged, so the assistant can refuse it kindly
    ("tomorrow", day(TODAY + timedelta(days=1), future=True)),
    ("next tuesday", day(TODAY + timedelta(days=5), future=True)),
    ("15/04/2026", day(date(2026, 4, 15), future=True)),
    ("3rd march 2027", day(date(2027, 3, 3), future=True)),
]

WELSH = [
    ("dydd Mawrth diwethaf", day(last(TUESDAY))),
    ("dydd mawrth diwethaf", day(last(TUESDAY))),
    ("dydd mawrth dwetha", day(last(TUESDAY))),
    ("ddydd mawrth", day(last(TUESDAY))),
    ("nos wener dwetha", day(last(FRIDAY))),
    ("dydd mawrth cyn y diwethaf", day(last(TUESDAY, weeks_back=1))),
    ("ddoe", day(days_ago(1))),
    ("nos ddoe", day(days_ago(1))),
    ("neithiwr", day(days_ago(1))),
    ("echdoe", day(days_ago(2))),
    ("heddiw", day(TODAY)),
    ("bore 'ma", day(TODAY)),
    ("3 diwrnod yn ôl", day(days_ago(3))),
    ("3 diwrnod yn ol", day(days_ago(3))),
    ("tri diwrnod yn ol", day(days_ago(3))),
    ("wythnos diwethaf", weeks_ago(1)),
    ("wythnos dwetha", weeks_ago(1)),
    ("wythnos yn ol", weeks_ago(1)),
    ("tua pythefnos yn ôl", weeks_ago(2)),
    ("pythefnos yn ol", weeks_ago(2)),
    ("3 Mawrth", day(date(2026, 3, 3))),
    ("3ydd o fawrth", day(date(2026, 3, 3))),
    ("y 3ydd o fis Mawrth", day(date(2026, 3, 3))),
    ("3 mawrth 2025", day(date(2025, 3, 3))),
    ("14eg chwefror", day(date(2026, 2, 14))),
    ("y 5ed", day(date(2026, 3, 5))),
    ("03/03/2026", day(date(2026, 3, 3))),
    ("ym mis Ionawr", month(2026, 1)),
    ("rhywbryd ym mis ionawr", month(2026, 1)),
    ("mis Rhagfyr", month(2025, 12)),
    ("mis diwethaf", month(2026, 2)),
    ("dau fis yn ol", month(2026, 1)),
    ("dechrau mis chwefror", month(2026, 2)),
    ("diwedd mis ionawr", month(2026, 1, 31)),
    ("mawrth diwethaf", month(2025, 3)),  # "last March" typed in March: a year ago
    ("tua'r nadolig", day(date(2025, 12, 25), approximate=True)),
    ("yfory", day(TODAY + timedelta(days=1), future=True)),
    ("dydd mawrth nesa", day(TODAY + timedelta(days=5), future=True)),
]

# The other eight languages, read by the same rules from their word tables; the words for
# "yesterday" that also mean "tomorrow" are the past: every date asked for has happened.
# (More per language in tests/assistant/dates/.)
OTHER_LANGUAGES = [
    ("pl", "wczoraj", day(days_ago(1))),
    ("pl", "przedwczoraj", day(days_ago(2))),
    ("pl", "3 dni temu", day(days_ago(3))),
    ("pl", "3 marca", day(date(2026, 3, 3))),
    ("pl", "w zeszły wtorek", day(last(TUESDAY))),
    ("pl", "jutro", day(TODAY + timedelta(days=1), future=True)),
    ("ro", "ieri", day(days_ago(1))),
    ("ro", "acum 3 zile", day(days_ago(3))),
    ("ro", "3 martie", day(date(2026, 3, 3))),
    ("ro", "marțea trecută", day(last(TUESDAY))),
    ("pt", "ontem", day(days_ago(1))),
    ("pt", "há 3 dias", day(days_ago(3))),
    ("pt", "3 de março", day(date(2026, 3, 3))),
    ("pt", "terça-feira passada", day(last(TUESDAY))),
    ("es", "ayer", day(days_ago(1))),
    ("es", "hace 3 días", day(days_ago(3))),
    ("es", "3 de marzo", day(date(2026, 3, 3))),
    ("es", "el martes pasado", day(last(TUESDAY))),
    ("ar", "أمس", day(days_ago(1))),
    ("ar", "منذ 3 أيام", day(days_ago(3))),
    ("ar", "٣ مارس", day(date(2026, 3, 3))),
    ("ar", "الثلاثاء الماضي", day(last(TUESDAY))),
    ("ur", "کل", day(days_ago(1))),  # yesterday or tomorrow: the past
    ("ur", "3 دن پہلے", day(days_ago(3))),
    ("ur", "3 مارچ", day(date(2026, 3, 3))),
    ("ur", "پچھلے منگل", day(last(TUESDAY))),
    ("pa", "ਕੱਲ੍ਹ", day(days_ago(1))),  # yesterday or tomorrow: the past
    ("pa", "3 ਦਿਨ ਪਹਿਲਾਂ", day(days_ago(3))),
    ("pa", "3 ਮਾਰਚ", day(date(2026, 3, 3))),
    ("bn", "গতকাল", day(days_ago(1))),
    ("bn", "৩ দিন আগে", day(days_ago(3))),
    ("bn", "৩ মার্চ", day(date(2026, 3, 3))),
    ("bn", "কাল", day(days_ago(1))),  # yesterday or tomorrow: the past
    ("bn", "গত মঙ্গলবার", day(last(TUESDAY))),
    ("pl", "03/03/2026", day(date(2026, 3, 3))),
    ("ar", "2026-03-03", day(date(2026, 3, 3))),
]


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_english(text: str, expected: DateAnswer) -> None:
    assert understand_date(text, "en", TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), WELSH)
def test_welsh(text: str, expected: DateAnswer) -> None:
    assert understand_date(text, "cy", TODAY) == expected


@pytest.mark.parametrize(("language", "text", "expected"), OTHER_LANGUAGES)
def test_other_languages(language: str, text: str, expected: DateAnswer) -> None:
    assert understand_date(text, language, TODAY) == expected


NOT_DATES = [
    ("en", "i dont know"),
    ("en", "no idea"),
    ("en", "31/02/2026"),
    ("en", ""),
    ("en", "   "),
    ("cy", "dw i ddim yn gwybod"),
    ("cy", "dim syniad"),
    ("pl", "nie wiem"),
    ("es", "no sé"),
]


@pytest.mark.parametrize(("language", "text"), NOT_DATES)
def test_not_a_date_is_not_understood(language: str, text: str) -> None:
    answer = understand_date(text, language, TODAY)
    assert answer.value is None
    assert answer.certain is False


def test_a_language_dateparser_does_not_know_falls_back_to_numbers() -> None:
    assert understand_date("03/03/2026", "xx", TODAY) == day(date(2026, 3, 3))
    assert understand_date("yesterday", "xx", TODAY).value is None


def test_the_answer_is_a_frozen_dataclass() -> None:
    answer = understand_date("ddoe", "cy", TODAY)
    with pytest.raises(AttributeError):
        answer.value = TODAY  # type: ignore[misc]


def test_today_moves_the_answer() -> None:
    monday = date(2026, 3, 16)
    assert understand_date("last tuesday", "en", monday).value == date(2026, 3, 10)
    tuesday = date(2026, 3, 17)
    assert understand_date("last tuesday", "en", tuesday).value == date(2026, 3, 10)
    assert understand_date("3 march", "en", date(2026, 2, 1)).value == date(2025, 3, 3)


def test_no_network_and_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("dates must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    phrases = [(language, text) for language, text, _ in OTHER_LANGUAGES]
    phrases += [("en", text) for text, _ in ENGLISH] + [("cy", text) for text, _ in WELSH]
    for table in sorted((Path(__file__).parent / "dates").glob("*.yml")):  # every language
        rows = yaml.safe_load(table.read_text(encoding="utf-8"))["rows"]
        phrases += [(table.stem, row["text"]) for row in rows]
    for language, text in phrases:  # warm: one parser per language and day
        understand_date(text, language, TODAY)
    started = time.perf_counter()
    for _ in range(5):
        for language, text in phrases:
            understand_date(text, language, TODAY)
    per_call = (time.perf_counter() - started) / (5 * len(phrases))
    assert per_call < 0.02, f"{per_call * 1000:.1f} ms per date"
