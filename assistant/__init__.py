"""The Rasa assistant: NLU components, date understanding, language detection, actions."""
