"""Runs every named case in cases.yaml through the engine: one table, one test each."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from eligibility import check

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _as_json(case: dict) -> dict:
    """cases.yaml is written for people: YAML dates become the ISO strings CASE.json carries."""
    out = {key: _iso(value) for key, value in case.items() if key not in ("name", "expect")}
    out["incidents"] = [
        {key: _iso(value) for key, value in incident.items()} for incident in case["incidents"]
    ]
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict) -> None:
    result = check(_as_json(case), today=date(2027, 1, 1)).to_json()
    expect = case["expect"]
    for key, wanted in expect.items():
        if key == "incidents":
            assert [r["reasons"] for r in result["incidents"]] == wanted
        elif key == "counts_until":
            assert [r.get("counts_until") for r in result["incidents"]] == [
                _iso(v) for v in wanted
            ]
        elif key == "policy_id":
            assert result["policy"]["id"] == wanted
        else:
            assert result[key] == _iso(wanted), key


def test_every_case_has_a_unique_name_and_an_expectation() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    assert all(c.get("expect") for c in CASES)


def test_every_shipped_policy_is_exercised_by_a_case() -> None:
    from eligibility import shipped_policies

    used = {c["policy"] for c in CASES if isinstance(c.get("policy"), str)}
    assert set(shipped_policies()) <= used
