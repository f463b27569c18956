"""Wrong guesses at the applicant's status check (and the escalation request, which is proved
the same way), counted per client and per reference; only SHA-256s of either are kept."""

from __future__ import annotations

from handoff.store.tables import status_attempts
from handoff.store.throttle import count_attempt


class StatusChecks:
    """Mixed into Store: needs `_writing`."""

    def begin_check(self, client: str, reference: str, now: float, window: float,
                    client_limit: int, reference_limit: int) -> tuple[int | None, float]:
        """Count a status check before it is answered: (its id, 0), or (None, seconds until the
        oldest counted attempt leaves the window) when the client or the reference already has
        its limit within `window` seconds (see throttle.count_attempt)."""
        with self._writing.begin() as conn:
            return count_attempt(conn, status_attempts, now, window, client=(
                client, client_limit), reference=(reference, reference_limit))

    def end_check(self, attempt: int, succeeded: bool) -> None:
        """A right answer is not a wrong guess: its own row goes (the others stay counted)."""
        if succeeded:
            with self._writing.begin() as conn:
                conn.execute(status_attempts.delete().where(status_attempts.c.id == attempt))
