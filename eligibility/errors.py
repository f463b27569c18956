"""The one error the engine raises for bad input: it names the field at fault."""


class EligibilityError(ValueError):
    """Bad input. `field` is a JSON path such as ``incidents[2].reported_on``."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
