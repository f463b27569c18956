"""ASB_LOG_FORMAT=json: the service as its own process writes one JSON object per line, start-up
lines and request logs alike, and still nothing an applicant wrote."""

from __future__ import annotations

import json

import pytest

from tests.handoff.handoff_parts import example_application, make_deployment, serve_process

pytestmark = pytest.mark.integration


async def test_json_logs_one_object_per_line(tmp_path, http):
    token = "log-format-test-token"
    service = await serve_process(make_deployment(), tmp_path, {
        "ASB_LOG_FORMAT": "json", "ASB_HANDOFF_INTAKE_TOKEN": token,
        "ASB_HANDOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.sqlite3'}"})
    document = example_application()
    try:
        async with http.post(f"{service.url}/api/v1/applications", json=document, headers={
                "Authorization": f"Bearer {token}", "Idempotency-Key": "json-1"}) as response:
            assert response.status == 201
            reference = (await response.json())["reference"]
    finally:
        service.stop()
    lines = [line for line in (tmp_path / "serve.log").read_text().splitlines() if line]
    not_json = [line for line in lines if not line.startswith("{")]
    assert not not_json, not_json
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    messages = [entry["message"] for entry in entries]
    assert any(m.startswith("handoff: listening on http://") for m in messages)
    assert f"application {reference} stored for area {document['area']['id']}" in messages
    text = "\n".join(lines)
    assert document["victim"]["name"] not in text and document["impact"] not in text
