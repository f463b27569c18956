"""What the deployment file says this assistant serves, read once per process, the clock, and
where the handoff service is and the token it takes."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from asb import env
from assistant.locales import shipped_languages
from deployment import Area, Deployment, load_deployment
from eligibility import Nation, add_working_days, clock

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
