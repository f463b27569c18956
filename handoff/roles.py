"""Who may open what in the inbox. Every signed-in user's request passes `may_open` (the inbox's
security middleware asks it) before anything else is done.

- caseworker: the applications (list, pages, downloads, outcome forms), the statutory figures,
  the escalations and their evidence packs, the Second report page (handoff/second_report.py).
- manager: what a caseworker may, and the users (add, disable, reset a password, set a role).
- pcc_reviewer (someone at the Police and Crime Commissioner's office who looks at escalations):
  the escalations and their evidence packs only; not the list of applications, an application's
  own pages or the figures.
"""

from __future__ import annotations

ROLES = ("caseworker", "manager", "pcc_reviewer")
# "... can now sign in as a caseworker"
AS_A = {"caseworker": "a caseworker", "manager": "a manager", "pcc_reviewer": "a PCC reviewer"}
ESCALATIONS = "/inbox/escalations"
USERS = "/inbox/users"
EVERYONE = ("/inbox/sign-out", "/inbox/pack.css")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + ".")


def may_open(role: str, path: str) -> bool:
    """Whether a signed-in user with `role` may open `path` (any inbox path but the sign-in
    page and the stylesheet, which need no sign-in)."""
    if path in EVERYONE or _under(path, ESCALATIONS):
        return role in ROLES
    if _under(path, USERS):
        return role == "manager"
    return role in ("caseworker", "manager")


def home(role: str) -> str:
    """Where the role's work starts: after signing in, and the inbox's first link."""
    return ESCALATIONS if role == "pcc_reviewer" else "/inbox"
