"""What a button's title means when it is typed instead of clicked: the table the NLU pipeline
(`assistant.nlu.button_titles`) and the tests read, kept here so NLU needs nothing of the actions.

The titles are the catalogs' (assistant/locales); the payloads they stand for are the actions'
buttons (assistant/actions/choices.py builds them from the same message ids).
"""

from __future__ import annotations

from functools import cache

from assistant.locales import CatalogError, catalog_ids, message, shipped_languages
from assistant.understanding.text import normalise

# The intent each button's title means when typed instead of clicked: the intent its payload
# sends (menu buttons, yes/no); the choices of a question and "Change ..." are answers (`inform`).
BUTTON_INTENTS = {
    "button-what-is-it": "ask_what_is_case_review",
    "button-check": "ask_eligibility",  # explains the threshold, then offers the check
    "button-process": "ask_process",
    "button-support": "ask_support",
    "button-human": "request_human",
    "button-apply": "start_application",
    "button-not-now": "deny",
    "button-pass-on": "start_application",
    "button-try-again": "affirm",
    "choice-stop-delete": "affirm",
    "choice-stop-keep": "deny",
    "choice-yes": "affirm",
    "choice-no": "deny",
    "choice-not-sure": "dont_know",
}


def button_intent(msg_id: str) -> str | None:
    """The intent a typed button title should get, or None for a message that is no button."""
    if msg_id in BUTTON_INTENTS:
        return BUTTON_INTENTS[msg_id]
    if msg_id.startswith(("choice-", "change-")):
        return "inform"
    return None


@cache
def typed_title_intents() -> dict[str, str]:
    """Every button title of every shipped catalog, normalised -> the intent of its button. A
    title that two buttons with different intents share (in any languages) is left out."""
    found: dict[str, set[str]] = {}
    for language in shipped_languages():
        for msg_id in catalog_ids(language):
            intent = button_intent(msg_id)
            if intent is None:
                continue
            try:  # a title is its catalog text with nothing filled in
                title = normalise(message(language, msg_id).format())
            except (CatalogError, KeyError, IndexError):  # a draft, or a title with a placeholder
                continue
            if title:
                found.setdefault(title, set()).add(intent)
    return {title: intents.pop() for title, intents in found.items() if len(intents) == 1}
