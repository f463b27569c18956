"""The environment every child process gets: the caller's, telemetry off, plus the stack's own."""

from __future__ import annotations

import os
from collections.abc import Mapping


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env
