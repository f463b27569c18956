"""The application document: the schema file, error messages by field, and completion."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from fastjsonschema import JsonSchemaException
from jsonschema import Draft202012Validator

from handoff.document import SCHEMA_FILE, DocumentError, _formats, _quick_check, complete, validate
from tests.handoff.handoff_parts import EXAMPLE, example_application, make_deployment

AREA = make_deployment().area("anytown")


def fields(document) -> dict[str, str]:
    with pytest.raises(DocumentError) as caught:
        validate(document)
    return {error.field: error.message for error in caught.value.errors}


def test_the_schema_file_is_a_valid_schema_and_the_example_meets_it():
    Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text()))
    validate(json.loads(EXAMPLE.read_text()))


def test_a_victim_applying_for_themselves_needs_no_applicant_details():
    document = example_application(applicant={"role": "victim"})
    document["consent"]["given_by"] = "victim"
    validate(document)


def test_someone_applying_on_behalf_must_say_who_they_are():
    document = example_application(applicant={"role": "on_behalf", "name": " "})
    assert fields(document) == {"applicant.name": "must not be empty",
                                "applicant.relationship": "is missing"}


def test_not_an_object():
    assert fields([1, 2]) == {"document": "must be a JSON object"}


def test_dates_and_times_are_checked():
    document = example_application()
    document["incidents"][0]["occurred_on"] = "10/03/2026"
    document["consent"]["given_at"] = "2026-03-10T14:02:11"  # no offset
    assert fields(document) == {
        "incidents[0].occurred_on": '"10/03/2026" is not a real date written YYYY-MM-DD',
        "consent.given_at": '"2026-03-10T14:02:11" is not a date and time with a UTC offset '
                            "(ISO 8601)",
    }


def test_completion_sets_what_the_service_owns():
    when = datetime(2026, 3, 10, 14, 5, 9, tzinfo=timezone.utc)
    document = complete(example_application(), AREA, when)
    assert "reference" not in document  # the store gives it one
    assert document["submitted_at"] == "2026-03-10T14:05:09+00:00"
    assert document["area"]["lead_agency"] == AREA.lead_agency.name
    assert set(document["deadlines"]) == {"acknowledge_by", "threshold_decision_due"}
    assert document["eligibility"]["applied_on"] == "2026-03-10"
    assert document["eligibility"]["policy"]["id"] == AREA.policy
    # The stored document meets the same schema (with the fields the service sets).
    stored = document | {"reference": "ASB-2026-ABCDEF"}
    errors = list(Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).iter_errors(stored))
    assert errors == []



def test_a_victim_at_risk_below_the_threshold_goes_to_a_discretionary_review():
    """What the service stores agrees with what the assistant told the user: the eligibility
    check's "at risk" answer counts even when no vulnerability was described."""
    when = datetime(2026, 3, 10, 14, 5, 9, tzinfo=timezone.utc)
    document = example_application()
    document["incidents"] = document["incidents"][:1]
    document["victim"]["vulnerabilities"] = None
    assert complete(document, AREA, when)["eligibility"]["outcome"] == "threshold_not_met"
    document["victim"]["at_risk"] = True
    validate(document)
    assert complete(document, AREA, when)["eligibility"]["outcome"] == "discretionary_review"


def test_a_vulnerability_described_without_at_risk_does_not_change_the_outcome():
    """One rule for "vulnerable" (eligibility.application): the check's "at risk" answer. The
    victim's own words about their vulnerabilities are kept for the caseworkers to weigh, and
    do not turn the outcome the assistant told into another one."""
    when = datetime(2026, 3, 10, 14, 5, 9, tzinfo=timezone.utc)
    document = example_application()
    document["incidents"] = document["incidents"][:1]
    document["victim"]["vulnerabilities"] = ["lives alone", "long-term illness"]
    document["victim"]["at_risk"] = False
    stored = complete(document, AREA, when)
    assert stored["eligibility"]["outcome"] == "threshold_not_met"
    assert stored["victim"]["vulnerabilities"] == ["lives alone", "long-term illness"]


MUTATIONS = [
    ("schema_version", "2"), ("language", "english"), ("area", {}), ("impact", 3),
    ("applicant", {"role": "on_behalf"}), ("applicant", {"role": "victim", "name": None}),
    ("victim.kind", "company"), ("victim.name", ""), ("victim.contact.email", "not an email"),
    ("victim.contact.preferred", None), ("victim.vulnerabilities", ["a", 2]),
    ("victim.vulnerabilities", "lives alone"), ("victim.support_wanted", "a support worker"),
    ("incidents", []), ("incidents.0.occurred_on", "2026-02-30"),
    ("incidents.0.reported_to", []), ("incidents.0.reported_to", ["police", "police"]),
    ("incidents.0.hate_related", "yes"), ("consent.given_at", "2026-03-10 14:02"),
    ("consent.given_at", "2026-03-10T14:02:11Z"), ("consent.given_by", "without_consent"),
    ("consent.language", "EN"), ("eligibility", {"anything": 1}), ("extra", 1),
]


@pytest.mark.parametrize("where, value", MUTATIONS)
def test_the_quick_check_and_the_reference_validator_agree(where, value):
    document = example_application()
    node, path = document, where.split(".")
    for part in path[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[path[-1] if not isinstance(node, list) else int(path[-1])] = value
    reference = Draft202012Validator(json.loads(SCHEMA_FILE.read_text()),
                                     format_checker=_formats).is_valid(document)
    try:
        _quick_check()(document)
        quick = True
    except JsonSchemaException:
        quick = False
    assert quick == reference
