"""The service assembled: one aiohttp application with the intake API, the inbox and the
delivery worker (an asyncio task in the same process), and how `serve` finds its database and
intake token."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from aiohttp import web

from asb import env
from deployment.config import Deployment, Handoff
from deployment.log_format import announce
from handoff import (
    application_list,
    escalation,
    headers,
    inbox,
    intake,
    languages,
    pack,
    progress,
    second_report,
    status,
    users,
)
from handoff.context import DEPLOYMENT, ESCALATION_WAKE, INTAKE_TOKEN, STORE, WORKER_WAKE
from handoff.escalation_delivery import EscalationWorker
from handoff.metrics import METRICS, Metrics, time_intake
from handoff.store import Store
from handoff.worker import Worker

log = logging.getLogger("handoff")
KEEPALIVE_SECONDS = 15.0


def data_dir(settings: Handoff) -> Path:
    return Path(settings.data_dir).resolve()


def database_url(settings: Handoff) -> str:
    """The DSN in the environment variable named by database_url_env, else database_url, else
    SQLite in the data folder."""
    from_env = (env.get(settings.database_url_env) or "").strip()
    if from_env:
        return from_env
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{data_dir(settings) / 'handoff.sqlite3'}"


def intake_token(settings: Handoff) -> tuple[str, str]:
    """The intake bearer token and where it came from: the environment variable, else the token
    file in the data folder (made now, readable by this user only, if it does not exist)."""
    from_env = (env.get(settings.intake_token_env) or "").strip()
    if from_env:
        return from_env, f"the environment variable {settings.intake_token_env}"
    file = data_dir(settings) / settings.intake_token_file
    if file.exists():
        token = file.read_text(encoding="utf-8").strip()
        if token:
            return token, f"the file {file}"
    file.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token, f"the file {file} (made now)"


def prepare_database(store: Store, settings: Handoff) -> None:
    """Migrate the schema to this version (migrate_at_start), else refuse to go on while the
    database is behind, saying what to do."""
    if settings.migrate_at_start:
        before, after = store.migrate()
        if before != after:
            announce(log, "handoff: database schema migrated from "
                          f"{before or 'nothing'} to {after}")
        return
    problem = store.schema_behind()
    if problem:
        raise SystemExit(f"handoff: not starting: {problem} (migrate_at_start is false)")


def create_app(deployment: Deployment, store: Store, token: str, worker: bool = True
               ) -> web.Application:
    # The intake route checks its own size limit (a JSON 413); forms are small.
    app = web.Application(
        middlewares=[time_intake, headers.body_deadline, inbox.inbox_security],
        client_max_size=max(deployment.handoff.max_body_bytes, 1024 * 1024),
    )
    app[DEPLOYMENT] = deployment
    app[STORE] = store
    app[INTAKE_TOKEN] = token
    app[METRICS] = Metrics(store)
    app.on_response_prepare.append(headers.on_prepare)
    app.add_routes(intake.routes)
    app.add_routes(inbox.routes)
    app.add_routes(application_list.routes)
    app.add_routes(users.routes)
    # See docs/after-applying.md.
    for after_applying in (progress, status, escalation, pack, second_report):
        app.add_routes(after_applying.routes)
    delivery = Worker(deployment, store, app[METRICS])
    app[WORKER_WAKE] = delivery.wake
    escalations = EscalationWorker(deployment, store)
    app[ESCALATION_WAKE] = escalations.wake
    if worker:
        async def start(_app):
            delivery.start()
            escalations.start()

        async def stop(_app):
            await delivery.stop()
            await escalations.stop()

        app.on_startup.append(start)
        app.on_cleanup.append(stop)
    return app


def warn_missing_secrets(deployment: Deployment) -> None:
    for area in deployment.areas:
        names = []
        if area.delivery.webhook:
            names.append(area.delivery.webhook.secret_env)
        if area.delivery.email:
            names += [n for n in (area.delivery.email.username_env,
                                  area.delivery.email.password_env) if n]
        for name in names:
            if not env.get(name):
                log.warning("area %s: environment variable %s is not set; its deliveries will "
                            "fail until it is", area.id, name)


def serve(deployment: Deployment, host: str | None = None, port: int | None = None) -> None:
    settings = deployment.handoff
    store = Store(database_url(settings))
    try:
        prepare_database(store, settings)
    except BaseException:
        store.close()
        raise
    token, source = intake_token(settings)
    warn_missing_secrets(deployment)
    languages.load()  # the assistant's catalogs, for the English beside the applicant's answers
    host, port = host or settings.host, port or settings.port
    announce(log, f"handoff: database "
                  f"{store.engine.url.render_as_string(hide_password=True)}")
    announce(log, f"handoff: intake token from {source}")
    announce(log, f"handoff: listening on http://{host}:{port} (inbox at /inbox)")
    try:
        import uvloop  # installed with Rasa's server; a faster event loop where present

        uvloop.install()
    except ImportError:
        pass
    headers.hide_version()
    try:
        # keepalive_timeout also bounds a client dripping the headers of its next request on
        # an open connection (aiohttp 3.9 has no deadline for a first request's headers).
        web.run_app(create_app(deployment, store, token), host=host, port=port,
                    print=None, access_log=None, keepalive_timeout=KEEPALIVE_SECONDS)
    finally:
        store.close()
