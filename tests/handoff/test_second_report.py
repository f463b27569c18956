"""The 2nd-report offer over HTTP against the real service (SQLite, and PostgreSQL with the
integration tests): the agencies' API with and without the bearer token, bad input, the answer
(one report, a second within six months, the threshold met) from the area's own policy, the
assistant's link (no personal data in it, signed, stored until used or expired, redeemed once),
and the inbox's form for a signed-in caseworker with its CSRF token."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from deployment.config import Deployment
from eligibility import clock
from handoff.inbox import hash_password
from handoff.second_report import second_report_within
from handoff.worker import Worker
from tests.handoff.caseworker import PASSWORD, csrf_of, sign_in_as_casey
from tests.handoff.handoff_parts import ASSISTANT, TWO, make_deployment, with_assistant

pytestmark = pytest.mark.usefixtures("fixed_today")
LINK = re.compile(re.escape(ASSISTANT) + r"#asb-prefill=([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})")


async def post(service, http, path: str, body, headers: dict | None = None):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    async with http.post(f"{service.url}/api/v1/{path}", data=data,
                         headers=service.headers() if headers is None else headers) as response:
        return response.status, await response.json()


async def ask(service, http, reports, **more):
    return await post(service, http, "second-report", {"reports": reports, **more})


def test_a_second_report_is_one_within_six_months_beginning_with_an_earlier_one():
    assert not second_report_within([date(2026, 3, 2)])
    assert second_report_within([date(2025, 9, 15), date(2026, 3, 14)])
    assert not second_report_within([date(2025, 9, 15), date(2026, 3, 15)])  # a day too late
    assert second_report_within([date(2024, 1, 1), date(2026, 1, 6), date(2026, 3, 2)])


async def test_the_api_needs_the_bearer_token(launch, http, browser, store):
    service = await launch(with_assistant(), worker=False)
    for headers in ({"Content-Type": "application/json"},
                    {"Content-Type": "application/json", "Authorization": "Bearer wrong"},
                    {"Content-Type": "application/json",
                     "Authorization": f"Basic {service.token}"}):
        for path in ("second-report", "prefills/redeem"):
            status, answer = await post(service, http, path, {"reports": TWO}, headers)
            assert status == 401, (path, headers, answer)
    # A caseworker signed in to the inbox is not an agency's case system either.
    await sign_in_as_casey(browser, service, store)
    async with browser.post(f"{service.url}/api/v1/second-report", data=json.dumps(
            {"reports": TWO}), headers={"Content-Type": "application/json"}) as response:
        assert response.status == 401
    assert store.delete_expired_prefills(1e12) == 0  # nothing was stored


async def test_bad_input_is_refused_naming_the_field(launch, http):
    service = await launch(with_assistant(), worker=False)
    cases = [
        ([{"reported_on": "2026-02-30", "reported_to": ["police"]}], 422,
         "reports[0].reported_on"),
        ([TWO[0], {"reported_on": "2 March", "reported_to": ["council"]}], 422,
         "reports[1].reported_on"),
        ([{"reported_on": "2026-04-01", "reported_to": ["police"]}], 422,
         "reports[0].reported_on"),  # after today
        ([{"reported_on": "2026-03-01", "reported_to": ["the neighbours"]}], 422,
         "reports[0].reported_to[0]"),
        ([{"reported_on": "2026-03-01"}], 422, "reports[0].reported_to"),
        ([{"reported_on": "2026-03-01", "reported_to": ["police"], "same_problem": "yes"}],
         422, "reports[0].same_problem"),
        ([{"reported_on": "2026-03-01", "reported_to": ["police"], "name": "Sam"}], 422,
         "reports[0].name"),
        ([], 422, "reports"),
        ([TWO[0]] * 51, 422, "reports"),
    ]
    for reports, expected, field in cases:
        status, answer = await ask(service, http, reports)
        assert (status, answer["errors"][0]["field"]) == (expected, field), answer
        assert answer["errors"][0]["message"]
    status, answer = await ask(service, http, TWO, area="nowhere")
    assert (status, answer["errors"][0]["field"]) == (422, "area")
    status, answer = await post(service, http, "second-report",
                                {"reports": TWO, "note": "x" * 50000})
    assert status == 413 and "16384 bytes" in answer["errors"][0]["message"], answer
    status, answer = await post(service, http, "second-report", '{"reports": [')
    assert status == 400 and "not valid JSON" in answer["errors"][0]["message"], answer
    status, answer = await post(service, http, "second-report", "[1, 2]")
    assert (status, answer["errors"][0]["field"]) == (422, "body")
    status, answer = await post(service, http, "prefills/redeem", {"prefill": "x" * 50})
    assert (status, answer["errors"][0]["field"]) == (422, "prefill")


async def test_hostile_values_get_a_4xx_naming_the_field(launch, http):
    service = await launch(with_assistant(), worker=False)
    hostile = [None, 1, 1.5, True, "", "x" * 300, [], {}, ["police"], [1], {"a": 1},
               "2026-03-01", -1, 10 ** 30, "\u202e2026-03-01", "2026-03-01\x00"]
    report = {"reported_on": "2026-03-01", "reported_to": ["police"]}
    for key in ("reported_on", "reported_to", "occurred_on", "same_problem", "hate_related",
                "reports", "area", "vulnerable"):
        for value in hostile:
            body = ({"reports": [{**report, key: value}]} if key not in (
                "reports", "area", "vulnerable") else {"reports": [report], key: value})
            status, answer = await post(service, http, "second-report", body)
            assert status in (200, 422), (key, value, status, answer)
            if status == 422:
                assert all(e["field"] and e["message"] for e in answer["errors"]), answer


async def test_the_answer_follows_the_areas_policy(launch, http, store):
    service = await launch(with_assistant(), worker=False)
    status, answer = await ask(service, http, TWO[:1])
    assert status == 200, answer
    assert (answer["answer"], answer["explain_case_review"], answer["assistant_link"]) == (
        "nothing_to_explain_yet", False, None)
    assert answer["eligibility"]["outcome"] == "threshold_not_met"

    status, answer = await ask(service, http, TWO)
    assert (answer["answer"], answer["explain_case_review"]) == ("explain_now", True)
    assert (answer["reports_counted"], answer["eligibility"]["qualifying_count"],
            answer["eligibility"]["required"]) == (2, 2, 3)
    assert answer["eligibility"]["policy"]["id"] == "statutory-default"
    assert LINK.fullmatch(answer["assistant_link"]["url"])
    assert answer["assistant_link"]["expires_at"].startswith("2026-03-24")  # 14 days

    # Reports more than six months apart: nothing to explain yet.
    status, answer = await ask(service, http, [
        {"reported_on": "2025-08-01", "reported_to": ["police"]}, TWO[1]])
    assert (status, answer["answer"]) == (200, "nothing_to_explain_yet")
    # A report about another problem is left out.
    status, answer = await ask(service, http, [TWO[0], {**TWO[1], "same_problem": False}])
    assert (answer["answer"], answer["reports_counted"], answer["reports_left_out"]) == (
        "nothing_to_explain_yet", 1, 1)

    # Three complaints: the statutory threshold is met.
    third = {"reported_on": "2026-03-09", "reported_to": ["housing", "police"]}
    status, answer = await ask(service, http, [*TWO, third])
    assert (answer["answer"], answer["eligibility"]["met_by"]) == ("threshold_met",
                                                                   "complaints")
    assert LINK.fullmatch(answer["assistant_link"]["url"])
    # The statutory default needs three, hate-related or not.
    status, answer = await ask(service, http, [{**TWO[0], "hate_related": True}, TWO[1]])
    assert answer["answer"] == "explain_now"


async def test_an_area_policy_with_a_lower_threshold_is_used(launch, http, store):
    """Plymouth's policy: two reports are enough when one is hate-related."""
    data = json.loads(with_assistant().json())
    data["areas"][0]["policy"] = "plymouth"
    service = await launch(Deployment.parse_obj(data), worker=False)
    hate = [{**TWO[0], "hate_related": True}, TWO[1]]
    status, answer = await ask(service, http, hate)
    assert (answer["answer"], answer["eligibility"]["met_by"],
            answer["eligibility"]["policy"]["id"]) == ("threshold_met", "hate_lowered",
                                                       "plymouth"), answer
    status, answer = await ask(service, http, TWO)
    assert answer["answer"] == "explain_now"


async def test_the_link_holds_no_personal_data_and_works_once(launch, http, store, monkeypatch):
    service = await launch(with_assistant(), worker=False)
    status, answer = await ask(service, http, TWO)
    url = answer["assistant_link"]["url"]
    for personal in ("2026", "police", "council", "01-06"):
        assert personal not in url
    link_id, signature = LINK.fullmatch(url).groups()
    token = f"{link_id}.{signature}"
    # Tampered: the id or the signature changed.
    other = "A" if signature[0] != "A" else "B"
    for tampered in (f"{link_id}.{other}{signature[1:]}",
                     f"{link_id[:-1]}{'A' if link_id[-1] != 'A' else 'B'}.{signature}"):
        status, refused = await post(service, http, "prefills/redeem", {"prefill": tampered})
        assert status == 403, refused
    status, taken = await post(service, http, "prefills/redeem", {"prefill": token})
    assert status == 200, taken
    assert taken == {"area": "anytown", "incidents": [
        {"occurred_on": "2026-01-06", "occurred_on_approximate": True,
         "reported_on": "2026-01-06", "reported_to": ["police"], "reference": None,
         "description": None, "hate_related": False},
        {"occurred_on": "2026-03-01", "occurred_on_approximate": False,
         "reported_on": "2026-03-02", "reported_to": ["council"], "reference": None,
         "description": None, "hate_related": False}]}
    status, again = await post(service, http, "prefills/redeem", {"prefill": token})
    assert status == 404 and "used already" in again["errors"][0]["message"]
    # A service with another token did not sign it.
    status, answer = await ask(service, http, TWO)
    token = "=".join(answer["assistant_link"]["url"].split("=")[1:])
    second = await launch(with_assistant(), worker=False)
    status, refused = await post(second, http, "prefills/redeem", {"prefill": token})
    assert status == 403
    # Expired: fifteen days later, refused and gone.
    monkeypatch.setenv("ASB_TODAY", "2026-03-25")
    status, expired = await post(service, http, "prefills/redeem", {"prefill": token})
    assert status == 410 and "expired" in expired["errors"][0]["message"], expired
    status, gone = await post(service, http, "prefills/redeem", {"prefill": token})
    assert status == 404


async def test_links_expire_with_the_retention_period_and_are_deleted(launch, http, store,
                                                                      monkeypatch):
    deployment = json.loads(with_assistant(link_days=14).json())
    deployment["handoff"]["retention_days"] = 3
    service = await launch(Deployment.parse_obj(deployment), worker=False)
    status, answer = await ask(service, http, TWO)
    assert answer["assistant_link"]["expires_at"].startswith("2026-03-13")
    token = answer["assistant_link"]["url"].split("#asb-prefill=")[1]
    monkeypatch.setenv("ASB_TODAY", "2026-03-12")
    assert store.delete_expired_prefills(clock.now().timestamp()) == 0
    monkeypatch.setenv("ASB_TODAY", "2026-03-14")
    # The delivery worker's hourly retention pass deletes it.
    await Worker(service.deployment, store)._retention()
    assert store.delete_expired_prefills(clock.now().timestamp()) == 0
    status, gone = await post(service, http, "prefills/redeem", {"prefill": token})
    assert status == 404


async def test_without_an_assistant_page_there_is_no_link(launch, http, store):
    service = await launch(make_deployment(), worker=False)
    status, answer = await ask(service, http, TWO)
    assert (status, answer["answer"], answer["assistant_link"]) == (200, "explain_now", None)
    assert store.delete_expired_prefills(1e12) == 0


# -- the inbox's form --------------------------------------------------------------------------


async def test_the_inbox_form_answers_a_signed_in_caseworker(launch, http, browser, store):
    service = await launch(with_assistant(), worker=False)
    async with browser.get(f"{service.url}/inbox/second-report",
                           allow_redirects=False) as response:
        assert response.status == 303  # to the sign-in page
    await sign_in_as_casey(browser, service, store)
    async with browser.get(f"{service.url}/inbox/second-report") as response:
        assert response.status == 200
        form = await response.text()
    assert 'href="/inbox/second-report"' in form  # in the navigation
    fields = {"csrf": csrf_of(form), "reported_on_0": "2026-01-06", "reported_to_0": "police",
              "reported_on_1": "2026-03-02", "reported_to_1": "council"}
    async with browser.post(f"{service.url}/inbox/second-report", data=fields) as response:
        assert response.status == 200
        page = await response.text()
    assert "Explain the case review now" in page
    link = re.search(r'id="assistant-link"[^>]*>([^<]+)<', page).group(1)
    assert LINK.fullmatch(link)
    status, taken = await post(service, http, "prefills/redeem",
                               {"prefill": link.split("#asb-prefill=")[1]})
    assert status == 200 and [i["reported_on"] for i in taken["incidents"]] == [
        "2026-01-06", "2026-03-02"]
    # One report only; a report about another problem left out.
    async with browser.post(f"{service.url}/inbox/second-report", data={
            **fields, "same_problem_1": "no"}) as response:
        page = await response.text()
    assert "Nothing to explain yet" in page and 'id="assistant-link"' not in page
    # A date that is not one, and a report with no agency: 400, the rows named.
    async with browser.post(f"{service.url}/inbox/second-report", data={
            **fields, "reported_on_1": "2026-02-31"}) as response:
        assert response.status == 400
        page = await response.text()
    assert "Report 2: Give the date it was reported" in page
    async with browser.post(f"{service.url}/inbox/second-report", data={
            **fields, "reported_to_1": ""}) as response:
        assert response.status == 400
        assert "Report 2: Choose who it was reported to" in await response.text()
    # Without the CSRF token: refused.
    async with browser.post(f"{service.url}/inbox/second-report",
                            data={**fields, "csrf": "forged"}) as response:
        assert response.status == 403


async def test_a_pcc_reviewer_may_not_use_the_form(launch, browser, store):
    service = await launch(with_assistant(), worker=False)
    store.add_user("pat", hash_password(PASSWORD), "2026-03-01T09:00:00+00:00", "pcc_reviewer")
    async with browser.get(f"{service.url}/inbox/sign-in") as response:
        form = await response.text()
    async with browser.post(f"{service.url}/inbox/sign-in", data={
            "csrf": csrf_of(form), "username": "pat", "password": PASSWORD}) as response:
        page = await response.text()
    assert 'href="/inbox/second-report"' not in page
    async with browser.get(f"{service.url}/inbox/second-report") as response:
        assert response.status == 403
    async with browser.post(f"{service.url}/inbox/second-report", data={
            "csrf": csrf_of(page), "reported_on_0": "2026-01-06",
            "reported_to_0": "police"}) as response:
        assert response.status == 403
