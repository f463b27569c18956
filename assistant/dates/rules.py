"""One rule engine for every language: the patterns are the same, the words come from the tables.

`Rules(words).read(text, today, anchor)` finds every rule that matches the normalised text and
keeps the longest match (the day before yesterday beats yesterday, "the day after tomorrow" beats
"the day after", "hace dos semanas" beats "semanas"); a tie goes to the rule listed first.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.dates.answer import DateAnswer
from assistant.dates.words import Words


class NoDay:
    """What was typed is understood to name no day we can use: "the same day" where there is no
    anchor, "months ago" with no number. Not understood, and no other reader may guess it."""


NEEDS_ANCHOR = NoDay()
HOW_MANY_NOT_SAID = NoDay()
Result = DateAnswer | NoDay | None

_B = r"(?:^|(?<= ))"  # a word starts
_E = r"(?= |$)"  # a word ends
_NEVER = r"(?!x)x"
_YEAR = r"(?P<year>(?:19|20)[0-9]{2})"
_DAY = r"(?P<day>[0-9]{1,2})"
_ISO = r"(?P<iso_y>[0-9]{4})(?P<sep>[/.-])(?P<iso_m>[0-9]{1,2})(?P=sep)(?P<iso_d>[0-9]{1,2})"
_DMY = r"(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})(?:[/.-](?P<y>[0-9]{2}|[0-9]{4}))?"
_NUMERIC = re.compile(rf"{_B}(?:{_ISO}|{_DMY}){_E}")


def _alt(phrases: Iterable[str]) -> str:
    phrases = sorted(set(phrases), key=len, reverse=True)
    return "|".join(re.escape(p) for p in phrases) if phrases else _NEVER


# --- calendar ----------------------------------------------------------------------------------


def day_or_none(year: int, month: int, day: int) -> DateAnswer | None:
    try:
        return DateAnswer(date(year, month, day))
    except ValueError:
        return None


def recent_day_month(day: int, month: int, today: date) -> DateAnswer | None:
    """The latest such day on or before today (3 March typed in February is last year's)."""
    for year in range(today.year, today.year - 8, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            if month == 2 and day == 29:
                continue  # 29 February: the last leap year
            return None
        if candidate <= today:
            return DateAnswer(candidate)
    return None


def months_before(today: date, months: int) -> date:
    """The first day of the month `months` before today's month."""
    index = today.year * 12 + (today.month - 1) - months
    return date(index // 12, index % 12 + 1, 1)


def last_weekday(weekday: int, today: date, weeks_back: int = 0) -> date:
    """The latest `weekday` (Monday 0) strictly before today, then `weeks_back` weeks earlier."""
    days = (today.weekday() - weekday) % 7 or 7
    return today - timedelta(days=days + 7 * weeks_back)


def next_weekday(weekday: int, today: date) -> date:
    days = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=days)


def in_month(year: int, month: int, part: str | None) -> date:
    if part == "mid":
        return date(year, month, 15)
    if part == "end":
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, 1)


def numeric(text: str, today: date) -> DateAnswer | None:
    """2026-03-03 (the date picker; also 2026/03/03) and day first: 12/3, 12/03/2026, 12.3.26."""
    for match in _NUMERIC.finditer(text):
        answer = _numeric(match, today)
        if answer is not None:
            return answer
    return None


def _numeric(match: re.Match[str], today: date) -> DateAnswer | None:
    if match["iso_y"]:
        return day_or_none(int(match["iso_y"]), int(match["iso_m"]), int(match["iso_d"]))
    day, month = int(match["d"]), int(match["m"])
    if match["y"] is None:
        return recent_day_month(day, month, today) if 1 <= month <= 12 else None
    year = int(match["y"])
    return day_or_none(year + 2000 if year < 100 else year, month, day)


def _one_typo(typed: str, word: str) -> bool:
    """One letter wrong, missing, extra, or two neighbours swapped (and not the same word)."""
    if typed == word:
        return False
    if len(typed) == len(word):
        diff = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and typed[diff[0]] == word[diff[1]]
                                  and typed[diff[1]] == word[diff[0]])
    short, long_ = (typed, word) if len(typed) < len(word) else (word, typed)
    if len(long_) - len(short) != 1:
        return False
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


_LATIN = re.compile(r"[a-z]+")


def _date_words(w: Words) -> frozenset[str]:
    """The words that say something about a date (not connectors, hedges or intros)."""
    phrases: list[str] = [*w.numbers, *w.units, *w.counted_units, *w.weekdays, *w.months,
                          *w.month_parts]
    for values in (*w.phrases.values(), *w.maybe.values()):
        phrases.extend(values)
    for key, sided in w.sided.items():
        if key not in ("in_month", "day_of_month"):
            phrases.extend((*sided.before, *sided.after))
    return frozenset(word for phrase in phrases for word in phrase.split(" "))


def _vocabulary(w: Words) -> frozenset[str]:
    """Every word of five letters or more in the table (what a typo may be corrected to)."""
    phrases: list[str] = [*w.hedges, *w.ignore, *w.numbers, *w.past_markers, *w.units,
                          *w.counted_units, *w.weekday_intro, *w.weekdays, *w.months, *w.of,
                          *w.month_parts, *w.holidays]
    for values in (*w.phrases.values(), *w.maybe.values()):
        phrases.extend(values)
    for sided in w.sided.values():
        phrases.extend((*sided.before, *sided.after))
    return frozenset(word for phrase in phrases for word in phrase.split(" ") if len(word) >= 5)


# --- the engine --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    today: date
    anchor: date | None
    text: str


Handler = Callable[[re.Match[str], _Context], Result]


class Rules:
    """Reads the date phrases of one language, from its word table."""

    def __init__(self, words: Words) -> None:
        self.w = w = words
        s = w.sided
        # a hedge right before a unit is a vague number ("hace unos días", "há uns dias")
        self.hedges = re.compile(
            rf"{_B}(?:{_alt(w.hedges)}){_E}(?! (?:{_alt([*w.units, *w.counted_units])}){_E})")
        self.ignore = re.compile(rf"{_B}(?:{_alt(w.ignore)}){_E}")
        of = rf"(?:(?:{_alt(w.of)}) )?"
        month = rf"(?P<month>{_alt(w.months)})"
        weekday = rf"(?P<weekday>{_alt(w.weekdays)})"
        number = rf"(?:(?P<digits>[0-9]{{1,2}}) ?|(?P<number>{_alt(w.numbers)}) )?"
        unit = rf"(?P<unit>{_alt([*w.units, *w.counted_units])})"
        counted = number + unit
        counted_number = number[:-1] + unit  # the number is not optional: "in 3 days"
        suffix = rf"(?P<suffix>{_alt(w.ordinal_suffixes)})?"
        year = rf"(?: {of}{_YEAR})?"
        week = _alt(p for p, u in w.units.items() if u == "week")
        month_unit = _alt(p for p, u in w.units.items() if u == "month")
        parts = rf"(?P<part>{_alt(w.month_parts)})"
        in_after = rf"(?: (?:{_alt(s['in_month'].after)}))?"

        def sided(key: str, what: str) -> list[str]:
            return [rf"(?:{_alt(s[key].before)}) {what}", rf"{what} (?:{_alt(s[key].after)})"]

        def phrases(key: str) -> list[str]:
            return [_alt(w.phrases[key])]

        table: list[tuple[str, Handler, list[str]]] = [
            ("numeric", lambda match, c: _numeric(match, c.today), [rf"{_ISO}|{_DMY}"]),
            ("same_day", self._same_day, phrases("same_day")),
            ("next_day", self._next_day, phrases("next_day")),
            ("later", self._later, sided("later", counted)),
            ("day_before_yesterday", self._days_ago(2), phrases("day_before_yesterday")),
            ("day_after_tomorrow", self._days_ago(-2), phrases("day_after_tomorrow")),
            ("yesterday", self._days_ago(1), phrases("yesterday")),
            ("tomorrow", self._days_ago(-1), phrases("tomorrow")),
            ("today", self._days_ago(0), phrases("today")),
            ("maybe_day_before_yesterday", self._maybe(2), [_alt(w.maybe["day_before_yesterday"])]),
            ("maybe_yesterday", self._maybe(1), [_alt(w.maybe["yesterday"])]),
            # a postposition after the date belongs to it ("7 مارچ کو"): not a month alone
            ("day_month", self._day_month, [rf"{_DAY}{suffix} {of}{month}{year}{in_after}"]),
            ("month_day", self._month_day, [rf"{month} {of}{_DAY}{suffix}{year}{in_after}"]),
            ("holiday", self._holiday, [rf"(?P<holiday>{_alt(w.holidays)})"]),
            ("ago", self._ago, sided("ago", counted)),
            ("in_future", self._in_future, sided("in_future", counted_number)),
            ("last_weekend", self._last_weekend, phrases("last_weekend")),
            ("weekday_before_last", self._weekday_last(1), sided("before_last", weekday)),
            ("weekday_next", self._weekday_next, sided("next", weekday)),
            ("week_last", self._week_last, [*sided("last", rf"(?:{week})"),
                                            *phrases("last_week")]),
            ("week_next", self._week_next, sided("next", rf"(?:{week})")),
            ("this_week", self._this_week, phrases("this_week")),
            ("month_last", self._month_last, [*sided("last", rf"(?:{month_unit})"),
                                              *phrases("last_month")]),
            ("month_next", self._month_next, sided("next", rf"(?:{month_unit})")),
            ("this_month", self._this_month, phrases("this_month")),
            ("weekday_last", self._weekday_last(0), sided("last", weekday)),
            ("weekday", self._weekday_last(0),
             [rf"(?:(?:{_alt(w.weekday_intro)}) )?{weekday}"]),
            ("ordinal_only", self._ordinal_only, [
                rf"{_DAY}(?P<suffix>{_alt(w.ordinal_suffixes)})",
                rf"(?:{_alt(s['day_of_month'].before)}) {_DAY}{suffix}",
                rf"{_DAY}{suffix} (?:{_alt(s['day_of_month'].after)})",
            ]),
            ("month_part", self._month_part, [rf"{parts} {of}{month}{year}",
                                              rf"{month} {of}{parts}"]),
            ("month_only", self._month_only, [
                rf"(?:(?P<intro>{_alt(s['in_month'].before)}) )?{month}"
                rf"(?: (?P<last>{_alt(s['last'].after)}))?{year}",
                rf"{month} (?P<intro>{_alt(s['in_month'].after)})",
                rf"(?P<last>{_alt(s['last'].before)}) {month}",
            ]),
        ]
        self.rules: list[tuple[int, str, Handler, re.Pattern[str]]] = []
        for order, (name, handler, patterns) in enumerate(table):
            for pattern in patterns:
                self.rules.append(
                    (order, name, handler, re.compile(rf"{_B}(?:{pattern}){_E}")))

    # --- reading ---

        self.vocabulary = _vocabulary(w)
        self.date_words = _date_words(w)
        self._by_length: dict[int, list[str]] = {}
        for word in self.vocabulary:
            self._by_length.setdefault(len(word), []).append(word)

    def correct(self, text: str) -> str | None:
        """A short answer (three words at most) with a typo in a Latin-script word of six letters
        or more corrected, when the word is one letter from words of the table that all mean the
        same thing, starts with the same letter, and stands alone or next to another date word
        ("last tusday", "wczorja", "vinera trecuta"); None when nothing changed. Sentences are
        left alone: "jankari", "entero" and "moartea" are no months or weekdays."""
        tokens = text.split(" ")
        if len(tokens) > 3:
            return None
        out, changed = list(tokens), False
        for index, token in enumerate(tokens):
            if len(token) < 6 or token in self.vocabulary or not _LATIN.fullmatch(token):
                continue
            neighbours = tokens[max(index - 1, 0):index] + tokens[index + 1:index + 2]
            if neighbours and not any(n in self.date_words for n in neighbours):
                continue
            near = {word for size in (len(token) - 1, len(token), len(token) + 1)
                    for word in self._by_length.get(size, ())
                    if word[0] == token[0] and _one_typo(token, word)}
            if near and len({self._meaning(word) for word in near}) == 1:
                out[index], changed = min(near), True  # "tusday": "tuesday" or "tuseday"
        return " ".join(out) if changed else None

    def _meaning(self, word: str) -> tuple[str, object]:
        w = self.w
        for kind, table in (("weekday", w.weekdays), ("month", w.months), ("number", w.numbers),
                            ("unit", w.units)):
            if word in table:
                return kind, table[word]
        for key, phrases in (*w.phrases.items(), *w.maybe.items()):
            if word in phrases:
                return key, None
        return "word", word

    def strip_hedges(self, text: str) -> tuple[bool, str]:
        """Hedges ("about", "tua", "creo que") make an answer approximate and are removed."""
        stripped, count = self.hedges.subn(" ", text)
        stripped = re.sub(r"\s+", " ", stripped).strip()
        return count > 0, stripped or text

    def read(self, text: str, today: date, anchor: date | None = None) -> Result:
        # Words that never change the day ("por la mañana", "seara") hide any shorter match
        # they overlap ("mañana", tomorrow) but not a longer one ("în seara asta", tonight).
        ignored = [(m.start(), m.end()) for m in self.ignore.finditer(text)]
        found: list[tuple[int, int, str, Handler, re.Match[str]]] = []
        for order, name, handler, pattern in self.rules:
            for match in pattern.finditer(text):
                length = match.end() - match.start()
                if any(end - start > length and start < match.end() and match.start() < end
                       for start, end in ignored):
                    continue
                found.append((length, -order, name, handler, match))
        found.sort(key=lambda item: (item[0], item[1]), reverse=True)
        context = _Context(today, anchor, text)
        for _, _, _, handler, match in found:
            answer = handler(match, context)
            if answer is not None:
                return answer
        return None

    # --- what each rule means ---

    def _count(self, match: re.Match[str]) -> tuple[int, str, bool] | NoDay:
        """The count, unit and vagueness of "3 days", "dwa tygodnie", "يومين", "a few weeks"."""
        unit_word = match["unit"]
        if unit_word in self.w.counted_units:
            unit, count = self.w.counted_units[unit_word]
        else:
            unit, count = self.w.units[unit_word], 1
        vague = unit_word in self.w.vague_numbers  # Bengali "কয়েকদিন", a few days
        if match["digits"]:
            count = int(match["digits"])
        elif match["number"]:
            count = self.w.numbers[match["number"]]
            vague = match["number"] in self.w.vague_numbers
        elif unit_word in self.w.plural_units:
            return HOW_MANY_NOT_SAID  # "months ago", "desde hace meses"
        return count, unit, vague

    @staticmethod
    def _offset(start: date, count: int, unit: str, vague: bool, sign: int) -> DateAnswer:
        if unit == "day":
            return DateAnswer(start + timedelta(days=sign * count), approximate=vague)
        if unit in ("week", "fortnight"):
            weeks = count * (2 if unit == "fortnight" else 1)
            return DateAnswer(start + timedelta(days=sign * 7 * weeks), approximate=True,
                              grain="week")
        first = months_before(start, -sign * count)
        if sign > 0 and start.day > 1:  # "a month later": the same day, or the month's last
            last = calendar.monthrange(first.year, first.month)[1]
            return DateAnswer(first.replace(day=min(start.day, last)), approximate=True,
                              grain="month")
        return DateAnswer(first, approximate=True, grain="month")

    def _same_day(self, match: re.Match[str], c: _Context) -> Result:
        return NEEDS_ANCHOR if c.anchor is None else DateAnswer(c.anchor)

    def _next_day(self, match: re.Match[str], c: _Context) -> Result:
        return NEEDS_ANCHOR if c.anchor is None else DateAnswer(c.anchor + timedelta(days=1))

    def _later(self, match: re.Match[str], c: _Context) -> Result:
        if c.anchor is None:
            return NEEDS_ANCHOR
        counted = self._count(match)
        return counted if isinstance(counted, NoDay) else self._offset(c.anchor, *counted, +1)

    @staticmethod
    def _days_ago(days: int) -> Handler:
        def handler(match: re.Match[str], c: _Context) -> Result:
            return DateAnswer(c.today - timedelta(days=days))
        return handler

    def _maybe(self, days: int) -> Handler:
        """Words that mean both yesterday and tomorrow ("kal", "parson"): the past, since every
        date asked for is one (what happened, when it was reported); the date is said back."""
        def handler(match: re.Match[str], c: _Context) -> Result:
            return DateAnswer(c.today - timedelta(days=days))
        return handler

    def _year_day(self, match: re.Match[str], c: _Context) -> Result:
        day, month = int(match["day"]), self.w.months[match["month"]]
        if match["year"]:
            return day_or_none(int(match["year"]), month, day)
        return recent_day_month(day, month, c.today)

    _day_month = _year_day

    def _month_day(self, match: re.Match[str], c: _Context) -> Result:
        if match["month"] in self.w.ambiguous_months and not (match["suffix"] or match["year"]):
            return None  # "mai 3" is "more than 3" in Romanian
        return self._year_day(match, c)

    def _holiday(self, match: re.Match[str], c: _Context) -> Result:
        month, day = self.w.holidays[match["holiday"]]
        return recent_day_month(day, month, c.today)

    def _ago(self, match: re.Match[str], c: _Context) -> Result:
        counted = self._count(match)
        return counted if isinstance(counted, NoDay) else self._offset(c.today, *counted, -1)

    def _in_future(self, match: re.Match[str], c: _Context) -> Result:
        counted = self._count(match)
        return counted if isinstance(counted, NoDay) else self._offset(c.today, *counted, +1)

    def _last_weekend(self, match: re.Match[str], c: _Context) -> Result:
        return DateAnswer(last_weekday(5, c.today), approximate=True)

    def _weekday_last(self, weeks_back: int) -> Handler:
        def handler(match: re.Match[str], c: _Context) -> Result:
            word = match["weekday"]
            return DateAnswer(last_weekday(self.w.weekdays[word], c.today, weeks_back),
                              certain=word not in self.w.ambiguous_weekdays)
        return handler

    def _weekday_next(self, match: re.Match[str], c: _Context) -> Result:
        word = match["weekday"]
        return DateAnswer(next_weekday(self.w.weekdays[word], c.today),
                          certain=word not in self.w.ambiguous_weekdays)

    def _week_last(self, match: re.Match[str], c: _Context) -> Result:
        return DateAnswer(c.today - timedelta(days=7), approximate=True, grain="week")

    def _week_next(self, match: re.Match[str], c: _Context) -> Result:
        return DateAnswer(c.today + timedelta(days=7), approximate=True, grain="week")

    def _this_week(self, match: re.Match[str], c: _Context) -> Result:
        return DateAnswer(c.today - timedelta(days=c.today.weekday()), approximate=True,
                          grain="week")

    def _month_last(self, match: re.Match[str], c: _Context) -> Result:
        return DateAnswer(months_before(c.today, 1), approximate=True, grain="month")

    def _month_next(self, match: re.Match[str], c: _Context) -> Result:
        return DateAnswer(months_before(c.today, -1), approximate=True, grain="month")

    def _this_month(self, match: re.Match[str], c: _Context) -> Result:
        return DateAnswer(months_before(c.today, 0), approximate=True, grain="month")

    def _ordinal_only(self, match: re.Match[str], c: _Context) -> Result:
        day = int(match["day"])
        for back in range(0, 3):
            first = months_before(c.today, back)
            if day <= calendar.monthrange(first.year, first.month)[1]:
                candidate = first.replace(day=day)
                if candidate <= c.today:
                    return DateAnswer(candidate)
        return None

    def _month_part(self, match: re.Match[str], c: _Context) -> Result:
        return self._month(match, c, self.w.month_parts[match["part"]])

    def _month_only(self, match: re.Match[str], c: _Context) -> Result:
        said = match.groupdict()
        if match["month"] in self.w.ambiguous_months and not (
                said.get("intro") or said.get("year") or said.get("last")):
            return None  # "may", "mai", "mar" alone are words more than months
        return self._month(match, c, None)

    def _month(self, match: re.Match[str], c: _Context, part: str | None) -> Result:
        said = match.groupdict()
        month = self.w.months[match["month"]]
        today = c.today
        if said.get("year"):
            year = int(said["year"])
        else:
            year = today.year if month <= today.month else today.year - 1
            if said.get("last") and month == today.month:
                year -= 1  # "Mawrth diwethaf" typed in March: last year's
        value = in_month(year, month, None if part == "start" else part)
        if value > today and (year, month) == (today.year, today.month):
            value = today  # "end of this month" cannot be later than today
        return DateAnswer(value, approximate=True, grain="month")
