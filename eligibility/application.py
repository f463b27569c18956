"""The case an application makes: one rule for the assistant and the handoff service.

The assistant decides while it checks the threshold (and again when it sends the application);
the handoff service decides again when it stores it. Both build the engine's `Case` here, from
the application document (schema version 1, `handoff/schema/application.v1.json`), so the
applicant and the lead agency see the same outcome for the same answers.

What is read, and nothing else (so the assistant may pass just this subset of the document):

- `incidents[]`: `occurred_on`, `reported_on`, `reported_to`, `hate_related` (optional, default
  false). Other incident fields (`reference`, `description`, `occurred_on_approximate`) do not
  change the decision. Each item is one incident, however many agencies it was reported to: the
  document has no `id`, so no two items are ever merged as one incident. The applicant is the
  reporter of every item.
- `victim.at_risk` (optional): the case is "vulnerable" exactly when it is `true`.

Why "vulnerable" is `victim.at_risk` alone, and not also any `victim.vulnerabilities` described:
the policy key `discretion_on_vulnerability` (spec/eligibility.md) routes a case below the
threshold to a discretionary review when "the case says the victim is vulnerable or at high
risk", and `at_risk` is the answer to exactly that question ("Is the person affected vulnerable,
or at risk of harm because of this behaviour?"), asked during the eligibility check whenever it
can change the outcome; the schema describes `at_risk` with the same words. `vulnerabilities`
is the applicant's own free text, asked later in the application, in any of ten languages and
never translated ("none", "brak", "لا شيء" are answers too): reading it as yes/no would be a
guess, and it comes after the applicant has been told the outcome, which the agency's copy
must not then contradict. It is not lost: the caseworkers who decide the threshold read it and
weigh "any vulnerability" (spec/domain.md) as people, which is where the domain puts that
judgement.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from eligibility.case import Case, case_from_json
from eligibility.decision import Decision, decide
from eligibility.errors import EligibilityError
from eligibility.policy import Policy, resolve_policy

# The incident fields of the application document that the engine reads.
INCIDENT_FIELDS = ("occurred_on", "reported_on", "reported_to", "hate_related")


def is_vulnerable(document: Mapping[str, Any]) -> bool:
    """The one rule for "vulnerable" (see the module's docstring): `victim.at_risk` is true."""
    victim = document.get("victim")
    return isinstance(victim, Mapping) and victim.get("at_risk") is True


def case_from_application(document: Mapping[str, Any], applied_on: date) -> Case:
    """The engine's case for an application document (or the subset the module names), applied
    for on `applied_on`. Errors name the document's field (`incidents[1].reported_on`)."""
    if not isinstance(document, Mapping):
        raise EligibilityError("document", "must be an object with incidents")
    incidents = document.get("incidents")
    if not isinstance(incidents, list):
        raise EligibilityError("incidents", "must be a list of incidents")
    records = [
        {key: item[key] for key in INCIDENT_FIELDS if key in item}
        if isinstance(item, Mapping) else item
        for item in incidents
    ]
    return case_from_json(
        {"applied_on": applied_on.isoformat(), "vulnerable": is_vulnerable(document),
         "incidents": records},
        applied_on,
    )


def decide_application(
    document: Mapping[str, Any], policy: str | Mapping | Policy, applied_on: date
) -> Decision:
    """The engine's decision for an application document under `policy` (an id, a file, a
    mapping or a Policy), applied for on `applied_on`."""
    return decide(case_from_application(document, applied_on), resolve_policy(policy))
