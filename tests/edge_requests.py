"""Hypothesis strategies for what reaches the assistant's public edge (assistant/channels/):
message bodies as a careless client or an attacker sends them. Used by the fuzz campaigns
against the running channels (tests/stack/test_fuzz_campaigns.py) and by the quick slice on the
message rules alone (tests/assistant/test_channels.py)."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from assistant.channels.messages import SENDER

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
messages = st.one_of(texts, payloads, json_values)


def shaped(sender, message, meta, extra) -> dict:
    body = {"sender": sender, "message": message}
    if meta is not None:
        body["metadata"] = meta
    body.update(extra)
    return body


# Objects in the shape of a message, mostly wrong in one way or another.
message_objects = st.one_of(
    st.builds(shaped, senders, messages, metadata,
              st.dictionaries(st.sampled_from(["input_channel", "stream", "x"]), json_values,
                              max_size=1)),
    st.builds(shaped, st.from_regex(SENDER, fullmatch=True), st.one_of(texts, payloads),
              st.just(None), st.just({})),
)


def encoded(value) -> bytes:
    return json.dumps(value).encode()  # lone surrogates travel as \ud800 escapes


bodies = st.one_of(
    message_objects.map(encoded),
    json_values.map(encoded),
    st.binary(max_size=300),
    st.integers(10, 20000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(10, 5000).map(lambda n: b'{"sender": "s", "message": ' + b"{\"a\":" * n
                              + b"1" + b"}" * n + b"}"),
)
