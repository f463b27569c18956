"""The 2nd-report link: an agency's case system gave the victim a link to the assistant with the
incidents they reported (`handoff.second_report`); the widget sends its value as the first
message's metadata `prefill`, and the greeting takes the incidents with `POST
/api/v1/prefills/redeem` (once: the service deletes them as it answers, so never retried), fills
the eligibility form's incident slots with them, says so, and starts the form from the next
question not answered ("any more incidents?"). A link used, expired or not read is said plainly,
and the conversation goes on as any other.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.messages import say

logger = logging.getLogger(__name__)
PATH = "/api/v1/prefills/redeem"
# What the service's answer means for the user (anything else: the link could not be read).
GONE = {404: "prefill-used", 410: "prefill-expired"}


def prefill_of(tracker: Tracker) -> str | None:
    """The link's value the latest message carries (the channel checked its shape)."""
    value = ((tracker.latest_message or {}).get("metadata") or {}).get("prefill")
    return value if isinstance(value, str) else None


async def redeem(prefill: str) -> dict[str, Any] | int | None:
    """The service's answer (area and incidents), its refusal's status, or None when it could
    not be asked. One request: the link works once, so a retry could only say "used"."""
    try:
        status, text, _ = await service.post_to_handoff(PATH, {"prefill": prefill})
    except service.HandoffUnavailable:
        return None
    if status == 200:
        return json.loads(text)
    logger.warning("prefill redeem answered %s", status)
    return status


def prefilled_slots(incidents: list[dict[str, Any]]) -> dict[str, Any]:
    """The eligibility form's slots with the incidents answered: the earlier ones in `incidents`,
    the last one in the incident questions' slots, so the form asks "any more?" next (and its
    validator adds the last one to `incidents`, as after an incident typed in)."""
    *earlier, last = incidents
    return {
        "incidents": earlier,
        "incident_date": last["occurred_on"],
        "incident_date_approximate": bool(last.get("occurred_on_approximate")),
        "report_date": last["reported_on"],
        "report_agencies": list(last.get("reported_to") or []),
        "incident_reference": last.get("reference") or "",
        "incident_hate": last.get("hate_related") is True,
        "more_incidents": None,
    }


async def take_prefill(dispatcher: CollectingDispatcher, tracker: Tracker,
                       language: str) -> list | None:
    """When the latest message carries a link's value: its incidents filled in and the
    eligibility form started (the events), or what went wrong said and None (carry on)."""
    prefill = prefill_of(tracker)
    if prefill is None:
        return None
    answer = await redeem(prefill)
    incidents = answer.get("incidents") if isinstance(answer, dict) else None
    if not incidents:
        gone = GONE.get(answer) if isinstance(answer, int) else None
        say(dispatcher, language, gone or "prefill-not-read")
        return None
    say(dispatcher, language, "prefill-filled")
    return [*(SlotSet(slot, value) for slot, value in prefilled_slots(incidents).items()),
            FollowupAction("eligibility_form")]
