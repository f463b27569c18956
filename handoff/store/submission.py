"""What is submitted and what the submitter is told: an application to store, its answer, the
fingerprint that recognises the same application sent again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


class KeyReused(ValueError):
    """The idempotency key belongs to an application with a different body: this one was not
    stored, and the other one's reference is not given away."""


# Set by the service on completion: not part of what identifies the application as sent
# (the eligibility is recomputed, so a retry a day later with a different one is still the same).
NOT_FINGERPRINTED = ("reference", "submitted_at", "deadlines", "eligibility")


def body_fingerprint(document: dict) -> str:
    """SHA-256 of the document as sent, in a canonical form (sorted keys, no spaces), without
    what the service sets: the same application sent again has the same fingerprint."""
    kept = {key: value for key, value in document.items() if key not in NOT_FINGERPRINTED}
    if isinstance(kept.get("area"), dict):  # completed: the service adds name and lead agency
        kept["area"] = {"id": kept["area"].get("id")}
    canonical = json.dumps(kept, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()



@dataclass(frozen=True)
class Submission:
    """An application to store: the completed document without its reference (the store gives
    it one), the idempotency key, and the delivery channels to queue."""

    key: str
    area_id: str
    document: dict
    channels: list[str]
    now: float  # Unix time: the deliveries are due from then
    fingerprint: str = ""  # of the document as sent; worked out from `document` when not given

    def __post_init__(self):
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", body_fingerprint(self.document))


@dataclass(frozen=True)
class Submitted:
    reference: str
    submitted_at: str
    deadlines: dict
    created: bool

    def to_json(self) -> dict:
        return {
            "reference": self.reference,
            "submitted_at": self.submitted_at,
            "deadlines": self.deadlines,
        }
