"""Training through stack.rasa_training: the model is the one Rasa's own `rasa train` makes, and
Rasa's training cache still reuses a step exactly when its input is the same
(stack/quick_fingerprint.py)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import yaml
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from stack import quick_features
from stack.environment import child_environment
from stack.model import ROOT
from stack.quick_fingerprint import digest, features_fingerprint, message_fingerprint

# A small project in the assistant's own pipeline (config.yml, one epoch): what people type.
NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hiya
    - hello there
    - shwmae
    - bore da
    - salaam
- intent: report_problem
  examples: |
    - my neighbours play music till 3am every night
    - kids keep kicking a ball at my door
    - mae'r cymdogion yn swnllyd bob nos
    - pados wale raat bhar shor karte hain
- intent: deny
  examples: |
    - no thats all
    - nah
    - na dim diolch
    - nahi bas itna hi
"""


def _message(lemma: str = "hiya", value: float = 1.0, width: int = 4) -> Message:
    message = Message({"text": "hiya", "intent": "greet"})
    message.set("text_tokens", [Token("hiya", 0, lemma=lemma)])
    matrix = scipy.sparse.coo_matrix(([value], ([0], [1])), shape=(1, width))
    message.add_features(Features(matrix, "sequence", "text", "CountVectorsFeaturizer"))
    return message


def test_a_fingerprint_covers_the_whole_content():
    assert message_fingerprint(_message()) == message_fingerprint(_message())
    different = [_message(lemma="hi"), _message(value=2.0), _message(width=5)]
    assert len({message_fingerprint(m) for m in [_message(), *different]}) == 4
    # Keys in any order; a list's order counts; a dense matrix by its values.
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest([1, 2]) != digest([2, 1]) and digest("1") != digest(1)
    dense = Features(np.ones((1, 3)), "sentence", "text", "x")
    changed = Features(np.ones((1, 3)) * 2, "sentence", "text", "x")
    assert features_fingerprint(dense) != features_fingerprint(changed)


def _coo(rng: np.random.Generator, rows: int, width: int, dtype: str) -> scipy.sparse.coo_matrix:
    count = int(rng.integers(0, rows * width + 1))
    return scipy.sparse.coo_matrix(
        (rng.random(count).astype(dtype), (rng.integers(0, rows, count),
                                           rng.integers(0, width, count))), shape=(rows, width))


def test_features_are_joined_as_rasa_joins_them():
    rng = np.random.default_rng(4)
    for case in range(200):
        rows = int(rng.integers(1, 12))
        parts = [Features(_coo(rng, rows, int(rng.integers(1, 900)), str(dtype)), "sequence",
                          "text", f"featurizer {n}")
                 for n, dtype in enumerate(rng.choice(["float32", "float64", "int64"],
                                                      int(rng.integers(1, 5))))]
        names = [f.origin for f in parts]
        ours = quick_features.combine_features(parts, names)
        rasas = quick_features._rasa_combine(parts, names)
        assert (ours.type, ours.attribute, ours.origin) == (rasas.type, rasas.attribute, names)
        a, b = ours.features, rasas.features
        assert type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype, case
        for part in ("row", "col", "data"):
            assert getattr(a, part).dtype == getattr(b, part).dtype, (case, part)
            assert np.array_equal(getattr(a, part), getattr(b, part)), (case, part)
    # Matrices of different heights are refused as Rasa refuses them.
    uneven = [Features(_coo(rng, 2, 3, "float64"), "sequence", "text", "a"),
              Features(_coo(rng, 3, 3, "float64"), "sequence", "text", "b")]
    with pytest.raises(ValueError):
        quick_features.combine_features(uneven, ["a", "b"])


def _train(tmp_path: Path, module: str, name: str, cache: Path, nlu: str) -> str:
    data = tmp_path / f"{name}-data"
    data.mkdir(exist_ok=True)
    (data / "nlu.yml").write_text(nlu)
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["epochs"] = 1
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config))
    argv = [sys.executable, "-m", module, "train", "nlu", "--config", str(tmp_path / "config.yml"),
            "--nlu", str(data), "--out", str(tmp_path / "models"), "--fixed-model-name", name]
    env = child_environment({"PYTHONPATH": str(ROOT), "RASA_CACHE_DIRECTORY": str(cache)})
    result = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def _weights(archive: Path, into: Path) -> dict[str, np.ndarray]:
    import tensorflow as tf

    with tarfile.open(archive) as tar:
        tar.extractall(into)
    index = next(into.rglob("*.tf_model.index"))
    reader = tf.train.load_checkpoint(str(index).removesuffix(".index"))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


@pytest.mark.integration
def test_the_model_is_rasas_and_the_cache_still_knows_what_changed(tmp_path):
    _train(tmp_path, "rasa", "rasas", tmp_path / "cache-rasa", NLU)
    _train(tmp_path, "stack.rasa_training", "ours", tmp_path / "cache", NLU)
    rasas = _weights(tmp_path / "models" / "rasas.tar.gz", tmp_path / "rasas")
    ours = _weights(tmp_path / "models" / "ours.tar.gz", tmp_path / "ours")
    assert sorted(ours) == sorted(rasas) and len(ours) > 10
    assert all(np.array_equal(ours[name], rasas[name]) for name in ours)

    # A comment added: the file is new to the cache but its messages are not, so every step
    # after reading the data is taken from the cache.
    log = _train(tmp_path, "stack.rasa_training", "comment", tmp_path / "cache",
                 "# checked by the team\n" + NLU)
    assert "Restored component 'DIETClassifier' from cache" in log, log[-3000:]
    # One example changed: the tokenizer's output is new, so DIET trains again.
    log = _train(tmp_path, "stack.rasa_training", "changed", tmp_path / "cache",
                 NLU.replace("- nah\n", "- nah mate\n"))
    assert "Starting to train component 'DIETClassifier'" in log, log[-3000:]
    assert "Restored component 'DIETClassifier' from cache" not in log
