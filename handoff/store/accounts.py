"""The inbox's accounts: users (their passwords, roles, and whether they are disabled), sign-in
throttling that holds across processes, and sessions (a disabled user has none)."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from handoff.store.tables import sessions, sign_in_attempts, users
from handoff.store.throttle import count_attempt


class Accounts:
    """Mixed into Store: needs `engine` and `_writing`."""

    def add_user(self, username: str, password_hash: str, at: str,
                 role: str = "caseworker") -> int:
        with self._writing.begin() as conn:
            return conn.execute(users.insert().values(
                username=username, password_hash=password_hash, created_at=at,
                role=role)).inserted_primary_key[0]

    def set_password(self, username: str, password_hash: str, account: str | None = None,
                     keep_session: str | None = None) -> bool:
        """A new password: the user's sessions end (but `keep_session`, the token hash of the
        one making the change); `account` (its throttling hash): its failed sign-ins are
        forgotten."""
        with self._writing.begin() as conn:
            user_id = conn.execute(
                select(users.c.id).where(users.c.username == username)).scalar()
            if user_id is None:
                return False
            conn.execute(users.update().where(users.c.id == user_id).values(
                password_hash=password_hash))
            conn.execute(sessions.delete().where(
                sessions.c.user_id == user_id, sessions.c.token_hash != (keep_session or "")))
            if account:
                conn.execute(sign_in_attempts.delete().where(
                    sign_in_attempts.c.account == account))
        return True

    def has_users(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(users)).scalar_one() > 0

    def list_users(self) -> list[dict]:
        """Every user (no password hashes), by username."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(
                users.c.id, users.c.username, users.c.role, users.c.created_at,
                users.c.disabled_at).order_by(users.c.username)).all()
        return [dict(row._mapping) for row in rows]

    def user_by_id(self, user_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return dict(row._mapping) if row else None

    def set_role(self, user_id: int, role: str) -> bool:
        """The user's new role, in force from their next request."""
        with self._writing.begin() as conn:
            done = conn.execute(users.update().where(users.c.id == user_id).values(role=role))
        return done.rowcount == 1

    def set_disabled(self, user_id: int, at: str | None) -> bool:
        """Disable the account (`at`: when), ending its sessions at once; or, with None, let it
        sign in again."""
        with self._writing.begin() as conn:
            done = conn.execute(users.update().where(users.c.id == user_id).values(
                disabled_at=at))
            if at is not None:
                conn.execute(sessions.delete().where(sessions.c.user_id == user_id))
        return done.rowcount == 1

    def begin_sign_in(self, account: str, address: str, now: float, window: float,
                      account_limit: int, address_limit: int) -> tuple[int | None, float]:
        """Count a sign-in attempt before its password is checked: (its id, 0), or (None,
        seconds until the oldest counted attempt leaves the window) when the account or the
        address already has its limit of attempts within `window` seconds. Counted first and in
        the database, so parallel attempts and several processes share one count."""
        with self._writing.begin() as conn:
            return count_attempt(conn, sign_in_attempts, now, window, account=(
                account, account_limit), address=(address, address_limit))

    def end_sign_in(self, attempt: int, succeeded: bool, account: str) -> None:
        """A failed attempt stays counted; a success forgets the account's failures."""
        if not succeeded:
            return
        with self._writing.begin() as conn:
            conn.execute(sign_in_attempts.delete().where(
                or_(sign_in_attempts.c.id == attempt, sign_in_attempts.c.account == account)))

    def user(self, username: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        return dict(row._mapping) if row else None

    def start_session(self, token_hash: str, user_id: int, csrf: str, expires_at: float) -> None:
        with self._writing.begin() as conn:
            conn.execute(sessions.insert().values(
                token_hash=token_hash, user_id=user_id, csrf=csrf, expires_at=expires_at))

    def session(self, token_hash: str, now: float) -> dict | None:
        """The session's CSRF token and its user (id, username, role), while both last."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sessions.c.csrf, users.c.id.label("user_id"), users.c.username,
                       users.c.role)
                .join(users, and_(users.c.id == sessions.c.user_id,
                                  users.c.disabled_at.is_(None)))
                .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
            ).first()
        return dict(row._mapping) if row else None

    def end_session(self, token_hash: str, now: float) -> None:
        with self._writing.begin() as conn:
            conn.execute(sessions.delete().where(
                or_(sessions.c.token_hash == token_hash, sessions.c.expires_at <= now)))
