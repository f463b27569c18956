"""The phrase tables (phrases/<lang>.yml): what people type for each answer, danger, stopping,
starting again, not knowing, having none; found in a message as whole-word runs.

A phrase matches where its words appear in a row in the message. Where matches overlap, the
longest wins ("no idea" is not sure, not "no"). In short messages a word of five letters or more
may carry one typo ("emial", "somone"). Tables are data: docs/understanding.md says how to add to
them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from assistant.understanding.text import tokens, typo_allowance, within_edits

PHRASES = Path(__file__).parent / "phrases"
LISTS = ("emergency", "stop", "restart", "not_sure", "none", "question_words", "story",
         "what_else", "apply", "romanised")
FUZZY_UP_TO = 12  # words in a message: longer messages are matched exactly (speed)


@dataclass(frozen=True)
class Match:
    key: str  # a list's name ("emergency") or "choice:<value>"
    start: int
    end: int  # token positions, end exclusive
    exact: bool = True  # False: a word was matched with a typo

    @property
    def size(self) -> int:
        return self.end - self.start


class Table:
    """Phrases of one or more languages, indexed by their first word."""

    def __init__(self, entries: dict[str, list[tuple[str, ...]]]):
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        # A first word of five letters or more under each of its one-letter deletions: a typed
        # word with one typo shares a deletion with it (symmetric delete, as SymSpell does).
        self.near_first: dict[str, set[str]] = defaultdict(set)
        for key, phrases in entries.items():
            for phrase in phrases:
                self.by_first[phrase[0]].append((phrase, key))
                if typo_allowance(phrase[0]):
                    for variant in _deletions(phrase[0]):
                        self.near_first[variant].add(phrase[0])

    def find(self, words: tuple[str, ...], keys: frozenset[str] | None = None,
             typos: bool = True) -> list[Match]:
        """Every match in the message, then only the longest of overlapping ones."""
        fuzzy = typos and len(words) <= FUZZY_UP_TO
        found: list[Match] = []
        for start, word in enumerate(words):
            candidates = list(self.by_first.get(word, ()))
            if fuzzy and len(word) >= 4:
                for first in self.near(word):
                    candidates += self.by_first[first]
            for phrase, key in candidates:
                if keys is not None and key not in keys:
                    continue
                end = start + len(phrase)
                if end <= len(words) and all(
                        _same(p, w, fuzzy) for p, w in zip(phrase, words[start:end], strict=True)):
                    found.append(Match(key, start, end, phrase == words[start:end]))
        return longest(found)


    def near(self, word: str) -> set[str]:
        """First words one typo away from the word (not the word itself)."""
        found: set[str] = set()
        for variant in _deletions(word):
            found |= self.near_first.get(variant, set())
        return {first for first in found if first != word and within_edits(first, word, 1)}


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


def _same(phrase_word: str, word: str, fuzzy: bool) -> bool:
    if phrase_word == word:
        return True
    return fuzzy and typo_allowance(phrase_word) > 0 and within_edits(phrase_word, word, 1)


def longest(matches: list[Match]) -> list[Match]:
    kept: list[Match] = []
    for match in sorted(matches, key=lambda m: (-m.size, m.start)):
        # Kept beside the longer matches it does not overlap, and beside a match of the same
        # words under another key ("nahi" is both "no" and "none").
        if all(match.end <= k.start or match.start >= k.end
               or (match.start, match.end) == (k.start, k.end) for k in kept):
            if all((k.key, k.start, k.end) != (match.key, match.start, match.end) for k in kept):
                kept.append(match)
    # Where the same words matched exactly under one key and with a typo under another ("amar"
    # is "amar", not "ammar"), the exact reading stands.
    exact_spans = {(m.start, m.end) for m in kept if m.exact}
    kept = [m for m in kept if m.exact or (m.start, m.end) not in exact_spans]
    return sorted(kept, key=lambda m: m.start)


@cache
def available() -> tuple[str, ...]:
    """The languages with a phrase table (read once: it is asked on every message)."""
    return tuple(sorted(p.stem for p in PHRASES.glob("*.yml")))


@cache
def raw(language: str) -> dict[str, list[tuple[str, ...]]]:
    """One language's table as key -> phrases (as words); {} for a language without one."""
    path = PHRASES / f"{language}.yml"
    if not path.exists():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: dict[str, list[tuple[str, ...]]] = {}
    for name in LISTS:
        entries[name] = _phrases(document.get(name))
    for value, phrases in (document.get("choices") or {}).items():
        entries[f"choice:{_value(value)}"] = _phrases(phrases)
    return entries


def _value(value) -> str:
    # YAML 1.1 reads the keys yes/no as booleans.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _phrases(items) -> list[tuple[str, ...]]:
    out = []
    for item in items or ():
        words = tokens(str(item))
        if words and words not in out:
            out.append(words)
    return out


@lru_cache(maxsize=64)
def table(languages: tuple[str, ...]) -> Table:
    """The tables of these languages together (the conversation's and English: people mix)."""
    merged: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for language in languages:
        for key, phrases in raw(language).items():
            merged[key].extend(p for p in phrases if p not in merged[key])
    return Table(dict(merged))
