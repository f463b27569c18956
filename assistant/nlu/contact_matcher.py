"""Postcodes, phone numbers, email addresses and reference numbers in free text.

A rule-based finder built on spaCy's `Matcher` over a blank multilingual pipeline (no model to
download); `contact_details.ContactDetailsExtractor` wraps it for Rasa. The Matcher proposes
candidate spans; each candidate is then checked in Python (a UK phone number has 10 or 11 digits,
a postcode has a valid outward and inward code, a date is never a reference) and the longest valid
spans win.

Entities: `postcode` (upper case, one space: "CF10 1AA"), `phone` (national digits:
"07700900123"), `email` (lower case), `reference` (as typed, upper case; a police CAD number keeps
its "CAD" prefix and date: "CAD 1234 12/03").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.matcher import Matcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Span
from spacy.util import filter_spans

POSTCODE = "postcode"
PHONE = "phone"
EMAIL = "email"
REFERENCE = "reference"
ENTITY_TYPES = (POSTCODE, PHONE, EMAIL, REFERENCE)

# Outward code (area, district) and inward code (sector, unit) of a UK postcode.
_OUTWARD = r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
_OUTWARD += r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"  # never C, I, K, M, O, V: so "b4 2pm" is no postcode
_OUTWARD_RE = re.compile(rf"^{_OUTWARD}$", re.IGNORECASE)
_INWARD_RE = re.compile(rf"^{_INWARD}$", re.IGNORECASE)
_WHOLE_POSTCODE_RE = re.compile(rf"^{_OUTWARD}{_INWARD}$", re.IGNORECASE)

# Phone numbers: a first group (+44, 0044, or a national group starting 0) then digit groups.
_PHONE_FIRST = r"^(?:\+44|0044|\+?44|(?:\+44|0)[0-9]{2,10}(?:[-.][0-9]{3,8}){0,2})$"
_PHONE_GROUP = r"^(?:[0-9]{2,8}(?:[-.][0-9]{3,8}){0,2}|0)$"

# References that look like one on their own: letters and digits joined by / or -.
_CODE_WITH_LETTERS = re.compile(
    r"^(?=[A-Z0-9/\-]*[A-Z])(?=(?:[^0-9]*[0-9]){3})[A-Z]{1,6}[/\-]?[0-9][A-Z0-9]*"
    r"(?:[/\-][A-Z0-9]+)*$",
    re.IGNORECASE,
)
# Digit-only police occurrence numbers such as 01/12345/26 (never a date: the middle is long).
_CODE_DIGITS_ONLY = re.compile(
    r"^[0-9]{1,4}/[0-9]{5,}(?:/[0-9]{2,4})?$|^[0-9]{1,4}/[0-9]{4,}/[0-9]{2,4}$"
)
_NUMBERISH = r"^(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9/\-]*$"
_SHORT_DATE = r"^[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{2,4})?$"
_DATE_RE = re.compile(r"^[0-9]{1,4}[/\-.][0-9]{1,2}(?:[/\-.][0-9]{1,4})?$")

# Words that introduce a reference number, in English and Welsh (lower case, no accents).
_REFERENCE_KEYWORDS = [
    ["ref"], ["ref."], ["reference"], ["refrence"], ["referance"], ["crime", "number"],
    ["crime", "no"], ["crime", "ref"], ["crime", "reference"], ["incident", "number"],
    ["incident", "no"], ["log", "number"], ["log", "no"], ["occurrence", "number"],
    ["case", "number"], ["case", "no"], ["case", "ref"], ["case", "reference"], ["cad"],
    ["cad", "number"], ["cad", "no"], ["cyf"], ["cyf."], ["cyfeirnod"], ["gyfeirnod"],
    ["rhif", "trosedd"], ["rhif", "y", "drosedd"], ["rhif", "achos"], ["rhif", "yr", "achos"],
    ["rhif", "digwyddiad"], ["rhif", "cyfeirnod"], ["rhif", "cad"],
]
_KEYWORD_LINKS = ["is", "was", "number", "no", ".", "num", "#", ":", "-", "yw", "ydy", "oedd",
                  "di", "ydi"]


@dataclass(frozen=True)
class Found:
    """One thing found: its entity type, character offsets in the text and normalised value."""

    entity: str
    start: int
    end: int
    value: str
    text: str


def _tokenizer(nlp: spacy.language.Language) -> Tokenizer:
    """Split on whitespace, peel punctuation off the ends, split at brackets; keep codes whole."""
    prefix = re.compile(r"""^[\[{"'“‘<(]""")
    suffix = re.compile(r"""[\]}"'”’>),;:!?.]$""")
    infix = re.compile(r"[()]")
    return Tokenizer(
        nlp.vocab,
        prefix_search=prefix.search,
        suffix_search=suffix.search,
        infix_finditer=infix.finditer,
    )


class ContactDetailsFinder:
    """Finds postcodes, UK phone numbers, email addresses and reference numbers in a text."""

    def __init__(self) -> None:
        self._nlp = spacy.blank("xx")
        self._nlp.tokenizer = _tokenizer(self._nlp)
        self._matcher = Matcher(self._nlp.vocab)
        self._matcher.add(EMAIL, [[{"LIKE_EMAIL": True}]])
        self._matcher.add(
            POSTCODE,
            [
                [{"TEXT": {"REGEX": "(?i)" + _OUTWARD_RE.pattern}},
                 {"TEXT": {"REGEX": "(?i)" + _INWARD_RE.pattern}}],
                [{"TEXT": {"REGEX": "(?i)" + _WHOLE_POSTCODE_RE.pattern}}],
            ],
        )
        paren = {"TEXT": {"IN": ["(", ")"]}, "OP": "*"}
        phone = [{"TEXT": {"REGEX": r"^\($"}, "OP": "?"}, {"TEXT": {"REGEX": _PHONE_FIRST}}]
        phone_patterns = []
        for groups in range(0, 5):
            pattern = list(phone)
            for _ in range(groups):
                pattern += [paren, {"TEXT": {"REGEX": _PHONE_GROUP}}]
            phone_patterns.append(pattern)
        self._matcher.add(PHONE, phone_patterns)
        self._matcher.add(
            "CODE", [[{"TEXT": {"REGEX": r"^[A-Za-z0-9][A-Za-z0-9/\-]*[0-9][A-Za-z0-9/\-]*$"}}]]
        )
        keyword_patterns = []
        for words in _REFERENCE_KEYWORDS:
            head = [{"LOWER": word} for word in words]
            head.append({"LOWER": {"IN": _KEYWORD_LINKS}, "OP": "*"})
            keyword_patterns.append(head + [{"TEXT": {"REGEX": _NUMBERISH}}])
            keyword_patterns.append(
                head + [{"TEXT": {"REGEX": _NUMBERISH}}, {"TEXT": {"REGEX": _SHORT_DATE}}]
            )
        self._matcher.add("KEYWORD_REFERENCE", keyword_patterns)

    def find(self, text: str) -> list[Found]:
        """Everything found in `text`, in order, never overlapping."""
        if not text or not text.strip():
            return []
        doc = self._nlp(text)
        candidates: list[tuple[Span, str]] = []
        for match_id, start, end in self._matcher(doc):
            label = self._nlp.vocab.strings[match_id]
            span = doc[start:end]
            checked = self._check(label, span)
            if checked is not None:
                candidates.append(checked)
        spans = []
        values: dict[tuple[int, int], tuple[str, str]] = {}
        # Longest first; a keyword-introduced reference beats a bare code of the same length.
        for span, value_and_type in sorted(candidates, key=lambda c: -len(c[0])):
            key = (span.start, span.end)
            if key not in values:
                values[key] = value_and_type
                spans.append(span)
        kept = sorted(filter_spans(spans), key=lambda s: s.start)
        found = []
        for span in kept:
            entity, value = values[(span.start, span.end)]
            found.append(Found(entity, span.start_char, span.end_char, value, span.text))
        return found

    def _check(self, label: str, span: Span) -> tuple[Span, tuple[str, str]] | None:
        if label == EMAIL:
            return span, (EMAIL, span.text.lower())
        if label == POSTCODE:
            return self._check_postcode(span)
        if label == PHONE:
            return self._check_phone(span)
        if label == "CODE":
            return self._check_code(span)
        if label == "KEYWORD_REFERENCE":
            return self._check_keyword_reference(span)
        return None

    @staticmethod
    def _check_postcode(span: Span) -> tuple[Span, tuple[str, str]] | None:
        compact = "".join(token.text for token in span).upper()
        return span, (POSTCODE, f"{compact[:-3]} {compact[-3:]}")

    @staticmethod
    def _check_phone(span: Span) -> tuple[Span, tuple[str, str]] | None:
        tokens = [token.text for token in span]
        if tokens[-1] in "()":
            return None  # a bracket after the number is not part of it
        # Groups after the first are 3 digits or more, except the area code after "(0)".
        for i, token in enumerate(tokens[1:], start=1):
            after_trunk_zero = tokens[i - 1] == ")" and i >= 2 and tokens[i - 2] == "0"
            if token.isdigit() and len(token) < 3 and token != "0" and not after_trunk_zero:
                return None
        raw = "".join(tokens)
        digits = re.sub(r"[^0-9+]", "", raw.replace("(0)", ""))
        if digits.startswith("+44"):
            national = "0" + digits[3:]
        elif digits.startswith("0044"):
            national = "0" + digits[4:]
        elif digits.startswith("44") and tokens[0].lstrip("+") == "44":
            national = "0" + digits[2:]
        else:
            national = digits
        if "+" in national or not national.startswith("0") or national.startswith("00"):
            return None
        if len(national) not in (10, 11) or national[1] not in "123578":
            return None
        if national.startswith("07") and len(national) != 11:
            return None
        return span, (PHONE, national)

    @staticmethod
    def _check_code(span: Span) -> tuple[Span, tuple[str, str]] | None:
        word = span.text
        if _DATE_RE.match(word) or _WHOLE_POSTCODE_RE.match(word):
            return None
        joined = "/" in word or "-" in word
        if _CODE_WITH_LETTERS.match(word) and (joined or _has_long_digits(word)):
            return span, (REFERENCE, word.upper())
        if _CODE_DIGITS_ONLY.match(word):
            return span, (REFERENCE, word)
        return None

    @staticmethod
    def _check_keyword_reference(span: Span) -> tuple[Span, tuple[str, str]] | None:
        number_start = len(span) - 1
        if re.match(_SHORT_DATE, span[-1].text) and len(span) >= 3:
            if re.match(_NUMBERISH, span[-2].text) and span[-2].lower_ not in _KEYWORD_LINKS:
                number_start = len(span) - 2
        number = span[number_start:]
        first = number[0].text
        if _DATE_RE.match(first) and len(number) == 1:
            return None  # "ref 12/03" with nothing else: a date, not a reference
        if sum(ch.isdigit() for ch in first) < 2:
            return None
        is_cad = span[0].lower_ == "cad" or (len(span) > 1 and span[1].lower_ == "cad")
        value = number.text.upper()
        if is_cad:
            value = f"CAD {value}"
        return number, (REFERENCE, value)


def _has_long_digits(word: str) -> bool:
    return re.search(r"[0-9]{4,}", word) is not None


_finder: ContactDetailsFinder | None = None


def find_contact_details(text: str) -> list[Found]:
    """What `ContactDetailsFinder().find(text)` returns, with one finder built per process."""
    global _finder
    if _finder is None:
        _finder = ContactDetailsFinder()
    return _finder.find(text)


def as_rasa_entities(found: Iterable[Found]) -> list[dict[str, Any]]:
    return [
        {"entity": f.entity, "start": f.start, "end": f.end, "value": f.value, "confidence": 1.0}
        for f in found
    ]
