from datetime import date

import pytest

from eligibility import (
    EligibilityError,
    Nation,
    add_working_days,
    is_working_day,
    working_period_end,
)

EW, SC, NI = Nation.ENGLAND_AND_WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND


@pytest.mark.parametrize(
    "start,days,nation,expected",
    [
        # Monday 2 March 2026 + 10 working days, no holidays in between: Monday 16 March.
        (date(2026, 3, 2), 10, EW, date(2026, 3, 16)),
        # From a Friday, one working day is the Monday.
        (date(2026, 3, 6), 1, EW, date(2026, 3, 9)),
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April in England and Wales.
        (date(2026, 4, 2), 1, EW, date(2026, 4, 7)),
        # Scotland has Good Friday but not Easter Monday.
        (date(2026, 4, 2), 1, SC, date(2026, 4, 6)),
        # Christmas 2026: Friday 25 December, Monday 28 December (Boxing Day substitute).
        (date(2026, 12, 24), 1, EW, date(2026, 12, 29)),
        # Scotland: 1 and 2 January 2027 are holidays (2 Jan is a Saturday: substitute Monday 4th).
        (date(2026, 12, 31), 1, SC, date(2027, 1, 5)),
        (date(2026, 12, 31), 1, EW, date(2027, 1, 4)),
        # Northern Ireland: St Patrick's Day, Tuesday 17 March 2026.
        (date(2026, 3, 16), 1, NI, date(2026, 3, 18)),
        (date(2026, 3, 16), 1, EW, date(2026, 3, 17)),
        # Zero working days is the start date itself.
        (date(2026, 3, 7), 0, EW, date(2026, 3, 7)),
    ],
)
def test_add_working_days(start, days, nation, expected):
    assert add_working_days(start, days, nation) == expected


def test_a_period_beginning_with_a_working_day_counts_that_day():
    # 20 working days beginning with Monday 2 March 2026 end on Friday 27 March.
    assert working_period_end(date(2026, 3, 2), 20) == date(2026, 3, 27)


def test_a_period_beginning_on_a_weekend_starts_counting_on_monday():
    assert working_period_end(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 8, 31), EW)  # summer bank holiday
    assert is_working_day(date(2026, 8, 31), SC)  # not in Scotland
    assert not is_working_day(date(2026, 8, 3), SC)  # Scotland's is the first Monday


def test_nation_by_name_and_bad_input():
    assert add_working_days(date(2026, 3, 6), 1, "scotland") == date(2026, 3, 9)
    with pytest.raises(EligibilityError, match="nation"):
        add_working_days(date(2026, 3, 6), 1, "wales")
    with pytest.raises(EligibilityError, match="days"):
        add_working_days(date(2026, 3, 6), -1)
    with pytest.raises(EligibilityError, match="days"):
        working_period_end(date(2026, 3, 6), 0)
