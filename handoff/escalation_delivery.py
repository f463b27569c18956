"""Delivering escalation requests along the area's route (the lead agency's channels, or the
recipient's on a direct route): the application delivery worker's code over the escalation
outbox, with an email of its own."""

from __future__ import annotations

import asyncio
import json
import time
from email.message import EmailMessage

from deployment.config import Deployment
from handoff.channels import DeliveryFailed, new_message, send_message, send_webhook
from handoff.pages import templates
from handoff.procedure import GROUNDS, delivery_of
from handoff.store import EscalationOutbox, Store
from handoff.worker import RETENTION_EVERY_SECONDS, Worker


def escalation_email(config, document: dict, raw: bytes, delivery_id: int, service_name: str
                     ) -> EmailMessage:
    reference = document["reference"]
    message = new_message(config, reference, delivery_id,
                          f"ASB case review escalation request {reference} "
                          f"(application {document['application_reference']})")
    message.set_content(templates().get_template("email/escalation.txt").render(
        document=document, service_name=service_name, grounds=GROUNDS))
    message.add_attachment(raw, maintype="application", subtype="json",
                           filename=f"{reference}.json")
    return message


class EscalationWorker(Worker):
    """The delivery worker over the escalation outbox: the same retries, backoff, leases and
    alerts; the target is the route's (the lead agency's channels, or the recipient's)."""

    def __init__(self, deployment: Deployment, store: Store):
        super().__init__(deployment, EscalationOutbox(store))

    async def _send(self, item: dict) -> None:
        try:
            area = self.deployment.area(item["area_id"])
        except KeyError:
            raise DeliveryFailed(f"area {item['area_id']} is no longer configured") from None
        delivery = delivery_of(area)
        raw = item["document"].encode("utf-8")
        timeout = self.settings.timeout_seconds
        if item["channel"] == "webhook" and delivery.webhook:
            await send_webhook(self._http, delivery.webhook, item["reference"], item["id"], raw,
                               timeout)
        elif item["channel"] == "email" and delivery.email:
            message = escalation_email(delivery.email, json.loads(raw), raw, item["id"],
                                       self.deployment.service_name)
            await asyncio.to_thread(send_message, delivery.email, message, timeout)
        else:
            raise DeliveryFailed(f"the {item['channel']} channel is no longer configured")

    async def _retention(self) -> None:
        """What is kept beside an application goes once its personal data is erased (the
        application worker erases that on the deployment's retention_days)."""
        if time.monotonic() < self._next_retention:
            return
        self._next_retention = time.monotonic() + RETENTION_EVERY_SECONDS
        store = self.store.store
        await store.run(store.erase_beside_erased)
