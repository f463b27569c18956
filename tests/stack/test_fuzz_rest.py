"""Fuzzing the REST channel of the running system (`stack` fixture) with generated requests:
broken and deep JSON, wrong types, surrogates and control characters, payload syntax, long text.

No request may get a 5xx or a traceback, every answer is JSON, and the server answers a normal
message afterwards. A quick slice by default; ASB_FUZZ_REQUESTS=10000 for the full campaign.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.channels.messages import SENDER

pytestmark = pytest.mark.integration

REQUESTS = int(os.environ.get("ASB_FUZZ_REQUESTS", "300"))

NASTY = st.characters(categories=("Cs", "Cc", "Cf", "Co", "Zs", "Lu", "Ll", "Lo", "Nd", "Po",
                                  "Sm", "So"))
texts = st.one_of(
    st.text(NASTY, max_size=40),
    st.text(max_size=200),
    st.sampled_from(["", " ", "\n", "\x00", "\ud800", "a\udfffb", "hi\r\n", "\u202e", "%s%n",
                     "{}", "null", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd"]),
    st.integers(4990, 5010).map(lambda n: "é" * n),
    st.integers(5001, 60000).map(lambda n: "a" * n),
)
payloads = st.builds(
    lambda intent, entities: f"/{intent}{entities}",
    st.one_of(st.sampled_from(["greet", "inform", "change_language", "restart", "affirm",
                               "start_application", "request_human", "nlu_fallback", "session_start"]),
              st.text(max_size=20)),
    st.one_of(st.just(""), st.text(max_size=30),
              st.dictionaries(st.sampled_from(["choice", "language", "victim_name", "x"]),
                              st.one_of(texts, st.integers(), st.lists(st.text(max_size=5))),
                              max_size=3).map(lambda d: json.dumps(d))),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12,
)
senders = st.one_of(st.from_regex(SENDER, fullmatch=True), texts, json_values)
metadata = st.one_of(st.none(), st.just({"language": "cy"}),
                     st.dictionaries(st.sampled_from(["language", "lang", "x"]), json_values,
                                     max_size=2), json_values)


def shaped(sender, message, meta, extra):
    body = {"sender": sender, "message": message}
    if meta is not None:
        body["metadata"] = meta
    body.update(extra)
    return json.dumps(body).encode()  # lone surrogates travel as \ud800 escapes


bodies = st.one_of(
    st.builds(shaped, senders, st.one_of(texts, payloads, json_values), metadata,
              st.dictionaries(st.sampled_from(["input_channel", "stream", "x"]), json_values,
                              max_size=1)),
    st.builds(shaped, st.from_regex(SENDER, fullmatch=True), st.one_of(texts, payloads),
              st.just(None), st.just({})),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.integers(10, 20000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(10, 5000).map(lambda n: b'{"sender": "s", "message": ' + b"{\"a\":" * n
                              + b"1" + b"}" * n + b"}"),
)


def exchange(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_rest_channel_survives_generated_requests(stack):
    statuses: Counter = Counter()

    @settings(max_examples=REQUESTS, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies)
    def one(body: bytes) -> None:
        status, answer = exchange(stack.rest_url, body)
        statuses[status] += 1
        assert status < 500, (status, answer[:300])
        assert status in (200, 400, 413, 429), (status, answer[:300])
        assert b"Traceback" not in answer and b'File "' not in answer
        parsed = json.loads(answer)
        assert isinstance(parsed, list) if status == 200 else "error" in parsed

    one()
    print(f"\nREST channel fuzz: {sum(statuses.values())} requests, statuses {dict(statuses)}")
    assert stack.running("rasa")
    replies = stack.send(f"fuzz-after-{uuid.uuid4().hex}", "/greet", {"language": "en"})
    assert any(reply.get("text") for reply in replies)
