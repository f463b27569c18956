"""What every request handler can reach through the aiohttp application."""

from __future__ import annotations

import asyncio

from aiohttp import web

from deployment.config import Deployment
from handoff.store import Store

DEPLOYMENT = web.AppKey("deployment", Deployment)
STORE = web.AppKey("store", Store)
INTAKE_TOKEN = web.AppKey("intake_token", str)
WORKER_WAKE = web.AppKey("worker_wake", asyncio.Event)
ESCALATION_WAKE = web.AppKey("escalation_wake", asyncio.Event)  # the escalation worker's
