"""Understanding a date typed in any shipped language: `understand_date(text, language, today)`.

English and Welsh are read by the rules below (dateparser 1.1.x misses "last Tuesday", "dydd Mawrth
diwethaf", "wythnos diwethaf", "echdoe", "a fortnight ago" and more). Every language then falls
back to dateparser, restricted to that language, with dates preferred from the past and numbers
read day first. What dateparser is known to guess is marked `certain=False`, so the assistant asks
again with the date picker: weekday names in the other languages, and the Urdu, Panjabi and Bengali
words for "yesterday" that also mean "tomorrow".

`value` is the best single day: for `grain="month"` the first of the month (the 15th for "mid",
the last day for "end of"), for `grain="week"` the day that many weeks ago. Nothing here reaches
the network; one dateparser parser is built per language and day and then reused.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

Grain = Literal["day", "week", "month"]


@dataclass(frozen=True)
class DateAnswer:
    """What a typed date means. `value` is None when it was not understood."""

    value: date | None
    approximate: bool = False
    grain: Grain = "day"
    in_future: bool = False
    certain: bool = True


NOT_UNDERSTOOD = DateAnswer(None, approximate=False, grain="day", in_future=False, certain=False)


def understand_date(text: str, language: str, today: date) -> DateAnswer:
    """The date `text` means, typed in `language` (ISO 639-1), relative to `today`."""
    if not text or not text.strip():
        return NOT_UNDERSTOOD
    language = (language or "en").lower()
    cleaned = _western_digits(text.strip())
    if language in ("en", "cy"):
        cleaned = _fold(cleaned)
    else:
        cleaned = re.sub(r"\s+", " ", cleaned.lower()).strip(" .!?,")
    hedged, cleaned = _strip_hedges(cleaned, language)

    answer = _numeric(cleaned, today)
    if answer is None and language in _RULES:
        answer = _RULES[language].read(cleaned, today)
    if answer is None and language not in ("en", "cy") and not re.search(r"[0-9]", cleaned):
        answer = _known_guesses(cleaned, language, today)
    if answer is None:
        answer = _dateparser(cleaned, language, today)
    if answer is None or answer.value is None:
        return NOT_UNDERSTOOD
    return DateAnswer(
        value=answer.value,
        approximate=answer.approximate or hedged,
        grain=answer.grain,
        in_future=answer.in_future or answer.value > today,
        certain=answer.certain,
    )


# --- text clean-up ---------------------------------------------------------------------------


def _western_digits(text: str) -> str:
    """Bengali, Gurmukhi, Arabic-Indic and other decimal digits as 0-9."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _fold(text: str) -> str:
    """Lower case, no accents (ô -> o), no apostrophes, single spaces, no end punctuation."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['’‘`]", "", text)
    text = re.sub(r"[,;!?]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .")


_HEDGES = {
    "en": r"about|around|round about|roughly|approximately|approx|sometime|some time|maybe|"
    r"probably|i think|i reckon|i believe|think|ish|or so|give or take|more or less",
    "cy": r"tuar|tua|rhywbryd|rhyw dro|o gwmpas|bron|efallai|falle|dw i.?n meddwl|dwi.?n meddwl|"
    r"dwin meddwl|sai.?n siwr|yn fras|ish",
    "pl": r"około|okolo|mniej więcej|mniej wiecej|chyba|jakoś|jakos",
    "ro": r"cam|aproximativ|pe la|cândva|candva|parcă|parca",
    "pt": r"cerca de|mais ou menos|por volta de|acho que|talvez",
    "es": r"alrededor de|más o menos|mas o menos|sobre|creo que|quizás|quizas",
    "ar": r"حوالي|تقريبا|تقريباً|ربما",
    "ur": r"تقریباً|تقریبا|شاید|لگ بھگ",
    "pa": r"ਲਗਭਗ|ਸ਼ਾਇਦ|ਤਕਰੀਬਨ",
    "bn": r"প্রায়|সম্ভবত|মোটামুটি",
}
_HEDGE_RES = {
    lang: re.compile(rf"(?:(?<=\s)|^)(?:{words})(?=\s|$)") for lang, words in _HEDGES.items()
}


def _strip_hedges(text: str, language: str) -> tuple[bool, str]:
    pattern = _HEDGE_RES.get(language)
    if pattern is None:
        return False, text
    stripped, count = pattern.subn(" ", text)
    stripped = re.sub(r"\s+", " ", stripped).strip()
    return count > 0, stripped or text


# --- numbers: 2026-03-03 (the date picker) and day-month-year -------------------------------

_ISO = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?![0-9])")
_DMY = re.compile(r"(?<![0-9/.\-])([0-9]{1,2})[/.\-]([0-9]{1,2})(?:[/.\-]([0-9]{2}|[0-9]{4}))?"
                  r"(?![0-9/.\-])")


def _numeric(text: str, today: date) -> DateAnswer | None:
    match = _ISO.search(text)
    if match:
        return _day_or_none(int(match[1]), int(match[2]), int(match[3]))
    match = _DMY.search(text)
    if match:
        day, month = int(match[1]), int(match[2])
        if match[3] is None:
            return _recent_day_month(day, month, today)
        year = int(match[3])
        if year < 100:
            year += 2000
        return _day_or_none(year, month, day)
    return None


def _day_or_none(year: int, month: int, day: int) -> DateAnswer | None:
    try:
        return DateAnswer(date(year, month, day))
    except ValueError:
        return None


def _recent_day_month(day: int, month: int, today: date) -> DateAnswer | None:
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


def _recent_month(month: int, today: date) -> int:
    return today.year if month <= today.month else today.year - 1


def _months_before(today: date, months: int) -> date:
    """The first day of the month `months` before today's month."""
    index = today.year * 12 + (today.month - 1) - months
    return date(index // 12, index % 12 + 1, 1)


def _last_weekday(weekday: int, today: date, weeks_back: int = 0) -> date:
    """The latest `weekday` (Monday 0) strictly before today, then `weeks_back` weeks earlier."""
    days = (today.weekday() - weekday) % 7 or 7
    return today - timedelta(days=days + 7 * weeks_back)


def _next_weekday(weekday: int, today: date) -> date:
    days = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=days)


def _in_month(year: int, month: int, part: str | None) -> date:
    if part == "mid":
        return date(year, month, 15)
    if part == "end":
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, 1)


# --- English and Welsh rules ------------------------------------------------------------------


@dataclass(frozen=True)
class _Words:
    """The words of one language that the rules need (folded: lower case, no accents)."""

    months: dict[str, int]
    weekdays: dict[str, int]
    numbers: dict[str, int]
    today: str
    yesterday: str
    day_before_yesterday: str
    tomorrow: str
    last: str  # after a weekday or "week"/"month"
    last_before: str  # before a weekday or "week"/"month"
    before_last: str  # "tuesday before last"
    next_: str
    next_before: str
    this_week: str
    this_month: str
    last_weekend: str
    day_unit: str
    week_unit: str
    fortnight_unit: str
    month_unit: str
    ago_after: str  # "3 days ago"
    in_month: str  # "in January", "ym mis Ionawr"
    part_start: str
    part_mid: str
    part_end: str
    of: str
    ordinal: str
    weekday_intro: str  # "on", "dydd", "nos"
    holidays: dict[str, tuple[int, int]]
    few: str
    in_days: str  # "in 3 days": the future


_EN = _Words(
    months={
        "january": 1, "jan": 1, "february": 2, "feb": 2, "febuary": 2, "march": 3, "mar": 3,
        "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8,
        "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
        "nov": 11, "december": 12, "dec": 12,
    },
    weekdays={
        "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "tuesady": 1,
        "wednesday": 2, "weds": 2, "wed": 2, "wensday": 2, "wednsday": 2, "thursday": 3,
        "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
        "sunday": 6, "sun": 6,
    },
    numbers={
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
        "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2,
        "couple of": 2, "a couple": 2, "couple": 2, "a few": 3, "few": 3, "several": 3,
    },
    today=r"today|this morning|this afternoon|this evening|tonight|earlier today|earlier on",
    yesterday=r"yesterday(?: morning| afternoon| evening| night)?|last night|yday|yest|ystday"
    r"|yesterdy|yesturday",
    day_before_yesterday=r"(?:the )?day before yesterday|night before last",
    tomorrow=r"tomorrow|tommorow|tomorow|tmrw",
    last=r"just gone|gone|last",
    last_before=r"last|this past|this|on",
    before_last=r"before last",
    next_=r"coming",
    next_before=r"next|this coming",
    this_week=r"(?:earlier )?this week",
    this_month=r"(?:earlier )?this month",
    last_weekend=r"last weekend|(?:at )?the weekend|over the weekend",
    day_unit=r"days?",
    week_unit=r"weeks?|wks?",
    fortnight_unit=r"fortnights?",
    month_unit=r"months?",
    ago_after=r"ago|back",
    in_month=r"in|during|from|at|on",
    part_start=r"(?:the )?(?:start|beginning) of|early(?: in)?",
    part_mid=r"(?:the )?middle of|mid|half way through",
    part_end=r"(?:the )?end of|late(?: in)?",
    of=r"of",
    ordinal=r"st|nd|rd|th",
    weekday_intro=r"on|on the|that",
    holidays={
        "christmas eve": (12, 24), "xmas eve": (12, 24), "christmas day": (12, 25),
        "christmas": (12, 25), "xmas": (12, 25), "boxing day": (12, 26),
        "new years eve": (12, 31), "nye": (12, 31), "new years day": (1, 1),
        "new year": (1, 1), "bonfire night": (11, 5), "guy fawkes night": (11, 5),
        "fireworks night": (11, 5), "halloween": (10, 31), "valentines day": (2, 14),
    },
    few=r"a couple of|couple of|a few|few|several",
    in_days=r"in",
)

_CY = _Words(
    months={
        "ionawr": 1, "chwefror": 2, "mawrth": 3, "fawrth": 3, "ebrill": 4, "mai": 5, "fai": 5,
        "mehefin": 6, "fehefin": 6, "gorffennaf": 7, "orffennaf": 7, "gorffenaf": 7, "awst": 8,
        "medi": 9, "fedi": 9, "hydref": 10, "tachwedd": 11, "dachwedd": 11, "rhagfyr": 12,
        "ragfyr": 12,
    },
    weekdays={
        "dydd llun": 0, "ddydd llun": 0, "nos lun": 0, "nos llun": 0, "dydd mawrth": 1,
        "ddydd mawrth": 1, "nos fawrth": 1, "nos mawrth": 1, "dydd mercher": 2,
        "ddydd mercher": 2, "nos fercher": 2, "nos mercher": 2, "dydd iau": 3, "ddydd iau": 3,
        "nos iau": 3, "dydd gwener": 4, "ddydd gwener": 4, "nos wener": 4, "nos gwener": 4,
        "dydd sadwrn": 5, "ddydd sadwrn": 5, "nos sadwrn": 5, "dydd sul": 6, "ddydd sul": 6,
        "nos sul": 6, "llun": 0, "mercher": 2, "iau": 3, "gwener": 4, "sadwrn": 5, "sul": 6,
    },
    numbers={
        "un": 1, "dau": 2, "dwy": 2, "tri": 3, "tair": 3, "pedwar": 4, "pedair": 4, "pump": 5,
        "pum": 5, "chwech": 6, "chwe": 6, "saith": 7, "wyth": 8, "naw": 9, "deg": 10, "deng": 10,
        "cwpl o": 2, "cwpwl o": 2, "ychydig": 3, "ychydig o": 3, "sawl": 3,
    },
    today=r"heddiw|bore (?:ma|yma|heddiw)|pnawn (?:ma|yma)|prynhawn (?:ma|yma|heddiw)|heno"
    r"|yn gynharach heddiw|gynnau",
    yesterday=r"(?:bore |pnawn |prynhawn |nos )?ddoe(?: gyda.?r nos| yn y bore| bnawn)?|neithiwr"
    r"|nithiwr",
    day_before_yesterday=r"(?:nos |bore )?echdoe|echnos|y diwrnod cyn ddoe",
    tomorrow=r"yfory|fory|yfori",
    last=r"diwethaf|dwethaf|dwetha|diwetha|dwytha|diwytha|diwetha|ddiwethaf|dwaetha",
    last_before=r"",
    before_last=r"cyn (?:y )?(?:diwethaf|dwetha|dwytha)",
    next_=r"nesaf|nesa|nesa fma|sy.?n dod",
    next_before=r"",
    this_week=r"(?:yn gynharach )?(?:yr |yn yr )?wythnos (?:yma|hon|ma)",
    this_month=r"(?:yn gynharach )?(?:y |yn y )?mis (?:yma|hwn|ma)",
    last_weekend=r"(?:y |dros y )?penwythnos (?:diwethaf|dwetha|dwytha)|dros y penwythnos",
    day_unit=r"diwrnod|ddiwrnod|niwrnod|diwrnodau|dyddiau|ddyddiau|dydd",
    week_unit=r"wythnos|wythnosau|wsnos|wsnosau|wthnos",
    fortnight_unit=r"pythefnos|bythefnos",
    month_unit=r"mis|fis|misoedd",
    ago_after=r"yn ol|nol|yn ol nawr",
    in_month=r"ym mis|yn ystod mis|mis|yn|ym",
    part_start=r"(?:ar |yn )?(?:dd?echrau|gychwyn|cychwyn)(?: mis| fis)?",
    part_mid=r"(?:yng )?(?:nghanol|canol|ganol)(?: mis| fis)?",
    part_end=r"(?:ar |yn )?(?:dd?iwedd)(?: mis| fis)?",
    of=r"o fis|o|mis",
    ordinal=r"af|il|ydd|edd|ed|fed|eg|ain|th|st|nd|rd",
    weekday_intro=r"ar|ar y",
    holidays={
        "noswyl nadolig": (12, 24), "dydd nadolig": (12, 25), "nadolig": (12, 25),
        "dydd san steffan": (12, 26), "gwyl san steffan": (12, 26), "nos galan": (12, 31),
        "dydd calan": (1, 1), "blwyddyn newydd": (1, 1), "noson tan gwyllt": (11, 5),
        "noson guto ffowc": (11, 5), "noson calan gaeaf": (10, 31), "calan gaeaf": (10, 31),
        "halloween": (10, 31), "dydd gwyl dewi": (3, 1), "gwyl dewi": (3, 1),
    },
    few=r"cwpl o|cwpwl o|ychydig o|ychydig|sawl",
    in_days=r"mewn|ymhen",
)


def _alternatives(words: dict[str, object] | list[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


class _Rules:
    """Reads the date phrases of one language (English or Welsh) with regular expressions."""

    def __init__(self, words: _Words) -> None:
        self.w = words
        w = words
        month = rf"(?P<month>{_alternatives(w.months)})"
        weekday = rf"(?P<weekday>{_alternatives(w.weekdays)})"
        number = rf"(?P<number>[0-9]{{1,2}}|{_alternatives(w.numbers)})"
        year = r"(?P<year>(?:19|20)[0-9]{2})"
        ordinal = rf"(?P<day>[0-9]{{1,2}})(?:{w.ordinal})?"
        b = r"(?:^|(?<=\s))"  # a word starts
        e = r"(?=\s|$)"  # a word ends
        self.patterns: list[tuple[str, re.Pattern[str]]] = [
            ("day_before_yesterday", re.compile(rf"{b}(?:{w.day_before_yesterday}){e}")),
            ("yesterday", re.compile(rf"{b}(?:{w.yesterday}){e}")),
            ("tomorrow", re.compile(rf"{b}(?:{w.tomorrow}){e}")),
            ("today", re.compile(rf"{b}(?:{w.today}){e}")),
            ("day_month", re.compile(
                rf"{b}(?:the |y )?{ordinal}(?: (?:{w.of}))? {month}(?: {year})?{e}")),
            ("month_day", re.compile(rf"{b}{month} (?:the )?{ordinal}(?: {year})?{e}")),
            ("holiday", re.compile(
                rf"{b}(?:(?:on |ar )?(?:last |y )?)?(?P<holiday>{_alternatives(w.holidays)}){e}")),
            ("ago", re.compile(
                rf"{b}{number}? ?(?P<unit>{w.day_unit}|{w.week_unit}|{w.fortnight_unit}"
                rf"|{w.month_unit}) (?:{w.ago_after}){e}")),
            ("in_days", re.compile(
                rf"{b}(?:{w.in_days}) {number}? ?(?P<unit>{w.day_unit}|{w.week_unit}){e}")),
            ("last_weekend", re.compile(rf"{b}(?:{w.last_weekend}){e}")),
            ("weekday_before_last", re.compile(rf"{b}{weekday} (?:{w.before_last}){e}")),
            ("weekday_next", re.compile(rf"{b}{weekday} (?:{w.next_}){e}")),
            ("weekday_last", re.compile(rf"{b}{weekday} (?:{w.last}){e}")),
            *(
                [("weekday_next", re.compile(rf"{b}(?:{w.next_before}) {weekday}{e}")),
                 ("weekday_last", re.compile(rf"{b}(?:{w.last_before}) {weekday}{e}"))]
                if w.next_before else []
            ),
            ("week_last", re.compile(
                rf"{b}(?:(?:the )?(?:last|past) (?:{w.week_unit})|(?:yr )?(?:{w.week_unit}) "
                rf"(?:{w.last})){e}")),
            ("week_next", re.compile(
                rf"{b}(?:next (?:{w.week_unit})|(?:yr )?(?:{w.week_unit}) (?:{w.next_})){e}")),
            ("this_week", re.compile(rf"{b}(?:{w.this_week}){e}")),
            ("month_last", re.compile(
                rf"{b}(?:last (?:{w.month_unit})|(?:y )?(?:{w.month_unit}) (?:{w.last})){e}")),
            ("month_next", re.compile(
                rf"{b}(?:next (?:{w.month_unit})|(?:y )?(?:{w.month_unit}) (?:{w.next_})){e}")),
            ("this_month", re.compile(rf"{b}(?:{w.this_month}){e}")),
            ("weekday", re.compile(rf"{b}(?:(?:{w.weekday_intro}) )?{weekday}{e}")),
            ("ordinal_only", re.compile(rf"{b}(?:on |ar )?(?:the |y )?(?P<day>[0-9]{{1,2}})"
                                        rf"(?:{w.ordinal}){e}")),
            ("month_part", re.compile(
                rf"{b}(?P<part>{w.part_start}|{w.part_mid}|{w.part_end}) ?{month}"
                rf"(?: {year})?{e}")),
            ("month_only", re.compile(
                rf"{b}(?P<intro>(?:{w.in_month}) )?{month}(?P<last> (?:{w.last}))?(?: {year})?"
                rf"{e}")),
        ]

    def read(self, text: str, today: date) -> DateAnswer | None:
        for name, pattern in self.patterns:
            match = pattern.search(text)
            if match is None:
                continue
            answer = getattr(self, "_" + name)(match, today)
            if answer is not None:
                return answer
        return None

    def _number(self, match: re.Match[str]) -> tuple[int, bool]:
        """The count in "3 days ago" and whether it is vague ("a few")."""
        word = match["number"]
        if word is None:
            return 1, False
        if word.isdigit():
            return int(word), False
        vague = re.fullmatch(self.w.few, word) is not None
        return self.w.numbers[word], vague

    def _today(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(today)

    def _yesterday(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(today - timedelta(days=1))

    def _day_before_yesterday(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(today - timedelta(days=2))

    def _tomorrow(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(today + timedelta(days=1), in_future=True)

    def _day_month(self, match: re.Match[str], today: date) -> DateAnswer:
        day, month = int(match["day"]), self.w.months[match["month"]]
        if match["year"]:
            return _day_or_none(int(match["year"]), month, day)
        return _recent_day_month(day, month, today)

    _month_day = _day_month

    def _holiday(self, match: re.Match[str], today: date) -> DateAnswer:
        month, day = self.w.holidays[match["holiday"]]
        return _recent_day_month(day, month, today)

    def _ago(self, match: re.Match[str], today: date) -> DateAnswer:
        count, vague = self._number(match)
        unit = match["unit"]
        if re.fullmatch(self.w.day_unit, unit):
            return DateAnswer(today - timedelta(days=count), approximate=vague)
        if re.fullmatch(self.w.fortnight_unit, unit):
            return DateAnswer(today - timedelta(days=14 * count), approximate=True, grain="week")
        if re.fullmatch(self.w.week_unit, unit):
            return DateAnswer(today - timedelta(days=7 * count), approximate=True, grain="week")
        return DateAnswer(_months_before(today, count), approximate=True, grain="month")

    def _in_days(self, match: re.Match[str], today: date) -> DateAnswer:
        count, vague = self._number(match)
        days = count * (7 if re.fullmatch(self.w.week_unit, match["unit"]) else 1)
        return DateAnswer(today + timedelta(days=days), approximate=vague, in_future=True)

    def _last_weekend(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(_last_weekday(5, today), approximate=True)

    def _weekday_before_last(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(_last_weekday(self.w.weekdays[match["weekday"]], today, weeks_back=1))

    def _weekday_next(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(_next_weekday(self.w.weekdays[match["weekday"]], today), in_future=True)

    def _weekday_last(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(_last_weekday(self.w.weekdays[match["weekday"]], today))

    _weekday = _weekday_last

    def _week_last(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(today - timedelta(days=7), approximate=True, grain="week")

    def _week_next(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(today + timedelta(days=7), approximate=True, grain="week",
                          in_future=True)

    def _this_week(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(today - timedelta(days=today.weekday()), approximate=True, grain="week")

    def _month_last(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(_months_before(today, 1), approximate=True, grain="month")

    def _month_next(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(_months_before(today, -1), approximate=True, grain="month",
                          in_future=True)

    def _this_month(self, match: re.Match[str], today: date) -> DateAnswer:
        return DateAnswer(_months_before(today, 0), approximate=True, grain="month")

    def _ordinal_only(self, match: re.Match[str], today: date) -> DateAnswer | None:
        day = int(match["day"])
        for back in range(0, 3):
            first = _months_before(today, back)
            if day <= calendar.monthrange(first.year, first.month)[1]:
                candidate = first.replace(day=day)
                if candidate <= today:
                    return DateAnswer(candidate)
        return None

    def _month_part(self, match: re.Match[str], today: date) -> DateAnswer:
        part_text = match["part"]
        part = None
        if re.fullmatch(self.w.part_mid, part_text):
            part = "mid"
        elif re.fullmatch(self.w.part_end, part_text):
            part = "end"
        return self._month(match, today, part)

    def _month_only(self, match: re.Match[str], today: date) -> DateAnswer | None:
        if match["month"] in _AMBIGUOUS_MONTHS and not (match["intro"] or match["year"]):
            return None  # "may", "jan" and "mar" alone are words (or names) more than months
        return self._month(match, today, None)

    def _month(self, match: re.Match[str], today: date, part: str | None) -> DateAnswer:
        month = self.w.months[match["month"]]
        year = int(match["year"]) if match["year"] else _recent_month(month, today)
        said_last = "last" in match.groupdict() and match["last"]
        if said_last and not match["year"] and month == today.month:
            year -= 1  # "Mawrth diwethaf" typed in March: last year's
        value = _in_month(year, month, part)
        if value > today and (year, month) == (today.year, today.month):
            value = today  # "end of this month" cannot be later than today
        return DateAnswer(value, approximate=True, grain="month")


_AMBIGUOUS_MONTHS = {"may", "mar", "jan", "mai"}
_RULES = {"en": _Rules(_EN), "cy": _Rules(_CY)}


# --- other languages: what dateparser is known to guess --------------------------------------

# Words that mean both "yesterday" and "tomorrow" (or "the day before yesterday" and "the day
# after tomorrow"): read as the past, but not certain.
_BOTH_WAYS = {
    "ur": {"کل": 1, "پرسوں": 2},
    "pa": {"ਕੱਲ੍ਹ": 1, "ਕੱਲ": 1, "ਕਲ": 1, "ਪਰਸੋਂ": 2},
    "bn": {"কাল": 1, "পরশু": 2},
}
# Weekday names dateparser 1.1.8 does not read with "last" (w zeszły wtorek, marțea trecută...).
_WEEKDAYS = {
    "pl": [["poniedziałek", "poniedzialek", "poniedziałku"], ["wtorek", "wtorku"],
           ["środa", "środę", "sroda", "srode", "środy"], ["czwartek", "czwartku"],
           ["piątek", "piatek", "piątku", "piatku"], ["sobota", "sobotę", "sobote", "soboty"],
           ["niedziela", "niedzielę", "niedziele", "niedzieli"]],
    "ro": [["luni", "lunea"], ["marți", "marti", "marțea", "martea"],
           ["miercuri", "miercurea"], ["joi", "joia"], ["vineri", "vinerea"],
           ["sâmbătă", "sambata", "sâmbăta", "sambăta"], ["duminică", "duminica"]],
    "pt": [["segunda", "segunda-feira"], ["terça", "terca", "terça-feira", "terca-feira"],
           ["quarta", "quarta-feira"], ["quinta", "quinta-feira"], ["sexta", "sexta-feira"],
           ["sábado", "sabado"], ["domingo"]],
    "es": [["lunes"], ["martes"], ["miércoles", "miercoles"], ["jueves"], ["viernes"],
           ["sábado", "sabado"], ["domingo"]],
    "ar": [["الاثنين", "الإثنين"], ["الثلاثاء"], ["الأربعاء", "الاربعاء"], ["الخميس"],
           ["الجمعة"], ["السبت"], ["الأحد", "الاحد"]],
    "ur": [["پیر", "سوموار"], ["منگل"], ["بدھ"], ["جمعرات"], ["جمعہ"], ["ہفتہ", "ہفتے"],
           ["اتوار"]],
    "pa": [["ਸੋਮਵਾਰ"], ["ਮੰਗਲਵਾਰ"], ["ਬੁੱਧਵਾਰ", "ਬੁਧਵਾਰ"], ["ਵੀਰਵਾਰ"],
           ["ਸ਼ੁੱਕਰਵਾਰ", "ਸ਼ੁਕਰਵਾਰ"], ["ਸ਼ਨੀਵਾਰ"], ["ਐਤਵਾਰ"]],
    "bn": [["সোমবার"], ["মঙ্গলবার"], ["বুধবার"], ["বৃহস্পতিবার"], ["শুক্রবার"],
           ["শনিবার"], ["রবিবার"]],
}


def _words_of(text: str) -> list[str]:
    return re.findall(r"[\w\u0900-\u0DFF\u0600-\u06FF\u0A00-\u0A7F-]+", text)


def _known_guesses(text: str, language: str, today: date) -> DateAnswer | None:
    words = _words_of(text)
    for word, days in _BOTH_WAYS.get(language, {}).items():
        if word in words:
            return DateAnswer(today - timedelta(days=days), certain=False)
    for weekday, names in enumerate(_WEEKDAYS.get(language, [])):
        if any(name in words for name in names):
            return DateAnswer(_last_weekday(weekday, today), certain=False)
    return None


# --- dateparser ------------------------------------------------------------------------------


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


def _dateparser(text: str, language: str, today: date) -> DateAnswer | None:
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
