from datetime import date

import pytest

from eligibility import months_before, period_end, within

# The table in spec/eligibility.md, "Periods".
SPEC_TABLE = [
    (1, date(2026, 1, 5), date(2026, 2, 4)),
    (1, date(2026, 1, 28), date(2026, 2, 27)),
    (1, date(2026, 1, 30), date(2026, 2, 28)),
    (1, date(2028, 1, 31), date(2028, 2, 29)),
    (6, date(2026, 3, 15), date(2026, 9, 14)),
    (6, date(2025, 8, 31), date(2026, 2, 28)),
]


@pytest.mark.parametrize("months,start,end", SPEC_TABLE)
def test_period_ends_as_the_spec_says(months, start, end):
    assert period_end(start, months) == end


@pytest.mark.parametrize("months,start,end", SPEC_TABLE)
def test_the_last_day_is_within_and_the_next_day_is_not(months, start, end):
    assert within(end, start, months)
    assert within(start, start, months)
    assert not within(date.fromordinal(end.toordinal() + 1), start, months)
    assert not within(date.fromordinal(start.toordinal() - 1), start, months)


@pytest.mark.parametrize(
    "start,months,end",
    [
        (date(2026, 12, 15), 1, date(2027, 1, 14)),  # across a year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 2, 28), 1, date(2026, 3, 27)),
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),  # 31 April does not exist
    ],
)
def test_more_periods(start, months, end):
    assert period_end(start, months) == end


@pytest.mark.parametrize(
    "day,months,before",
    [
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2028, 3, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 10), 1, date(2026, 2, 10)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 8, 31), 6, date(2026, 2, 28)),
    ],
)
def test_months_before(day, months, before):
    assert months_before(day, months) == before
