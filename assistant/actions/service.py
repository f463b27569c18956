"""What the deployment file says this assistant serves, read once per process, the clock, and
where the handoff service is and the token it takes."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp

from asb import env
from assistant.locales import shipped_languages
from deployment import Area, Deployment, load_deployment
from eligibility import Nation, add_working_days, clock

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 15  # for each request to the handoff service


@cache
def deployment() -> Deployment:
    return load_deployment()


def languages() -> tuple[str, ...]:
    """The languages this deployment offers that have a catalog, in the deployment's order."""
    return tuple(code for code in deployment().languages if code in shipped_languages())


def area() -> Area:
    """The area the conversation is about (the deployment's first area)."""
    return deployment().area()


def today() -> date:
    """Today in Europe/London (ASB_TODAY fixes it for tests)."""
    return clock.today()


def working_days_from_today(days: int) -> date:
    return add_working_days(today(), days, Nation(area().nation))


def handoff_url() -> str:
    settings = deployment().handoff
    host = getattr(settings, "host", "127.0.0.1")
    port = getattr(settings, "port", 5056)
    return env.get("ASB_HANDOFF_URL") or f"http://{host}:{port}"


def intake_token() -> str | None:
    """From the env var the deployment names, else the token file the handoff service made."""
    settings = deployment().handoff
    token = env.get(getattr(settings, "intake_token_env", "ASB_HANDOFF_INTAKE_TOKEN"))
    if token:
        return token
    token_file = Path(getattr(settings, "data_dir", "data")) / getattr(
        settings, "intake_token_file", "intake-token")
    try:
        return token_file.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def bearer() -> dict[str, str]:
    """The intake token as the handoff service's Authorization header (none without a token)."""
    token = intake_token()
    return {"Authorization": f"Bearer {token}"} if token else {}


class HandoffUnavailable(Exception):
    """The handoff service could not be asked now (down, refused, no answer in time), or (raised
    by its callers) it did not take what was sent."""


async def post_to_handoff(path: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                          ) -> tuple[int, str, Mapping[str, str]]:
    """POST `body` as JSON to the handoff service with the intake token: the status, the body's
    text and the headers of the answer. HandoffUnavailable when it cannot be reached in time
    (on Python 3.10 aiohttp's timeout is asyncio's TimeoutError, not the built-in one)."""
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(handoff_url() + path, json=body,
                                    headers={**(headers or {}), **bearer()}) as response:
                return response.status, await response.text(), response.headers
    except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as exc:
        logger.warning("handoff %s unreachable: %s", path, type(exc).__name__)
        raise HandoffUnavailable(type(exc).__name__) from None


def error_fields(text: str) -> str:
    """The fields an error answer names, for the log: never the applicant's words."""
    return ", ".join(re.findall(r'"field":\s*"([^"]*)"', text)) or "-"
