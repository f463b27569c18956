"""The widget and the public edge's refusals, in Debian's Chromium: the project's REST channel
(edge_server.py: the real channel and its limits from a deployment file, in a real Sanic server)
answers 400 to a message longer than its limit and 429 with Retry-After to too many messages.
The widget says so in the user's language, never loses the text, and never goes silent."""

from __future__ import annotations

import re

import pytest

from .conftest import Visit, new_visit
from .edge_server import EdgeServer

pytestmark = [pytest.mark.browser]


def said(visit: Visit, key: str, n: int) -> str:
    """The widget's words for `key` with the number as the widget writes it in this language."""
    lang = visit.lang
    number = visit.page.evaluate("([n, l]) => n.toLocaleString(l)",
                                 [n, ("en-GB" if lang == "en" else lang) + "-u-nu-latn"])
    return visit.words()[key].replace("{n}", number)


def open_chat(browser, edge: EdgeServer, lang: str) -> Visit:
    visit = new_visit(browser, edge.widget_url, edge.rasa_url)
    visit.lang = lang
    visit.page.goto(visit.base_url + ("/" if lang == "en" else f"/{lang}/"))
    visit.control("launcher").click()
    visit.wait_for_bot(1)
    return visit


def send(visit: Visit, text: str) -> None:
    visit.page.locator("#asbw-input").fill(text)
    visit.page.locator(".asbw-form:not(.asbw-date-form) .asbw-send").click()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_message_over_the_edges_limit_comes_back_with_the_limit_said(browser, tmp_path, lang):
    # The widget's deployment allows 6,000 characters, the channel's 5,000 (a council that
    # raised one and not the other): the channel's 400 is what the user hears about.
    with EdgeServer(tmp_path, rasa_limits={"message_characters": 5000},
                    widget_limits={"message_characters": 6000}) as edge:
        visit = open_chat(browser, edge, lang)
        try:
            text = ("word " * 1100).strip()  # 5,499 characters
            send(visit, text)
            error = visit.page.locator("#asbw-input-error")
            error.wait_for()
            assert said(visit, "too_long", 5000) in error.inner_text()
            box = visit.page.locator("#asbw-input")
            assert box.input_value() == text, "the refused text must be back in the box"
            assert box.get_attribute("aria-invalid") == "true"
            assert "asbw-input-error" in box.get_attribute("aria-describedby")
            assert visit.page.evaluate("document.activeElement.id") == "asbw-input"
            assert text not in visit.user_texts() and visit.stored().get("outbox") == []
            assert edge.received == ["/greet"]  # the channel passed nothing on
            status = visit.page.locator(".asbw-status").inner_text().strip()
            assert status != visit.words()["sending"], "the widget must not look busy"
            visit.screenshot(f"edge-400-too-long-{lang}")
            # From now on the widget counts to the channel's limit and refuses more itself.
            visit.page.locator(".asbw-form:not(.asbw-date-form) .asbw-send").click()
            assert said(visit, "too_long", 5000) in error.inner_text()
            assert edge.received == ["/greet"]
            # A shorter version goes through and clears the error.
            send(visit, text[:3999])
            visit.wait_for_bot(2)
            assert error.is_hidden() and edge.received == ["/greet", text[:3999]]
            assert box.input_value() == ""
            assert visit.third_party_requests() == []
        finally:
            visit.page.context.close()


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_too_many_messages_say_how_long_to_wait_and_send_again_then(browser, tmp_path, lang):
    # 6 messages a minute for one conversation: a burst of 6, then one every 10 seconds (long
    # enough for the checks below to run before the widget sends the message again).
    with EdgeServer(tmp_path, rasa_limits={"conversation_messages_per_minute": 6}) as edge:
        visit = open_chat(browser, edge, lang)
        try:
            alert = visit.page.locator(".asbw-alert")
            sent = []
            for number in range(1, 30):
                text = f"message {number}"
                send(visit, text)
                sent.append(text)
                # Until it is answered (the typing indicator is not an answer) or refused.
                visit.page.wait_for_function(
                    "n => document.querySelector('.asbw-alert').textContent"
                    " || document.querySelectorAll('.asbw-bot:not(.asbw-typing)').length > n",
                    arg=len(sent))
                if alert.inner_text().strip():
                    break
            else:
                pytest.fail("the channel never answered 429")
            shown = alert.inner_text().strip()
            wait = int(re.search(r"\d+", shown).group())
            assert 1 <= wait <= 10
            assert shown == said(visit, "too_many", wait)
            assert alert.get_attribute("role") == "alert"
            # The refused message is kept, marked as not sent yet, and the box is free again.
            queued = visit.page.locator(".asbw-queued")
            assert queued.count() == 1 and sent[-1] in queued.inner_text()
            assert visit.words()["not_sent"] in queued.inner_text()
            assert [job["shown"] for job in visit.stored()["outbox"]] == [sent[-1]]
            assert sent[-1] not in edge.received
            visit.screenshot(f"edge-429-too-many-{lang}")
            # Nothing more to do: after the wait the widget sends it again, and it is answered.
            visit.wait_idle(timeout=(wait + 10) * 1000)
            assert visit.user_texts()[-1] == sent[-1]
            assert edge.received.count(sent[-1]) == 1 and edge.received[1:] == sent
            assert not alert.inner_text().strip()
            assert visit.third_party_requests() == []
        finally:
            visit.page.context.close()
