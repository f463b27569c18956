"""Local threshold policies: data, not code.

A policy is a YAML file under ``eligibility/policies/`` (or the same keys inline as a JSON object).
Loading validates every key; a threshold above three is refused because the Act forbids it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from eligibility.errors import EligibilityError
from eligibility.fields import parse_date, require_bool, require_text

POLICY_DIR = Path(__file__).parent / "policies"
DEFAULT_POLICY_ID = "statutory-default"
STATUTORY_MAX_COMPLAINTS = 3

# Descriptive keys a policy file carries beside its parameters.
_META_KEYS = ("id", "title", "source", "effective_from", "description")


@dataclass(frozen=True, slots=True)
class Policy:
    id: str = DEFAULT_POLICY_ID
    title: str = "Statutory default"
    source: str | None = None
    effective_from: date | None = None
    description: str | None = None
    min_complaints: int = 3
    report_within_months: int = 1
    window_months: int = 6
    recent_report_within_months: int | None = None
    hate_incident_triggers: bool = False
    hate_min_complaints: int | None = None
    min_complaints_from_one_reporter: bool = False
    community_min_complaints: int | None = None
    community_min_reporters: int = 2
    discretion_on_vulnerability: bool = True

    def parameters(self) -> dict[str, Any]:
        """The threshold parameters alone, as the CLI prints them beside the id."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in _META_KEYS
        }

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title, "source": self.source}
        out["effective_from"] = self.effective_from.isoformat() if self.effective_from else None
        out.update(self.parameters())
        return out


_FIELDS = {f.name: f for f in dataclasses.fields(Policy)}


def _int(path: str, value: Any, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EligibilityError(path, f"must be a whole number, not {value!r}")
    if value < minimum:
        raise EligibilityError(path, f"must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise EligibilityError(path, f"must be at most {maximum}, not {value}")
    return value


def _optional_int(path: str, value: Any, minimum: int, maximum: int | None = None) -> int | None:
    return None if value is None else _int(path, value, minimum, maximum)


def policy_from_mapping(data: Mapping[str, Any], path: str = "policy") -> Policy:
    """Build and validate a policy from a policy file's keys or an inline JSON object."""
    if not isinstance(data, Mapping):
        raise EligibilityError(path, "must be a policy id or an object of policy keys")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise EligibilityError(
            f"{path}.{unknown[0]}",
            "is not a policy key; known keys are " + ", ".join(_FIELDS),
        )
    v: dict[str, Any] = {}
    for key in ("id", "title", "source", "description"):
        if data.get(key) is not None:
            v[key] = require_text(f"{path}.{key}", data[key])
    if "id" not in v:
        v["id"] = "inline"
        v.setdefault("title", "Policy given with the case")
    if data.get("effective_from") is not None:
        v["effective_from"] = parse_date(f"{path}.effective_from", data["effective_from"])

    def get(key: str) -> Any:
        return data[key] if key in data else _FIELDS[key].default

    min_complaints = get("min_complaints")
    if (
        isinstance(min_complaints, int)
        and not isinstance(min_complaints, bool)
        and min_complaints > STATUTORY_MAX_COMPLAINTS
    ):
        raise EligibilityError(
            f"{path}.min_complaints",
            f"{min_complaints} is above {STATUTORY_MAX_COMPLAINTS}; the Anti-social Behaviour, "
            "Crime and Policing Act 2014 (s.104) lets a local procedure set a lower number "
            "of qualifying complaints, never a higher one",
        )
    v["min_complaints"] = _int(f"{path}.min_complaints", min_complaints, 1, 3)
    v["report_within_months"] = _int(
        f"{path}.report_within_months", get("report_within_months"), 1
    )
    v["window_months"] = _int(f"{path}.window_months", get("window_months"), 1)
    v["recent_report_within_months"] = _optional_int(
        f"{path}.recent_report_within_months", get("recent_report_within_months"), 1
    )
    v["hate_incident_triggers"] = require_bool(
        f"{path}.hate_incident_triggers", get("hate_incident_triggers")
    )
    v["hate_min_complaints"] = _optional_int(
        f"{path}.hate_min_complaints", get("hate_min_complaints"), 1, 3
    )
    v["min_complaints_from_one_reporter"] = require_bool(
        f"{path}.min_complaints_from_one_reporter", get("min_complaints_from_one_reporter")
    )
    v["community_min_complaints"] = _optional_int(
        f"{path}.community_min_complaints", get("community_min_complaints"), 1
    )
    v["community_min_reporters"] = _int(
        f"{path}.community_min_reporters", get("community_min_reporters"), 1
    )
    v["discretion_on_vulnerability"] = require_bool(
        f"{path}.discretion_on_vulnerability", get("discretion_on_vulnerability")
    )
    return Policy(**v)


def load_policy_file(file: Path) -> Policy:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EligibilityError("policy", f"cannot read {file}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise EligibilityError("policy", f"{file} is not valid YAML: {exc}") from None
    policy = policy_from_mapping(data, path=f"policy ({file.name})")
    for key in ("id", "title", "source", "effective_from"):
        if getattr(policy, key) is None or (key == "id" and "id" not in data):
            raise EligibilityError(f"policy ({file.name}).{key}", "is required in a policy file")
    return policy


@cache
def shipped_policies() -> dict[str, Policy]:
    """Every policy file shipped under eligibility/policies, by id."""
    out: dict[str, Policy] = {}
    for file in sorted(POLICY_DIR.glob("*.yaml")):
        policy = load_policy_file(file)
        if policy.id in out:
            raise EligibilityError("policy", f"two policy files use the id {policy.id!r}")
        out[policy.id] = policy
    return out


def resolve_policy(ref: Any, path: str = "policy") -> Policy:
    """A policy from an id, a path to a YAML file, an inline mapping, or None (the default)."""
    if ref is None:
        return shipped_policies()[DEFAULT_POLICY_ID]
    if isinstance(ref, Policy):
        return ref
    if isinstance(ref, Mapping):
        return policy_from_mapping(ref, path)
    if isinstance(ref, str):
        known = shipped_policies()
        if ref in known:
            return known[ref]
        if ref.endswith((".yaml", ".yml")) and Path(ref).is_file():
            return load_policy_file(Path(ref))
        raise EligibilityError(
            path, f"unknown policy {ref!r}; known policies are " + ", ".join(sorted(known))
        )
    raise EligibilityError(path, "must be a policy id or an object of policy keys")
