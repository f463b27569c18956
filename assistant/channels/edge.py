"""What both channels share: the message rules, the rate limits, the domain's vocabulary.

One `Edge` per Rasa server (`shared_edge()`), from the deployment file's `limits` section, so a
client address has one budget whichever channel it uses.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from asb import env
from assistant.channels.messages import Incoming, MessageRules, Refused, Vocabulary
from assistant.channels.rates import Gate, retry_after

logger = logging.getLogger(__name__)


class TooMany(Refused):
    """429: a rate limit was reached; `wait` seconds until the next request is allowed."""

    def __init__(self, scope: str, wait: float):
        super().__init__(429, "too_many_requests",
                         f"too many messages from this {scope}; try again in "
                         f"{retry_after(wait)} seconds", retry_after_seconds=int(retry_after(wait)))
        self.wait = wait


class Edge:
    def __init__(self, rules: MessageRules, gate: Gate, domain: Any = None):
        self.rules = rules
        self.gate = gate
        self._domain = domain  # fixed (tests); else the served model's
        self._vocabulary: tuple[int, Vocabulary] | None = None

    @classmethod
    def from_limits(cls, limits: Any, domain: Any = None) -> Edge:
        return cls(MessageRules(limits.message_characters),
                   Gate(limits.address_requests_per_minute,
                        limits.conversation_messages_per_minute),
                   domain)

    def vocabulary(self, app: Any) -> Vocabulary:
        """The intents and entities of the domain served (the loaded model's, else domain.yml)."""
        domain = self._domain
        if domain is None:
            agent = getattr(getattr(app, "ctx", None), "agent", None)
            domain = getattr(agent, "domain", None) or _project_domain()
        if self._vocabulary is None or self._vocabulary[0] != id(domain):
            self._vocabulary = (id(domain), Vocabulary.of(domain))
        return self._vocabulary[1]

    def admit_address(self, address: str) -> None:
        wait = self.gate.addresses.take(address or "unknown")
        if wait:
            logger.info("edge: refused a request (address rate limit)")
            raise TooMany("address", wait)

    def admit(self, body: dict[str, Any], app: Any) -> Incoming:
        """The checked message, or Refused (400, or 429 for its conversation's rate)."""
        try:
            incoming = self.rules.check(body, self.vocabulary(app))
        except Refused as refused:
            logger.info("edge: refused a message (%s)", refused.error)
            raise
        wait = self.gate.conversations.take(incoming.sender)
        if wait:
            logger.info("edge: refused a message (conversation rate limit)")
            raise TooMany("conversation", wait)
        return incoming


@functools.lru_cache(maxsize=1)
def _project_domain() -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(env.project_root() / "domain.yml"))


@functools.lru_cache(maxsize=1)
def shared_edge() -> Edge:
    """The Rasa server's one Edge, from the deployment file (ASB_DEPLOYMENT or the example)."""
    from deployment import load_deployment

    return Edge.from_limits(load_deployment().limits)
