"""Delivery to the lead agency with real receivers: a signed webhook to an aiohttp server, email
to an aiosmtpd server, an endpoint that is down for a while, a retry budget that runs out, and
the service killed in the middle of a delivery. On SQLite and on PostgreSQL."""

from __future__ import annotations

import email
import json
import logging
import os
import re
import uuid
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from handoff.store import Store
from tests.handoff.handoff_parts import (
    ROOT,
    Mailbox,
    Receiver,
    application_in,
    consent_shown,
    eventually,
    example_application,
    free_port,
    holder_of,
    make_deployment,
    serve_process,
)

pytestmark = pytest.mark.integration


def documented_verify():
    """The verification example from docs/handoff.md, run as the receiving side would."""
    text = (ROOT / "docs" / "handoff.md").read_text(encoding="utf-8")
    section = text.split("### Verifying a webhook", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/handoff.md", "exec"), namespace)
    return namespace["verify"]


def webhook(receiver: Receiver) -> dict:
    return {"webhook": {"url": receiver.url, "secret_env": "TEST_AGENCY_WEBHOOK_SECRET"}}


def states(store, reference: str) -> list[str]:
    return [d["state"] for d in store.deliveries_of(reference)]


async def test_a_signed_webhook_reaches_the_agency(launch, http, receiver):
    await receiver.start()
    service = await launch(make_deployment(delivery=webhook(receiver)))
    _, body = await service.submit(http, example_application())
    reference = body["reference"]
    await eventually(lambda: states(service.store, reference) == ["delivered"])
    (request,) = receiver.requests
    verify = documented_verify()
    assert verify(receiver.secret, request["headers"], request["body"])
    assert not verify(b"another secret", request["headers"], request["body"])
    assert not verify(receiver.secret, request["headers"], request["body"] + b" ")
    assert request["headers"]["Idempotency-Key"] == reference
    sent = json.loads(request["body"])
    assert sent == service.store.application(reference)["document"]
    assert sent["reference"] == reference and sent["eligibility"]["outcome"]


async def test_an_email_with_text_html_and_the_json_attached(launch, http, smtp):
    controller, mailbox = smtp
    delivery = {"email": {"to": "asb@anytown.example", "sender": "no-reply@anytown.example",
                          "smtp_host": "127.0.0.1", "smtp_port": controller.port}}
    service = await launch(make_deployment(delivery=delivery))
    _, body = await service.submit(http, example_application())
    reference = body["reference"]
    await eventually(lambda: states(service.store, reference) == ["delivered"])
    (envelope,) = mailbox.messages
    assert envelope.rcpt_tos == ["asb@anytown.example"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert reference in message["Subject"]
    assert message["Idempotency-Key"] == reference
    assert message["Message-ID"].startswith(f"<{reference}.")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    document = service.store.application(reference)["document"]
    for part in (text, html):
        assert reference in part and document["victim"]["name"] in part
    assert "DO NOT PHONE" in text  # the victim said never to call
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"{reference}.json"
    assert json.loads(attachment.get_content()) == document


async def test_the_email_says_the_language_and_gives_english_beside_the_applicants_words(
    launch, http, smtp
):
    controller, mailbox = smtp
    delivery = {"email": {"to": "asb@anytown.example", "sender": "no-reply@anytown.example",
                          "smtp_host": "127.0.0.1", "smtp_port": controller.port}}
    service = await launch(make_deployment(delivery=delivery))
    document = application_in("pl")
    _, body = await service.submit(http, document)
    await eventually(lambda: states(service.store, body["reference"]) == ["delivered"])
    (envelope,) = mailbox.messages
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    relationship = document["applicant"]["relationship"]
    for line in ("Language of the conversation: Polish (pl)", "Interpreter: Polish (pl)",
                 f"relationship to the victim: {relationship} (in English: Family member)",
                 "Best way to contact: Text message",
                 "Safe to contact: O każdej porze (in English: Any time)",
                 "shown in Polish (pl))",
                 f"The same wording in English: {consent_shown('en')}"):
        assert line in text, line
    assert "<dt>Language of the conversation</dt><dd>Polish (pl)</dd>" in html
    assert holder_of(html, document["impact"]) == {"tag": "p", "lang": "pl", "dir": "auto"}
    assert holder_of(html, document["consent"]["wording"])["lang"] == "pl"


async def test_an_agency_endpoint_down_for_a_while_gets_everything_once_back(
    launch, http, receiver
):
    service = await launch(make_deployment(delivery=webhook(receiver)))
    references = []
    for _ in range(3):
        _, body = await service.submit(http, example_application())
        references.append(body["reference"])

    def tried_three_times():
        attempts = [d["attempts"] for r in references for d in service.store.deliveries_of(r)]
        return min(attempts) >= 3

    await eventually(tried_three_times)
    assert all(states(service.store, r) == ["pending"] for r in references)
    await receiver.start()  # the endpoint is back
    await eventually(lambda: all(states(service.store, r) == ["delivered"] for r in references))
    keys = [request["headers"]["Idempotency-Key"] for request in receiver.requests]
    assert sorted(keys) == sorted(references)


async def test_a_used_up_retry_budget_is_kept_alerted_and_can_be_retried(
    launch, http, receiver, caplog
):
    receiver.fail_next = 1000
    await receiver.start()
    settings = {"delivery": {"max_attempts": 3}}
    service = await launch(make_deployment(handoff=settings, delivery=webhook(receiver)))
    caplog.set_level(logging.INFO)
    document = example_application()
    _, body = await service.submit(http, document)
    reference = body["reference"]
    await eventually(lambda: states(service.store, reference) == ["failed"])
    assert len(receiver.requests) == 3
    (failed,) = service.store.failed_deliveries()
    assert failed["reference"] == reference and failed["last_error"] == (
        "the webhook answered HTTP 500")
    alerts = await eventually(lambda: [r for r in caplog.records if r.name == "handoff.alert"])
    assert len(alerts) == 1 and alerts[0].levelno == logging.ERROR
    assert reference in alerts[0].getMessage()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert document["victim"]["name"] not in logged and document["impact"] not in logged
    receiver.fail_next = 0
    delivery_id = service.store.deliveries_of(reference)[0]["id"]
    assert service.store.retry_delivery(reference, delivery_id, "casey", "now", 0)
    await eventually(lambda: states(service.store, reference) == ["delivered"])
    assert len(receiver.requests) == 4


async def test_killed_mid_delivery_it_completes_after_a_restart(
    http, receiver, database, tmp_path: Path
):
    receiver.hang_next = 1  # the first request never gets an answer
    await receiver.start()
    deployment = make_deployment(
        handoff={"delivery": {"lease_seconds": 1.5}}, delivery=webhook(receiver))
    env = {"ASB_HANDOFF_INTAKE_TOKEN": uuid.uuid4().hex, "ASB_HANDOFF_DATABASE_URL": database.url,
           "TEST_AGENCY_WEBHOOK_SECRET": receiver.secret.decode()}
    first = await serve_process(deployment, tmp_path, env)
    try:
        async with http.post(
            f"{first.url}/api/v1/applications", json=example_application(),
            headers={"Authorization": f"Bearer {first.token}", "Idempotency-Key": "c-1"},
        ) as response:
            assert response.status == 201
            reference = (await response.json())["reference"]
        await eventually(lambda: len(receiver.requests) == 1)
    finally:
        first.kill()  # SIGKILL while the agency is still handling the request
    second = await serve_process(deployment, tmp_path, env)
    try:
        await eventually(lambda: len(receiver.requests) == 2)
        store = Store(database.url)
        try:
            await eventually(lambda: states(store, reference) == ["delivered"])
            (delivery,) = store.deliveries_of(reference)
        finally:
            store.close()
    finally:
        second.stop()
    one, two = receiver.requests
    assert one["headers"]["Idempotency-Key"] == two["headers"]["Idempotency-Key"] == reference
    assert one["headers"]["X-ASB-Delivery"] == two["headers"]["X-ASB-Delivery"]
    assert json.loads(one["body"]) == json.loads(two["body"])
    assert delivery["attempts"] == 2


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
async def test_smtp_credentials_come_from_the_environment(launch, http, monkeypatch):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False,
                            auth_required=True)
    controller.start()
    try:
        monkeypatch.setenv("TEST_SMTP_USER", "asb-mailer")
        monkeypatch.setenv("TEST_SMTP_PASSWORD", uuid.uuid4().hex)
        delivery = {"email": {"to": "asb@anytown.example", "sender": "no-reply@anytown.example",
                              "smtp_host": "127.0.0.1", "smtp_port": controller.port,
                              "username_env": "TEST_SMTP_USER",
                              "password_env": "TEST_SMTP_PASSWORD"}}
        service = await launch(make_deployment(delivery=delivery))
        _, body = await service.submit(http, example_application())
        await eventually(lambda: states(service.store, body["reference"]) == ["delivered"])
        assert logins == [("asb-mailer", os.environ["TEST_SMTP_PASSWORD"])]
        assert len(mailbox.messages) == 1
    finally:
        controller.stop()
