"""The API's own callers (handoff/api_clients.py): adding one, finding one by its token's
SHA-256, listing them (never a token or its hash), disabling one."""

from __future__ import annotations

from sqlalchemy import select

from handoff.store.tables import api_clients


class ApiClients:
    """Mixed into Store: needs `engine` and `_writing`."""

    def add_api_client(self, name: str, token_hash: str, scopes: str, at: str) -> None:
        """Raises IntegrityError when the name is taken."""
        with self._writing.begin() as conn:
            conn.execute(api_clients.insert().values(
                name=name, token_hash=token_hash, scopes=scopes, created_at=at))

    def api_client(self, token_hash: str) -> dict | None:
        """The client whose token has this SHA-256 (disabled or not), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(api_clients).where(
                api_clients.c.token_hash == token_hash)).first()
        return dict(row._mapping) if row else None

    def list_api_clients(self) -> list[dict]:
        """Every client's name, scopes, created_at and disabled_at, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(
                api_clients.c.name, api_clients.c.scopes, api_clients.c.created_at,
                api_clients.c.disabled_at).order_by(api_clients.c.name)).all()
        return [dict(row._mapping) for row in rows]

    def disable_api_client(self, name: str, at: str) -> bool:
        """Its token is refused from now on; False when there is no such client. A client
        disabled already keeps the time it was first disabled."""
        with self._writing.begin() as conn:
            found = conn.execute(select(api_clients.c.disabled_at).where(
                api_clients.c.name == name)).first()
            if found is None:
                return False
            if found.disabled_at is None:
                conn.execute(api_clients.update().where(api_clients.c.name == name).values(
                    disabled_at=at))
        return True
