"""The English rendering of a decision, for the command line and the caseworker.

The assistant does not use this: it renders the same codes from its own catalogs, in the user's
language. Keep both saying the same thing.
"""

from __future__ import annotations

from datetime import date

from eligibility import decision as d
from eligibility.policy import Policy

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve")


def long_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _number(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def _months(n: int) -> str:
    return f"{_number(n)} month" + ("" if n == 1 else "s")


def _complaints(n: int) -> str:
    return f"{_number(n)} complaint" + ("" if n == 1 else "s")


_MET = {
    d.MET_BY_COMPLAINTS: "{count} count and the local procedure needs {required}.",
    d.MET_BY_HATE_INCIDENT: "at least one complaint that counts is about a hate incident, and the "
    "local procedure says one hate incident is enough.",
    d.MET_BY_HATE_LOWERED: "{count} count, at least one of them about a hate incident, and the "
    "local procedure needs {required} when one is hate-related.",
    d.MET_BY_COMMUNITY: "{count} count, made by more than one person, and the local procedure "
    "needs {required} when several people have complained.",
}


def explain(decision: d.Decision) -> str:
    """Plain English sentences saying what was decided and why."""
    lines = [_threshold_sentence(decision)]
    for result in decision.incidents:
        sentence = _incident_sentence(result, decision.policy)
        if sentence:
            lines.append(sentence)
    if not decision.met:
        lines.extend(_what_is_still_open(decision))
    return " ".join(lines)


def _threshold_sentence(decision: d.Decision) -> str:
    """Whether the threshold is met, and by what."""
    if decision.met:
        detail = _MET[decision.met_by or d.MET_BY_COMPLAINTS].format(
            count=_complaints(decision.qualifying_count),
            required=_number(decision.required),
        )
        return f"The threshold for an ASB case review is met: {detail}"
    policy = decision.policy
    return (
        f"The threshold for an ASB case review is not met yet: "
        f"{_complaints(decision.qualifying_count)} count, and the local procedure needs "
        f"{_number(policy.min_complaints)}"
        + (" made by the same person." if policy.min_complaints_from_one_reporter else ".")
    )


def _incident_sentence(result: d.IncidentResult, policy: Policy) -> str | None:
    """Why one report is counted once or not at all; None when it simply counts."""
    n = result.index + 1
    if d.DUPLICATE in result.reasons:
        return (
            f"Report {n} is about the same incident as report {result.same_incident_as + 1}, "
            "so it is counted once."
        )
    if d.REPORTED_LATE in result.reasons:
        return (
            f"Report {n} does not count: it was made more than "
            f"{_months(policy.report_within_months)} after the incident."
        )
    if d.OUTSIDE_WINDOW in result.reasons:
        return (
            f"Report {n} does not count any more: the application is more than "
            f"{_months(policy.window_months)} after the complaint "
            f"({long_date(result.complaint_on)})."
        )
    return None


def _what_is_still_open(decision: d.Decision) -> list[str]:
    """For a threshold not met: what would meet it, and whether a review may still be held."""
    lines: list[str] = []
    if d.TOO_FEW_COMPLAINTS in decision.reasons:
        more = decision.more_needed or 0
        sentence = f"{_number(more).capitalize()} more complaint" + ("" if more == 1 else "s")
        if decision.act_by:
            sentence += f", with the application made by {long_date(decision.act_by)},"
        lines.append(sentence + " would meet it.")
    if d.NO_RECENT_REPORT in decision.reasons and decision.recent_report_since:
        lines.append(
            "The local procedure also needs at least one complaint made on or after "
            f"{long_date(decision.recent_report_since)}."
        )
    if decision.outcome == d.DISCRETIONARY_REVIEW:
        lines.append(
            "Because the victim is vulnerable or at high risk, a person at the lead agency "
            "will still look at the case and decide whether to hold a review."
        )
    else:
        lines.append(
            "The agencies can still decide to hold a review, looking at how persistent the "
            "behaviour is, the harm it causes and how well they responded."
        )
    return lines
