"""After applying, over HTTP against the real service: the caseworker records the meeting and
outcome dates; the applicant asks "where is my application?" with the reference as typed and the
postcode; wrong guesses are limited in the database; the escalation request (window, grounds,
route, stage dates, delivery to a signed webhook); the PCC's evidence pack for staff only."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from datetime import date, timedelta

import pytest

from deployment.config import DeploymentError, load_deployment
from eligibility.working_days import add_working_days
from handoff.reference import check_character
from handoff.status import parse_reference
from handoff.store import Store
from tests.handoff.caseworker import decided_not_met, record, reviewed, sign_in_as_casey
from tests.handoff.handoff_parts import (
    TODAY,
    apply,
    escalate,
    eventually,
    example_application,
    make_deployment,
    request_body,
    start_service,
    typed,
    with_escalation,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fixed_today")]


def wrong_check(reference: str) -> str:
    body = reference[-6:]
    other = next(c for c in "ABCDEFGH" if c != body[5])
    return reference[:-1] + other


async def ask(service, http, path: str = "status", headers: dict | None = None, **body):
    async with http.post(f"{service.url}/api/v1/{path}", data=json.dumps(body),
                         headers=headers or service.headers()) as response:
        return response.status, await response.json(), response.headers


# -- the reference as typed --------------------------------------------------------------------


def test_references_are_read_as_people_type_them():
    body = "7F3K9"
    reference = f"ASB-2026-{body}{check_character(body)}"
    for text in (reference, reference.lower(), reference.replace("-", ""),
                 " asb 2026 " + reference[-6:].lower(), "2026-" + reference[-6:],
                 reference.replace("-", " – ")):
        assert parse_reference(text) == reference, text
    assert parse_reference(wrong_check(reference)) is None  # never guessed at
    assert parse_reference("ASB-2026-7F3K9") is None
    assert parse_reference("hello") is None


# -- the deployment ----------------------------------------------------------------------------


def test_a_direct_route_needs_its_recipient(tmp_path):
    base = json.loads(make_deployment().json())
    procedure = base["areas"][0]["procedure"]
    procedure["escalation"] = {"window_weeks": 4, "route": "opcc"}
    file = tmp_path / "deployment.yml"
    file.write_text(json.dumps(base), encoding="utf-8")
    with pytest.raises(DeploymentError, match=r"procedure.escalation: route opcc sends "
                                              r"requests straight to the recipient"):
        load_deployment(file)
    procedure["escalation"] = {"window_weeks": 4, "window_working_days": 20}
    file.write_text(json.dumps(base), encoding="utf-8")
    with pytest.raises(DeploymentError, match="exactly one of window_weeks"):
        load_deployment(file)
    procedure["escalation"] = {"window_weeks": 4, "route": "opcc", "recipient": {
        "name": "OPCC", "delivery": {"email": {"to": "o@example.police.uk",
                                               "sender": "n@example.gov.uk"}}}}
    file.write_text(json.dumps(base), encoding="utf-8")
    assert load_deployment(file).areas[0].procedure.escalation.route == "opcc"


# -- status ------------------------------------------------------------------------------------


async def test_status_needs_the_reference_and_the_postcode(launch, http):
    service = await launch(make_deployment(), worker=False)
    reference = await apply(service, http)
    status, answer, _ = await ask(service, http, reference=typed(reference), postcode="an12bb")
    assert status == 200, answer
    assert answer["reference"] == reference
    assert answer["received_on"] == TODAY
    assert answer["threshold_decision"]["decision"] == "not_decided_yet"
    assert answer["next_step"]["code"] == "wait_for_threshold_decision"
    assert answer["next_step"]["deadline"] == answer["threshold_decision"]["due_by"]
    assert answer["outcome"] == {"recorded": False, "recommendations_made": None, "on": None}
    # The wrong postcode, an unknown reference and a wrong check character: the same answer.
    unknown = "ASB-2026-2345" + "6" + check_character("23456")
    answers = []
    for ref, postcode in ((reference, "AN1 2BC"), (unknown, "AN1 2BB"),
                          (wrong_check(reference), "AN1 2BB")):
        status, answer, _ = await ask(service, http, reference=ref, postcode=postcode)
        assert status == 404
        answers.append(answer)
    assert answers[0] == answers[1] == answers[2]
    assert reference not in json.dumps(answers[0])
    status, _, headers = await ask(service, http, headers={"Content-Type": "application/json"},
                                   reference=reference, postcode="AN1 2BB")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    status, answer, _ = await ask(service, http, reference=reference)
    assert status == 422 and answer["errors"][0]["field"] == "postcode"


async def test_wrong_guesses_are_limited_per_client_and_per_reference(launch, http, store):
    deployment = with_escalation(status={"window_minutes": 60, "client_attempts": 3,
                                         "reference_attempts": 5})
    service = await launch(deployment, worker=False)
    reference = await apply(service, http)
    for _ in range(3):
        status, _, _ = await ask(service, http, reference=reference, postcode="XX1 1XX",
                                 client="conversation-1")
        assert status == 404
    # The fourth try from that client is paused, even with the right postcode.
    status, answer, headers = await ask(service, http, reference=reference, postcode="AN1 2BB",
                                        client="conversation-1")
    assert status == 429 and int(headers["Retry-After"]) > 3000
    assert "too many tries" in answer["errors"][0]["message"]
    # Another client, through a second service on the same database (another process would
    # share it the same way): two more wrong guesses use up the reference's five.
    other = await start_service(deployment, Store(store.url), worker=False)
    try:
        for expected in (404, 404, 429):
            status, _, _ = await ask(other, http, reference=reference, postcode="XX1 1XX",
                                     client="conversation-2")
            assert status == expected
        status, _, _ = await ask(other, http, reference=typed(reference), postcode="AN1 2BB",
                                 client="conversation-3")
        assert status == 429  # the reference is paused for everyone
    finally:
        await other.runner.cleanup()
        other.store.close()
    # Only hashes are kept.
    with store.engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT client, reference FROM status_attempts").all()
    assert kept and all(reference not in str(row) and "conversation" not in str(row)
                        for row in kept)


# -- recording the outcome, and what the applicant is told ------------------------------------


async def test_recorded_dates_reach_the_status_answer(launch, http, browser, store):
    service = await launch(make_deployment(), worker=False)
    reference = await apply(service, http)
    await sign_in_as_casey(browser, service, store)
    await record(browser, service, reference, "outcome", {
        "threshold": "met", "threshold_reason": "Three complaints in six months.",
        "threshold_decided_on": "2026-03-03"})
    # A meeting date may be ahead; being told the outcome before the review is refused.
    page = await record(browser, service, reference, "progress", {
        "review_meeting_on": "2026-03-20", "outcome_on": "2026-03-05"}, status=400)
    assert "Record the threshold decision as not met, or the date the review was held" in page
    await record(browser, service, reference, "progress", {"review_meeting_on": "2026-03-20"})
    status, answer, _ = await ask(service, http, reference=reference, postcode="AN1 2BB")
    assert answer["threshold_decision"] == {
        "decision": "met", "decided_on": "2026-03-03", "reason": "Three complaints in six months.",
        "due_by": answer["threshold_decision"]["due_by"]}
    assert answer["review_meeting"] == {"on": "2026-03-20", "held": False}
    assert answer["next_step"]["code"] == "wait_for_review_outcome"
    await reviewed(browser, service, reference, ("2026-03-03", "2026-03-09", "yes",
                                                 "2026-03-10"),
                   "Mediation; a warning letter within 10 days.")
    status, answer, _ = await ask(service, http, reference=reference, postcode="AN1 2BB")
    assert answer["outcome"] == {"recorded": True, "recommendations_made": True,
                                 "on": "2026-03-10"}
    # 20 working days beginning on 10 March 2026, Good Friday and Easter Monday skipped.
    assert answer["next_step"]["code"] == "can_ask_for_escalation"
    assert answer["next_step"]["deadline"] == "2026-04-08"
    assert "8 April 2026" in answer["next_step"]["text"]
    # On the case page, and in the audit trail with who did it.
    async with browser.get(f"{service.url}/inbox/applications/{reference}") as response:
        page = await response.text()
    assert "Meeting and outcome dates recorded" in page and "10 March 2026" in page
    audit = store.application(reference)["audit"]
    recorded = [entry for entry in audit if entry["action"] == "progress_recorded"]
    assert recorded[-1]["actor"] == "casey"
    assert recorded[-1]["detail"]["outcome_on"] == [None, "2026-03-10"]


async def test_the_progress_form_needs_the_csrf_token(launch, http, browser, store):
    service = await launch(make_deployment(), worker=False)
    reference = await apply(service, http)
    await sign_in_as_casey(browser, service, store)
    async with browser.post(f"{service.url}/inbox/applications/{reference}/progress",
                            data={"csrf": "forged", "review_meeting_on": "2026-03-20"},
                            allow_redirects=False) as response:
        assert response.status == 403
    async with http.post(f"{service.url}/inbox/applications/{reference}/progress",
                         data={"review_meeting_on": "2026-03-20"},
                         allow_redirects=False) as response:
        assert response.status == 401


# -- the escalation ----------------------------------------------------------------------------


async def test_an_escalation_is_stored_dated_and_delivered(launch, http, browser, store,
                                                           receiver):
    await receiver.start()
    deployment = with_escalation(
        {"window_weeks": 4, "route": "lead_agency"},
        delivery={"webhook": {"url": receiver.url, "secret_env": "TEST_AGENCY_WEBHOOK_SECRET"}})
    service = await launch(deployment)
    reference = await apply(service, http)
    await sign_in_as_casey(browser, service, store)
    status, answer = await escalate(service, http, request_body(reference))
    assert status == 409  # nothing decided yet
    await decided_not_met(browser, service, reference)
    status, answer = await escalate(service, http, request_body(reference, grounds=[]))
    assert status == 422 and answer["errors"][0]["field"] == "grounds"
    status, answer = await escalate(service, http, request_body(reference, postcode="AN9 9ZZ"))
    assert status == 404
    key = uuid.uuid4().hex
    status, answer = await escalate(service, http, request_body(reference), key)
    assert status == 201, answer
    assert re.fullmatch(r"ESC-2026-[0-9A-Z]{6}", answer["reference"])
    assert parse_reference(answer["reference"], "ESC") == answer["reference"]
    assert answer["application_reference"] == reference
    assert [g["code"] for g in answer["grounds"]] == ["A", "C"]
    assert answer["route"]["route"] == "lead_agency"
    assert answer["stages_counted_from"] == TODAY and answer["stages_estimated"] is True
    # The OPCC's stages: 5 and 10 working days from notification, then 15 and 10 more; 35 in
    # all, over Easter.
    start = date.fromisoformat(TODAY)
    assert [s["due_by"] for s in answer["stages"]] == [
        "2026-03-17", "2026-03-24", "2026-04-16", "2026-04-30"]
    assert answer["stages"][-1]["due_by"] == add_working_days(start, 35).isoformat()
    # The same request again: the same answer; another one for the application: refused.
    again_status, again = await escalate(service, http, request_body(reference), key)
    assert again_status == 200 and again["reference"] == answer["reference"]
    other_status, _ = await escalate(service, http, request_body(reference))
    assert other_status == 409
    # Delivered to the lead agency's webhook, signed, keyed by the escalation's reference.
    def escalations_sent():
        return [r for r in receiver.requests
                if r["headers"]["Idempotency-Key"] == answer["reference"]]

    sent = (await eventually(escalations_sent))[0]
    signed = hmac.new(receiver.secret, sent["headers"]["X-ASB-Timestamp"].encode() + b"."
                      + sent["body"], hashlib.sha256).hexdigest()
    assert sent["headers"]["X-ASB-Signature"] == "sha256=" + signed
    document = json.loads(sent["body"])
    assert document["document_type"] == "asb-case-review-escalation"
    assert document["schema_version"] == "1"
    assert document["reasons"] == request_body(reference)["reasons"]
    assert document["window"] == {"length": "4 weeks", "deadline": "2026-04-07"}
    # The application is escalated (the figures count it) and the status says so.
    assert store.application(reference)["escalated_on"] == start
    status, told, _ = await ask(service, http, reference=reference, postcode="AN1 2BB")
    assert told["next_step"]["code"] == "escalation_requested"
    assert told["escalation"]["reference"] == answer["reference"]
    assert len(escalations_sent()) == 1
    assert [r["headers"]["Idempotency-Key"] for r in receiver.requests].count(reference) == 1


async def test_an_escalation_past_the_window_is_refused(launch, http, browser, store):
    service = await launch(with_escalation({"window_weeks": 4}), worker=False)
    reference = await apply(service, http)
    await sign_in_as_casey(browser, service, store)
    await decided_not_met(browser, service, reference, on="2026-02-09")  # 4 weeks: 9 March
    status, told, _ = await ask(service, http, reference=reference, postcode="AN1 2BB")
    assert told["next_step"]["code"] == "escalation_window_closed"
    assert told["next_step"]["deadline"] == "2026-03-09"
    status, answer = await escalate(service, http, request_body(reference, grounds=["B"]))
    assert status == 422 and "ended on 9 March 2026" in answer["errors"][0]["message"]
    for changes, field in (({"requested_by": "neighbour"}, "requested_by"),
                           ({"consent": {"given": False, "wording_version": "x"}},
                            "consent.given"),
                           ({"grounds": ["D"]}, "grounds")):
        status, answer = await escalate(service, http, request_body(reference, **changes))
        assert status == 422 and answer["errors"][0]["field"] == field, answer


async def test_a_direct_route_sends_the_request_to_the_opcc_by_email(launch, http, browser,
                                                                     store, smtp):
    controller, mailbox = smtp
    deployment = with_escalation({
        "window_working_days": 20, "route": "opcc", "recipient": {
            "name": "Office of the Police and Crime Commissioner",
            "delivery": {"email": {"to": "opcc@example.police.uk",
                                   "sender": "no-reply@anytown.example",
                                   "smtp_host": "127.0.0.1", "smtp_port": controller.port,
                                   "starttls": False}}}})
    service = await launch(deployment)
    reference = await apply(service, http)
    await sign_in_as_casey(browser, service, store)
    await decided_not_met(browser, service, reference)
    status, answer = await escalate(service, http, request_body(reference, grounds=["B"]))
    assert status == 201, answer
    assert answer["route"]["to"] == "Office of the Police and Crime Commissioner"
    assert answer["stages_estimated"] is False
    await eventually(lambda: mailbox.messages)
    message = mailbox.messages[0]
    assert message.rcpt_tos == ["opcc@example.police.uk"]
    assert answer["reference"].encode() in message.content


# -- the evidence pack -------------------------------------------------------------------------


async def test_the_pack_holds_appendix_a_for_staff_only(launch, http, browser, store):
    service = await launch(with_escalation({"window_weeks": 4}), worker=False)
    reference = await apply(service, http)
    async with http.get(f"{service.url}/inbox/escalations/ESC-2026-AAAAAA",
                        allow_redirects=False) as response:
        assert response.status == 303  # to the sign-in page
    await sign_in_as_casey(browser, service, store)
    await reviewed(browser, service, reference, ("2026-03-02", "2026-03-06", "no",
                                                 "2026-03-09"),
                   "No further action; patrols continue.")
    status, answer = await escalate(service, http, request_body(
        reference, grounds=["B", "C"], reasons="Nobody spoke to the housing officer."))
    assert status == 201, answer
    escalation = answer["reference"]
    async with http.get(f"{service.url}/inbox/escalations/{escalation}.json",
                        allow_redirects=False) as response:
        assert response.status == 303  # not without signing in
    async with browser.get(f"{service.url}/inbox/escalations/{escalation}.json") as response:
        assert response.status == 200
        pack = await response.json()
    application = example_application()
    assert pack["escalation"]["application_reference"] == reference
    assert pack["escalation"]["reasons"] == "Nobody spoke to the housing officer."
    assert [g["code"] for g in pack["escalation"]["grounds"]] == ["B", "C"]
    assert pack["decisions"] == {
        "received_on": TODAY, "threshold_decision_due": pack["decisions"][
            "threshold_decision_due"], "threshold_met": True,
        "threshold_decided_on": "2026-03-02", "threshold_decided_in_time": True,
        "threshold_reason": "Three complaints in six months.",
        "review_meeting_on": "2026-03-06", "review_held_on": "2026-03-06",
        "recommendations_made": False, "outcome_told_on": "2026-03-09",
        "escalation_requested_on": TODAY}
    assert [(i["occurred_on"], i["reported_on"]) for i in pack["incidents"]] == [
        (i["occurred_on"], i["reported_on"]) for i in application["incidents"]]
    checklist = {item["number"]: item for item in pack["checklist"]}
    assert list(checklist) == list(range(1, 13))
    assert application["victim"]["support_wanted"] is True
    assert pack["missing"] == [4, 7, 10, 12]
    assert checklist[6]["content"]["asked_for_in_the_application"] is True
    assert checklist[9]["content"] == "No further action; patrols continue."
    assert checklist[4]["missing_reason"].startswith("Not held by this service")
    events = [event["what"] for event in checklist[5]["content"]["events"]]
    assert events == ["received", "outcome_recorded", "progress_recorded",
                      "escalation_requested"]
    assert pack["statutory_counts"]["received"] == 1
    assert pack["statutory_counts"]["reviews"] == 1
    assert pack["statutory_counts"]["escalations"] == 1
    assert pack["stages"][0]["due_by"] == "2026-03-17"
    # The printable page: the same facts, a print stylesheet, and the opening audited.
    async with browser.get(f"{service.url}/inbox/escalations/{escalation}") as response:
        assert response.status == 200
        page = await response.text()
    assert 'href="/inbox/pack.css"' in page
    assert "Nobody spoke to the housing officer." in page
    assert "Not available here:" in page and "items 4, 7, 10, 12" in page
    async with browser.get(f"{service.url}/inbox/pack.css") as response:
        assert "@media print" in await response.text()
    actions = [entry["action"] for entry in store.application(reference)["audit"]]
    assert "pack_viewed" in actions and "pack_downloaded" in actions
    async with browser.get(f"{service.url}/inbox/applications/{reference}") as response:
        assert f'href="/inbox/escalations/{escalation}"' in await response.text()


def test_without_an_escalation_block_the_working_days_window_applies():
    from handoff.procedure import settings_of

    settings = settings_of(load_deployment().areas[0])
    assert settings.window_working_days == 20 and settings.window_weeks is None
    assert settings.route == "lead_agency"
    assert [stage.working_days for stage in settings.stages] == [5, 10, 15, 10]


async def test_the_escalation_is_erased_with_the_application(launch, http, browser, store):
    service = await launch(with_escalation({"window_weeks": 4}), worker=False)
    reference = await apply(service, http)
    await sign_in_as_casey(browser, service, store)
    await reviewed(browser, service, reference, ("2026-03-02", "2026-03-06", "no",
                                                 "2026-03-09"), "Patrols at 21 Acacia Road.")
    status, answer = await escalate(service, http, request_body(reference))
    assert status == 201
    assert store.erase_beside_erased() == 0  # the application is not erased yet
    today = date.fromisoformat(TODAY)
    assert store.erase_before(today + timedelta(days=1), today) == 1
    assert store.erase_beside_erased() == 1
    found = store.case(reference)
    assert found["progress"]["outcome_summary"] is None
    assert found["progress"]["outcome_on"] == date(2026, 3, 9)  # the dates stay
    assert store.escalation(answer["reference"])["document"] is None
    async with browser.get(f"{service.url}/inbox/escalations/{answer['reference']}") as response:
        assert response.status == 200
        page = await response.text()
    assert "erased with the application" in page
    assert "Acacia" not in page and "police reports" not in page
