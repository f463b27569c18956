"""The agencies a message names, by their words as well as by DIET: `AgencyWords`.

Who an incident was reported to decides the threshold, so an agency the user typed must not be
lost to the classifier's guess, nor a word it guessed wrong be taken for one. After DIET and the
`EntitySynonymMapper`, this component:

- drops `agency` entities whose value is not one of the eligibility engine's agency codes (DIET
  once tagged the Welsh verb "riportio" as an agency);
- adds an `agency` entity for every agency word of the NLU data found in the text (each
  `- synonym: <code>` list of every language file, and the codes themselves), compared as typed
  button titles are (case, accents, punctuation ignored) and whole words only, unless DIET
  already found that agency.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.rule_component import RuleComponent
from assistant.understanding.text import normalise, within_edits
from eligibility import AGENCIES

NLU_DIR = Path(__file__).resolve().parents[1] / "data" / "nlu"
ENTITY = "agency"
OTHER = "other"  # the catch-all code: only ever typed exactly


@cache
def agency_words(folder: Path = NLU_DIR) -> dict[tuple[str, ...], str]:
    """(normalised words of a phrase) -> agency code, from the synonyms of every NLU file."""
    words: dict[tuple[str, ...], str] = {(code,): code for code in AGENCIES}
    for path in sorted(folder.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            code = item.get("synonym")
            if code not in AGENCIES:
                continue
            for line in str(item.get("examples") or "").splitlines():
                key = tuple(normalise(line.strip().removeprefix("- ")).split())
                if key:
                    words.setdefault(key, code)
    return words


def find_agencies(text: str, words: dict[tuple[str, ...], str]) -> list[dict[str, Any]]:
    """Every agency phrase in `text` (longest first at each word), with its character span."""
    spans = [(m.start(), m.end(), normalise(m.group())) for m in re.finditer(r"\S+", text)]
    spans = [(start, end, word) for start, end, word in spans if word]
    longest = max((len(key) for key in words), default=0)
    found, i = [], 0
    while i < len(spans):
        for size in range(min(longest, len(spans) - i), 0, -1):
            key = tuple(w for _, _, token in spans[i:i + size] for w in token.split())
            code = words.get(key) or _near(key, words)
            if code:
                found.append({"entity": ENTITY, "value": code, "start": spans[i][0],
                              "end": spans[i + size - 1][1], "confidence_entity": 1.0})
                i += size
                break
        else:
            i += 1
    # One word for "other" ("outro", "inne", "arall") beside a named agency is more likely
    # "again" or "another" ("policia outra vez", "yr heddlu eto a'r tro arall").
    if any(entity["value"] != OTHER for entity in found):
        found = [entity for entity in found if entity["value"] != OTHER
                 or len(text[entity["start"]:entity["end"]].split()) > 1]
    return found


def _near(key: tuple[str, ...], words: dict[tuple[str, ...], str]) -> str | None:
    """The agency of a phrase one typo or plural away, word by word, in words of five letters or
    more ("viviendas", "councel"); shorter words must be exact."""
    if not any(len(word) >= 5 for word in key):
        return None
    for phrase, code in words.items():
        if code != OTHER and len(phrase) == len(key) and all(
                a == b or (len(b) >= 5 and within_edits(a, b, 1))
                for a, b in zip(key, phrase, strict=True)):
            return code
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class AgencyWords(RuleComponent, EntityExtractorMixin):
    """Keeps DIET's agencies that are agencies, adds the ones named in words (after synonyms)."""

    @classmethod
    def from_rules(cls) -> AgencyWords:
        return cls(agency_words())

    def __init__(self, words: dict[tuple[str, ...], str]) -> None:
        self._words = words

    def read(self, message: Message, text: str) -> None:
        entities = [e for e in message.get(ENTITIES, [])
                    if e.get("entity") != ENTITY or e.get("value") in AGENCIES]
        known = {e.get("value") for e in entities if e.get("entity") == ENTITY}
        added = []
        for entity in find_agencies(text, self._words):
            if entity["value"] not in known:  # each agency once
                known.add(entity["value"])
                added.append(entity)
        # In the order typed, so "the police and the council" stays police, council.
        found = sorted(entities + self.add_extractor_name(added),
                       key=lambda e: e.get("start") if isinstance(e.get("start"), int) else 0)
        message.set(ENTITIES, found, add_to_output=True)
