"""Each Rasa server of a cluster calls its own action server, and the balancer only when that
one cannot be reached.

A form's turn calls the action server two or three times. Sent through the balancer, each call
crossed HAProxy and two more loopback connections; measured on the 2-core machine with two
replicas (10 users, 8 rounds, both ways loaded in turn), a message cost the machine 22.9 ms that
way and 21.6 ms with each Rasa server calling its paired action server directly, and two replicas
answered 79.5 against 84.6 messages a second. So a replica is a pair: `rasa-N` calls `actions-N`
(`ASB_ACTION_ENDPOINT_URL`), on the same machine or in the same pod.

A pair must not fail because half of it is restarting. When the call cannot even connect (its
action server is down: connection refused, or its name does not resolve), nothing has been sent,
so it is sent again, once, to `ASB_ACTION_FALLBACK_URL`: the balancer's action frontend, which
passes it to any action server that is up (deploy/haproxy.cfg). Any other failure (a timeout, a
connection broken after the request went out, an error status) is Rasa's as before: the action
server may have run the action, and running it twice could send an application twice. Without
`ASB_ACTION_FALLBACK_URL` (`make run`: one of each process) nothing changes.

Installed by `stack.rasa_server.install()`.
"""

from __future__ import annotations

import copy
import logging
import os
from typing import Any

import aiohttp
from rasa.utils.endpoints import EndpointConfig

from stack.services import ACTION_ENDPOINT_ENV, ACTION_FALLBACK_ENV

log = logging.getLogger(__name__)
_rasa_request = EndpointConfig.request


def fallback_for(endpoint: EndpointConfig) -> EndpointConfig | None:
    """The same endpoint at the fallback address, when it is the action endpoint and one is set."""
    fallback = os.environ.get(ACTION_FALLBACK_ENV, "").strip()
    own = os.environ.get(ACTION_ENDPOINT_ENV, "").strip()
    if not fallback or not own or endpoint.url != own or fallback == own:
        return None
    other = copy.copy(endpoint)
    other.url = fallback
    return other


async def request(self: EndpointConfig, method: str = "post", subpath: str | None = None,
                  content_type: str | None = "application/json", compress: bool = False,
                  **kwargs: Any) -> Any:
    """Rasa's `EndpointConfig.request`, sent to the fallback when it could not connect."""
    try:
        return await _rasa_request(self, method, subpath, content_type, compress, **kwargs)
    except aiohttp.ClientConnectorError as error:
        other = fallback_for(self)
        if other is None:
            raise
        log.warning("the paired action server cannot be reached (%s): calling through the "
                    "balancer", type(error).__name__)
        return await _rasa_request(other, method, subpath, content_type, compress, **kwargs)


def install() -> None:
    EndpointConfig.request = request
