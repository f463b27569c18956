"""The NLU benchmark's held-out split: deterministic, disjoint, a fifth per intent per language."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from benchmarks import nlu as benchmark
from benchmarks import nlu_against


def _texts(messages) -> list[tuple[str, str]]:
    return [(m.get("intent"), m.get("text")) for m in messages]


def test_split_is_deterministic_and_disjoint() -> None:
    training, held_out = benchmark.split(seed=7)
    again_training, again_held_out = benchmark.split(seed=7)
    assert {k: _texts(v) for k, v in held_out.items()} == {
        k: _texts(v) for k, v in again_held_out.items()
    }
    assert _texts(training.intent_examples) == _texts(again_training.intent_examples)
    trained = {m.get("text").strip().lower() for m in training.intent_examples}
    for messages in held_out.values():
        assert not trained & {m.get("text").strip().lower() for m in messages}
    other_seed = benchmark.split(seed=8)[1]
    assert _texts(other_seed["en"]) != _texts(held_out["en"])


def test_a_fifth_of_each_intent_is_held_out_per_language() -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    _, held_out = benchmark.split()
    for language, messages in held_out.items():
        whole = Counter(m.get("intent") for m in
                        load_data(str(benchmark.NLU_DIR / f"{language}.yml")).intent_examples)
        held = Counter(m.get("intent") for m in messages)
        for intent, count in whole.items():
            assert held[intent] == max(1, math.ceil(count * 0.2)), (language, intent)


def test_button_titles_always_stay_in_training() -> None:
    training, held_out = benchmark.split()
    trained = set(_texts(training.intent_examples))
    for intent, titles in benchmark.BUTTON_TITLES.items():
        for title in titles:
            assert (intent, title) in trained
            for messages in held_out.values():
                assert (intent, title) not in set(_texts(messages))


def test_macro_f1() -> None:
    assert benchmark.macro_f1(["a", "a", "b"], ["a", "a", "b"]) == 1.0
    # a: tp 1, fn 1 -> 2/3; b: tp 1, fp 1 -> 2/3
    assert abs(benchmark.macro_f1(["a", "a", "b"], ["a", "b", "b"]) - 2 / 3) < 1e-9
    assert benchmark.macro_f1(["a"], ["nlu_fallback"]) == 0.0


def test_the_fingerprint_covers_the_components_code_and_not_the_reader() -> None:
    """Every component config.yml names (no second list to keep) and what it imports."""
    sources = {path.relative_to(benchmark.ROOT).as_posix() for path in benchmark.project_sources()}
    assert "assistant.nlu.folding" in benchmark.components()
    for module in benchmark.components():
        assert module.replace(".", "/") + ".py" in sources
    assert {"assistant/nlu/agencies.py", "assistant/nlu/button_titles.py",
            "assistant/understanding/text.py", "assistant/understanding/buttons.py",
            "languages/registry.py"} <= sources
    assert "assistant/understanding/reader.py" not in sources  # answers, not the model's parses
    assert benchmark.inputs_fingerprint(seed=1) != benchmark.inputs_fingerprint(seed=2)


def test_the_fingerprint_follows_the_pipeline_not_the_policies(tmp_path) -> None:
    """The benchmark trains the NLU only: a policy changed leaves its figures as they were."""
    text = benchmark.CONFIG.read_text(encoding="utf-8")
    assert "\npolicies:\n" in text and "    epochs: 8\n" in text
    policies = tmp_path / "policies.yml"
    policies.write_text(text.replace("\npolicies:\n", "\npolicies:\n  - name: TEDPolicy\n"),
                        encoding="utf-8")
    commented = tmp_path / "commented.yml"
    commented.write_text(text.replace("\npipeline:\n", "\npipeline:  # a note\n"),
                         encoding="utf-8")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(text.replace("    epochs: 8\n", "    epochs: 9\n"), encoding="utf-8")
    ours = benchmark.inputs_fingerprint()
    assert benchmark.inputs_fingerprint(config=policies) == ours
    assert benchmark.inputs_fingerprint(config=commented) == ours
    assert benchmark.inputs_fingerprint(config=pipeline) != ours


def test_a_report_is_reused_only_for_the_inputs_it_was_made_from(tmp_path) -> None:
    result = benchmark.LanguageResult(language="en", examples=1, intent_accuracy=1.0,
                                      macro_intent_f1=1.0, entity_f1=None, fallback_rate=0.0)
    report = benchmark.Report(seed=2026, test_fraction=0.2, training_examples=1,
                              training_seconds=1.0, languages=[result],
                              fingerprint=benchmark.inputs_fingerprint())
    path = tmp_path / "nlu.json"
    path.write_text(json.dumps(report.to_json()), encoding="utf-8")
    assert benchmark.cached(path=path) == report
    assert benchmark.cached(seed=7, path=path) is None  # another split
    path.write_text(json.dumps({**report.to_json(), "fingerprint": "0" * 20}), encoding="utf-8")
    assert benchmark.cached(path=path) is None
    path.write_text("{not json", encoding="utf-8")
    assert benchmark.cached(path=path) is None


def test_changed_examples_are_judged_on_the_held_out_fifth_of_the_commit(tmp_path) -> None:
    """`benchmarks.nlu_against`: the fifth held out from the files as committed, the working
    tree's examples without it for training."""
    held_out = nlu_against.held_out_at("HEAD", tmp_path, 2026, 0.2)
    assert set(held_out) == set(benchmark.languages())
    assert all(held_out.values())
    training = nlu_against.training_without(held_out)
    trained = {benchmark._key(m) for m in training.training_examples}
    assert not trained & {benchmark._key(m) for test in held_out.values() for m in test}
    assert benchmark.NLU_DIR != tmp_path  # the benchmark's own folder is put back



def test_a_bengali_text_held_out_takes_its_banglish_spelling_out_of_training() -> None:
    """Two spellings the model reads alike are one example: held out, neither is trained on."""
    training, held_out = benchmark.split()
    trained = {benchmark._key(m) for m in training.intent_examples}
    assert benchmark._key(_message("আমার আবেদন কোথায়")) == "amar abedon kothay"
    assert benchmark._key(_message("Zgadza się!")) == benchmark._key(_message("zgadza sie"))
    for messages in held_out.values():
        assert not trained & {benchmark._key(m) for m in messages}


def _message(text: str):
    from rasa.shared.nlu.training_data.message import Message

    return Message(data={"text": text})


def test_several_trainings_are_averaged_and_each_kept(tmp_path) -> None:
    def result(f1: float, error: str) -> benchmark.LanguageResult:
        return benchmark.LanguageResult(
            language="cy", examples=10, intent_accuracy=f1, macro_intent_f1=f1, entity_f1=None,
            fallback_rate=0.1, classifier_accuracy=f1,
            errors=[{"text": error, "intent": "affirm", "predicted": "deny"}])

    (averaged,) = benchmark._averaged([[result(0.9, "iawn")], [result(0.8, "ia")],
                                       [result(0.85, "ie")]])
    assert round(averaged.macro_intent_f1, 6) == 0.85
    assert averaged.macro_intent_f1_runs == [0.9, 0.8, 0.85]
    assert averaged.entity_f1 is None and round(averaged.fallback_rate, 6) == 0.1
    assert [(e["text"], e["run"]) for e in averaged.errors] == [("iawn", 1), ("ia", 2), ("ie", 3)]


def test_each_training_after_the_first_moves_only_diets_random_seed(tmp_path) -> None:
    import yaml

    assert benchmark._reseeded(benchmark.CONFIG, 0, tmp_path) == benchmark.CONFIG
    original = yaml.safe_load(benchmark.CONFIG.read_text(encoding="utf-8"))
    moved = yaml.safe_load(benchmark._reseeded(benchmark.CONFIG, 2, tmp_path).read_text("utf-8"))
    diet = next(s for s in original["pipeline"] if s["name"] == "DIETClassifier")
    assert next(s for s in moved["pipeline"]
                if s["name"] == "DIETClassifier")["random_seed"] == diet["random_seed"] + 2
    for config in (original, moved):
        next(s for s in config["pipeline"] if s["name"] == "DIETClassifier").pop("random_seed")
    assert moved == original


def test_the_readme_table_is_the_committed_report() -> None:
    """The README's held-out table says what results/nlu.json says, to its rounding."""
    import re

    report = benchmark.Report.from_json(json.loads(benchmark.RESULTS.read_text("utf-8")))
    readme = (benchmark.ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m[1]: m for m in re.finditer(
        r"^\| (\w\w) \| (\d+) \| (0\.\d\d) \| (0\.\d\d\d) \| (0\.\d\d) \|$", readme, re.M)}
    assert sorted(rows) == benchmark.languages()
    for result in report.languages:
        row = rows[result.language]
        assert int(row[2]) == result.examples
        assert row[3] == f"{result.intent_accuracy:.2f}", result.language
        assert row[4] == f"{result.macro_intent_f1:.3f}", result.language
        assert row[5] == f"{result.entity_f1:.2f}", result.language
    assert f"{report.training_examples:,} training examples" in readme
    assert f"mean of {report.runs} trainings" in readme


def test_a_report_of_no_trainings_is_refused(tmp_path, capsys) -> None:
    with pytest.raises(ValueError, match="runs must be 1 or more, not 0"):
        benchmark.run(runs=0, folder=tmp_path)
    with pytest.raises(SystemExit) as exited:
        benchmark.main(["--runs", "0", "--json", str(tmp_path / "report.json")])
    assert exited.value.code == 2
    assert "--runs must be 1 or more" in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()
