"""The Rasa 3.6 entity extractor for postcodes, phone numbers, emails and reference numbers.

The rules live in `contact_matcher` (spaCy's rule-based `Matcher` over `spacy.blank("xx")`, no
model download), which the action server can also use without importing Rasa.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu.contact_matcher import ContactDetailsFinder, as_rasa_entities


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ContactDetailsExtractor(GraphComponent, EntityExtractorMixin):
    """Adds `postcode`, `phone`, `email` and `reference` entities found by rules."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ContactDetailsExtractor:
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config
        self._finder = ContactDetailsFinder()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # a button payload such as /affirm carries no free text
            found = as_rasa_entities(self._finder.find(text))
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
