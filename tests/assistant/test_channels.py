"""The public edge's rules and rate limits (assistant/channels), without a server."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from assistant.channels.messages import (
    SENDER,
    MessageRules,
    Refused,
    Vocabulary,
    has_lone_surrogate,
    without_controls,
)
from assistant.channels.rates import RateLimit, retry_after
from deployment import load_deployment
from tests import edge_requests

VOCABULARY = Vocabulary(intents=frozenset({"greet", "inform", "change_language", "restart"}),
                        entities=frozenset({"choice", "language"}))
RULES = MessageRules(message_characters=5000)


def check(body: dict):
    return RULES.check(body, VOCABULARY)


def refusal(body: dict) -> Refused:
    with pytest.raises(Refused) as caught:
        check(body)
    return caught.value


def test_a_widget_message_passes_as_sent():
    incoming = check({"sender": "0f" * 16, "message": "Hello, I need help",
                      "metadata": {"language": "cy"}})
    assert (incoming.sender, incoming.text, incoming.metadata) == (
        "0f" * 16, "Hello, I need help", {"language": "cy"})


def test_a_2nd_report_links_value_passes_with_the_first_message():
    value = "A-_z" * 6 + "." + "0123456789_" * 3 + "abcdefgh-_"
    incoming = check({"sender": "s", "message": "/greet",
                      "metadata": {"language": "cy", "prefill": value}})
    assert incoming.metadata == {"language": "cy", "prefill": value}


@pytest.mark.parametrize("payload", [
    "/greet", " /greet ", '/inform{"choice":"on_behalf"}', '/change_language{"language":"ur"}',
    '/inform{"choice": "change:victim_name"}', "/restart",
])
def test_the_assistants_own_payloads_pass(payload):
    assert check({"sender": "s", "message": payload}).text == payload


@pytest.mark.parametrize("body,error,field", [
    ({"message": "hi"}, "sender_required", "sender"),
    ({"sender": "", "message": "hi"}, "bad_sender", "sender"),
    ({"sender": "a b", "message": "hi"}, "bad_sender", "sender"),
    ({"sender": "x" * 129, "message": "hi"}, "bad_sender", "sender"),
    ({"sender": 7, "message": "hi"}, "bad_sender", "sender"),
    ({"sender": "\ud800x", "message": "hi"}, "bad_sender", "sender"),
    ({"sender": "s"}, "message_required", "message"),
    ({"sender": "s", "message": ["hi"]}, "bad_message", "message"),
    ({"sender": "s", "message": "\ud800x"}, "bad_unicode", "message"),
    ({"sender": "s", "message": "hi \udfff"}, "bad_unicode", "message"),
    ({"sender": "s", "message": " \x00\x07 "}, "empty_message", "message"),
    ({"sender": "s", "message": "/nonsense"}, "bad_payload", "message"),
    ({"sender": "s", "message": "/greet@0.99"}, "bad_payload", "message"),
    ({"sender": "s", "message": '/inform{"choice": 1}'}, "bad_payload", "message"),
    ({"sender": "s", "message": '/inform{"choice": ["a"]}'}, "bad_payload", "message"),
    ({"sender": "s", "message": '/inform{"victim_name": "Sam"}'}, "bad_payload", "message"),
    ({"sender": "s", "message": '/inform{"choice": "' + "a" * 101 + '"}'}, "bad_payload", "message"),
    ({"sender": "s", "message": '/inform{"choice": "a\\nb"}'}, "bad_payload", "message"),
    ({"sender": "s", "message": "/inform{not json}"}, "bad_payload", "message"),
    ({"sender": "s", "message": "/greet and more"}, "bad_payload", "message"),
    ({"sender": "s", "message": "hi", "metadata": "cy"}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"language": "cy", "x": 1}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"language": "<script>"}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"language": 5}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"prefill": "a" * 24 + "." + "b" * 42}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"prefill": "a" * 24 + "." + "b" * 44}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"prefill": "a" * 24 + ":" + "b" * 43}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"prefill": "a" * 23 + "+." + "b" * 43}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"prefill": "x" * 100000}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "metadata": {"prefill": ["a"]}}, "bad_metadata", "metadata"),
    ({"sender": "s", "message": "hi", "input_channel": "x"}, "unknown_field", "input_channel"),
])
def test_anything_else_is_refused_with_the_field_named(body, error, field):
    refused = refusal(body)
    assert (refused.status, refused.error, refused.field) == (400, error, field)
    assert refused.body()["detail"]


def test_an_over_long_message_is_refused_naming_the_limit():
    assert len(check({"sender": "s", "message": "a" * 5000}).text) == 5000
    refused = refusal({"sender": "s", "message": "a" * 5001})
    assert refused.body()["limit"] == 5000 and "5000" in refused.detail


def test_control_characters_are_removed_except_newline_and_tab():
    assert without_controls("a\x00b\x1bc\x7fd\x85e\r\nf\rg\th") == "abcde\nf\ng\th"
    assert check({"sender": "s", "message": "Sam\x00 Smith\u200f"}).text == "Sam Smith\u200f"


@pytest.mark.parametrize("raw,error,status", [
    (b"", "not_json", 400),
    (b"{", "not_json", 400),
    (b"[1]", "not_json", 400),
    (b'"hi"', "not_json", 400),
    (b"\xff\xfe{}", "not_json", 400),
    (b"[" * 100_000 + b"]" * 100_000, "body_too_large", 413),
    (b"[" * 5000 + b"]" * 5000, "not_json", 400),  # deeper than Python's recursion limit
])
def test_a_body_that_is_not_a_json_object_is_refused(raw, error, status):
    with pytest.raises(Refused) as caught:
        RULES.read_body(raw)
    assert (caught.value.error, caught.value.status) == (error, status)


def test_the_longest_message_fits_in_a_body_even_escaped():
    body = json.dumps({"sender": "s", "message": "\U0001f600" * 5000,
                       "metadata": {"language": "cy"}}).encode()
    assert len(check(RULES.read_body(body)).text) == 10000 // 2  # one character each


def test_the_limits_come_from_the_deployment_file_and_keep_5000_character_answers():
    limits = load_deployment().limits
    assert limits.message_characters >= 5000
    assert limits.conversation_messages_per_minute > 0 and limits.address_requests_per_minute > 0


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_rate_limit_allows_a_burst_then_one_per_interval():
    clock = Clock()
    limit = RateLimit(per_minute=6, clock=clock)  # a burst of 6, then one every 10 s
    assert [limit.take("a") for _ in range(6)] == [0.0] * 6
    assert limit.take("a") == pytest.approx(10.0)
    assert limit.take("b") == 0.0  # keys are separate
    clock.now += 4
    assert limit.take("a") == pytest.approx(6.0)  # refused requests spend nothing
    clock.now += 6
    assert limit.take("a") == 0.0
    assert limit.take("a") == pytest.approx(10.0)
    assert retry_after(0.2) == "1" and retry_after(6.0) == "6" and retry_after(6.1) == "7"


def test_a_rate_limit_forgets_idle_keys_to_stay_bounded():
    clock = Clock()
    limit = RateLimit(per_minute=60, clock=clock, max_keys=100)
    for i in range(1000):
        limit.take(f"k{i}")
        clock.now += 0.01
    assert len(limit) <= 100
    clock.now += 120
    limit.take("new")
    assert limit.take("k999") == 0.0


# The quick slice of the fuzz campaigns (tests/stack/test_fuzz_campaigns.py): the same
# generated bodies against the rules alone. Each is refused with a reason that can be sent as
# JSON, or passes as a message the tracker store and the NLU can take.
@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(body=edge_requests.bodies)
def test_generated_bodies_are_refused_with_a_reason_or_pass_clean(body):
    try:
        incoming = RULES.check(RULES.read_body(body), VOCABULARY)
    except Refused as refused:
        assert refused.status in (400, 413) and refused.body()["error"]
        json.dumps(refused.body(), ensure_ascii=False).encode("utf-8")  # sendable
        return
    assert SENDER.fullmatch(incoming.sender)
    assert 0 < len(incoming.text) <= 5000 and not has_lone_surrogate(incoming.text)
    assert incoming.text == without_controls(incoming.text)
