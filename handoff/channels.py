"""The two ways an application reaches the lead agency beside the inbox: a signed JSON webhook and
an email over SMTP (text and HTML from Jinja2 templates, the JSON attached).

Each sender raises DeliveryFailed with a short reason that holds no personal data."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate

import aiohttp

from asb import env
from deployment.config import EmailDelivery, WebhookDelivery
from handoff import signature
from handoff.pages import templates


class DeliveryFailed(RuntimeError):
    pass


def secret_from_env(name: str) -> str:
    value = env.get(name)
    if not value:
        raise DeliveryFailed(f"environment variable {name} is not set")
    return value


async def send_webhook(
    http: aiohttp.ClientSession, config: WebhookDelivery, reference: str, delivery_id: int,
    body: bytes, timeout: float,
) -> None:
    secret = secret_from_env(config.secret_env).encode()
    sent_headers = signature.headers(secret, int(time.time()), body, reference, delivery_id)
    try:
        async with http.post(
            config.url, data=body, headers=sent_headers,
            timeout=aiohttp.ClientTimeout(total=timeout), allow_redirects=False,
        ) as response:
            if not 200 <= response.status < 300:
                raise DeliveryFailed(f"the webhook answered HTTP {response.status}")
    except (asyncio.TimeoutError, TimeoutError):
        # aiohttp raises asyncio.TimeoutError, which on Python 3.10 is not the built-in one.
        raise DeliveryFailed(f"the webhook did not answer within {timeout:g} seconds"
                             ) from None
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        raise DeliveryFailed(f"the webhook could not be reached ({type(exc).__name__})") from None


def new_message(config: EmailDelivery, reference: str, delivery_id: int, subject: str
                ) -> EmailMessage:
    """A delivery's email with its headers: from the sender to the recipient, named by the
    reference, its Message-ID the same on every retry (so a mailbox can recognise a repeated
    delivery)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.sender
    message["To"] = config.to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{reference}.{delivery_id}@asb-handoff>"
    message["X-ASB-Reference"] = reference
    message["Idempotency-Key"] = reference
    return message


def email_message(
    config: EmailDelivery, document: dict, raw: bytes, delivery_id: int, service_name: str
) -> EmailMessage:
    reference = document["reference"]
    message = new_message(config, reference, delivery_id,
                          f"New ASB case review application {reference}")
    context = {"document": document, "service_name": service_name}
    message.set_content(templates().get_template("email/application.txt").render(context))
    message.add_alternative(
        templates().get_template("email/application.html").render(context), subtype="html"
    )
    message.add_attachment(
        raw, maintype="application", subtype="json", filename=f"{reference}.json"
    )
    return message


def send_email(
    config: EmailDelivery, document: dict, raw: bytes, delivery_id: int, service_name: str,
    timeout: float,
) -> None:
    """Blocking: run it on a thread."""
    send_message(config, email_message(config, document, raw, delivery_id, service_name),
                 timeout)


def send_message(config: EmailDelivery, message: EmailMessage, timeout: float) -> None:
    """Send one message over SMTP (STARTTLS where offered). Blocking: run it on a thread."""
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=timeout) as smtp:
            smtp.ehlo()
            if config.starttls and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.username_env:
                if not config.password_env:
                    raise DeliveryFailed("the deployment names username_env but no password_env")
                smtp.login(secret_from_env(config.username_env),
                           secret_from_env(config.password_env))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"the mail server refused or could not be reached "
                             f"({type(exc).__name__})") from None
