"""One case for one application (issue 13): the applicant and the lead agency see the same decision.

The same answers go down both paths: the assistant's (the check's decision told in the
conversation, and the `eligibility` of the document it sends) and the handoff service's (the
document validated and completed as the intake stores it). Every decision must agree, under
policies with each route, including the cases where the victim is at risk or described a
vulnerability in their own words.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.eligibility_form import ActionCheckEligibility
from assistant.actions.submission import application_document
from deployment import load_deployment
from deployment.config import DEFAULT_FILE
from eligibility import clock, resolve_policy
from handoff.document import complete, validate
from tests.assistant.slots import consented, incident
from tests.assistant.trackers import TODAY, slot_events, tracker


def days_ago(occurred: int, reported: int, hate: bool = False) -> dict:
    return incident(TODAY - timedelta(days=occurred), TODAY - timedelta(days=reported),
                    hate=hate)


INCIDENTS = {
    "three": [days_ago(60, 59), days_ago(30, 30), days_ago(9, 8)],
    "one": [days_ago(9, 8)],
    "one late of three": [days_ago(100, 20), days_ago(30, 30), days_ago(9, 8)],
    "one hate and one other": [days_ago(40, 40, hate=True), days_ago(60, 58)],
    "old, the last a month ago": [days_ago(250, 249), days_ago(200, 199), days_ago(45, 40)],
}
# (victim.at_risk as the check asked it, victim.vulnerabilities in the applicant's words)
VULNERABILITY = {
    "not asked, none described": (None, ""),
    "at risk": (True, ""),
    "not at risk, a vulnerability described": (False, "I have anxiety and live alone"),
    "not asked, vulnerabilities listed": (None, ["lives alone", "long-term illness"]),
    "at risk, 'none' in Polish": (True, "brak"),
    "not at risk": (False, ""),
}
POLICIES = ("statutory-default", "plymouth", "wales", "gloucestershire")


@pytest.fixture(params=POLICIES)
def policy(request, tmp_path, monkeypatch) -> Iterator[str]:
    """The example deployment with its area under this policy, for both paths."""
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    assert "policy: statutory-default" in text
    file = tmp_path / "deployment.yml"
    file.write_text(text.replace("policy: statutory-default", f"policy: {request.param}", 1),
                    encoding="utf-8")
    monkeypatch.setenv("ASB_DEPLOYMENT", str(file))
    service.deployment.cache_clear()  # the action server reads its file once per process
    yield request.param
    service.deployment.cache_clear()


def agreed_part(eligibility: dict) -> dict:
    """What the assistant sends as `eligibility`, from the service's fuller output."""
    policy = eligibility["policy"]
    return {"outcome": eligibility["outcome"], "met_by": eligibility["met_by"],
            "policy": policy if isinstance(policy, str) else policy["id"],
            "reasons": list(eligibility.get("reasons", []))}


@pytest.mark.parametrize("vulnerability", VULNERABILITY, ids=list(VULNERABILITY))
@pytest.mark.parametrize("incidents", INCIDENTS, ids=list(INCIDENTS))
async def test_the_assistant_and_the_handoff_service_decide_alike(policy, incidents, vulnerability):
    at_risk, described = VULNERABILITY[vulnerability]
    answers = consented(incidents=INCIDENTS[incidents], at_risk=at_risk,
                        vulnerabilities=described)

    # The assistant: the decision told at the check, and the one in the document it sends.
    events = await ActionCheckEligibility().run(CollectingDispatcher(), tracker(answers), {})
    told = slot_events(events)["eligibility"]
    sent = application_document(tracker(answers))
    assert sent["victim"]["at_risk"] is (at_risk is True)
    assert sent["victim"]["vulnerabilities"] == (described or None)

    # The handoff service: the same document, validated and completed as the intake stores it.
    validate(sent)
    area = load_deployment().area(sent["area"]["id"])
    received = datetime.combine(TODAY, datetime.min.time().replace(hour=12), clock.LONDON)
    stored = agreed_part(complete(sent, area, received)["eligibility"])

    assert told == sent["eligibility"] == stored
    assert stored["policy"] == policy
    # The one rule for "vulnerable": the check's "at risk?" answer, never the words described.
    if stored["outcome"] != "threshold_met":
        assert resolve_policy(policy).discretion_on_vulnerability
        expected = "discretionary_review" if at_risk is True else "threshold_not_met"
        assert stored["outcome"] == expected


def test_every_route_and_outcome_is_exercised():
    """The table above is worth its time: it reaches each route and each outcome."""
    from eligibility import decide_application

    seen = set()
    for policy in POLICIES:
        for incidents in INCIDENTS.values():
            for at_risk, _ in VULNERABILITY.values():
                document = {"incidents": incidents, "victim": {"at_risk": at_risk}}
                decision = decide_application(document, policy, TODAY)
                seen.add((decision.outcome, decision.met_by))
    assert seen >= {("threshold_met", "complaints"), ("threshold_met", "hate_incident"),
                    ("threshold_met", "hate_lowered"), ("threshold_not_met", None),
                    ("discretionary_review", None)}
