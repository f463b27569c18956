"""Per-caller API tokens with scopes, over HTTP against the real service (SQLite, and PostgreSQL
with the integration tests), the tokens issued with the real CLI: each route takes the tokens
with its scope and refuses the others with 403; unknown and disabled tokens get 401; the
environment's intake token does everything; the status check's guess limit counts each client
apart; the audit trail and the log name the client; the database holds no token."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid

import pytest

from asb.cli import main as asb_main
from handoff.cli import main
from tests.handoff.caseworker import decided_not_met, sign_in_as_casey
from tests.handoff.handoff_parts import (
    TWO,
    apply,
    example_application,
    make_deployment,
    request_body,
    with_assistant,
    with_escalation,
)

pytestmark = pytest.mark.usefixtures("fixed_today")
POSTCODE = "AN1 2BB"  # the example application's


@pytest.fixture
def issue(database, store, monkeypatch, capsys):
    """`python -m handoff api-client add NAME --scopes SCOPES` on the test's database (in this
    process): the token it prints."""
    monkeypatch.setenv("ASB_HANDOFF_DATABASE_URL", database.url)
    monkeypatch.delenv("ASB_DEPLOYMENT", raising=False)

    def add(name: str, scopes: str) -> str:
        capsys.readouterr()
        assert main(["api-client", "add", name, "--scopes", scopes]) == 0
        printed = capsys.readouterr()
        assert "shown this once" in printed.err
        return printed.out.strip()

    return add


def bearer(token: str, key: str | None = None) -> dict:
    out = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return out | ({"Idempotency-Key": key} if key else {})


async def call(service, http, path: str, body: dict, token: str) -> tuple[int, dict, dict]:
    async with http.post(f"{service.url}/api/v1/{path}", data=json.dumps(body),
                         headers=bearer(token, uuid.uuid4().hex)) as response:
        return response.status, await response.json(), dict(response.headers)


def status_body(reference: str, postcode: str = POSTCODE, **more) -> dict:
    return {"reference": reference, "postcode": postcode, **more}


def refused_for_scope(answer: dict, scope: str) -> bool:
    error = answer["errors"][0]
    return error["field"] == "Authorization" and f"the scope {scope}" in error["message"]


async def test_a_status_token_checks_status_and_nothing_else(launch, http, issue):
    service = await launch(with_assistant(), worker=False)
    reference = await apply(service, http)
    token = issue("council-site", "status")
    status, answer, _ = await call(service, http, "status", status_body(reference), token)
    assert status == 200 and answer["reference"] == reference, answer
    status, answer, _ = await call(service, http, "status", status_body(reference, "XX1 1XX"),
                                   token)
    assert status == 404
    for path, body, scope in (("applications", example_application(), "intake"),
                              ("second-report", {"reports": TWO}, "second_report"),
                              ("prefills/redeem", {"prefill": "x"}, "intake")):
        status, answer, _ = await call(service, http, path, body, token)
        assert status == 403 and refused_for_scope(answer, scope), (path, answer)
        assert "council-site" in answer["errors"][0]["message"]
    assert store_count(service, "applications") == 1  # nothing more was stored


def store_count(service, table: str) -> int:
    with service.store.engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


async def test_a_second_report_token_asks_about_second_reports_only(launch, http, issue,
                                                                    caplog):
    service = await launch(with_assistant(), worker=False)
    reference = await apply(service, http)
    token = issue("police-case-system", "second_report")
    with caplog.at_level(logging.INFO, logger="handoff.second_report"):
        status, answer, _ = await call(service, http, "second-report", {"reports": TWO}, token)
    assert status == 200 and answer["answer"] == "explain_now", answer
    assert any("the API client police-case-system" in record.getMessage()
               for record in caplog.records)
    status, answer, _ = await call(service, http, "status", status_body(reference), token)
    assert status == 403 and refused_for_scope(answer, "status")
    status, answer, _ = await call(service, http, "applications", example_application(), token)
    assert status == 403 and refused_for_scope(answer, "intake")
    # An intake client submits applications and takes the assistant's prefills.
    intake = issue("partner-assistant", "intake")
    status, answer, _ = await call(service, http, "applications", example_application(), intake)
    assert status == 201, answer
    link = (await call(service, http, "second-report", {"reports": TWO}, token))[1]
    prefill = link["assistant_link"]["url"].split("#asb-prefill=")[1]
    status, answer, _ = await call(service, http, "prefills/redeem", {"prefill": prefill},
                                   intake)
    assert status == 200 and len(answer["incidents"]) == 2, answer


async def test_unknown_and_disabled_tokens_get_401(launch, http, issue, capsys):
    service = await launch(make_deployment(), worker=False)
    reference = await apply(service, http)
    token = issue("housing-site", "status,second_report")
    assert (await call(service, http, "status", status_body(reference), token))[0] == 200
    assert main(["api-client", "disable", "housing-site"]) == 0
    unknown = "x" + token[1:]
    for given in (token, unknown, "", "Bearer"):
        for path in ("status", "second-report", "applications", "escalations"):
            status, answer, headers = await call(service, http, path, status_body(reference),
                                                 given)
            assert status == 401, (given, path, answer)
            assert answer["errors"][0]["field"] == "Authorization"
            assert headers["WWW-Authenticate"].startswith("Bearer")


async def test_the_intake_token_does_everything(launch, http):
    service = await launch(with_assistant(), worker=False)
    reference = await apply(service, http)
    status, answer, _ = await call(service, http, "status", status_body(reference),
                                   service.token)
    assert status == 200, answer
    status, answer, _ = await call(service, http, "second-report", {"reports": TWO},
                                   service.token)
    assert status == 200 and answer["assistant_link"], answer
    prefill = answer["assistant_link"]["url"].split("#asb-prefill=")[1]
    status, answer, _ = await call(service, http, "prefills/redeem", {"prefill": prefill},
                                   service.token)
    assert status == 200, answer
    status, answer, _ = await call(service, http, "escalations", request_body(reference),
                                   service.token)
    assert status == 409, answer  # past the token: nothing is decided yet


async def test_the_audit_trail_names_the_client_that_asked_for_an_escalation(
        launch, http, browser, store, issue):
    service = await launch(with_escalation({"window_weeks": 4}), worker=False)
    through_site, directly = await apply(service, http), await apply(service, http)
    await sign_in_as_casey(browser, service, store)
    for reference in (through_site, directly):
        await decided_not_met(browser, service, reference)
    token = issue("council-site", "status")
    status, answer, _ = await call(service, http, "escalations", request_body(through_site),
                                   token)
    assert status == 201, answer
    status, answer, _ = await call(service, http, "escalations", request_body(directly),
                                   service.token)
    assert status == 201, answer

    def asked_by(reference: str) -> list[str]:
        return [entry["actor"] for entry in store.application(reference)["audit"]
                if entry["action"] == "escalation_requested"]

    assert asked_by(through_site) == ["applicant, through the API client council-site"]
    assert asked_by(directly) == ["applicant"]


async def test_one_clients_wrong_guesses_do_not_pause_another(launch, http, issue):
    service = await launch(with_escalation(status={
        "window_minutes": 60, "client_attempts": 3, "reference_attempts": 10}), worker=False)
    reference = await apply(service, http)
    first, second = issue("site-one", "status"), issue("site-two", "status")
    for _ in range(3):
        status, _, _ = await call(service, http, "status", status_body(reference, "XX1 1XX"),
                                  first)
        assert status == 404
    status, answer, _ = await call(service, http, "status", status_body(reference), first)
    assert status == 429, answer  # site-one is paused, even with the right postcode
    # The same address calling with the other site's token is not.
    status, answer, _ = await call(service, http, "status", status_body(reference), second)
    assert status == 200, answer
    # Within one site, the person it names is counted apart as before.
    status, answer, _ = await call(service, http, "status",
                                   status_body(reference, client="visitor-2"), first)
    assert status == 200, answer


def test_the_cli_adds_lists_and_disables_clients_and_keeps_no_token(database, store, issue,
                                                                     capsys):
    token = issue("council-site", "second_report, status")
    assert len(token) >= 43
    assert main(["api-client", "add", "council-site", "--scopes", "status"]) == 1
    assert "already" in capsys.readouterr().err
    for name, scopes in (("bad name", "status"), ("other", "status,delete"), ("other", "")):
        assert main(["api-client", "add", name, "--scopes", scopes]) == 2
        assert "nothing was changed" in capsys.readouterr().err
    assert asb_main(["api-client", "list"]) == 0  # the same command under `asb`
    listed = capsys.readouterr().out
    assert listed.startswith("council-site\tstatus,second_report\tcreated 2026-03-10")
    assert listed.rstrip().endswith("enabled") and token not in listed
    assert main(["api-client", "disable", "council-site"]) == 0
    assert main(["api-client", "disable", "nobody"]) == 1
    capsys.readouterr()
    assert main(["api-client", "list"]) == 0
    assert "\tdisabled 2026-03-10" in capsys.readouterr().out
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM api_clients").all()
    assert len(rows) == 1 and token not in str(rows)
    assert hashlib.sha256(token.encode()).hexdigest() in str(rows)
