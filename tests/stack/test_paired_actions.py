"""stack/paired_actions.py: which endpoint a call that cannot connect is sent to again. The
fallback itself, with an action server killed, is tested on the cluster (test_cluster.py)."""

from __future__ import annotations

import pytest
from rasa.utils.endpoints import EndpointConfig

from stack.paired_actions import fallback_for
from stack.services import ACTION_ENDPOINT_ENV, ACTION_FALLBACK_ENV

OWN = "http://127.0.0.1:5055/webhook"
BALANCER = "http://balancer.internal:5055/webhook"


@pytest.fixture
def paired(monkeypatch):
    monkeypatch.setenv(ACTION_ENDPOINT_ENV, OWN)
    monkeypatch.setenv(ACTION_FALLBACK_ENV, BALANCER)


def test_the_action_endpoint_falls_back_to_the_balancer_with_everything_else_kept(paired):
    endpoint = EndpointConfig(OWN, headers={"X-Token": "t"}, enable_selective_domain=True)
    other = fallback_for(endpoint)
    assert other.url == BALANCER
    assert other.headers == {"X-Token": "t"} and other.kwargs == {"enable_selective_domain": True}
    assert endpoint.url == OWN, "the endpoint itself is unchanged"


def test_other_endpoints_never_fall_back(paired):
    assert fallback_for(EndpointConfig("http://127.0.0.1:5056/nlg")) is None


@pytest.mark.parametrize("fallback", ["", "  ", OWN])
def test_no_fallback_without_another_address(monkeypatch, fallback):
    monkeypatch.setenv(ACTION_ENDPOINT_ENV, OWN)
    monkeypatch.setenv(ACTION_FALLBACK_ENV, fallback)
    assert fallback_for(EndpointConfig(OWN)) is None


def test_no_fallback_in_a_single_stack(monkeypatch):
    monkeypatch.setenv(ACTION_ENDPOINT_ENV, OWN)
    monkeypatch.delenv(ACTION_FALLBACK_ENV, raising=False)
    assert fallback_for(EndpointConfig(OWN)) is None
