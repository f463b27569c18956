"""The widget in Debian's Chromium against the running stack: states, accessibility (axe-core,
WCAG 2.2 AA), persistence, "Exit this page", outages, and safe rendering."""

from __future__ import annotations

import json
import re
import time

import pytest

from assistant.actions.messages import render
from deployment import load_deployment
from handoff.prefill_link import FRAGMENT
from tests.assistant.conversations import second_report_link
from web_widget.bundle import language_strings

from .conftest import Visit, new_visit, shown

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def open_chat(visit: Visit, path: str = "/") -> None:
    visit.page.goto(visit.base_url + path)
    visit.control("launcher").click()
    visit.wait_for_bot(1)


def a_topic(visit: Visit) -> str:
    """The title of the first quick reply that is not a language switch."""
    return next(title for title, payload in visit.replies()
                if not payload.startswith("/change_language"))


def assert_clean(visit: Visit) -> None:
    assert visit.csp_violations() == []
    assert visit.third_party_requests() == []


def test_closed_open_and_narrow_states_pass_axe(visit, browser, stack):
    visit.page.goto(visit.base_url + "/")
    launcher = visit.control("launcher")
    launcher.wait_for()
    assert launcher.get_attribute("aria-expanded") == "false"
    assert visit.axe_violations() == []
    visit.screenshot("desktop-closed")

    launcher.click()
    visit.wait_for_bot(1)
    assert visit.page.evaluate("document.activeElement.id") == "asbw-input"
    assert visit.log.get_attribute("role") == "log"
    assert visit.log.get_attribute("aria-live") == "polite"
    assert visit.axe_violations() == []
    visit.screenshot("desktop-open")
    assert_clean(visit)

    narrow = new_visit(browser, stack.widget_url, stack.rasa_url, viewport=(320, 640))
    try:
        open_chat(narrow)
        assert narrow.page.evaluate("document.documentElement.scrollWidth") <= 320
        box = narrow.panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320
        assert narrow.axe_violations() == []
        narrow.screenshot("320px-open")
        assert_clean(narrow)
    finally:
        narrow.page.context.close()


def test_at_400_percent_zoom_everything_is_reachable_without_sideways_scrolling(browser, stack):
    # 1280 x 720 CSS pixels at 400 % is a 320 x 180 viewport.
    zoomed = new_visit(browser, stack.widget_url, stack.rasa_url, viewport=(320, 180))
    try:
        open_chat(zoomed)
        assert zoomed.page.evaluate("document.documentElement.scrollWidth") <= 320
        for selector in (".asbw-panel .asbw-exit", ".asbw-close", ".asbw-log", "#asbw-input",
                         ".asbw-form:not(.asbw-date-form) button"):
            target = zoomed.page.locator(selector)
            target.scroll_into_view_if_needed()
            box = target.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 320, selector
            assert box["y"] < 180 and box["y"] + box["height"] > 0, selector
        zoomed.screenshot("400-percent-zoom")
    finally:
        zoomed.page.context.close()


def test_every_control_is_at_least_24_by_24_pixels(visit):
    open_chat(visit)
    sizes = visit.page.evaluate(
        "() => [...document.querySelectorAll('.asbw button:not([hidden]), .asbw input')]"
        ".filter(e => e.offsetParent).map(e => [e.textContent.trim() || e.id,"
        " e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    assert sizes, "no controls found"
    small = [s for s in sizes if s[1] < 24 or s[2] < 24]
    assert small == []


def test_the_welsh_page_starts_the_widget_and_the_conversation_in_welsh(visit, stack):
    visit.lang = "cy"
    open_chat(visit, "/cy/")
    root = visit.page.locator(".asbw")
    assert root.get_attribute("lang") == "cy"
    assert visit.control("start_again").is_visible()
    assert visit.page.get_by_label(visit.words()["input"]).is_visible()
    # The greeting's list of languages is one "other languages" button, not a message.
    expected = [shown(m["text"]) for m in stack.send(f"cy-check-{time.time_ns()}", "/greet",
                                                      {"language": "cy"})
                if m.get("text") and not (m.get("buttons") and all(
                    b["payload"].startswith("/change_language") for b in m["buttons"]))]
    assert visit.bot_texts() == expected
    assert visit.axe_violations() == []


def test_the_switcher_names_each_language_in_itself_and_switches(visit):
    open_chat(visit)
    visit.page.get_by_role("button", name=re.compile("^" + visit.words()["language"])).click()
    choices = visit.page.locator("#asbw-languages button")
    shipped = load_deployment().languages
    assert choices.all_inner_texts() == [language_strings(c)["name"] for c in shipped]
    assert [b.get_attribute("lang") for b in choices.all()] == shipped
    before = len(visit.bot_texts())
    choices.filter(has_text=language_strings("cy")["name"]).click()
    visit.wait_for_bot(before + 1)
    visit.lang = "cy"
    assert visit.page.locator(".asbw").get_attribute("lang") == "cy"
    assert visit.control("start_again").is_visible()
    assert visit.stored()["lang"] == "cy"


def test_arabic_is_right_to_left_and_passes_axe(browser, stack, rtl_widget_url):
    visit = new_visit(browser, rtl_widget_url, stack.rasa_url)
    visit.lang = "ar"
    try:
        open_chat(visit, "/ar/")
        root = visit.page.locator(".asbw")
        assert root.get_attribute("dir") == "rtl" and root.get_attribute("lang") == "ar"
        visit.screenshot("arabic-rtl-open")
        panel = visit.panel.bounding_box()
        exit_button = visit.control("exit").bounding_box()
        close = visit.page.locator(".asbw-close").bounding_box()
        assert close["x"] < exit_button["x"], "the close button should sit on the left in RTL"
        assert panel["x"] + panel["width"] <= 1280
        assert visit.axe_violations() == []
        visit.page.get_by_role("button", name=re.compile(visit.words()["language"])).click()
        names = visit.page.locator("#asbw-languages button").all_inner_texts()
        assert names == [language_strings(c)["name"] for c in ("en", "cy", "ar", "ur")]
        visit.screenshot("arabic-rtl-languages")
        assert_clean(visit)
    finally:
        visit.page.context.close()


def test_reload_and_moving_between_pages_keep_the_conversation(visit):
    open_chat(visit)
    title = a_topic(visit)
    before = len(visit.bot_texts())
    visit.page.get_by_role("button", name=title, exact=True).click()
    visit.wait_for_bot(before + 1)
    bots, users, sender = visit.bot_texts(), visit.user_texts(), visit.stored()["sender"]
    assert users == [title]

    visit.page.reload()
    visit.panel.wait_for()
    assert visit.bot_texts() == bots and visit.user_texts() == users
    assert visit.stored()["sender"] == sender

    visit.page.get_by_role("link", name="How to apply").click()
    visit.page.wait_for_url("**/apply")
    visit.panel.wait_for()
    assert visit.bot_texts() == bots and visit.user_texts() == users
    assert visit.stored()["sender"] == sender


def test_start_again_clears_the_conversation_and_sends_restart(visit):
    open_chat(visit)
    visit.page.get_by_label(visit.words()["input"]).fill("hello")
    visit.page.keyboard.press("Enter")
    visit.wait_for_bot(2)
    old_sender = visit.stored()["sender"]
    posted = []
    visit.page.on("request", lambda r: posted.append(r.post_data) if r.method == "POST" else None)

    visit.control("start_again").click()
    visit.wait_idle()
    visit.page.wait_for_function("() => document.querySelectorAll('.asbw-bot').length >= 1")
    assert visit.user_texts() == []
    stored = visit.stored()
    assert stored["sender"] != old_sender
    assert all(entry["from"] == "bot" for entry in stored["log"])
    sent = [json.loads(body) for body in posted if body]
    assert {"sender": old_sender, "message": "/restart"} in sent
    assert any(m["sender"] == stored["sender"] and m["message"] == "/greet" for m in sent)
    visit.page.reload()
    visit.panel.wait_for()
    assert visit.user_texts() == []


def test_exit_this_page_hides_everything_at_once_and_leaves(visit):
    exit_url = load_deployment().widget.exit_url
    open_chat(visit)
    # In the same task as the press, before the browser has started to leave, nothing shows.
    state = visit.page.evaluate(
        "() => { document.querySelector('.asbw-exit').click();"
        " return {cover: !!document.querySelector('.asbw-cover'),"
        " widget: !!document.querySelector('.asbw'), title: document.title,"
        " stored: sessionStorage.getItem('asb-widget'),"
        " main: getComputedStyle(document.querySelector('main')).visibility}; }")
    assert state == {"cover": True, "widget": False, "title": "", "stored": None,
                     "main": "hidden"}
    visit.page.wait_for_url(exit_url)
    assert visit.exits == [exit_url]
    visit.page.go_back(wait_until="commit")
    assert not visit.page.url.startswith(visit.base_url), "Back must not return to the chat"

    # And with a real click on the button.
    open_chat(visit)
    visit.control("exit").click()
    visit.page.wait_for_url(exit_url)
    assert visit.exits == [exit_url, exit_url]


def test_three_presses_of_shift_leave_and_other_keys_reset_the_count(visit):
    exit_url = load_deployment().widget.exit_url
    visit.page.goto(visit.base_url + "/")
    visit.control("launcher").wait_for()
    keyboard = visit.page.keyboard
    keyboard.press("Shift")
    keyboard.press("Shift")
    keyboard.press("a")
    keyboard.press("Shift")
    visit.page.wait_for_timeout(300)
    assert visit.page.url.startswith(visit.base_url)
    keyboard.press("Shift")
    keyboard.press("Shift")
    visit.page.wait_for_url(exit_url, timeout=5_000)
    assert visit.exits == [exit_url]


def test_an_outage_shows_a_message_keeps_the_text_and_recovers(visit, stack):
    open_chat(visit)
    words = visit.words()
    attempts = []

    def outage(route):
        attempts.append(time.monotonic())
        route.abort("connectionrefused")

    visit.page.route(stack.rest_url, outage)
    box = visit.page.get_by_label(words["input"])
    box.fill("I want to apply")
    box.press("Enter")
    alert = visit.page.get_by_role("alert")
    alert.get_by_text(words["offline"]).wait_for()
    # Kept in view as not sent yet; the box is free for the next message.
    queued = visit.page.locator(".asbw-queued")
    assert queued.get_by_text("I want to apply").is_visible()
    assert queued.get_by_text(words["not_sent"]).is_visible()
    assert box.input_value() == ""
    assert "I want to apply" not in visit.user_texts()
    assert visit.control("retry").is_visible()
    assert visit.axe_violations() == []
    visit.screenshot("desktop-error")
    # It tries again by itself, waiting longer each time.
    visit.page.wait_for_timeout(7_500)
    assert len(attempts) >= 3
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps[1] > gaps[0]
    assert visit.stored()["outbox"][0]["message"] == "I want to apply"

    visit.page.unroute(stack.rest_url)
    visit.control("retry").click()
    visit.page.get_by_role("status").get_by_text(words["back"]).wait_for()
    visit.wait_idle()
    assert visit.user_texts()[-1] == "I want to apply"
    assert queued.count() == 0
    assert alert.inner_text().strip() == ""
    assert_clean(visit)


def test_an_outage_recovers_by_itself_when_the_server_is_back(visit, stack):
    open_chat(visit)
    words = visit.words()
    visit.page.route(stack.rest_url, lambda route: route.abort("connectionrefused"))
    title = a_topic(visit)
    visit.page.get_by_role("button", name=title, exact=True).click()
    visit.page.get_by_role("alert").get_by_text(words["offline"]).wait_for()
    visit.page.reload()  # the unsent answer survives a reload too
    visit.page.get_by_role("alert").get_by_text(words["offline"]).wait_for()
    visit.page.unroute(stack.rest_url)
    visit.page.get_by_role("status").get_by_text(words["back"]).wait_for(timeout=40_000)
    assert visit.user_texts() == [title]


def test_markup_in_a_message_shows_as_text(visit, stack):
    open_chat(visit)
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>hi</b>'
    box = visit.page.get_by_label(visit.words()["input"])
    box.fill(hostile)
    box.press("Enter")
    visit.wait_for_bot(2)
    assert visit.user_texts()[-1] == hostile
    assert visit.page.locator(".asbw-log img, .asbw-log script, .asbw-log b").count() == 0
    assert visit.page.evaluate("window.__pwned === undefined")
    assert_clean(visit)


def test_links_come_only_from_the_assistants_markdown(visit, stack):
    open_chat(visit)
    reply = stack.send(f"links-{time.time_ns()}", "/ask_support", {"language": "en"})
    expected = [href for m in reply for href in
                re.findall(r"\]\(((?:https://|mailto:|tel:)[^\s()]+)\)", m.get("text") or "")]
    links = visit.page.locator(".asbw-bot a")
    before = links.count()
    box = visit.page.get_by_label(visit.words()["input"])
    box.fill("/ask_support")
    box.press("Enter")
    visit.wait_idle()
    assert [a.get_attribute("href") for a in links.all()[before:]] == expected
    for link in links.all():
        assert "noopener" in link.get_attribute("rel")
        assert link.get_attribute("href").startswith(("https://", "mailto:", "tel:"))
    user_links = visit.page.locator(".asbw-user a")
    box.fill("[click](https://evil.example)")
    box.press("Enter")
    visit.wait_idle()
    assert user_links.count() == 0


def test_rasa_really_stopped_then_started_again(visit, stack):
    """The same as the outage above with the real server process stopped (slow: Rasa takes about
    a minute to load its model, so this is done once)."""
    open_chat(visit)
    words = visit.words()
    box = visit.page.get_by_label(words["input"])
    stack.stop("rasa")
    try:
        box.fill("hello again")
        box.press("Enter")
        visit.page.get_by_role("alert").get_by_text(words["offline"]).wait_for()
        assert visit.page.locator(".asbw-queued").get_by_text("hello again").is_visible()
    finally:
        stack.start("rasa")
    visit.control("retry").click()
    visit.page.get_by_role("status").get_by_text(words["back"]).wait_for(timeout=60_000)
    visit.wait_idle()
    assert visit.user_texts()[-1] == "hello again"
    assert visit.page.locator(".asbw-queued").count() == 0


def test_a_2nd_report_link_leaves_the_address_bar_and_goes_with_the_greeting(visit, stack):
    value = second_report_link(stack)
    posted = []
    visit.page.on("request", lambda r: posted.append(r.post_data) if r.method == "POST" else None)
    visit.page.goto(f"{visit.base_url}/#{FRAGMENT}={value}")
    visit.wait_for_bot(1)  # a link opens the widget by itself
    assert visit.page.evaluate("location.hash") == "" and FRAGMENT not in visit.page.url
    sent = [json.loads(body) for body in posted if body]
    assert [m["metadata"].get("prefill") for m in sent] == [value]
    assert sent[0]["message"] == "/greet"
    assert render("en", "prefill-filled") in visit.bot_texts()
    assert render("en", "ask-more-incidents") in "\n".join(visit.bot_texts())
    assert FRAGMENT not in json.dumps(visit.stored()) and value not in json.dumps(visit.stored())
