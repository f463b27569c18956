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


@dataclass(frozen=True, slots=True)
class _Qualifying:
    """One qualifying incident, as the routes count it."""

    complaint_on: date
    hate_related: bool
    # The reporters it counts for: those who made a record of it within the reporting period.
    reporters: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Tally:
    """What the routes weigh: the qualifying incidents, and whether the recent-report rule holds."""

    qualifying: tuple[_Qualifying, ...]
    recent_ok: bool

    @property
    def count(self) -> int:
        return len(self.qualifying)

    @property
    def hate_count(self) -> int:
        return sum(1 for incident in self.qualifying if incident.hate_related)

    def complaints_count(self, policy: Policy) -> int:
        """The count the `min_complaints` rule compares: every qualifying incident or, under
        `min_complaints_from_one_reporter`, those of the reporter with the most."""
        if not policy.min_complaints_from_one_reporter:
            return self.count
        per_reporter: dict[str, int] = {}
        for incident in self.qualifying:
            for reporter in incident.reporters:
                per_reporter[reporter] = per_reporter.get(reporter, 0) + 1
        return max(per_reporter.values(), default=0)


def _judge_incident(
    records: tuple[IncidentRecord, ...], indexes: list[int], policy: Policy, applied_on: date
) -> tuple[list[IncidentResult], _Qualifying | None]:
    """One incident (its records, the one standing for it first): a result per record, and the
    incident as the routes count it when it qualifies."""
    first = records[indexes[0]]
    complaint_on = first.reported_on
    occurred_on = first.occurred_on
    hate = first.hate_related
    if len(indexes) > 1:
        occurred_on = min(records[i].occurred_on for i in indexes)
        hate = any(records[i].hate_related for i in indexes)
    last_day = period_end(occurred_on, policy.report_within_months)
    reasons: tuple[str, ...] = ()
    if complaint_on > last_day:
        reasons = (REPORTED_LATE,)
    counts_until = period_end(complaint_on, policy.window_months)
    if applied_on > counts_until:
        reasons += (OUTSIDE_WINDOW,)
    qualifies = not reasons
    counted = None
    if qualifies:
        # It counts for each reporter who made a record of it within the reporting period.
        reporters = frozenset(records[i].reporter for i in indexes
                              if records[i].reported_on <= last_day)
        counted = _Qualifying(complaint_on, hate, reporters)
    results = [IncidentResult(
        index=indexes[0],
        qualifies=qualifies,
        reasons=reasons,
        complaint_on=complaint_on,
        counts_until=counts_until if qualifies else None,
    )]
    results += [
        IncidentResult(
            index=later,
            qualifies=False,
            reasons=(DUPLICATE,) if qualifies else reasons,
            complaint_on=complaint_on,
            same_incident_as=indexes[0],
        )
        for later in indexes[1:]
    ]
    return results, counted


def _recent_report_since(policy: Policy, applied_on: date) -> date | None:
    """With a recent-report rule, the earliest complaint date that satisfies it."""
    if policy.recent_report_within_months is None:
        return None
    return months_before(applied_on, policy.recent_report_within_months)


# The routes, one step each, in the order they are tried (docs/eligibility.md). Each answers the
# number of qualifying complaints that met the threshold by it (`required`), or None.

def _by_complaints(tally: _Tally, policy: Policy) -> int | None:
    """`min_complaints` qualifying complaints (by one reporter, if the policy says so), with the
    recent-report rule."""
    if tally.recent_ok and tally.complaints_count(policy) >= policy.min_complaints:
        return policy.min_complaints
    return None


def _by_hate_incident(tally: _Tally, policy: Policy) -> int | None:
    """A single qualifying hate-related complaint; the recent-report rule does not apply."""
    if policy.hate_incident_triggers and tally.hate_count:
        return 1
    return None


def _by_hate_lowered(tally: _Tally, policy: Policy) -> int | None:
    """`hate_min_complaints` qualifying complaints, one of them hate-related, with the
    recent-report rule."""
    if (
        tally.recent_ok
        and policy.hate_min_complaints is not None
        and tally.hate_count
        and tally.count >= policy.hate_min_complaints
    ):
        return policy.hate_min_complaints
    return None


def _by_community(tally: _Tally, policy: Policy) -> int | None:
    """`community_min_complaints` qualifying complaints from at least `community_min_reporters`
    reporters, with the recent-report rule."""
    if (
        tally.recent_ok
        and policy.community_min_complaints is not None
        and tally.count >= policy.community_min_complaints
        and len(frozenset().union(*(i.reporters for i in tally.qualifying)))
        >= policy.community_min_reporters
    ):
        return policy.community_min_complaints
    return None


ROUTES = (
    (MET_BY_COMPLAINTS, _by_complaints),
    (MET_BY_HATE_INCIDENT, _by_hate_incident),
    (MET_BY_HATE_LOWERED, _by_hate_lowered),
    (MET_BY_COMMUNITY, _by_community),
)


def _first_route_met(tally: _Tally, policy: Policy) -> tuple[str | None, int]:
    """The first route that meets the threshold and its number; (None, `min_complaints`)."""
    for met_by, route in ROUTES:
        required = route(tally, policy)
        if required is not None:
            return met_by, required
    return None, policy.min_complaints


def _shortfall(tally: _Tally, policy: Policy, counts_until: list[date]) -> dict[str, Any]:
    """What is missing when no route is met: how many more complaints, why, and the day to
    apply by."""
    more_needed = max(0, policy.min_complaints - tally.complaints_count(policy))
    return {
        "more_needed": more_needed,
        "reasons": ((TOO_FEW_COMPLAINTS,) if more_needed else ())
        + (() if tally.recent_ok else (NO_RECENT_REPORT,)),
        "act_by": min(counts_until, default=None),
    }


def _outcome(met_by: str | None, case: Case, policy: Policy) -> str:
    if met_by is not None:
        return THRESHOLD_MET
    if case.vulnerable and policy.discretion_on_vulnerability:
        return DISCRETIONARY_REVIEW
    return THRESHOLD_NOT_MET


def decide(case: Case, policy: Policy) -> Decision:
    """Decide whether `case` meets `policy`'s threshold on `case.applied_on`: which records
    qualify, then each route in turn, then what is missing."""
    records = case.incidents
    results: list[IncidentResult | None] = [None] * len(records)
    qualifying: list[_Qualifying] = []
    counts_until: list[date] = []
    for indexes in _group(records):
        judged, counted = _judge_incident(records, indexes, policy, case.applied_on)
        for result in judged:
            results[result.index] = result
        if counted is not None:
            qualifying.append(counted)
            counts_until.append(judged[0].counts_until)  # type: ignore[arg-type]  # it counts

    recent_since = _recent_report_since(policy, case.applied_on)
    recent_ok = recent_since is None or any(
        incident.complaint_on >= recent_since for incident in qualifying)
    tally = _Tally(tuple(qualifying), recent_ok)
    met_by, required = _first_route_met(tally, policy)
    return Decision(
        outcome=_outcome(met_by, case, policy),
        met_by=met_by,
        qualifying_count=tally.count,
        required=required,
        incidents=tuple(results),  # type: ignore[arg-type]  # every record is in one group
        policy=policy,
        applied_on=case.applied_on,
        recent_report_since=recent_since,
        **({} if met_by is not None else _shortfall(tally, policy, counts_until)),
    )
