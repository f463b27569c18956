"""Reference numbers: readable aloud, with a check character that catches common mistakes."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from handoff.reference import (
    ALPHABET,
    check_character,
    is_valid,
    mentions_reference,
    new_reference,
    normalise,
)

bodies = st.text(alphabet=ALPHABET, min_size=5, max_size=5)


def test_the_alphabet_leaves_out_the_characters_people_confuse():
    assert not set("0O1I") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 32


def test_new_references_have_the_shape_and_are_valid():
    for _ in range(200):
        reference = new_reference(2026)
        assert reference.startswith("ASB-2026-") and len(reference) == 15
        assert is_valid(reference)


@given(bodies)
def test_any_single_wrong_character_is_caught(body):
    reference = f"ASB-2026-{body}{check_character(body)}"
    assert is_valid(reference)
    code = reference[9:]
    for position in range(6):
        for other in ALPHABET:
            if other != code[position]:
                wrong = code[:position] + other + code[position + 1:]
                assert not is_valid(f"ASB-2026-{wrong}")


@given(bodies)
def test_swapping_two_neighbours_is_caught(body):
    code = body + check_character(body)
    for position in range(5):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
        if swapped != code:
            assert not is_valid(f"ASB-2026-{swapped}")


def test_shapes_that_are_not_references():
    good = new_reference(2026)
    for bad in (good.lower(), good[:-1], good + "2", good.replace("ASB", "ABS"),
                good[:9] + "0" + good[10:], "ASB-26-" + good[9:], ""):
        assert not is_valid(bad)


def test_a_reference_read_out_or_typed_with_spaces_is_normalised():
    reference = new_reference(random.randint(2026, 2030))
    spoken = " ".join(reference.lower())
    assert is_valid(normalise(spoken))


def test_a_reference_mentioned_in_a_message_whole_in_part_or_mistyped():
    for text in ("my ref is ASB-2026-7F3K9Q", "its about asb 2026", "it was 7f3k9q i think",
                 "asb-2026-7f3k9x", new_reference(2026).lower()):
        assert mentions_reference(text), text
    for text in ("music till 3am and the council did nothing", "reported 5 times since 2024",
                 "the ASB team did nothing", "10pm every night", "call 07700 900123"):
        assert not mentions_reference(text), text
