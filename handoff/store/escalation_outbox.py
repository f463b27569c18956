"""The escalation requests' outbox, read and settled as the delivery worker expects of a store
(`run`, `claim_due`, `delivered`, `attempt_failed`), so the same worker code sends them, with the
same leases as the applications' outbox (see leases.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handoff.store import leases
from handoff.store.tables import applications, escalation_deliveries, escalations

# What a claim reads of each escalation delivery: enough to send it along its route.
_DUE = (
    select(escalation_deliveries.c.id, escalation_deliveries.c.channel,
           escalation_deliveries.c.attempts, escalations.c.reference, escalations.c.route,
           escalations.c.document, applications.c.area_id)
    .join(escalations, escalations.c.id == escalation_deliveries.c.escalation_id)
    .join(applications, applications.c.id == escalations.c.application_id)
)


class EscalationOutbox:
    """The escalation deliveries of one store (`store`, whose threads run the calls)."""

    def __init__(self, store):
        self.store = store

    async def run(self, function, *args: Any) -> Any:
        return await self.store.run(function, *args)

    def claim_due(self, now: float, lease: float, limit: int = 20) -> list[dict]:
        """Escalation deliveries due now, each leased to the caller (see leases.claim)."""
        return leases.claim(self.store._writing, escalation_deliveries, _DUE, now, lease, limit)

    def delivered(self, delivery_id: int, now: float, lease_until: float | None = None) -> bool:
        return leases.delivered(self.store._writing, escalation_deliveries, delivery_id, now,
                                lease_until)

    def attempt_failed(self, delivery_id: int, error: str, next_attempt_at: float | None,
                       lease_until: float | None = None) -> bool:
        return leases.attempt_failed(self.store._writing, escalation_deliveries, delivery_id,
                                     error, next_attempt_at, lease_until)
