"""The Rasa 3.6 entity extractor for postcodes, phone numbers, emails and reference numbers.

The rules live in `contact_matcher` (spaCy's rule-based `Matcher` over `spacy.blank("xx")`, no
model download), which the action server can also use without importing Rasa.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.contact_matcher import ContactDetailsFinder, as_rasa_entities
from assistant.nlu.rule_component import RuleComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ContactDetailsExtractor(RuleComponent, EntityExtractorMixin):
    """Adds `postcode`, `phone`, `email` and `reference` entities found by rules."""

    @classmethod
    def from_rules(cls) -> ContactDetailsExtractor:
        return cls()

    def __init__(self) -> None:
        self._finder = ContactDetailsFinder()

    def read(self, message: Message, text: str) -> None:
        found = as_rasa_entities(self._finder.find(text))
        if found:
            entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
            message.set(ENTITIES, entities, add_to_output=True)
