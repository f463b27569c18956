"""Caseworker accounts: users and their passwords, sign-in throttling that holds across
processes, and sessions."""

from __future__ import annotations

from sqlalchemy import or_, select

from handoff.store.tables import sessions, sign_in_attempts, users
from handoff.store.throttle import count_attempt


class Accounts:
    """Mixed into Store: needs `engine` and `_writing`."""

    def add_user(self, username: str, password_hash: str, at: str) -> None:
        with self._writing.begin() as conn:
            conn.execute(users.insert().values(
                username=username, password_hash=password_hash, created_at=at))

    def set_password(self, username: str, password_hash: str, account: str | None = None
                     ) -> bool:
        """A new password; `account` (its throttling hash): its failed sign-ins are forgotten."""
        with self._writing.begin() as conn:
            done = conn.execute(users.update().where(users.c.username == username).values(
                password_hash=password_hash))
            if done.rowcount == 1 and account:
                conn.execute(sign_in_attempts.delete().where(
                    sign_in_attempts.c.account == account))
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
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sessions.c.csrf, users.c.username)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
            ).first()
        return dict(row._mapping) if row else None

    def end_session(self, token_hash: str, now: float) -> None:
        with self._writing.begin() as conn:
            conn.execute(sessions.delete().where(
                or_(sessions.c.token_hash == token_hash, sessions.c.expires_at <= now)))
