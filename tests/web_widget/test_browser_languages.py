"""The widget in two of the further languages, in Debian's Chromium against the running stack:
a whole application in Arabic (right to left) and in Polish, typed answers in the language, with
the widget engineer's browser fixtures and application driver. The stored application records the
language; the page passes axe-core (WCAG 2.2 AA) in the language."""

from __future__ import annotations

import pytest

from assistant.actions.messages import render
from assistant.actions.service import deployment

from .conftest import new_visit, shown
from .driver import Driver, start, stored_document, the_reference_points_to_the_record

pytestmark = [pytest.mark.browser, pytest.mark.integration]

# Typed answers in the language, by the slot being asked for (made-up people).
TYPED = {
    "ar": {"victim_name": "فاطمة أحمد", "applicant_name": "فاطمة أحمد",
           "victim_address": "4 Mill Lane, Anytown", "victim_postcode": "AN1 2BB",
           "contact_phone": "07700 900123", "contact_email": "fatima@example.org",
           "safe_times": "بعد الساعة 6 مساءً", "interpreter_language": "لا شيء",
           "accessibility_needs": "لا شيء", "vulnerabilities": "لا شيء",
           "impact": "الجيران يصرخون كل ليلة ولا أستطيع النوم.",
           "incident_reference": "ليس لدي رقم"},
    "pl": {"victim_name": "Anna Nowak", "applicant_name": "Anna Nowak",
           "victim_address": "4 Mill Lane, Anytown", "victim_postcode": "AN1 2BB",
           "contact_phone": "07700 900123", "contact_email": "anna@example.org",
           "safe_times": "tylko po 18", "interpreter_language": "brak",
           "accessibility_needs": "brak", "vulnerabilities": "brak",
           "impact": "Sąsiedzi krzyczą co noc i nie mogę spać.",
           "incident_reference": "nie mam numeru"},
}


def apply_in(language: str, browser, stack):
    """A whole application through the stack's widget page in `language` (the example deployment
    offers all ten languages); the tab and the stored document."""
    visit = new_visit(browser, stack.widget_url, stack.rasa_url)
    visit.lang = language
    start(visit, f"/{language}/", keyboard=False)
    greeting = render(language, "greet", service=deployment().service_name)
    assert shown(greeting) in visit.bot_texts()[0]
    reference = Driver(visit, stack, typed=TYPED[language]).run()
    the_reference_points_to_the_record(visit, reference)
    return visit, stored_document(stack, reference)


def test_a_whole_application_in_arabic_right_to_left(browser, stack):
    visit, document = apply_in("ar", browser, stack)
    try:
        root = visit.page.locator(".asbw")
        assert root.get_attribute("dir") == "rtl" and root.get_attribute("lang") == "ar"
        directions = visit.page.evaluate(
            "() => [...document.querySelectorAll('.asbw-bot .asbw-text')]"
            ".map(p => getComputedStyle(p).direction)")
        assert directions and set(directions) == {"rtl"}
        # The close button sits on the left in right-to-left order.
        close = visit.page.locator(".asbw-close").bounding_box()
        assert close["x"] < visit.control("exit").bounding_box()["x"]
        assert document["language"] == "ar"
        assert document["consent"]["language"] == "ar"
        assert document["victim"]["name"] == TYPED["ar"]["victim_name"]
        assert document["impact"] == TYPED["ar"]["impact"]
        assert visit.axe_violations() == []
        assert visit.third_party_requests() == []
        visit.screenshot("application-done-ar")
    finally:
        visit.page.context.close()


def test_a_whole_application_in_polish(browser, stack):
    visit, document = apply_in("pl", browser, stack)
    try:
        root = visit.page.locator(".asbw")
        assert root.get_attribute("dir") == "ltr" and root.get_attribute("lang") == "pl"
        assert visit.control("start_again").is_visible()  # the widget's own words, in Polish
        assert any(render("pl", "summary-intro") in text for text in visit.bot_texts())
        assert document["language"] == "pl"
        assert document["consent"]["language"] == "pl"
        assert document["victim"]["name"] == "Anna Nowak"
        # The driver clicks "any time" when offered: stored as the title the applicant saw.
        assert document["victim"]["contact"]["safe_times"] == render("pl", "choice-any-time")
        assert document["impact"] == TYPED["pl"]["impact"]
        assert visit.axe_violations() == []
        assert visit.third_party_requests() == []
        visit.screenshot("application-done-pl")
    finally:
        visit.page.context.close()
