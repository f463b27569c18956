"""FoldingTokenizer: words typed with or without accents, on an Urdu or an Arabic keyboard, give
the classifier the same features; what was typed (text, offsets) is kept for the entities."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu.folding import FoldingTokenizer

TOKENIZER = FoldingTokenizer(FoldingTokenizer.get_default_config())


def tokens(text: str):
    return TOKENIZER.tokenize(Message(data={TEXT: text}), TEXT)


@pytest.mark.parametrize(("typed", "lemmas"), [
    ("Co się dzieje z moim wnioskiem?", ["co", "sie", "dzieje", "z", "moim", "wnioskiem"]),
    ("Mae'r cyngor yn gwrando ŵan", ["mae", "r", "cyngor", "yn", "gwrando", "wan"]),
    ("știu că ş-a întâmplat", ["stiu", "ca", "sa", "intamplat"]),
    ("Não sei", ["nao", "sei"]),
    ("میری درخواست كا کيا بنا", ["میری", "درخواست", "کا", "کیا", "بنا"]),  # Arabic kaf and yeh
    ("ਮੇਰੀ ਅਰਜ਼ੀ ਕਿੱਥੇ ਹੈ", ["meri", "arzi", "kitthe", "hai"]),  # Panjabi spelt as typed in Latin
    ("আমার আবেদন কোথায়", ["amar", "abedon", "kothay"]),  # Bengali spelt as Banglish
])
def test_lemmas_are_the_folded_words(typed, lemmas):
    assert [t.lemma for t in tokens(typed)] == lemmas


def test_text_and_offsets_stay_as_typed():
    typed = "Dw i'n byw yn Llanelli, efo'r Cyngor Sir Gâr"
    for token in tokens(typed):
        assert typed[token.start:token.end] == token.text


def test_the_count_featurizer_sees_the_same_words_with_or_without_accents(tmp_path):
    storage = LocalModelStorage(tmp_path)
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb",
         "min_ngram": 1, "max_ngram": 4},
        storage, Resource("cvf"), ExecutionContext(node_name="cvf", graph_schema=None))
    training = [Message(data={TEXT: t, "intent": "ask_status"})
                for t in ("co się dzieje z moim wnioskiem", "gdzie jest mój wniosek")]
    TOKENIZER.process_training_data(TrainingData(training))
    featurizer.train(TrainingData(training))
    typed = [Message(data={TEXT: t}) for t in ("Co sie dzieje z moim wnioskiem",
                                               "co się dzieje z moim wnioskiem")]
    TOKENIZER.process(typed)
    featurizer.process(typed)
    first, second = (m.get_sparse_features(TEXT)[1].features.toarray() for m in typed)
    assert np.array_equal(first, second)


def test_every_annotated_entity_is_whole_words():
    """An entity that starts or ends inside a word (Arabic "و[المجلس]", "and [the council]") is a
    span the tokenizer never gives, so the model cannot learn it: annotate the whole word."""
    from benchmarks import nlu as benchmark

    misaligned = []
    for path in sorted(benchmark.NLU_DIR.glob("*.yml")):
        for message in benchmark._load(path).training_examples:
            entities = message.get("entities") or []
            if not entities:
                continue
            words = TOKENIZER.tokenize(message, TEXT)
            starts, ends = {t.start for t in words}, {t.end for t in words}
            misaligned += [(path.stem, message.get(TEXT), e["value"]) for e in entities
                           if e["start"] not in starts or e["end"] not in ends]
    assert not misaligned
