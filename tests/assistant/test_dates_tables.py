"""Every row of every per-language date table (tests/assistant/dates/<code>.yml), one parametrised
test: the text as people type it, a fixed today, an anchor where the phrase needs one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from assistant.dates import understand_date
from languages import CODES

TABLES = Path(__file__).parent / "dates"
LANGUAGES = CODES
NOT_CERTAIN = "not certain"
KEYS = {"text", "date", "anchor", "today", "approximate", "grain", "future"}


def _table(language: str) -> dict:
    with (TABLES / f"{language}.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _rows():
    for language in LANGUAGES:
        if not (TABLES / f"{language}.yml").is_file():
            continue  # test_each_language_has_a_table... fails for it
        table = _table(language)
        for number, row in enumerate(table["rows"], start=1):
            yield pytest.param(language, table["today"], row,
                               id=f"{language}-{number}-{row['text']}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_a_table_of_at_least_25_rows(language: str) -> None:
    table = _table(language)
    assert table["language"] == language
    assert isinstance(table["today"], date)
    assert len(table["rows"]) >= 25
    for row in table["rows"]:
        assert set(row) <= KEYS, row
        assert isinstance(row["text"], str) and row["text"].strip(), row
        assert row["date"] == NOT_CERTAIN or isinstance(row["date"], date), row


@pytest.mark.parametrize(("language", "today", "row"), list(_rows()))
def test_typed_date(language: str, today: date, row: dict) -> None:
    answer = understand_date(row["text"], language, row.get("today", today), row.get("anchor"))
    if row["date"] == NOT_CERTAIN:
        assert answer.value is None or not answer.certain, answer
        return
    expected = (row["date"], True, bool(row.get("approximate", False)), row.get("grain", "day"),
                bool(row.get("future", False)))
    actual = (answer.value, answer.certain, answer.approximate, answer.grain, answer.in_future)
    assert actual == expected
