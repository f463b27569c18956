"""The NLU model measured on held-out examples per language, and the served model's entities.

The figures are benchmarks/nlu.py's (train one model on 80% of every language, evaluate each
language's 20%): `results/nlu.json` when its fingerprint is that of the current inputs (the
examples, the pipeline, the components' code, the catalogs), else a training here, whose figures
and mistakes are kept in test-artifacts/nlu/. `ASB_NLU_RETRAIN=1` trains whatever the fingerprint.
The served model (the running Rasa server) is asked for the yes/no button titles, the language and
agency entities with their synonyms, and the contact details of the custom spaCy component.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.locales import message, shipped_languages
from benchmarks import nlu as benchmark

pytestmark = pytest.mark.integration


ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "nlu"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> benchmark.Report:
    if os.environ.get("ASB_NLU_RETRAIN") != "1":
        report = benchmark.cached()
        if report is not None:
            return report
    report = benchmark.run(folder=tmp_path_factory.mktemp("nlu"))
    # The figures and every mistake, kept after the run (commit them as results/nlu.json when
    # the examples changed: the next run reuses them).
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "nlu.json").write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False)
                                        + "\n", encoding="utf-8")
    (ARTIFACTS / "nlu.md").write_text(benchmark.table(report) + "\n", encoding="utf-8")
    return report


@pytest.fixture
def parse(stack):
    return stack.parse


def test_every_language_file_is_evaluated(trained: benchmark.Report) -> None:
    assert trained.fingerprint == benchmark.inputs_fingerprint()
    assert sorted(r.language for r in trained.languages) == benchmark.languages()
    assert len(benchmark.languages()) == 10
    for result in trained.languages:
        assert result.examples >= 24  # at least one held-out example per intent


@pytest.mark.parametrize("language", benchmark.languages())
def test_macro_intent_f1_per_language(trained: benchmark.Report, language: str) -> None:
    result = next(r for r in trained.languages if r.language == language)
    mistakes = "\n".join(f"{e['text']!r}: {e['intent']} -> {e['predicted']}"
                         for e in result.errors[:20])
    assert result.macro_intent_f1 >= benchmark.MIN_MACRO_F1, mistakes


# The yes/no buttons' titles in every shipped language, as the catalogs write them: typed, the
# served pipeline gives them their button's intent whatever DIET guessed (ButtonTitleClassifier).
# The Welsh answers that echo the verb ("Ydw", "Oes", "Nac ydw") are no titles: the answer reader
# takes them at every yes/no question (tests/assistant/understanding/answers/cy.yml), not the model.
BUTTONS = [(message(language, msg_id).format(), intent) for language in shipped_languages()
           for msg_id, intent in (("choice-yes", "affirm"), ("choice-no", "deny"))]


@pytest.mark.parametrize(("title", "intent"), sorted(set(BUTTONS)))
def test_button_titles_classify_right(parse, title: str, intent: str) -> None:
    for typed in (title, title.lower(), f"{title}!"):
        parsed = parse(typed)
        assert (parsed["intent"]["name"], parsed["intent"]["confidence"]) == (intent, 1.0), typed


@pytest.mark.parametrize(
    ("text", "code"),
    [("Cymraeg", "cy"), ("in welsh please", "cy"), ("yn Gymraeg plis", "cy"),
     ("english please", "en"), ("po polsku", "pl"), ("اردو", "ur")],
)
def test_language_requests_carry_the_iso_code(parse, text: str, code: str) -> None:
    parsed = parse(text)
    assert parsed["intent"]["name"] == "change_language"
    assert [e["value"] for e in parsed["entities"] if e["entity"] == "language"] == [code]


def test_both_agencies_are_found_once_each(parse) -> None:
    parsed = parse("i reported it to both the police and the council")
    agencies = sorted(e["value"] for e in parsed["entities"] if e["entity"] == "agency")
    assert agencies == ["council", "police"]
    parsed = parse("wnes i riportio fe i'r heddlu a'r cyngor")
    agencies = sorted(e["value"] for e in parsed["entities"] if e["entity"] == "agency")
    assert agencies == ["council", "police"]


def test_contact_details_come_from_the_spacy_component(parse) -> None:
    parsed = parse("my postcode is cf10 1aa and my number is 07700 900123")
    found = {(e["entity"], e["value"], e["extractor"]) for e in parsed["entities"]}
    assert ("postcode", "CF10 1AA", "ContactDetailsExtractor") in found
    assert ("phone", "07700900123", "ContactDetailsExtractor") in found
