"""The project's own environment settings, read here and nowhere else.

Every one is named ASB_*. A few had other names before; those are still read for one release,
with a warning logged once that names the new variable (never its value). Rasa's and Sanic's
own variables (RASA_*, SANIC_*) are theirs, passed on as they are.

The project folder (config.yml, domain.yml, endpoints.yml, credentials.yml, the deployment
example, models/, data/) is ASB_PROJECT_ROOT when set, else the folder that holds the installed
packages: a checkout, or `pip install -e .`, needs nothing set; a wheel installed elsewhere
(`pip install .`) needs ASB_PROJECT_ROOT. Never the current directory.

ASB_TODAY (YYYY-MM-DD) fixes "today" for tests, the benchmarks and demonstrations, and only with
the test switch ASB_TEST_CLOCK=1 beside it: a stray ASB_TODAY in a real deployment is ignored
(with a warning), so the service never runs on a wrong date.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger("asb.env")

# The old names and the new ones that replace them.
RENAMED = {
    "HANDOFF_INTAKE_TOKEN": "ASB_HANDOFF_INTAKE_TOKEN",
    "HANDOFF_DATABASE_URL": "ASB_HANDOFF_DATABASE_URL",
    "HANDOFF_URL": "ASB_HANDOFF_URL",
    "HANDOFF_FUZZ_EXAMPLES": "ASB_HANDOFF_FUZZ_EXAMPLES",
    "HANDOFF_CAMPAIGN_REQUESTS": "ASB_HANDOFF_CAMPAIGN_REQUESTS",
}
OLD_NAME = {new: old for old, new in RENAMED.items()}
PROJECT_ROOT = "ASB_PROJECT_ROOT"
TODAY = "ASB_TODAY"
TEST_CLOCK = "ASB_TEST_CLOCK"
# The folder the packages were installed in (a checkout's root when run from one).
PACKAGES_PARENT = Path(__file__).resolve().parent.parent

_warned: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(message)


def get(name: str, default: str | None = None) -> str | None:
    """The variable's value (empty counts as unset), else its old name's, else `default`."""
    value = os.environ.get(name)
    if value:
        return value
    old = OLD_NAME.get(name)
    if old and os.environ.get(old):
        _warn_once(old, f"the environment variable {old} is read for one more release only: "
                        f"name it {name} instead")
        return os.environ[old]
    return default


def number(name: str, default: float) -> float:
    value = get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {value!r}") from None


def project_root() -> Path:
    """ASB_PROJECT_ROOT, else the folder above the installed packages."""
    given = get(PROJECT_ROOT)
    return Path(given).expanduser().resolve() if given else PACKAGES_PARENT


def fixed_today() -> str | None:
    """ASB_TODAY when the test switch ASB_TEST_CLOCK=1 is on; None: the real date."""
    value = get(TODAY)
    if value and get(TEST_CLOCK) != "1":
        _warn_once(TODAY, f"{TODAY} is set but ignored: it fixes the date only for tests, with "
                          f"{TEST_CLOCK}=1")
        return None
    return value


def clock_fixed_on(day: str) -> dict[str, str]:
    """The variables that fix "today" in a child process (tests and benchmarks)."""
    return {TODAY: day, TEST_CLOCK: "1"}
