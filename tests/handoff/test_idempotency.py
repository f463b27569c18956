"""One application, one key: the Idempotency-Key the assistant sends identifies the application,
not the conversation. Two applications finished in one conversation ("start again" keeps its id)
are both stored; the same application sent again ("Try again") is stored once. Against the real
intake API, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from assistant.actions.submission import application_key, post_application
from tests.handoff.handoff_parts import example_application

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fixed_today")]


@pytest.fixture
async def service(launch, monkeypatch):
    started = await launch(worker=False)
    monkeypatch.setenv("ASB_HANDOFF_URL", started.url)
    monkeypatch.setenv("ASB_HANDOFF_INTAKE_TOKEN", started.token)
    return started


def second_application() -> dict:
    """Another victim, applied for after "start again" in the same conversation."""
    document = example_application()
    document["victim"] = document["victim"] | {"name": "Robin Other", "address": "9 Other Road"}
    document["consent"] = document["consent"] | {"given_at": "2026-03-10T14:31:40+00:00"}
    return document


async def test_two_applications_in_one_conversation_are_both_stored(service):
    first = await post_application(example_application(), "conversation-1")
    second = await post_application(second_application(), "conversation-1")
    assert first["reference"] != second["reference"]
    stored = {row["reference"] for row in service.store.list_applications()}
    assert stored == {first["reference"], second["reference"]}
    victims = {service.store.application(r)["document"]["victim"]["name"] for r in stored}
    assert victims == {"Alex Example", "Robin Other"}


async def test_the_same_application_sent_again_is_one_application(service):
    first = await post_application(example_application(), "conversation-1")
    again = await post_application(example_application(), "conversation-1")
    assert again == first
    assert len(service.store.list_applications()) == 1


async def test_the_key_survives_a_different_eligibility_but_not_a_different_answer():
    document = example_application()
    key = application_key("conversation-1", document)
    assert application_key("conversation-1", document | {"eligibility": {"outcome": "x"}}) == key
    assert application_key("conversation-1", second_application()) != key
    assert application_key("conversation-2", document) != key
    assert 1 <= len(key) <= 200 and key.isascii()
