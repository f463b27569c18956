"""What the project's own NLU components share: none is trained; each reads the text a person
typed with fixed rules and leaves payloads (`/affirm`, `/inform{...}`) alone, since a button's
payload carries its own intent and entities and Rasa reads them itself."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class RuleComponent(GraphComponent):
    """A component of fixed rules: `from_rules` builds it, `read` handles one typed message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RuleComponent:
        return cls.from_rules()

    @classmethod
    def from_rules(cls) -> RuleComponent:
        """The component with its tables loaded."""
        raise NotImplementedError

    def read(self, message: Message, text: str) -> None:
        """Set what the rules find in `text` on `message`."""
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and not text.startswith("/"):
                self.read(message, text)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
