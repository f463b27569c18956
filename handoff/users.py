"""User administration in the inbox, for managers (handoff/roles.py): the users, adding one,
setting a role, resetting a password (one typed, or one made and shown once), disabling an
account (its sessions end at once) and enabling it again. Managers cannot disable themselves
or change their own role, so there is always a manager who can sign in.

There is no audit table for users: each change is logged on `handoff.users` by user number
(who changed whom), never a username or password."""

from __future__ import annotations

import logging
import re

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from handoff import passwords
from handoff.context import DEPLOYMENT, STORE
from handoff.inbox import _stamp, _token_hash, account_key, form_of, page
from handoff.roles import AS_A, ROLES
from handoff.store import Store

routes = web.RouteTableDef()
log = logging.getLogger("handoff.users")
USER = r"/inbox/users/{id:\d{1,18}}"
USERNAME = re.compile(r"[\w.@-]{3,100}")
ROLE_CHOICES = [
    ("caseworker", "Caseworker: applications, figures and escalations"),
    ("manager", "Manager: what a caseworker can do, and the users"),
    ("pcc_reviewer", "PCC reviewer: escalations and their evidence packs only"),
]


async def _user(request: web.Request) -> dict:
    store: Store = request.app[STORE]
    found = await store.run(store.user_by_id, int(request.match_info["id"]))
    if found is None:
        raise web.HTTPNotFound(text="There is no such user.")
    return found


def _not_yourself(request: web.Request, user: dict, what: str) -> None:
    if user["id"] == request["user_id"]:
        raise web.HTTPConflict(text=f"You cannot {what} your own account: ask another manager.")


async def _new_password(form: dict, username: str) -> tuple[str | None, str | None, str | None]:
    """(the hash, the password made to show once or None, an error): the password typed when
    it may be used, else one made now."""
    typed = form.get("password", "")
    if typed:
        problem = passwords.password_problem(typed, username)
        if problem:
            return None, None, problem
    made = None if typed else passwords.new_password()
    return await passwords.hash_off_the_loop(typed or made), made, None


async def _users_page(request: web.Request, http_status: int = 200, **context) -> web.Response:
    store: Store = request.app[STORE]
    return page(request, "users.html", http_status=http_status,
                users=await store.run(store.list_users), role_choices=ROLE_CHOICES,
                **{"errors": {}, "values": {"role": "caseworker"}} | context)


@routes.get("/inbox/users")
async def users(request: web.Request) -> web.Response:
    return await _users_page(request)


@routes.post("/inbox/users")
async def add_user(request: web.Request) -> web.Response:
    form = await form_of(request)
    values = {"username": form.get("username", "").strip(), "role": form.get("role", "")}
    errors = {}
    if not USERNAME.fullmatch(values["username"]):
        errors["username"] = ("Enter a username of 3 to 100 letters, digits, dots, hyphens, "
                              "underscores or @")
    if values["role"] not in ROLES:
        errors["role"] = "Choose what the user may do"
    password_hash, made, problem = (None, None, None) if errors else await _new_password(
        form, values["username"])
    if problem:
        errors["password"] = problem
    store: Store = request.app[STORE]
    user_id = None
    if not errors:
        try:
            user_id = await store.run(store.add_user, values["username"], password_hash,
                                      _stamp(), values["role"])
        except IntegrityError:
            errors["username"] = "There is a user with this username already"
    if errors:
        return await _users_page(request, 400, errors=errors, values=values)
    log.info("users: user %d added as %s by user %d", user_id, values["role"],
             request["user_id"])
    return await _users_page(request, done=f"{values['username']} can now sign in as "
                             f"{AS_A[values['role']]}.", password=made)


async def _user_page(request: web.Request, user: dict, http_status: int = 200,
                     **context) -> web.Response:
    return page(request, "user.html", http_status=http_status, account=user,
                role_choices=ROLE_CHOICES, yourself=user["id"] == request["user_id"],
                **{"errors": {}, "done": request.query.get("done")} | context)


@routes.get(USER)
async def user(request: web.Request) -> web.Response:
    return await _user_page(request, await _user(request))


@routes.post(USER + "/role")
async def set_role(request: web.Request) -> web.Response:
    found = await _user(request)
    _not_yourself(request, found, "change the role of")
    role = (await form_of(request)).get("role", "")
    if role not in ROLES:
        return await _user_page(request, found, 400,
                                errors={"role": "Choose what the user may do"})
    store: Store = request.app[STORE]
    if role != found["role"]:
        await store.run(store.set_role, found["id"], role)
        log.info("users: user %d made %s (was %s) by user %d", found["id"], role,
                 found["role"], request["user_id"])
    raise web.HTTPSeeOther(f"/inbox/users/{found['id']}?done=role")


@routes.post(USER + "/password")
async def reset_password(request: web.Request) -> web.Response:
    found = await _user(request)
    password_hash, made, problem = await _new_password(await form_of(request),
                                                       found["username"])
    if problem:
        return await _user_page(request, found, 400, errors={"password": problem})
    cookie = request.cookies.get(request.app[DEPLOYMENT].handoff.session.cookie_name, "")
    store: Store = request.app[STORE]
    await store.run(store.set_password, found["username"], password_hash,
                    account_key(found["username"]), _token_hash(cookie))
    log.info("users: the password of user %d reset by user %d (their sessions ended)",
             found["id"], request["user_id"])
    return await _user_page(request, found, done="password", password=made)


@routes.post(USER + "/disable")
async def disable(request: web.Request) -> web.Response:
    found = await _user(request)
    _not_yourself(request, found, "disable")
    store: Store = request.app[STORE]
    await store.run(store.set_disabled, found["id"], _stamp())
    log.info("users: user %d disabled by user %d (their sessions ended)", found["id"],
             request["user_id"])
    raise web.HTTPSeeOther(f"/inbox/users/{found['id']}?done=disabled")


@routes.post(USER + "/enable")
async def enable(request: web.Request) -> web.Response:
    found = await _user(request)
    store: Store = request.app[STORE]
    await store.run(store.set_disabled, found["id"], None)
    log.info("users: user %d enabled by user %d", found["id"], request["user_id"])
    raise web.HTTPSeeOther(f"/inbox/users/{found['id']}?done=enabled")
