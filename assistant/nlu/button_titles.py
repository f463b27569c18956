"""A button's title typed instead of clicked means what the button means: `ButtonTitleClassifier`.

Every choice is offered as buttons and typing a button's title must work (the spec). The titles
are fixed strings of our own catalogs, so they are looked up, not learned: after DIET, a message
that is exactly a title of any shipped language (compared after `understanding.text.normalise`:
case, accents and punctuation ignored) gets that button's intent with confidence 1, so neither
the classifier's guess nor the fallback can turn "ابھی نہیں" (Not now) into an emergency. Any
other message keeps DIET's intent. Entities are left as they are.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.rule_component import RuleComponent
from assistant.understanding.buttons import typed_title_intents
from assistant.understanding.text import normalise


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ButtonTitleClassifier(RuleComponent, IntentClassifier):
    """Sets the intent of a typed button title; put it after DIET, before the FallbackClassifier."""

    @classmethod
    def from_rules(cls) -> ButtonTitleClassifier:
        return cls(typed_title_intents())

    def __init__(self, titles: dict[str, str]) -> None:
        self._titles = titles

    def read(self, message: Message, text: str) -> None:
        intent = self._titles.get(normalise(text))
        if intent is not None:
            chosen = {"name": intent, "confidence": 1.0}
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen], add_to_output=True)
