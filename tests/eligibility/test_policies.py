from datetime import date

import pytest

from eligibility import EligibilityError, resolve_policy, shipped_policies
from eligibility.policy import load_policy_file, policy_from_mapping


def test_the_five_required_kinds_of_policy_are_shipped_with_sources():
    policies = shipped_policies()
    assert policies["statutory-default"].min_complaints == 3
    assert any(p.hate_incident_triggers for p in policies.values())
    assert any(p.hate_min_complaints for p in policies.values())
    assert any(
        p.min_complaints_from_one_reporter and p.community_min_complaints == 5
        and p.hate_incident_triggers for p in policies.values()
    )
    assert any(p.recent_report_within_months == 1 for p in policies.values())
    for policy in policies.values():
        assert policy.source.startswith("https://"), policy.id
        assert isinstance(policy.effective_from, date), policy.id
        assert policy.title and policy.description, policy.id
        assert policy.min_complaints <= 3


def test_inline_policy_takes_defaults_for_missing_keys():
    policy = resolve_policy({"hate_incident_triggers": True})
    assert policy.id == "inline"
    assert (policy.min_complaints, policy.report_within_months, policy.window_months) == (3, 1, 6)
    assert policy.discretion_on_vulnerability is True


def test_no_policy_is_the_statutory_default():
    assert resolve_policy(None).id == "statutory-default"


@pytest.mark.parametrize(
    "data,field,words",
    [
        ({"min_complaints": 4}, "policy.min_complaints", "never a higher one"),
        ({"min_complaints": 0}, "policy.min_complaints", "at least 1"),
        ({"min_complaints": True}, "policy.min_complaints", "whole number"),
        ({"min_complaints": "3"}, "policy.min_complaints", "whole number"),
        ({"window_months": 0}, "policy.window_months", "at least 1"),
        ({"hate_min_complaints": 5}, "policy.hate_min_complaints", "at most 3"),
        ({"hate_incident_triggers": "yes"}, "policy.hate_incident_triggers", "true or false"),
        ({"recent_report_within_months": 0}, "policy.recent_report_within_months", "at least 1"),
        ({"unknown": 1}, "policy.unknown", "not a policy key"),
        ({"effective_from": "2026-13-01"}, "policy.effective_from", "not a real date"),
    ],
)
def test_invalid_policies_are_refused_with_the_key_named(data, field, words):
    with pytest.raises(EligibilityError) as caught:
        policy_from_mapping(data)
    assert caught.value.field == field
    assert words in caught.value.message


def test_a_policy_file_needs_its_source_and_date(tmp_path):
    file = tmp_path / "local.yaml"
    file.write_text("id: local\ntitle: Local\nmin_complaints: 2\n")
    with pytest.raises(EligibilityError, match="source: is required"):
        load_policy_file(file)
    file.write_text("id: local\ntitle: Local\nsource: https://x.example\nmin_complaints: 9\n"
                    "effective_from: 2026-01-01\n")
    with pytest.raises(EligibilityError, match="Act"):
        load_policy_file(file)
    file.write_text("id: [unclosed\n")
    with pytest.raises(EligibilityError, match="not valid YAML"):
        load_policy_file(file)
