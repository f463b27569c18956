"""Scripted people typing freely through the REST channel (the `stack` fixture: real Rasa with the
trained model, the action server, the handoff service), each checked on what is stored.

One test per person (see runner.py for the format and how a conversation is driven; the people
are in <language>.yml here). A person passes when the application is sent, every answer was
taken the first time it was typed (or the interruption was handled as it should be), and the
stored application holds what they said. Each run's transcript goes to
test-artifacts/people/<id>.json.

Also, without servers: the people are well formed, and what they type is held-out material (no
message of three words or more is an NLU training example or a phrase-table entry verbatim).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from assistant.locales import shipped_languages
from tests.assistant.people.runner import (
    EMERGENCY,
    LANGUAGE,
    QUESTION,
    Conversation,
    check,
    is_action,
    load_people,
)
from tests.assistant.trackers import ROOT

PEOPLE = load_people()
ARTIFACTS = ROOT / "test-artifacts" / "people"
NLU_DIR = ROOT / "assistant" / "data" / "nlu"
PHRASES_DIR = ROOT / "assistant" / "understanding" / "phrases"
TABLES_DIR = ROOT / "tests" / "assistant" / "understanding" / "answers"


# The corpus is the measure of issue 10 and a gate: `make test` runs every person (about four
# minutes, four at a time). `ASB_PEOPLE=0` leaves them out of a quick local run.
PEOPLE_RUN = os.environ.get("ASB_PEOPLE", "1") != "0"


@pytest.fixture(scope="module")
def conversations(stack) -> dict:
    """Every person's conversation, four at a time (as several people use one deployment at
    once): their records, or what went wrong, by person."""
    def talk(person):
        try:
            return Conversation(stack, person).run()
        except Exception as error:  # noqa: BLE001 - reported by that person's test
            return error

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip((p.id for p in PEOPLE), pool.map(talk, PEOPLE), strict=True))


@pytest.mark.integration
@pytest.mark.skipif(not PEOPLE_RUN, reason="ASB_PEOPLE=0 leaves the scripted people out")
@pytest.mark.parametrize("person", PEOPLE, ids=[p.id for p in PEOPLE])
def test_a_person_types_freely_and_the_right_application_is_stored(conversations, person):
    record = conversations[person.id]
    if isinstance(record, Exception):
        raise record
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{person.id}.json").write_text(
        json.dumps({**record.as_json(), "problems": check(person, record)}, ensure_ascii=False,
                   indent=1), encoding="utf-8")
    problems = check(person, record)
    assert problems == [], f"{person.id} ({person.persona}):\n" + "\n".join(problems)


# --- without servers ------------------------------------------------------------------------


def test_at_least_three_people_per_language():
    counts = Counter(p.language for p in PEOPLE)
    assert {language: counts[language] for language in shipped_languages()
            if counts[language] < 3} == {}
    assert len(PEOPLE) >= 30


def test_people_are_well_formed():
    ids = [p.id for p in PEOPLE]
    assert len(ids) == len(set(ids))
    for person in PEOPLE:
        assert person.opening, person.id
        assert person.page in shipped_languages(), person.id
        assert "language" in person.expect and "applicant.role" in person.expect, person.id
        assert person.interruptions, f"{person.id}: no interruption or question mid-way"
        for interruption in person.interruptions:
            assert interruption.kind in (QUESTION, EMERGENCY, LANGUAGE), person.id
        for asks in ("incident_date", "report_date", "report_agencies", "incident_reference",
                     "incident_hate", "more_incidents", "offer_apply", "applicant_role",
                     "victim_kind", "victim_name", "contact_preferred", "impact",
                     "consent_share", "review_choice"):
            assert person.answer(asks, 1), f"{person.id} has no answer for {asks}"


def _normal(text: str) -> str:
    """Case, punctuation and Latin accents ignored (other scripts' vowel signs are letters)."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(" " if unicodedata.category(char).startswith(("P", "S")) else char)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    if isinstance(node, dict):
        return [s for item in node.values() for s in _strings(item)]
    return []


def _training_texts() -> set[str]:
    """NLU examples, phrase-table entries and per-question test-table answers, normalised."""
    found: set[str] = set()
    for path in NLU_DIR.glob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                line = re.sub(r"\[([^\]]*)\][({][^)}]*[)}]", r"\1", line.lstrip("- ").strip())
                found.add(_normal(line))
    for folder in (PHRASES_DIR, TABLES_DIR):
        for path in folder.glob("*.yml") if folder.exists() else ():
            found.update(_normal(s) for s in _strings(yaml.safe_load(path.read_text("utf-8"))))
    return found


def test_what_people_type_is_not_copied_from_the_training_data_or_the_tables():
    known = _training_texts()
    copied = sorted({(p.id, text) for p in PEOPLE for text in p.texts()
                     if not is_action(text) and len(_normal(text).split()) >= 3
                     and _normal(text) in known})
    assert copied == []


def test_the_folder_holds_only_people_files():
    assert {p.suffix for p in Path(__file__).parent.iterdir() if p.is_file()} <= {
        ".py", ".yml", ".md"}
