"""The handoff service's fuzz campaign at scale: 10,000 generated requests to each public part
(the intake API, the inbox sign-in, the signed-in inbox's forms and pages) of one real
`python -m handoff serve` process on SQLite, sent over keep-alive connections with several in
flight (tests/fuzzing.py). The strategies are fuzz_parts.py's; test_fuzz.py also runs a slice
of them on PostgreSQL. ASB_HANDOFF_CAMPAIGN_REQUESTS sets the count per part.

No answer may be a 5xx or hold a traceback; the process must not die; afterwards it still
answers, still takes an application and still lets the caseworker sign in.
"""

from __future__ import annotations

import http.client
import json
import re
import uuid
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import strategies as st

from asb import env as asb_env
from handoff.passwords import hash_password
from handoff.store import Store
from tests import run_coroutine
from tests.fuzzing import HEADER_VALUES, PATH_TRICKS, Probe, blast, leaf_paths, mixed, pool, splice
from tests.handoff.fuzz_parts import (
    BODIES,
    CONTENT_TYPES,
    FORM_TYPES,
    HOSTILE_TEXT,
    JSON_VALUES,
    KEYS,
    METHODS,
    PATHS,
    SIGN_IN_PATHS,
    TEXT_BYTES,
    Served,
    form_bytes,
    sign_in_body,
    sign_in_form,
    still_answers,
)
from tests.handoff.handoff_parts import example_application, make_deployment, serve_process

pytestmark = pytest.mark.integration
REQUESTS = int(asb_env.get("ASB_HANDOFF_CAMPAIGN_REQUESTS", "10000"))
PASSWORD = "campaign walnut lantern 93"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign")
    url = f"sqlite:///{folder / 'handoff.sqlite3'}"
    store = Store(url)
    store.migrate()
    store.add_user("casey", hash_password(PASSWORD), "2026-03-01T09:00:00+00:00")
    store.close()
    env = {"ASB_HANDOFF_INTAKE_TOKEN": uuid.uuid4().hex, "ASB_TODAY": "2026-03-10",
           "ASB_HANDOFF_DATABASE_URL": url}
    service = run_coroutine(serve_process(make_deployment(), folder, env))
    made = Served(service, folder)
    yield made
    alive = service.process.poll() is None
    service.stop()
    assert alive, "the service died during the campaign"


def checked(served: Served, tally) -> None:
    assert served.service.process.poll() is None, "the handoff service died"
    assert tally.server_errors == 0 and tally.failures == [], tally.failures[:3]
    assert tally.sent >= REQUESTS


def test_the_intake_campaign(served):
    token = served.service.token
    document = example_application()
    places = list(leaf_paths(document))

    def build(rng, method, path, body, value, content_type, key, auth) -> Probe:
        if rng.random() < 0.5:  # the example application with one to three fields hostile
            body = json.dumps(splice(rng, document, [value, *values], places),
                              ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
        headers = [("Content-Type", content_type), ("Idempotency-Key",
                   key.encode("latin-1", "replace").decode("latin-1"))]
        if auth == "right":
            headers.append(("Authorization", f"Bearer {token}"))
        elif auth is not None:
            headers.append(("Authorization", auth))
        return Probe(method, path, body, tuple(headers))

    auths = st.one_of(st.just("right"), st.just("right"), st.none(),
                      HEADER_VALUES.map(lambda v: "Bearer " + v), HEADER_VALUES)
    values = pool(JSON_VALUES)
    probes = mixed(REQUESTS, 1, build, method=pool(METHODS, 60), path=pool(PATHS, 60),
                   body=pool(BODIES, 100), value=values, content_type=pool(CONTENT_TYPES, 60),
                   key=pool(KEYS, 60), auth=pool(auths, 60))
    tally = blast(served.service.url, probes, "handoff intake")
    checked(served, tally)
    still_answers(served)


def test_the_sign_in_campaign(served):
    csrf, cookie = sign_in_form(served)
    cookies = st.one_of(st.just(cookie), st.just(cookie), HEADER_VALUES,
                        HEADER_VALUES.map(lambda v: cookie + v))
    probes = mixed(
        REQUESTS, 2, lambda rng, method, path, content_type, cookie_sent, body: Probe(
            method, path, body, (("Content-Type", content_type), ("Cookie", cookie_sent))),
        method=["POST"] * 8 + ["GET", "PUT"], path=pool(SIGN_IN_PATHS, 60),
        content_type=pool(FORM_TYPES, 60), cookie_sent=pool(cookies, 60),
        body=pool(sign_in_body(csrf)))
    tally = blast(served.service.url, probes, "inbox sign-in")
    checked(served, tally)
    still_answers(served)


def signed_in(served: Served) -> tuple[str, str]:
    """Sign the caseworker in; the session cookie and the CSRF token of its forms."""
    csrf, cookie = sign_in_form(served)
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    connection.request("POST", "/inbox/sign-in", form_bytes(
        [(b"csrf", csrf.encode()), (b"username", b"casey"), (b"password", PASSWORD.encode())]),
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 303, response.status
    session = next(value.split(";", 1)[0] for name, value in response.getheaders()
                   if name.lower() == "set-cookie" and "=;" not in value.replace(" ", "")
                   and '=""' not in value)
    status, _, page = served.request("GET", "/inbox", headers={"Cookie": session})
    assert status == 200
    return session, re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()


def stored_reference(served: Served) -> str:
    status, _, body = served.request(
        "POST", "/api/v1/applications", json.dumps(example_application()).encode(),
        {"Authorization": f"Bearer {served.service.token}", "Idempotency-Key": uuid.uuid4().hex,
         "Content-Type": "application/json"})
    assert status == 201, body
    return json.loads(body)["reference"]


def test_the_signed_in_inbox_campaign(served):
    session, csrf = signed_in(served)
    reference = stored_reference(served)
    base = f"/inbox/applications/{reference}"
    field_names = st.sampled_from(["threshold", "threshold_reason", "threshold_decided_on",
                                   "review_held_on", "recommendations_made", "escalated_on",
                                   "csrf", "x"])
    field_values = st.one_of(
        st.sampled_from([b"met", b"not_met", b"yes", b"no", b"", b"2026-03-01", b"2099-01-01",
                         b"0000-00-00", b"2026-02-30", b"9" * 400]),
        TEXT_BYTES, HOSTILE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))

    @st.composite
    def form(draw) -> bytes:
        fields = [(b"csrf", draw(st.sampled_from([csrf.encode(), csrf.encode(), b"forged"])))]
        fields += [(name.encode(), value) for name, value in draw(
            st.lists(st.tuples(field_names, field_values), max_size=7))]
        if draw(st.booleans()):
            return form_bytes(fields)
        return draw(st.sampled_from([b"&".join(k + b"=" + v for k, v in fields),
                                     draw(st.binary(max_size=500))]))

    query_values = HOSTILE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))
    @st.composite
    def query(draw) -> str:
        pairs = draw(st.lists(st.tuples(st.sampled_from([b"from", b"to", b"area", b"saved",
                                                         b"x"]), query_values), max_size=3))
        return "&".join(quote_from_bytes(k) + "=" + quote_from_bytes(v[:300]) for k, v in pairs)

    pages = st.sampled_from(["/inbox", base, base + ".json", base + "/print", "/inbox/figures",
                             "/inbox/figures.csv", "/inbox/applications/ASB-2026-AAAAAA",
                             "/inbox/inbox.css"] + ["/inbox" + p for p in PATH_TRICKS])
    forms = st.sampled_from([base + "/outcome", base + "/deliveries/1/retry",
                             base + "/deliveries/99999999999999999999/retry",
                             "/inbox/applications/ASB-2026-AAAAAA/outcome"])
    sessions = [session] * 3 + pool(HEADER_VALUES, 30)

    def build(rng, page, q, form_path, body, content_type, cookie) -> Probe:
        kind = rng.random()
        if kind < 0.4:
            return Probe("GET", page + (f"?{q}" if q else ""), b"", (("Cookie", cookie),))
        if kind < 0.7:
            content_type, cookie = "application/x-www-form-urlencoded", session
        return Probe("POST", form_path, body, (("Content-Type", content_type),
                                               ("Cookie", cookie)))

    probes = mixed(REQUESTS, 3, build, page=pool(pages, 60), q=pool(query()),
                   form_path=pool(forms, 30), body=pool(form()),
                   content_type=pool(FORM_TYPES, 60), cookie=sessions)
    tally = blast(served.service.url, probes, "inbox forms and pages")
    checked(served, tally)
    still_answers(served)
    status, _, page = served.request("GET", base, headers={"Cookie": session})
    assert status == 200 and reference.encode() in page  # still signed in, the page still shows
