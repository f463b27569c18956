"""Invariants of the decision, checked on generated cases (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import Case, IncidentRecord, Policy, decide, period_end
from eligibility.decision import THRESHOLD_MET
from eligibility.policy import policy_from_mapping

APPLIED_ON = date(2026, 6, 15)

policies = st.builds(
    Policy,
    min_complaints=st.integers(1, 3),
    report_within_months=st.integers(1, 3),
    window_months=st.integers(1, 12),
    recent_report_within_months=st.none() | st.integers(1, 3),
    hate_incident_triggers=st.booleans(),
    hate_min_complaints=st.none() | st.integers(1, 3),
    min_complaints_from_one_reporter=st.booleans(),
    community_min_complaints=st.none() | st.integers(1, 6),
    community_min_reporters=st.integers(1, 3),
    discretion_on_vulnerability=st.booleans(),
)


@st.composite
def records(draw, applied_on=APPLIED_ON, ids=st.none() | st.sampled_from("abcde")):
    occurred = applied_on - timedelta(days=draw(st.integers(0, 400)))
    reported = occurred + timedelta(days=draw(st.integers(0, 90)))
    if reported > applied_on:
        reported = applied_on
    return IncidentRecord(
        occurred_on=occurred,
        reported_on=reported,
        reported_to=tuple(draw(st.sets(st.sampled_from(["police", "council", "housing"]),
                                       min_size=1))),
        id=draw(ids),
        hate_related=draw(st.booleans()),
        reporter=draw(st.sampled_from(["applicant", "neighbour", "carer"])),
    )


cases = st.builds(
    Case,
    applied_on=st.just(APPLIED_ON),
    incidents=st.lists(records(), max_size=8).map(tuple),
    vulnerable=st.booleans(),
)


def _qualifying_record(applied_on: date, reporter: str = "applicant") -> IncidentRecord:
    # Reported the day it happened, a week before the application: counts under any policy.
    day = applied_on - timedelta(days=7)
    return IncidentRecord(occurred_on=day, reported_on=day, reporter=reporter)


@settings(max_examples=300, deadline=None)
@given(case=cases, policy=policies, data=st.data())
def test_the_order_of_incidents_never_changes_the_decision(case, policy, data):
    shuffled = data.draw(st.permutations(case.incidents))
    a = decide(case, policy)
    b = decide(dataclasses.replace(case, incidents=tuple(shuffled)), policy)
    assert (a.outcome, a.met_by, a.qualifying_count, a.more_needed, a.reasons, a.act_by) == (
        b.outcome, b.met_by, b.qualifying_count, b.more_needed, b.reasons, b.act_by)


@settings(max_examples=300, deadline=None)
@given(case=cases, policy=policies, reporter=st.sampled_from(["applicant", "neighbour"]))
def test_adding_a_qualifying_complaint_never_turns_met_into_not_met(case, policy, reporter):
    before = decide(case, policy)
    more = dataclasses.replace(
        case, incidents=case.incidents + (_qualifying_record(case.applied_on, reporter),)
    )
    after = decide(more, policy)
    assert after.qualifying_count == before.qualifying_count + 1
    if before.outcome == THRESHOLD_MET:
        assert after.outcome == THRESHOLD_MET


@settings(max_examples=300, deadline=None)
@given(case=cases, policy=policies, data=st.data())
def test_a_duplicate_record_never_changes_the_count(case, policy, data):
    if not case.incidents:
        return
    index = data.draw(st.integers(0, len(case.incidents) - 1))
    original = case.incidents[index]
    key = original.id or f"only-{index}"
    tagged = dataclasses.replace(original, id=key)
    later = dataclasses.replace(
        tagged,
        reported_on=min(case.applied_on, original.reported_on + timedelta(days=3)),
        reported_to=("council",),
    )
    base = list(case.incidents)
    base[index] = tagged
    if original.id is None:
        # Give the record its own id; that alone must not change anything.
        assert decide(dataclasses.replace(case, incidents=tuple(base)), policy).qualifying_count \
            == decide(case, policy).qualifying_count
    with_dup = dataclasses.replace(case, incidents=tuple(base) + (later,))
    a = decide(dataclasses.replace(case, incidents=tuple(base)), policy)
    b = decide(with_dup, policy)
    assert b.qualifying_count == a.qualifying_count
    assert not b.incidents[-1].qualifies


@settings(max_examples=300, deadline=None)
@given(case=cases, policy=policies, lower=st.integers(1, 3))
def test_a_lower_min_complaints_never_turns_met_into_not_met(case, policy, lower):
    if lower > policy.min_complaints:
        return
    if decide(case, policy).outcome == THRESHOLD_MET:
        relaxed = dataclasses.replace(policy, min_complaints=lower)
        assert decide(case, relaxed).outcome == THRESHOLD_MET


@settings(max_examples=300, deadline=None)
@given(case=cases, policy=policies)
def test_every_result_is_consistent(case, policy):
    decision = decide(case, policy)
    assert [r.index for r in decision.incidents] == list(range(len(case.incidents)))
    counted = [r for r in decision.incidents if r.qualifies]
    assert len(counted) == decision.qualifying_count
    for result in decision.incidents:
        assert result.qualifies == (not result.reasons)
        if result.qualifies:
            assert result.counts_until == period_end(result.complaint_on, policy.window_months)
            assert case.applied_on <= result.counts_until
    if decision.outcome == THRESHOLD_MET:
        assert decision.met_by and decision.more_needed is None
    else:
        assert decision.met_by is None and decision.reasons
        assert (decision.more_needed > 0) == ("too_few_complaints" in decision.reasons)
        assert decision.outcome == (
            "discretionary_review"
            if case.vulnerable and policy.discretion_on_vulnerability
            else "threshold_not_met"
        )


@settings(max_examples=200, deadline=None)
@given(case=cases, policy=policies)
def test_more_needed_complaints_before_act_by_meet_the_threshold(case, policy):
    """What the assistant promises ("N more reports by D") is true: N new complaints made and the
    application made on the act-by date meet the threshold, unless only the recent rule fails."""
    decision = decide(case, policy)
    if decision.met or not decision.more_needed or decision.act_by is None:
        return
    day = decision.act_by
    extra = tuple(
        IncidentRecord(occurred_on=day, reported_on=day, reporter="applicant")
        for _ in range(decision.more_needed)
    )
    # Records reported by the one reporter that leads, for policies that count per reporter.
    # Per the spec, a qualifying incident counts for every reporter who made a record of it
    # within the reporting period, so the reporter closest to the threshold is found that way.
    if policy.min_complaints_from_one_reporter:
        counts: dict[str, int] = {}
        for first, result in enumerate(decision.incidents):
            if not (result.qualifies and result.same_incident_as is None):
                continue
            group = [first] + [i for i, r in enumerate(decision.incidents)
                               if r.same_incident_as == first]
            occurred = min(case.incidents[i].occurred_on for i in group)
            last_day = period_end(occurred, policy.report_within_months)
            for reporter in {case.incidents[i].reporter for i in group
                             if case.incidents[i].reported_on <= last_day}:
                counts[reporter] = counts.get(reporter, 0) + 1
        leader = max(counts, key=counts.get) if counts else "applicant"
        extra = tuple(dataclasses.replace(r, reporter=leader) for r in extra)
    later = Case(applied_on=day, incidents=case.incidents + extra, vulnerable=case.vulnerable)
    assert decide(later, policy).outcome == THRESHOLD_MET


def test_an_incident_complained_about_by_two_counts_for_each_and_once_in_total():
    """The case Hypothesis found: one incident reported by two people, one more by the second.
    Under a one-reporter policy the second reporter has two complaints; the total is two."""
    policy = policy_from_mapping({"id": "one-reporter", "min_complaints": 3,
                                  "min_complaints_from_one_reporter": True})
    day = date(2026, 3, 2)
    case = Case(applied_on=date(2026, 3, 10), incidents=(
        IncidentRecord(occurred_on=day, reported_on=day, id="x", reporter="applicant"),
        IncidentRecord(occurred_on=day, reported_on=day, id="x", reporter="neighbour"),
        IncidentRecord(occurred_on=day, reported_on=day, reporter="neighbour"),
    ))
    decision = decide(case, policy)
    assert (decision.qualifying_count, decision.more_needed) == (2, 1)
    # A record made after the reporting period does not count for its reporter.
    late = dataclasses.replace(case.incidents[1], reported_on=date(2026, 4, 15))
    later_case = dataclasses.replace(case, applied_on=date(2026, 4, 20),
                                     incidents=(case.incidents[0], late, case.incidents[2]))
    assert decide(later_case, policy).more_needed == 2
