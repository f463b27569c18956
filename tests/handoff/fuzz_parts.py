"""What the handoff fuzz tests share (test_fuzz.py's slice on SQLite and PostgreSQL and
test_fuzz_campaign.py's campaign): a served `python -m handoff serve` process and the checks on
its answers, and the Hypothesis strategies for hostile requests to the intake API and the inbox
sign-in."""

from __future__ import annotations

import http.client
import json
import re
import uuid
from collections import Counter
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

from tests.fuzzing import leaf_paths, put
from tests.handoff.handoff_parts import example_application

LIMIT = 262144  # handoff.max_body_bytes in the example deployment
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


def still_answers(served: Served) -> None:
    status, _, _ = served.request("GET", "/healthz")
    assert status == 200
    document = json.dumps(example_application()).encode()
    status, _, body = served.request("POST", "/api/v1/applications", document, {
        "Authorization": f"Bearer {served.service.token}", "Idempotency-Key": uuid.uuid4().hex,
        "Content-Type": "application/json"})
    assert status == 201, body


# -- the intake API --------------------------------------------------------------------------------

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


# -- the inbox sign-in -----------------------------------------------------------------------------

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
