"""Fuzzing the public edge of the handoff service: the intake API and the inbox sign-in, as a
real `python -m handoff serve` process on SQLite and on PostgreSQL, with Hypothesis generating
hostile requests (malformed and deep JSON, wrong types, lone surrogates, control characters,
bodies up to the size limit, wrong Content-Types and keys, path tricks, raw bytes).

Every answer must be below 500 and carry no traceback; afterwards the service still answers and
still takes an application. A quick slice runs by default; ASB_HANDOFF_FUZZ_EXAMPLES=10000 (per
endpoint) runs the long campaign."""

from __future__ import annotations

import http.client
import json
import re
import uuid
from collections import Counter
from urllib.parse import quote_from_bytes

import pytest
from handoff_parts import example_application, make_deployment, serve_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asb import env as asb_env
from tests import run_coroutine
from tests.fuzzing import leaf_paths, put

pytestmark = pytest.mark.integration
EXAMPLES = int(asb_env.get("ASB_HANDOFF_FUZZ_EXAMPLES", "150"))
LIMIT = 262144  # handoff.max_body_bytes in the example deployment
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
TRACEBACK = re.compile(rb"Traceback|File \"|line \d+, in ", re.I)


class Served:
    def __init__(self, service, folder):
        self.service, self.folder = service, folder
        self.port = int(service.url.rsplit(":", 1)[1])
        self.tried: Counter = Counter()  # requests per endpoint, and the 5xx among them

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None
                ) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def check(self, endpoint: str, status: int, headers: dict, body: bytes) -> None:
        self.tried[endpoint] += 1
        self.tried[endpoint + " 5xx"] += status >= 500
        assert status < 500, (status, body[:300])
        assert not TRACEBACK.search(body), body[:300]
        assert "aiohttp" not in headers.get("Server", "")


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


def still_answers(served: Served) -> None:
    status, _, _ = served.request("GET", "/healthz")
    assert status == 200
    document = json.dumps(example_application()).encode()
    status, _, body = served.request("POST", "/api/v1/applications", document, {
        "Authorization": f"Bearer {served.service.token}", "Idempotency-Key": uuid.uuid4().hex,
        "Content-Type": "application/json"})
    assert status == 201, body


# -- what goes in ------------------------------------------------------------------------------

# Text as an attacker or a careless client sends it: lone surrogates, controls, NULs, RTL marks.
HOSTILE_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F)),
    st.sampled_from(["\ud800", "\udfff", "a\ud800b", "\x00", "\u202e", "\ufeff", "' OR 1=1 --",
                     "<script>alert(1)</script>", "../../etc/passwd", "%00", "{{7*7}}",
                     "\\ud800", "9" * 5000, " ", ""]),
    st.builds(lambda n: "x" * n, st.integers(0, 20000)),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    HOSTILE_TEXT)
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                     st.dictionaries(HOSTILE_TEXT, inner, max_size=5)),
    max_leaves=20)


EXAMPLE_PATHS = list(leaf_paths(example_application()))


@st.composite
def mutated_application(draw) -> bytes:
    """The example application with one to three fields replaced by something hostile."""
    document = example_application()
    for _ in range(draw(st.integers(1, 3))):
        document = put(document, draw(st.sampled_from(EXAMPLE_PATHS)), draw(JSON_VALUES))
    return json.dumps(document, ensure_ascii=draw(st.booleans())).encode(
        "utf-8", "surrogatepass")


def nested(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b"[" * depth  # never closed


BODIES = st.one_of(
    mutated_application(),
    mutated_application(),
    st.builds(lambda v: json.dumps(v).encode("utf-8", "surrogatepass"), JSON_VALUES),
    st.builds(nested, st.integers(1, 100000), st.sampled_from(["list", "object", "open"])),
    st.binary(max_size=2000),
    st.builds(lambda n: json.dumps(example_application(impact="é" * n)).encode(),
              st.integers(0, LIMIT // 2 + 1000)),
    st.sampled_from([b"", b"null", b"[]", b"{}", b'"x"', b"NaN", b'{"impact": Infinity}',
                     b"\xef\xbb\xbf{}", b'{"a": "\\ud800"}', b'{"\\udfff": 1}',
                     b'{"schema_version": "1"' + b", " * 100000 + b"}"]),
)
CONTENT_TYPES = st.one_of(
    st.just("application/json"), st.just("application/json"),
    st.sampled_from(["application/json; charset=utf-8", "text/plain", "", "application/xml",
                     "application/json; charset=utf-16", "multipart/form-data",
                     "application/x-www-form-urlencoded", "application/json;;;", "*/*"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
)
KEYS = st.one_of(
    st.builds(lambda: uuid.uuid4().hex),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=300),
    st.sampled_from(["", " ", "a" * 201, "../../x", "k\x7f"]),
)
REAL = "/api/v1/applications"
PATHS = st.one_of(st.just(REAL), st.just(REAL), st.just(REAL), st.sampled_from([
    "/api/v1/applications/", "/api/v1//applications", "/api/v1/applications/../applications",
    "/api/v1/%2e%2e/v1/applications", "/API/v1/applications", "/api/v1/applications?x=%ff",
    "/api/v1/applications%00", "/api/v1/applications;x", "/api/v2/applications",
    "/api/v1/applications/ASB-2026-AAAAAA", "//api/v1/applications", "/./api/v1/applications",
]))
METHODS = st.sampled_from(["POST"] * 12 + ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])


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

def sign_in_form(served: Served) -> tuple[str, str]:
    """A real sign-in page's CSRF token and the cookie that goes with it."""
    status, headers, page = served.request("GET", "/inbox/sign-in")
    assert status == 200
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    return csrf, cookie


def form_bytes(fields: list[tuple[bytes, bytes]]) -> bytes:
    return b"&".join(quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode()
                     for k, v in fields)


TEXT_BYTES = st.one_of(
    st.binary(max_size=300),
    HOSTILE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"casey", b"admin", b"", b"\x00", b"\xed\xa0\x80", b"a" * 5000]),
)
SIGN_IN = "/inbox/sign-in"
SIGN_IN_PATHS = st.one_of(st.just(SIGN_IN), st.just(SIGN_IN), st.just(SIGN_IN), st.sampled_from([
    "/inbox/sign-in/", "/inbox/../inbox/sign-in", "/inbox/%2e%2e/inbox/sign-in",
    "/inbox/sign-in%00", "/inbox/sign-in?next=//evil.example", "//inbox/sign-in",
    "/inbox/./sign-in", "/inbox/applications/ASB-2026-AAAAAA/../../sign-in",
    "/inbox/applications/%2e%2e%2f", "/inbox/applications/ASB-2026-AAAAAA.json",
    "/inbox/figures.csv?from=%ff&to=9999-99-99", "/inbox/sign-out", "/inbox/inbox.css/../../",
    "/inbox/applications/" + "A" * 3000,
]))
FORM_TYPES = st.one_of(
    st.just("application/x-www-form-urlencoded"), st.just("application/x-www-form-urlencoded"),
    st.just("application/x-www-form-urlencoded; charset=utf-8"),
    st.just("multipart/form-data; boundary=xyz"), CONTENT_TYPES,
)


@st.composite
def sign_in_body(draw, csrf: str) -> bytes:
    given_csrf = draw(st.one_of(st.just(csrf.encode()), st.just(csrf.encode()),
                                st.just(b"forged"), TEXT_BYTES))
    fields = [(b"csrf", given_csrf),
              (b"username", draw(TEXT_BYTES)), (b"password", draw(TEXT_BYTES)),
              *draw(st.lists(st.tuples(TEXT_BYTES, TEXT_BYTES), max_size=3))]
    how = draw(st.sampled_from(["encoded", "encoded", "raw", "binary", "multipart"]))
    if how == "encoded":
        return form_bytes(fields)
    if how == "raw":  # the bytes as they are, not percent-encoded: often not UTF-8
        return b"&".join(k + b"=" + v for k, v in fields)
    if how == "multipart":
        parts = [b"--xyz\r\nContent-Disposition: form-data; name=\"" + k + b"\"\r\n\r\n" + v
                 for k, v in fields]
        return b"\r\n".join(parts) + draw(st.sampled_from([b"\r\n--xyz--\r\n", b"", b"--"]))
    return draw(st.binary(max_size=3000))


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
