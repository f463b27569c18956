"""The ASB case review eligibility engine (Anti-social Behaviour, Crime and Policing Act 2014,
s.104). Pure rules: imports nothing else of this project and nothing of Rasa."""

from eligibility.application import case_from_application, decide_application, is_vulnerable
from eligibility.case import AGENCIES, Case, IncidentRecord, case_from_json
from eligibility.decision import Decision, IncidentResult, decide
from eligibility.errors import EligibilityError
from eligibility.explanation import explain
from eligibility.periods import months_before, period_end, within
from eligibility.policy import DEFAULT_POLICY_ID, Policy, resolve_policy, shipped_policies
from eligibility.working_days import Nation, add_working_days, is_working_day, working_period_end

__all__ = [
    "AGENCIES", "Case", "IncidentRecord", "case_from_json", "Decision", "IncidentResult",
    "decide", "EligibilityError", "explain", "months_before", "period_end", "within",
    "DEFAULT_POLICY_ID", "Policy", "resolve_policy", "shipped_policies", "Nation",
    "add_working_days", "is_working_day", "working_period_end", "check",
    "case_from_application", "decide_application", "is_vulnerable",
]


def check(data: dict, policy=None, today=None) -> Decision:
    """Decide a case given as decoded CASE.json. `policy` (an id, a file, a mapping or a Policy)
    overrides the case's own `policy` key; `today` defaults to the one clock."""
    from eligibility.clock import today as clock_today

    case = case_from_json(data, today or clock_today())
    chosen = policy if policy is not None else data.get("policy")
    return decide(case, resolve_policy(chosen))
