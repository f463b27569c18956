"""The environment every child process gets: the caller's, telemetry off, plus the stack's own."""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Mapping

# Set for a Rasa server started before its model exists: stack/rasa_server.py imports what serving
# needs, then waits for the model's file (Stack.launch_before_model).
WAIT_FOR_MODEL = "ASB_RASA_WAIT_FOR_MODEL"


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM the child when its parent dies without cleaning up.

    Linux ties this to the *thread* that started the child: start long-lived servers from the
    main thread; a thread that waits for its child (training) may start it itself.
    """
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
