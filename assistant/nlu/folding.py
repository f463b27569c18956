"""Words compared as people type them: `FoldingTokenizer`.

Rasa's `WhitespaceTokenizer`, with each token's lemma set to its folded form
(`understanding.text.normalise`: lower case, Latin accents and Arabic harakat gone, Arabic and
Urdu letter variants made one, apostrophes dropped). The count featurizers read the lemma, so
"się" and "sie", "ŵ" and "w", "doesn't" and "doesnt", an Urdu word typed on an Arabic keyboard
(ي, ك) and on an Urdu one (ی, ک) give the same features. The token's text and offsets are left as
typed: entities keep their spans, and the lexical featurizer still sees case and word shape.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from assistant.understanding.text import normalise


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer whose lemmas are the folded words."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            folded = normalise(token.text).replace(" ", "")
            if folded:
                token.lemma = folded
        return tokens
