"""The NLU benchmark's held-out split: deterministic, disjoint, a fifth per intent per language."""

from __future__ import annotations

import math
from collections import Counter

from benchmarks import nlu as benchmark


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
