"""Words compared as people type them: `FoldingTokenizer`.

Rasa's `WhitespaceTokenizer`, with each token's lemma set to its folded form
(`understanding.text.normalise`: lower case, Latin accents and Arabic harakat gone, Arabic and
Urdu letter variants made one, apostrophes dropped), and a Bengali or Panjabi (Gurmukhi) word
spelt in Latin letters as people type it (`romanise`). The count featurizers read the lemma, so
"się" and "sie", "ŵ" and "w", "doesn't" and "doesnt", an Urdu word typed on an Arabic keyboard
(ي, ك) and on an Urdu one (ی, ک), and "আবেদন" and "abedon" give the same or close features. The
token's text and offsets are left as typed: entities keep their spans, and the lexical
featurizer still sees case and word shape.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.romanise import romanise
from assistant.understanding.text import normalise


def fold(word: str) -> str:
    """The form the count featurizers read for a word."""
    return romanise(normalise(word).replace(" ", ""))


def fold_text(text: str) -> str:
    """A message's words folded: two messages with the same folded text look the same to the
    classifier's counts."""
    return " ".join(romanise(word) for word in normalise(text).split())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer whose lemmas are the folded words."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            folded = fold(token.text)
            if folded:
                token.lemma = folded
        return tokens
