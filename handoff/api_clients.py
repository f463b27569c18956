"""Who is calling the API, and what it may do.

Two kinds of bearer token are accepted. The intake token (the environment's, or data/intake-token:
handoff/app.py) is the assistant's and may do everything. An API client is an agency's own site
or case system with a token of its own (`python -m handoff api-client add NAME --scopes ...`,
table `api_clients`, only the token's SHA-256 kept) and only the scopes it was given:

- `intake`: submit applications (POST /api/v1/applications) and redeem the 2nd-report offer's
  prefills (POST /api/v1/prefills/redeem);
- `status`: the status check (POST /api/v1/status) and the escalation request
  (POST /api/v1/escalations), both proved by the reference and the postcode;
- `second_report`: the 2nd-report offer (POST /api/v1/second-report).

No token, a token that is neither, or a disabled client's: 401. A client's token without the
scope the route needs: 403."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from aiohttp import web

from handoff.context import INTAKE_TOKEN, STORE
from handoff.inbox import _token_hash, same_secret

SCOPES = {
    "intake": "submit applications and redeem the 2nd-report offer's prefills",
    "status": "check an application's status and ask for an escalation",
    "second_report": "ask whether the case review must be explained on a 2nd report",
}
CALLER = "api_caller"  # where the request keeps its Caller once authorised
NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
MAX_NAME = 64


@dataclass(frozen=True)
class Caller:
    """An authorised caller: an API client (its name), or the assistant (name None)."""

    name: str | None
    scopes: frozenset[str]


ASSISTANT = Caller(None, frozenset(SCOPES))


def token_hash(token: str) -> str:
    """What the table keeps of a client's token: its SHA-256 (hex)."""
    return _token_hash(token)


def scopes_of(text: str) -> list[str]:
    """The scopes named in "status,second_report" (in SCOPES' order), or ValueError."""
    named = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(named - set(SCOPES))
    if unknown or not named:
        raise ValueError(f"scopes must be one or more of {', '.join(SCOPES)} (comma-separated)"
                         + (f"; there is no scope {', '.join(unknown)}" if unknown else ""))
    return [scope for scope in SCOPES if scope in named]


def name_problem(name: str) -> str | None:
    if not name or len(name) > MAX_NAME or not set(name) <= NAME_CHARACTERS:
        return (f"a client's name is 1 to {MAX_NAME} letters, digits, dots, hyphens or "
                "underscores")
    return None


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def caller_of(request: web.Request) -> Caller | None:
    """Who sent the request's bearer token; None for no token, an unknown one or a disabled
    client's. Raises StoreUnavailable when a client's token cannot be looked up."""
    token = _bearer(request)
    if token is None:
        return None
    # Header values arrive as any bytes (decoded with surrogate escapes): compared as bytes.
    if same_secret(token, request.app[INTAKE_TOKEN]):
        return ASSISTANT
    digest = token_hash(token)
    store = request.app[STORE]
    found = await store.run(store.api_client, digest)
    if found is None or found["disabled_at"] is not None or not hmac.compare_digest(
            found["token_hash"], digest):
        return None
    return Caller(found["name"], frozenset(found["scopes"].split(",")))


def caller(request: web.Request) -> Caller:
    """The caller an authorised request came from."""
    return request[CALLER]
