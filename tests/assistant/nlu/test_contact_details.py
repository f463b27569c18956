"""Postcodes, phone numbers, emails and reference numbers found by the spaCy Matcher rules."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.contact_details import ContactDetailsExtractor
from assistant.nlu.contact_matcher import ContactDetailsFinder


@pytest.fixture(scope="module")
def finder() -> ContactDetailsFinder:
    return ContactDetailsFinder()


# (text, entity, value as normalised, the text it was found in)
FOUND = [
    # postcodes: upper case, one space
    ("my postcode is cf10 1aa", "postcode", "CF10 1AA", "cf10 1aa"),
    ("SW1A 1AA", "postcode", "SW1A 1AA", "SW1A 1AA"),
    ("sw1a1aa", "postcode", "SW1A 1AA", "sw1a1aa"),
    ("M1 1AE", "postcode", "M1 1AE", "M1 1AE"),
    ("b33 8th", "postcode", "B33 8TH", "b33 8th"),
    ("4 high street, cardiff CF10 1AA.", "postcode", "CF10 1AA", "CF10 1AA"),
    ("(SA1 1AA)", "postcode", "SA1 1AA", "SA1 1AA"),
    ("postcode: NP20 4UR", "postcode", "NP20 4UR", "NP20 4UR"),
    ("fy nghod post yw ll57 2dg", "postcode", "LL57 2DG", "ll57 2dg"),
    ("W1A 0AX", "postcode", "W1A 0AX", "W1A 0AX"),
    ("ec1a 1bb", "postcode", "EC1A 1BB", "ec1a 1bb"),
    # phones: national digits
    ("call me on 07700 900123", "phone", "07700900123", "07700 900123"),
    ("07700900123", "phone", "07700900123", "07700900123"),
    ("+44 7700 900123", "phone", "07700900123", "+44 7700 900123"),
    ("+447700900123", "phone", "07700900123", "+447700900123"),
    ("0044 7700 900123", "phone", "07700900123", "0044 7700 900123"),
    ("ring 029 2087 2087 please", "phone", "02920872087", "029 2087 2087"),
    ("(029) 2087 2087", "phone", "02920872087", "(029) 2087 2087"),
    ("+44 (0)29 2087 2087", "phone", "02920872087", "+44 (0)29 2087 2087"),
    ("tel: 01234 567890", "phone", "01234567890", "01234 567890"),
    ("0121 496 0000", "phone", "01214960000", "0121 496 0000"),
    ("020 7946 0000", "phone", "02079460000", "020 7946 0000"),
    ("0800 123 4567", "phone", "08001234567", "0800 123 4567"),
    ("07700-900-123", "phone", "07700900123", "07700-900-123"),
    ("text 07700 900 123 after 6pm", "phone", "07700900123", "07700 900 123"),
    ("fy rhif yw 07700 900123", "phone", "07700900123", "07700 900123"),
    # emails: lower case, without the full stop that ends the sentence
    ("email me at jo.bloggs@example.com", "email", "jo.bloggs@example.com",
     "jo.bloggs@example.com"),
    ("Sian.Jones+asb@gmail.co.uk", "email", "sian.jones+asb@gmail.co.uk",
     "Sian.Jones+asb@gmail.co.uk"),
    ("e-bostiwch fi ar sian@example.com.", "email", "sian@example.com", "sian@example.com"),
    # references
    ("the crime number is CRI/12345/26", "reference", "CRI/12345/26", "CRI/12345/26"),
    ("ref NE-20260114-3345", "reference", "NE-20260114-3345", "NE-20260114-3345"),
    ("ref 4412", "reference", "4412", "4412"),
    ("Ref: 4412", "reference", "4412", "4412"),
    ("they gave me CAD 1234 12/03", "reference", "CAD 1234 12/03", "1234 12/03"),
    ("cad number 567", "reference", "CAD 567", "567"),
    ("crime number 01/12345/26", "reference", "01/12345/26", "01/12345/26"),
    ("crime ref is ab/1234/26", "reference", "AB/1234/26", "ab/1234/26"),
    ("reference: 5512", "reference", "5512", "5512"),
    ("incident number 7781", "reference", "7781", "7781"),
    ("log no 0456", "reference", "0456", "0456"),
    ("cyfeirnod 7781", "reference", "7781", "7781"),
    ("rhif y drosedd yw CRI/555/26", "reference", "CRI/555/26", "CRI/555/26"),
    ("my application was ASB-2026-7F3K9Q", "reference", "ASB-2026-7F3K9Q", "ASB-2026-7F3K9Q"),
    ("CAD1234/12MAR26", "reference", "CAD1234/12MAR26", "CAD1234/12MAR26"),
    ("case no. 88123", "reference", "88123", "88123"),
]


@pytest.mark.parametrize(("text", "entity", "value", "typed"), FOUND)
def test_finds_each_kind(
    finder: ContactDetailsFinder, text: str, entity: str, value: str, typed: str
) -> None:
    found = finder.find(text)
    assert [(f.entity, f.value) for f in found] == [(entity, value)]
    assert text[found[0].start : found[0].end] == typed == found[0].text


NOTHING = [
    "it happened on 03/03/2026",
    "12/03",
    "at 10:30",
    "about 10.30pm",
    "2026-03-03",
    "between 09 00 and 17 00",
    "07/03/2026 at 21:30",
    "12 03 2026",
    "03 03 2026 9 30",
    "3 times in 2 weeks",
    "i called 999",
    "i rang 101 twice",
    "flat 3, 12 station road",
    "call me b4 2pm",
    "b4 8am",
    "covid-19",
    "ref",
    "my reference is 12/03",
    "12345",
    "the m4 was closed",
    "on the a470",
    "born in 1975",
    "£250 of damage",
    "5 or 6 times since june 2025",
    "tel 1234 567",
    "07700",
    "0770 090",
    "from 9-5",
    "aged 82",
    "",
    "   ",
]


@pytest.mark.parametrize("text", NOTHING)
def test_dates_times_and_numbers_are_not_contact_details(
    finder: ContactDetailsFinder, text: str
) -> None:
    assert finder.find(text) == []


def test_several_in_one_message_in_order(finder: ContactDetailsFinder) -> None:
    text = (
        "I'm at 12 Mill Lane CF10 1AA, phone 07700 900123 or jo@example.com; "
        "crime ref CRI/12345/26 from 03/03/2026 at 10:30"
    )
    found = finder.find(text)
    assert [(f.entity, f.value) for f in found] == [
        ("postcode", "CF10 1AA"),
        ("phone", "07700900123"),
        ("email", "jo@example.com"),
        ("reference", "CRI/12345/26"),
    ]
    starts = [f.start for f in found]
    assert starts == sorted(starts)
    for f in found:
        assert text[f.start : f.end] == f.text


def test_rasa_component_adds_entities_with_its_name() -> None:
    component = ContactDetailsExtractor.create({}, None, None, None)  # type: ignore[arg-type]
    existing = {"entity": "agency", "value": "police", "start": 0, "end": 6}
    with_details = Message(data={TEXT: "police said call 07700 900123", ENTITIES: [existing]})
    payload = Message(data={TEXT: '/inform{"choice":"07700 900123"}'})
    plain = Message(data={TEXT: "hello"})
    component.process([with_details, payload, plain])

    entities = with_details.get(ENTITIES)
    assert entities[0] == existing
    assert entities[1]["entity"] == "phone"
    assert entities[1]["value"] == "07700900123"
    assert entities[1]["extractor"] == "ContactDetailsExtractor"
    assert (entities[1]["start"], entities[1]["end"]) == (17, 29)
    assert not payload.get(ENTITIES)
    assert not plain.get(ENTITIES)
