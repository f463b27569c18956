"""Fuzzing the public edge of the handoff service: the intake API and the inbox sign-in, as a
real `python -m handoff serve` process on SQLite and on PostgreSQL, with Hypothesis generating
hostile requests (malformed and deep JSON, wrong types, lone surrogates, control characters,
bodies up to the size limit, wrong Content-Types and keys, path tricks, raw bytes).

Every answer must be below 500 and carry no traceback; afterwards the service still answers and
still takes an application. A quick slice runs by default; ASB_HANDOFF_FUZZ_EXAMPLES=10000 (per
endpoint) runs the long campaign."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asb import env as asb_env
from tests import run_coroutine
from tests.handoff.fuzz_parts import (
    BODIES,
    CONTENT_TYPES,
    FORM_TYPES,
    KEYS,
    METHODS,
    PATHS,
    REAL,
    SIGN_IN_PATHS,
    Served,
    sign_in_body,
    sign_in_form,
    still_answers,
)
from tests.handoff.handoff_parts import make_deployment, serve_process

pytestmark = pytest.mark.integration
EXAMPLES = int(asb_env.get("ASB_HANDOFF_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql")])
def served(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    env = {"ASB_HANDOFF_INTAKE_TOKEN": uuid.uuid4().hex, "ASB_TODAY": "2026-03-10"}
    drop = None
    if request.param == "sqlite":
        env["ASB_HANDOFF_DATABASE_URL"] = f"sqlite:///{folder / 'handoff.sqlite3'}"
    else:
        cluster = request.getfixturevalue("postgres")
        name = "fuzz_" + uuid.uuid4().hex[:10]
        cluster.admin(f"CREATE DATABASE {name}")
        env["ASB_HANDOFF_DATABASE_URL"] = cluster.url(name)

        def drop():
            cluster.admin(f"DROP DATABASE {name} WITH (FORCE)")
    service = run_coroutine(serve_process(make_deployment(), folder, env))
    made = Served(service, folder)
    yield made
    alive = service.process.poll() is None
    service.stop()
    if drop:
        drop()
    print(f"\nfuzz ({request.param}): " + ", ".join(f"{k}: {v}" for k, v in sorted(made.tried.items())))
    assert alive, "the service died during the fuzzing"


# -- the intake API ---------------------------------------------------------------------------

# Header values as raw bytes (no line breaks), and the bearer token: right, missing or hostile.
HEADER_BYTES = st.binary(max_size=120).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
TOKENS = st.one_of(st.just("right"), st.just("right"), st.just("right"), st.none(),
                   HEADER_BYTES.map(lambda b: b"Bearer " + b), HEADER_BYTES)


@FUZZ
@given(method=METHODS, path=PATHS, body=BODIES, content_type=CONTENT_TYPES, key=KEYS,
       token=TOKENS)
def test_fuzz_the_intake(served, method, path, body, content_type, key, token):
    headers = {"Content-Type": content_type,
               "Idempotency-Key": key.encode("latin-1", "replace").decode("latin-1")}
    if token == "right":
        headers["Authorization"] = f"Bearer {served.service.token}"
    elif token is not None:
        headers["Authorization"] = token
    status, answer_headers, answer = served.request(method, path, body, headers)
    served.check("intake", status, answer_headers, answer)
    handled = "X-Content-Type-Options" in answer_headers  # not aiohttp's answer to bad HTTP
    if handled and path == REAL and method == "POST":
        assert answer_headers.get("Content-Type", "").startswith("application/json"), answer


def test_the_intake_still_answers_after_the_fuzzing(served):
    still_answers(served)


# -- the inbox sign-in -------------------------------------------------------------------------

@FUZZ
@given(method=st.sampled_from(["POST"] * 8 + ["GET", "PUT"]), path=SIGN_IN_PATHS,
       content_type=FORM_TYPES, cookie_extra=st.one_of(st.just(b""), st.just(b""), HEADER_BYTES),
       data=st.data())
def test_fuzz_the_sign_in(served, method, path, content_type, cookie_extra, data):
    csrf, cookie = sign_in_form(served)
    body = data.draw(sign_in_body(csrf))
    status, headers, answer = served.request(method, path, body, {
        "Content-Type": content_type, "Cookie": cookie.encode() + cookie_extra})
    served.check("sign-in", status, headers, answer)


def test_the_sign_in_still_answers_after_the_fuzzing(served):
    still_answers(served)
    status, _, page = served.request("GET", "/inbox/sign-in")
    assert status == 200 and b"Sign in" in page
