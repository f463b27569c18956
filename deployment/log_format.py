"""How our services write their logs: plain lines (the default), or one JSON object per line for
a log collector: `{"time": ..., "level": ..., "logger": ..., "message": ...}` (and `exception`).

Chosen by `--log-format json` on a service's command line (`python -m handoff serve`,
`python -m web_widget serve`, `python -m assistant.action_server`, `python -m stack run`) or by
`ASB_LOG_FORMAT=json` in its environment; `python -m stack run --log-format json` sets that
variable for every service it starts. Only the format changes: what is logged (and what is kept
out of logs) stays the same.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone

from asb import env

ENV = "ASB_LOG_FORMAT"
FORMATS = ("plain", "json")
# Loggers that do not pass records to the root logger's handlers (Sanic's).
_OWN_HANDLERS = ("sanic.root", "sanic.error", "sanic.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def add_argument(parser) -> None:
    """`--log-format {plain,json}` on an argparse parser (default: ASB_LOG_FORMAT, else plain)."""
    parser.add_argument("--log-format", choices=FORMATS, default=None,
                        help=f"plain lines or one JSON object per line (default: {ENV} or plain)")


def chosen(given: str | None = None) -> str:
    value = (given or env.get(ENV) or "plain").strip().lower()
    if value not in FORMATS:
        raise SystemExit(f"{ENV} must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


def apply(given: str | None = None) -> str:
    """Give every handler already set up (root's and Sanic's) the chosen format; say which. Call
    after the service's own logging set-up, so its filters and levels stay as they are."""
    value = chosen(given)
    os.environ[ENV] = value  # announce() and any child process see the same choice
    if value == "json":
        formatter = JsonFormatter()
        for name in (None, *_OWN_HANDLERS):
            for handler in logging.getLogger(name).handlers:
                handler.setFormatter(formatter)
    return value


def announce(logger: logging.Logger, text: str) -> None:
    """A start-up line: printed as it always was, or logged as JSON when that is the format."""
    if chosen() == "json":
        logger.info(text)
    else:
        print(text, flush=True)
