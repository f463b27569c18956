"""The date word tables (assistant/dates/words/<code>.yml): one per shipped language, each one
complete enough for the rules, none meaning two things with one phrase; and the normalisation that
lets a table written with accents match text typed without them."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.dates import languages, understand_date
from assistant.dates.text import normalise
from assistant.dates.words import PHRASES, WordTableError, load, parse
from languages import CODES

SHIPPED = CODES
TODAY = date(2026, 3, 12)


def test_every_shipped_language_has_a_table():
    assert set(SHIPPED) <= set(languages())


@pytest.mark.parametrize("language", SHIPPED)
def test_a_table_has_what_the_rules_need(language):
    words = load(language)
    assert words is not None
    assert sorted(set(words.weekdays.values())) == list(range(7))
    assert sorted(set(words.months.values())) == list(range(1, 13))
    assert set(range(1, 13)) <= set(words.numbers.values())
    assert {"day", "week", "month"} <= set(words.units.values())
    for key in ("today", "yesterday", "same_day", "next_day"):
        assert words.phrases[key], key
    assert words.sided["ago"].before or words.sided["ago"].after
    assert words.sided["last"].before or words.sided["last"].after
    assert set(words.month_parts.values()) == {"start", "mid", "end"}
    assert words.ambiguous_months <= set(words.months)
    assert words.ambiguous_weekdays <= set(words.weekdays)


def minimal(**extra):
    return {"language": "xx", "weekdays": [[f"d{i}"] for i in range(7)],
            "months": [[f"m{i}"] for i in range(12)], **extra}


def test_a_phrase_meaning_two_weekdays_is_refused():
    table = minimal()
    table["weekdays"][1] = ["d0"]
    with pytest.raises(WordTableError, match="means both"):
        parse(table, "xx")


def test_a_bare_on_read_by_yaml_as_true_is_refused():
    with pytest.raises(WordTableError, match="quote it"):
        parse(minimal(weekday_intro=[True]), "xx")


def test_an_unknown_phrase_key_is_refused():
    with pytest.raises(WordTableError, match="unknown phrases"):
        parse(minimal(phrases={"fortnightly": ["x"]}), "xx")
    assert set(PHRASES) >= {"same_day", "next_day"}


@pytest.mark.parametrize(("typed", "plain"), [
    ("Marțea trecută!", "martea trecuta"),
    ("w zeszły wtorek", "w zeszly wtorek"),
    ("ਤਿੰਨ ਹਫ਼ਤੇ ਪਹਿਲਾਂ", "ਤਿਨ ਹਫਤੇ ਪਹਿਲਾ"),
    ("ਤਿਨ ਹਫਤੇ ਪਹਿਲਾ", "ਤਿਨ ਹਫਤੇ ਪਹਿਲਾ"),
    ("قبل أسبوعٍ", "قبل اسبوع"),
    ("پچھلے ہفتے", "پچھلے هفتے"),
    ("৩রা মার্চ", "3রা মার্চ"),
    ("12.3.26", "12.3.26"),
    ("2026-03-12", "2026-03-12"),
    ("terça-feira passada.", "terca feira passada"),
    ("3-go marca", "3go marca"),
    ("bore 'ma", "bore ma"),
])
def test_normalise(typed, plain):
    assert normalise(typed) == plain


def test_welsh_month_mutations():
    for text in ("ym mis Mawrth", "yn Nhachwedd", "ym Mehefin", "yng Ngorffennaf", "mis Medi"):
        answer = understand_date(text, "cy", TODAY)
        assert answer.value is not None and answer.grain == "month", text


def test_numbers_one_to_twelve_in_words():
    english = ("one two three four five six seven eight nine ten eleven twelve").split()
    for count, word in enumerate(english, start=1):
        assert understand_date(f"{word} days ago", "en", TODAY).value == date.fromordinal(
            TODAY.toordinal() - count)
    spanish = ("un dos tres cuatro cinco seis siete ocho nueve diez once doce").split()
    for count, word in enumerate(spanish, start=1):
        answer = understand_date(f"hace {word} días", "es", TODAY)
        assert answer.value == date.fromordinal(TODAY.toordinal() - count), word
