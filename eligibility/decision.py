"""The threshold decision: which complaints qualify, and whether they meet the local policy.

Returns codes and data, never sentences: the CLI renders them in English (`explanation.py`) and
the assistant in the user's language from its catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eligibility.case import Case, IncidentRecord
from eligibility.periods import months_before, period_end
from eligibility.policy import Policy

# Outcomes
THRESHOLD_MET = "threshold_met"
THRESHOLD_NOT_MET = "threshold_not_met"
DISCRETIONARY_REVIEW = "discretionary_review"

# How the threshold was met, in the order the routes are tried.
MET_BY_COMPLAINTS = "complaints"
MET_BY_HATE_INCIDENT = "hate_incident"
MET_BY_HATE_LOWERED = "hate_lowered"
MET_BY_COMMUNITY = "community"

# Why a record does not count.
REPORTED_LATE = "reported_late"
OUTSIDE_WINDOW = "outside_window"
DUPLICATE = "duplicate"

# Why the threshold is not met.
TOO_FEW_COMPLAINTS = "too_few_complaints"
NO_RECENT_REPORT = "no_recent_report"


@dataclass(frozen=True, slots=True)
class IncidentResult:
    index: int
    qualifies: bool
    reasons: tuple[str, ...]
    # The complaint date of the incident this record belongs to (its earliest report).
    complaint_on: date
    # The last application date on which the incident still counts; set when it qualifies.
    counts_until: date | None = None
    # For a later record of an incident: the index of the record that stands for it.
    same_incident_as: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "qualifies": self.qualifies,
            "reasons": list(self.reasons),
        }
        if self.counts_until is not None:
            out["counts_until"] = self.counts_until.isoformat()
        if self.same_incident_as is not None:
            out["same_incident_as"] = self.same_incident_as
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str
    met_by: str | None
    qualifying_count: int
    required: int
    incidents: tuple[IncidentResult, ...]
    policy: Policy
    applied_on: date
    # Set when the threshold is not met:
    more_needed: int | None = None
    reasons: tuple[str, ...] = ()
    # The last day on which the complaints that count now still count: the date to apply by
    # with `more_needed` more complaints. None when none counts.
    act_by: date | None = None
    # With a recent-report rule: the earliest complaint date that satisfies it.
    recent_report_since: date | None = None

    @property
    def met(self) -> bool:
        return self.outcome == THRESHOLD_MET

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "outcome": self.outcome,
            "met_by": self.met_by,
            "qualifying_count": self.qualifying_count,
            "required": self.required,
            "applied_on": self.applied_on.isoformat(),
            "incidents": [result.to_json() for result in self.incidents],
            "policy": self.policy.to_json(),
        }
        if not self.met:
            out["more_needed"] = self.more_needed
            out["reasons"] = list(self.reasons)
            out["act_by"] = self.act_by.isoformat() if self.act_by else None
        if self.recent_report_since is not None:
            out["recent_report_since"] = self.recent_report_since.isoformat()
        return out


def _group(records: tuple[IncidentRecord, ...]) -> list[list[int]]:
    """Indexes of records, one list per incident, the record standing for it first: the one
    reported earliest (the first given, on a tie). Records without an id are incidents alone."""
    groups: dict[object, list[int]] = {}
    for index, record in enumerate(records):
        key = ("id", record.id) if record.id is not None else index
        groups.setdefault(key, []).append(index)
    out = []
    for indexes in groups.values():
        if len(indexes) > 1:
            indexes.sort(key=lambda i: (records[i].reported_on, i))
        out.append(indexes)
    return out


def decide(case: Case, policy: Policy) -> Decision:
    """Decide whether `case` meets `policy`'s threshold on `case.applied_on`."""
    records = case.incidents
    applied_on = case.applied_on
    results: list[IncidentResult | None] = [None] * len(records)
    # Per qualifying incident: complaint date, hate-related, reporters.
    qualifying: list[tuple[date, bool, frozenset[str]]] = []
    counts_until_dates: list[date] = []

    for indexes in _group(records):
        first = records[indexes[0]]
        complaint_on = first.reported_on
        occurred_on = first.occurred_on
        hate = first.hate_related
        if len(indexes) > 1:
            occurred_on = min(records[i].occurred_on for i in indexes)
            hate = any(records[i].hate_related for i in indexes)
        reasons: tuple[str, ...] = ()
        if complaint_on > period_end(occurred_on, policy.report_within_months):
            reasons = (REPORTED_LATE,)
        counts_until = period_end(complaint_on, policy.window_months)
        if applied_on > counts_until:
            reasons += (OUTSIDE_WINDOW,)
        qualifies = not reasons
        if qualifies:
            # It counts for each reporter who made a record of it within the reporting period.
            last_day = period_end(occurred_on, policy.report_within_months)
            reporters = frozenset(records[i].reporter for i in indexes
                                  if records[i].reported_on <= last_day)
            qualifying.append((complaint_on, hate, reporters))
            counts_until_dates.append(counts_until)
        results[indexes[0]] = IncidentResult(
            index=indexes[0],
            qualifies=qualifies,
            reasons=reasons,
            complaint_on=complaint_on,
            counts_until=counts_until if qualifies else None,
        )
        for later in indexes[1:]:
            results[later] = IncidentResult(
                index=later,
                qualifies=False,
                reasons=(DUPLICATE,) if qualifies else reasons,
                complaint_on=complaint_on,
                same_incident_as=indexes[0],
            )

    count = len(qualifying)
    recent_since = None
    recent_ok = True
    if policy.recent_report_within_months is not None:
        recent_since = months_before(applied_on, policy.recent_report_within_months)
        recent_ok = any(complaint_on >= recent_since for complaint_on, _, _ in qualifying)

    if policy.min_complaints_from_one_reporter:
        per_reporter: dict[str, int] = {}
        for _, _, reporters in qualifying:
            for reporter in reporters:
                per_reporter[reporter] = per_reporter.get(reporter, 0) + 1
        complaints_count = max(per_reporter.values(), default=0)
    else:
        complaints_count = count
    hate_count = sum(1 for _, hate, _ in qualifying if hate)

    met_by = None
    required = policy.min_complaints
    if recent_ok and complaints_count >= policy.min_complaints:
        met_by = MET_BY_COMPLAINTS
    elif policy.hate_incident_triggers and hate_count:
        met_by, required = MET_BY_HATE_INCIDENT, 1
    elif (
        recent_ok
        and policy.hate_min_complaints is not None
        and hate_count
        and count >= policy.hate_min_complaints
    ):
        met_by, required = MET_BY_HATE_LOWERED, policy.hate_min_complaints
    elif (
        recent_ok
        and policy.community_min_complaints is not None
        and count >= policy.community_min_complaints
        and len(frozenset().union(*(r for _, _, r in qualifying))) >= policy.community_min_reporters
    ):
        met_by, required = MET_BY_COMMUNITY, policy.community_min_complaints

    shortfall: dict[str, Any] = {}
    if met_by is None:
        more_needed = max(0, policy.min_complaints - complaints_count)
        shortfall = {
            "more_needed": more_needed,
            "reasons": ((TOO_FEW_COMPLAINTS,) if more_needed else ())
            + (() if recent_ok else (NO_RECENT_REPORT,)),
            "act_by": min(counts_until_dates, default=None),
        }
    if met_by is not None:
        outcome = THRESHOLD_MET
    elif case.vulnerable and policy.discretion_on_vulnerability:
        outcome = DISCRETIONARY_REVIEW
    else:
        outcome = THRESHOLD_NOT_MET
    return Decision(
        outcome=outcome,
        met_by=met_by,
        qualifying_count=count,
        required=required,
        incidents=tuple(results),  # type: ignore[arg-type]  # every record is in one group
        policy=policy,
        applied_on=applied_on,
        recent_report_since=recent_since,
        **shortfall,
    )
