"""The date words of one language, read from `words/<language>.yml` (data, not code).

Every phrase is normalised exactly as typed text is (`text.normalise`), so the tables may be
written with accents, capitals and native punctuation. A table is checked when it is loaded: a
phrase that would mean two different things (two weekdays, two months, two numbers) is an error.
The keys are described in `words/README.md`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml

from assistant.dates.text import normalise

WORDS_DIR = Path(__file__).parent / "words"
Meaning = TypeVar("Meaning")

PHRASES = (
    "today", "yesterday", "day_before_yesterday", "tomorrow", "day_after_tomorrow", "same_day",
    "next_day", "last_weekend", "this_week", "this_month", "last_week", "last_month",
)
MAYBE = ("yesterday", "day_before_yesterday")
UNITS = ("day", "week", "fortnight", "month")
SIDED = ("ago", "later", "in_future", "last", "before_last", "next", "in_month",
         "day_of_month")
PARTS = ("start", "mid", "end")


class WordTableError(ValueError):
    """A word table that cannot be read or means two things with one phrase."""


@dataclass(frozen=True)
class Sided:
    """Words that go before or after what they qualify ("last tuesday", "martes pasado")."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Words:
    language: str
    hedges: tuple[str, ...]
    ignore: tuple[str, ...]
    numbers: dict[str, int]
    vague_numbers: frozenset[str]
    phrases: dict[str, tuple[str, ...]]
    maybe: dict[str, tuple[str, ...]]
    past_markers: tuple[str, ...]
    units: dict[str, str]  # word -> day / week / fortnight / month
    plural_units: frozenset[str]  # "months" with no number: some months, not one
    counted_units: dict[str, tuple[str, int]]  # word -> (unit, count): Arabic duals
    sided: dict[str, Sided]
    weekday_intro: tuple[str, ...]
    weekdays: dict[str, int]  # word -> 0 (Monday) .. 6
    ambiguous_weekdays: frozenset[str]
    months: dict[str, int]  # word -> 1 .. 12
    ambiguous_months: frozenset[str]
    of: tuple[str, ...]
    month_parts: dict[str, str]  # word -> start / mid / end
    ordinal_suffixes: tuple[str, ...]
    holidays: dict[str, tuple[int, int]]
    fallback: tuple[str, ...] = field(default=())


def _plain(values, where: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        raise WordTableError(f"{where}: a list of phrases is expected")
    out: list[str] = []
    for value in values:
        if not isinstance(value, str):  # YAML reads a bare on/no/yes as a boolean: quote it
            raise WordTableError(f"{where}: {value!r} is not text (quote it)")
        phrase = normalise(value)
        if not phrase:
            raise WordTableError(f"{where}: an empty phrase")
        if phrase not in out:
            out.append(phrase)
    return tuple(out)


def _lookup(pairs: Iterable[tuple[str, Meaning]], where: str) -> dict[str, Meaning]:
    table: dict[str, Meaning] = {}
    for phrase, meaning in pairs:
        if table.get(phrase, meaning) != meaning:
            raise WordTableError(f"{where}: {phrase!r} means both {table[phrase]} and {meaning}")
        table[phrase] = meaning
    return table


def _indexed(groups, count: int, where: str, start: int) -> dict[str, int]:
    if not isinstance(groups, list) or len(groups) != count:
        raise WordTableError(f"{where}: {count} lists expected")
    return _lookup(((phrase, index + start) for index, group in enumerate(groups)
                    for phrase in _plain(group, f"{where}[{index}]")), where)


def parse(data: dict, language: str) -> Words:
    """The words of one table (as loaded from YAML)."""
    if not isinstance(data, dict) or data.get("language") != language:
        raise WordTableError(f"{language}: 'language: {language}' is expected")
    w = f"words/{language}.yml"
    numbers_data = data.get("numbers") or {}
    vague_data = data.get("vague_numbers") or {}
    for key in [*numbers_data, *vague_data]:
        if not isinstance(key, str):
            raise WordTableError(f"{w} numbers: {key!r} is not text (quote it)")
    numbers = _lookup(
        [(normalise(k), int(v)) for k, v in numbers_data.items()]
        + [(normalise(k), int(v)) for k, v in vague_data.items()], f"{w} numbers")
    phrases_data = data.get("phrases") or {}
    unknown = set(phrases_data) - set(PHRASES)
    if unknown:
        raise WordTableError(f"{w}: unknown phrases {sorted(unknown)}")
    maybe_data = data.get("maybe") or {}
    units_data = data.get("units") or {}
    units = _lookup(((p, unit) for unit in UNITS
                     for p in _plain(units_data.get(unit), f"{w} units.{unit}")), f"{w} units")
    counted = {}
    for phrase, (unit, count) in (data.get("counted_units") or {}).items():
        if unit not in UNITS:
            raise WordTableError(f"{w} counted_units: unknown unit {unit}")
        counted[normalise(str(phrase))] = (unit, int(count))
    sided = {}
    for key in SIDED:
        value = data.get(key) or {}
        if isinstance(value, list):
            value = {"before": value}
        sided[key] = Sided(_plain(value.get("before"), f"{w} {key}.before"),
                           _plain(value.get("after"), f"{w} {key}.after"))
    parts_data = data.get("month_parts") or {}
    parts = _lookup(((p, part) for part in PARTS
                     for p in _plain(parts_data.get(part), f"{w} month_parts.{part}")),
                    f"{w} month_parts")
    holidays = {}
    for phrase, (month, day) in (data.get("holidays") or {}).items():
        holidays[normalise(str(phrase))] = (int(month), int(day))
    weekdays = _indexed(data.get("weekdays"), 7, f"{w} weekdays", 0)
    months = _indexed(data.get("months"), 12, f"{w} months", 1)
    return Words(
        language=language,
        hedges=_plain(data.get("hedges"), f"{w} hedges"),
        ignore=_plain(data.get("ignore"), f"{w} ignore"),
        numbers=numbers,
        vague_numbers=frozenset(normalise(str(k)) for k in vague_data),
        phrases={key: _plain(phrases_data.get(key), f"{w} phrases.{key}") for key in PHRASES},
        maybe={key: _plain(maybe_data.get(key), f"{w} maybe.{key}") for key in MAYBE},
        past_markers=_plain(data.get("past_markers"), f"{w} past_markers"),
        units=units,
        plural_units=frozenset(_plain(data.get("plural_units"), f"{w} plural_units")),
        counted_units=counted,
        sided=sided,
        weekday_intro=_plain(data.get("weekday_intro"), f"{w} weekday_intro"),
        weekdays=weekdays,
        ambiguous_weekdays=frozenset(_plain(data.get("ambiguous_weekdays"), w)),
        months=months,
        ambiguous_months=frozenset(_plain(data.get("ambiguous_months"), w)),
        of=_plain(data.get("of"), f"{w} of"),
        month_parts=parts,
        ordinal_suffixes=_plain(data.get("ordinal_suffixes"), f"{w} ordinal_suffixes"),
        holidays=holidays,
        fallback=tuple(data.get("fallback") or ()),
    )


def languages() -> tuple[str, ...]:
    """The languages that have a word table."""
    return tuple(sorted(path.stem for path in WORDS_DIR.glob("*.yml")))


@cache
def load(language: str) -> Words | None:
    path = WORDS_DIR / f"{language}.yml"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return parse(data, language)
