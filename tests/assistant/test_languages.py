"""The eight further languages, beyond the catalog check every language gets (test_catalogs.py):
each catalog is really translated (nothing left in English unless listed here), says whether it
is reviewed, has the plural rule of its language, keeps every number, link and placeholder of the
English text, and its direction is right; each language has a glossary and NLU examples for every
intent, with the catalog's button titles under the intent their button sends.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml
from babel import Locale
from babel.messages.plurals import get_plural

from assistant.actions import choices
from assistant.actions.messages import direction, render
from assistant.locales import LOCALES_DIR, placeholders, po_path, read_catalog, shipped_languages
from assistant.understanding.buttons import button_intent
from assistant.understanding.text import normalise
from languages import CODES
from tests.assistant.conversations import FURTHER_LANGUAGES
from tests.assistant.trackers import ROOT
from web_widget.bundle import language_strings

NLU_DIR = ROOT / "assistant" / "data" / "nlu"
REVIEW_STATUS = re.compile(
    r"^# Status: (draft translation, awaiting review by a native speaker|reviewed by a native "
    r"speaker .+)\.$", re.MULTILINE)
GLOSSARY_TERMS = ("ASB case review", "anti-social behaviour", "lead agency", "consent", "threshold",
                  "working day", "escalation", "complaint", "incident", "application",
                  "hate incident", "victim")

# Messages that may read exactly as in English, and why. Besides these, a message made only of
# placeholders and punctuation ("{label}: {value}") is the same in every language.
INTENTIONALLY_SAME: dict[str, set[str]] = {
    # Each language is offered under its own name, the same in every catalog.
    "*": {f"language-name-{code}" for code in CODES},
    "es": {"choice-no"},  # "No" is Spanish too
}

MIN_EXAMPLES_PER_INTENT = 15


def messages(language: str) -> dict[str, object]:
    return {m.id: m for m in read_catalog(language) if m.id}


def text_of(entry) -> str:
    return entry.string if isinstance(entry.string, str) else "".join(entry.string)


def only_placeholders(text: str) -> bool:
    bare = "".join(literal for literal, *_ in string.Formatter().parse(text))
    return not any(ch.isalpha() for ch in bare)


def nlu_examples(language: str) -> dict[str, set[str]]:
    """intent -> the example texts (entity markup removed) of assistant/data/nlu/<language>.yml."""
    data = yaml.safe_load((NLU_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for block in data["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", line[2:].strip())
                found.setdefault(block["intent"], set()).add(text)
    return found


def spec_intents() -> list[str]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]


def test_the_registrys_languages_are_shipped_and_no_other():
    catalogs = {path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/*.po")}
    assert catalogs == set(CODES) == set(shipped_languages())
    assert len(FURTHER_LANGUAGES) == 8


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_the_catalog_says_whether_it_is_reviewed(language):
    header = po_path(language).read_text(encoding="utf-8").split("\nmsgid", 1)[0]
    assert REVIEW_STATUS.search(header), f"{po_path(language)} has no review status line"


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_no_message_is_left_in_english(language):
    english = messages("en")
    allowed = INTENTIONALLY_SAME["*"] | INTENTIONALLY_SAME.get(language, set())
    same = sorted(
        msg_id for msg_id, entry in messages(language).items()
        if msg_id in english and text_of(entry) == text_of(english[msg_id])
        and msg_id not in allowed and not only_placeholders(text_of(entry))
    )
    assert same == []


def test_the_intentionally_same_list_has_no_stale_entries():
    # An entry that is no longer the same as English (or no longer exists) must be removed, so
    # the list keeps meaning what it says.
    english = messages("en")
    for language, ids in INTENTIONALLY_SAME.items():
        for code in FURTHER_LANGUAGES if language == "*" else (language,):
            catalog = messages(code)
            for msg_id in ids:
                assert msg_id in catalog, f"{code}: {msg_id} listed but not in the catalog"
                assert text_of(catalog[msg_id]) == text_of(english[msg_id]), (code, msg_id)


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_plural_forms_are_those_of_the_language(language):
    catalog = read_catalog(language)
    rule = get_plural(language)
    assert catalog.num_plurals == rule.num_plurals
    assert catalog.plural_expr == rule.plural_expr
    for entry in catalog:
        if entry.id and isinstance(entry.id, (list, tuple)):
            assert len(entry.string) == rule.num_plurals, entry.id
            assert all(entry.string), entry.id


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_placeholders_links_and_numbers_are_kept(language):
    english = messages("en")
    links = re.compile(r"\]\(([^)]+)\)")
    # Phone numbers and other digit runs (999, 101, 18000, 08 08 16 89 111, 07700 900123).
    numbers = re.compile(r"\d[\d ]*\d|\d")
    for msg_id, entry in messages(language).items():
        text, source = text_of(entry), text_of(english[msg_id])
        assert placeholders(text) == placeholders(source), msg_id
        assert sorted(links.findall(text)) == sorted(links.findall(source)), msg_id
        digits = {n.replace(" ", "") for n in numbers.findall(re.sub(r"\{[^}]*\}", "", source))}
        for number in digits:
            assert number in re.sub(r"\s", "", text), f"{language} {msg_id}: {number} is lost"


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_messages_render_with_every_placeholder_filled(language):
    for msg_id, entry in messages(language).items():
        values = {name: f"<{name}>" for name in placeholders(text_of(entry))}
        rendered = render(language, msg_id, **values)
        assert "{" not in rendered and "}" not in rendered, msg_id


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_direction_is_right(language):
    # The registry's, as CLDR has it; the assistant and the widget both follow it.
    order = Locale.parse(language).character_order
    expected = "rtl" if order == "right-to-left" else "ltr"
    assert direction(language) == expected
    assert language_strings(language)["dir"] == expected


def test_a_typed_button_title_means_one_answer_in_every_language():
    # Typed answers are compared with the titles of every shipped catalog: no title may stand
    # for two different answers to the same question.
    for question, values in choices.QUESTIONS.items():
        owner: dict[str, str] = {}
        for value in values:
            for language in shipped_languages():
                title = normalise(render(language, choices.title_id(value)))
                assert owner.setdefault(title, value) == value, (question, title)
        for value in values:
            title = render("pl", choices.title_id(value))
            assert choices.typed_choice(title, values) == value


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_the_glossary_has_every_key_term(language):
    glossary = LOCALES_DIR / language / "glossary.md"
    text = glossary.read_text(encoding="utf-8")
    assert "Status: " in text
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", text, re.MULTILINE))
    for term in GLOSSARY_TERMS:
        assert rows.get(term, "").strip(), f"{glossary}: no translation of {term!r}"


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_every_intent_has_examples(language):
    examples = nlu_examples(language)
    counts = {intent: len(examples.get(intent, ())) for intent in spec_intents()}
    assert {i: n for i, n in counts.items() if n < MIN_EXAMPLES_PER_INTENT} == {}


@pytest.mark.parametrize("language", FURTHER_LANGUAGES)
def test_button_titles_are_examples_of_the_intent_their_button_sends(language):
    examples = nlu_examples(language)
    wrong = []
    for msg_id, entry in messages(language).items():
        intent = button_intent(msg_id)
        if intent is None:
            continue
        title = text_of(entry)
        if title not in examples.get(intent, set()):
            wrong.append((msg_id, title, intent))
        others = [i for i, texts in examples.items() if i != intent and title in texts]
        assert others == [], f"{title!r} is also an example of {others}"
    assert wrong == []


def test_the_nlu_checks_see_what_they_check():
    # The parsing above must find annotated examples and button titles, or the tests prove nothing.
    examples = nlu_examples("pl")
    assert "policji i radzie" in examples["inform"]
    assert "Tak" in examples["affirm"]
    assert button_intent("choice-police") == "inform" and button_intent("greet") is None


def test_only_placeholders_is_what_it_says():
    assert only_placeholders("{label}: {value}")
    assert not only_placeholders("Phone: {phone}")
    assert Path(po_path("pl")).exists()
