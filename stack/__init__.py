"""Trains the Rasa model when its inputs changed and runs the assistant's processes.

`python -m stack run` is `make run`; `python -m stack train` is `make train`. Tests use the same
code through the `stack` fixture (tests/live_stack.py). See docs/stack.md.
"""

from stack.model import Project, StackError, TrainResult, ensure_model, fingerprint, model_path
from stack.services import DEFAULT_PORTS, SERVICES, Settings, Stack, free_port

__all__ = [
    "DEFAULT_PORTS",
    "SERVICES",
    "Project",
    "Settings",
    "Stack",
    "StackError",
    "TrainResult",
    "ensure_model",
    "fingerprint",
    "free_port",
    "model_path",
]
