"""A whole application through the widget, as a user does it: by clicking and typing (English and
Welsh) and by keyboard alone. The driver (driver.py) answers whatever the assistant asks and
finds the application in the handoff service's database."""

from __future__ import annotations

import pytest

from .conftest import Visit
from .driver import TYPED, Driver, start, stored_document, the_reference_points_to_the_record

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def resumed_at_the_reference(visit: Visit, reference: str) -> None:
    """After a reload the log opens at its newest messages, the reference in view, the focus in
    the widget; "Save or print my answers" is offered."""
    visit.page.reload()
    visit.panel.wait_for()
    visit.page.wait_for_function(
        "() => document.activeElement && document.activeElement.closest('#asbw-panel')")
    found = visit.page.locator(".asbw-bot", has_text=reference).last
    panel, box = visit.log.bounding_box(), found.bounding_box()
    assert box["y"] < panel["y"] + panel["height"] and box["y"] + box["height"] > panel["y"]
    assert visit.control("record").is_visible()
    visit.screenshot(f"application-resumed-{visit.lang}")


@pytest.mark.parametrize("lang, path", [("en", "/"), ("cy", "/cy/")])
def test_a_whole_application_by_clicking_and_typing(visit, stack, lang, path):
    visit.lang = lang
    start(visit, path, keyboard=False)
    reference = Driver(visit, stack).run()
    document = stored_document(stack, reference)
    assert document["language"] == lang
    assert document["victim"]["name"] == TYPED["victim_name"]
    assert visit.page.locator(".asbw").get_attribute("lang") == lang
    the_reference_points_to_the_record(visit, reference)
    resumed_at_the_reference(visit, reference)
    # However long the conversation, the header and the text box stay in the panel's view.
    assert visit.page.evaluate("document.querySelector('#asbw-panel').scrollTop") == 0
    assert visit.control("exit").is_visible() and visit.page.locator("#asbw-input").is_visible()
    assert visit.axe_violations() == []
    visit.screenshot(f"application-done-{lang}")


def test_a_whole_application_by_keyboard_alone(visit, stack):
    start(visit, "/", keyboard=True)
    driver = Driver(visit, stack, keyboard=True)
    reference = driver.run()
    assert stored_document(stack, reference)["impact"] == TYPED["impact"]
    # Escape closes the panel and gives the focus back to the launcher; Enter opens it again.
    visit.page.keyboard.press("Escape")
    assert visit.panel.is_hidden()
    launcher = visit.control("launcher")
    assert visit.page.evaluate("el => document.activeElement === el", launcher.element_handle())
    visit.page.keyboard.press("Enter")
    assert visit.panel.is_visible()
    assert reference in " ".join(visit.bot_texts())
