"""The widget in Debian's Chromium against the real widget server and a REST endpoint the test
controls (fake_rasa.py): a hung server, a queue of messages, a phone and 400% zoom, a resumed
conversation, languages per message, long answers, dates, the record to keep, the opening, and
the bytes on the wire. Screenshots of each state go to test-artifacts/web_widget/."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from assistant.actions.messages import day_in_words
from deployment import load_deployment
from web_widget.bundle import LONG_ANSWERS, build, language_strings, message_characters

from .conftest import Visit, new_visit
from .fake_rasa import MENU, TIMEOUT_SECONDS, FakeRasa, Received

pytestmark = [pytest.mark.browser]

LIMIT = message_characters(load_deployment())
TODAY = date.today()
# Counts what screen readers are told: nodes added to the log (not hidden from them) and the
# times the alert's content is built.
COUNT_ANNOUNCEMENTS = """() => {
  window.__said = []; window.__alerts = 0;
  const log = document.querySelector('.asbw-log');
  new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(n => {
    if (n.nodeType === 1 && n.getAttribute('aria-hidden') !== 'true') window.__said.push(n.textContent);
  }))).observe(log, {childList: true});
  new MutationObserver(records => records.forEach(r => { if (r.addedNodes.length) window.__alerts++; }))
    .observe(document.querySelector('.asbw-alert'), {childList: true});
}"""


def open_chat(visit: Visit, path: str = "/") -> None:
    visit.page.goto(visit.base_url + path)
    visit.control("launcher").click()
    visit.wait_for_bot(1)


def box(visit: Visit):
    return visit.page.locator("#asbw-input")


def say(visit: Visit, text: str) -> None:
    box(visit).fill(text)
    visit.page.locator(".asbw-form:not(.asbw-date-form) .asbw-send").click()


def active(visit: Visit) -> str:
    return visit.page.evaluate(
        "() => { const a = document.activeElement; return a.id || a.className || a.tagName; }")


def question(asks: str, text: str = "A question?", **custom) -> list[dict]:
    return [{"text": text, "custom": {"asks": asks, **custom}}]


def asked(fake: FakeRasa, asks: str, **custom):
    """After the greeting, every answer is this question again."""
    def respond(received: Received) -> list[dict]:
        if received.message == "/greet":
            return fake.default(received)
        return question(asks, f"Question after {received.message[:20]!r}", **custom)
    return respond


# ---- (1) never stuck: timeout, queue, busy replies, one alert ----

def test_a_hung_server_times_out_into_one_alert_and_recovers(fake_visit, fake_rasa):
    visit = fake_visit
    open_chat(visit)
    visit.page.evaluate(COUNT_ANNOUNCEMENTS)
    words = visit.words()
    fake_rasa.hold()
    say(visit, "I want to apply")
    # While it is on its way: the message waits in view, the assistant is "typing", the replies
    # are marked busy, and the status says so.
    queued = visit.page.locator(".asbw-queued")
    queued.get_by_text("I want to apply").wait_for()
    assert visit.page.locator(".asbw-typing").is_visible()
    assert visit.page.get_by_role("status").inner_text() == words["sending"]
    replies = visit.page.locator(".asbw-replies button")
    assert {b.get_attribute("aria-disabled") for b in replies.all()} == {"true"}
    visit.screenshot("states-sending")
    # A second click while sending is not dropped silently: it says to wait.
    replies.first.focus()
    visit.page.keyboard.press("Enter")
    assert visit.page.get_by_role("status").inner_text() == words["wait"]
    assert fake_rasa.messages()[-1] == "I want to apply"

    # The server never answers: the widget gives up after its timeout and says so, once.
    alert = visit.page.get_by_role("alert")
    alert.get_by_text(words["offline"]).wait_for(timeout=(TIMEOUT_SECONDS + 3) * 1000)
    assert queued.get_by_text(words["not_sent"]).is_visible()
    assert box(visit).input_value() == ""
    assert visit.stored()["outbox"][0]["message"] == "I want to apply"
    visit.screenshot("states-timed-out")
    # It tries again by itself (after 2 s, then 4 s); the alert is not rebuilt or re-announced.
    visit.page.wait_for_timeout((TIMEOUT_SECONDS * 2 + 2) * 1000 + 500)
    tries = fake_rasa.messages().count("I want to apply")
    assert tries >= 2
    assert visit.page.evaluate("window.__alerts") == 1
    assert visit.axe_violations() == []

    fake_rasa.release()  # the next try gets through
    visit.page.get_by_role("status").get_by_text(words["back"]).wait_for(timeout=20_000)
    visit.wait_idle()
    assert visit.user_texts() == ["I want to apply"]
    assert alert.inner_text().strip() == ""
    assert visit.page.locator(".asbw-queued").count() == 0
    assert visit.page.locator(".asbw-typing").is_hidden()
    assert visit.third_party_requests() == []


def test_messages_typed_while_one_is_sending_go_in_order(fake_visit, fake_rasa):
    visit = fake_visit
    open_chat(visit)
    fake_rasa.hold()
    for text in ("first", "second", "third"):
        say(visit, text)
    notes = visit.page.locator(".asbw-queued .asbw-note")
    notes.nth(2).wait_for()
    words = visit.words()
    assert notes.all_inner_texts() == [words["sending"], words["waiting"], words["waiting"]]
    assert fake_rasa.messages() == ["/greet", "first"]  # one at a time
    visit.screenshot("states-queued")
    fake_rasa.release()
    visit.wait_idle()
    assert fake_rasa.messages() == ["/greet", "first", "second", "third"]
    assert visit.user_texts() == ["first", "second", "third"]
    # Each answer follows its own message in the log.
    order = visit.page.evaluate(
        "() => [...document.querySelectorAll('.asbw-log .asbw-msg:not(.asbw-typing)')]"
        ".map(m => m.classList.contains('asbw-user') ? 'you' : 'bot').slice(-6)")
    assert order == ["you", "bot", "you", "bot", "you", "bot"]


# ---- (2) a phone and 400% zoom: a modal dialog with Exit in view ----

@pytest.mark.parametrize("size", [(320, 640), (320, 180)], ids=["320px", "400-percent"])
def test_on_a_phone_and_at_400_percent_the_panel_is_a_modal_dialog(browser, fake_rasa, size):
    fake_rasa.reset()
    visit = new_visit(browser, fake_rasa.widget_url, fake_rasa.rasa_url, viewport=size)
    try:
        open_chat(visit)
        width, height = size
        panel = visit.panel
        assert panel.get_attribute("role") == "dialog"
        assert panel.get_attribute("aria-modal") == "true"
        assert visit.page.evaluate("document.querySelector('main').inert")
        assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
        # On opening, Exit and the text box are both in view.
        for target in (visit.control("exit"), box(visit)):
            b = target.bounding_box()
            assert 0 <= b["y"] and b["y"] + b["height"] <= height, target
            assert 0 <= b["x"] and b["x"] + b["width"] <= width, target
        assert active(visit) == "asbw-input"
        visit.screenshot(f"states-modal-opened-{width}x{height}")
        # Tab goes round the dialog only, and every stop is in view, not under the header.
        stops = []
        for _ in range(25):
            visit.page.keyboard.press("Tab")
            stops.append(visit.page.evaluate("""() => {
              const a = document.activeElement, r = a.getBoundingClientRect();
              const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
              const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
              const seen = a.contains(document.elementFromPoint(x, y));
              return {inside: !!a.closest('#asbw-panel'), seen, name: a.textContent.trim() || a.id};
            }"""))
        assert all(stop["inside"] for stop in stops), stops
        assert all(stop["seen"] for stop in stops), [s for s in stops if not s["seen"]]
        assert visit.words()["exit"] in [s["name"] for s in stops]
        # However far it is scrolled, Exit stays in view.
        panel.evaluate("p => p.scrollTo(0, 0)")
        b = visit.control("exit").bounding_box()
        assert 0 <= b["y"] < height
        assert visit.axe_violations() == []
        visit.screenshot(f"states-modal-{width}x{height}")
        # Closing gives the page back.
        visit.page.keyboard.press("Escape")
        assert not visit.page.evaluate("document.querySelector('main').inert")
    finally:
        visit.page.context.close()


def test_on_a_desktop_the_panel_leaves_the_page_usable(fake_visit):
    open_chat(fake_visit)
    assert fake_visit.panel.get_attribute("aria-modal") is None
    assert not fake_visit.page.evaluate("document.querySelector('main').inert")


# ---- (3) resume at the newest message; unsent text survives ----

def test_a_reload_resumes_at_the_newest_message_with_focus_and_the_draft(fake_visit, fake_rasa):
    visit = fake_visit

    def respond(received: Received) -> list[dict]:
        if received.message == "/greet":
            return fake_rasa.default(received)
        if received.message == "long story":
            return [{"text": f"Line {i}: " + "words " * 30} for i in range(30)]
        return [{"text": "Your reference is ASB-2026-7F3K9Q."},
                {"text": "Did that help?", "buttons": [
                    {"title": "Yes", "payload": '/inform{"choice":"yes"}'},
                    {"title": "No", "payload": '/inform{"choice":"no"}'}]}]

    fake_rasa.respond = respond
    open_chat(visit)
    say(visit, "long story")
    visit.wait_for_bot(32)
    say(visit, "and the end")
    visit.wait_for_bot(34)
    box(visit).fill("half a thought")
    visit.page.reload()
    visit.panel.wait_for()
    visit.page.wait_for_function("() => document.activeElement.dataset.payload")
    # Focus on the current question's first reply, the newest messages in view.
    assert visit.page.evaluate("document.activeElement.textContent") == "Yes"
    at_end = visit.log.evaluate("l => l.scrollHeight - l.scrollTop - l.clientHeight")
    assert at_end <= 2
    reference = visit.page.get_by_text("ASB-2026-7F3K9Q").bounding_box()
    log = visit.log.bounding_box()
    assert log["y"] <= reference["y"] and reference["y"] + reference["height"] <= log["y"] + log["height"]
    assert box(visit).input_value() == "half a thought"
    visit.screenshot("states-resumed")


# ---- (4) every message in its own language; a switch appends ----

def test_each_message_keeps_its_language_and_a_switch_only_appends(fake_visit, fake_rasa):
    visit = fake_visit
    open_chat(visit)
    before = visit.page.locator(".asbw-log .asbw-msg:not(.asbw-typing)").count()
    visit.page.evaluate(COUNT_ANNOUNCEMENTS)
    visit.page.get_by_role("button", name=re.compile("^" + visit.words()["language"])).click()
    visit.page.locator("#asbw-languages button", has_text=language_strings("ar")["name"]).click()
    visit.wait_for_bot(3)
    visit.lang = "ar"
    messages = visit.page.evaluate(
        "() => [...document.querySelectorAll('.asbw-log .asbw-msg:not(.asbw-typing)')]"
        ".map(m => [m.lang, m.dir, m.textContent])")
    # Nothing re-rendered: the English messages are still English, left to right.
    assert [m[:2] for m in messages[:before]] == [["en", "ltr"]] * before
    # Appended: the choice (in its own language) and the answer in Arabic, right to left.
    assert [m[:2] for m in messages[before:]] == [["ar", "rtl"], ["ar", "rtl"]]
    said = visit.page.evaluate("window.__said")
    assert len(said) == 2, said
    assert said[0].endswith(language_strings("ar")["name"])
    assert visit.page.locator(".asbw").get_attribute("dir") == "rtl"
    assert visit.axe_violations() == []
    visit.screenshot("states-language-switched")


# ---- (5) long answers: a multi-line box with the real limit ----

def test_long_answers_get_a_multi_line_box_with_a_character_count(fake_visit, fake_rasa):
    visit = fake_visit
    fake_rasa.respond = asked(fake_rasa, "impact")
    open_chat(visit)
    say(visit, "start")
    visit.wait_for_bot(4)
    field = box(visit)
    assert field.evaluate("f => f.tagName") == "TEXTAREA"
    assert field.get_attribute("maxlength") is None
    words = visit.words()
    count = visit.page.locator(".asbw-count")
    assert count.inner_text() == words["count_left"].replace("{n}", f"{LIMIT:,}")
    text = ("The shouting every night means I cannot sleep. " * 200)[:LIMIT]
    field.fill(text)
    assert count.inner_text() == words["count_left"].replace("{n}", "0")
    visit.page.locator(".asbw-form:not(.asbw-date-form) .asbw-send").click()
    visit.wait_for_bot(5)
    assert fake_rasa.messages()[-1] == text.strip()
    assert len(fake_rasa.messages()[-1]) == LIMIT

    # One more than the limit: counted, refused with an error, kept in the box.
    field.fill(text + "!")
    assert count.inner_text() == words["count_over"].replace("{n}", "1")
    sent = len(fake_rasa.messages())
    visit.page.locator(".asbw-form:not(.asbw-date-form) .asbw-send").click()
    error = visit.page.locator("#asbw-input-error")
    assert words["too_long"].replace("{n}", f"{LIMIT:,}") in error.inner_text()
    assert field.get_attribute("aria-invalid") == "true"
    assert "asbw-input-error" in field.get_attribute("aria-describedby")
    assert len(fake_rasa.messages()) == sent
    assert field.input_value() == text + "!"
    assert visit.axe_violations() == []
    visit.screenshot("states-long-answer-too-long")


def test_the_box_follows_the_question_kind(fake_visit, fake_rasa):
    visit = fake_visit
    kinds = iter(["victim_name", *LONG_ANSWERS, "safe_times"])

    def respond(received: Received) -> list[dict]:
        if received.message == "/greet":
            return fake_rasa.default(received)
        return question(next(kinds))

    fake_rasa.respond = respond
    open_chat(visit)
    tags = []
    for n in range(len(LONG_ANSWERS) + 2):
        say(visit, f"answer {n}")
        visit.wait_for_bot(4 + n)
        tags.append(box(visit).evaluate("f => f.tagName"))
    assert tags == ["INPUT"] + ["TEXTAREA"] * len(LONG_ANSWERS) + ["INPUT"]


# ---- (6) dates: day, month and year, checked in the user's language ----

def type_date(visit: Visit, when: date) -> None:
    """By keyboard alone: from the day field, Tab between the parts, Enter to send."""
    keyboard = visit.page.keyboard
    keyboard.type(str(when.day))
    keyboard.press("Tab")
    keyboard.type(str(when.month))
    keyboard.press("Tab")
    keyboard.type(str(when.year))
    keyboard.press("Enter")


def test_two_dates_in_a_row_by_keyboard(fake_visit, fake_rasa):
    visit = fake_visit
    fake_rasa.respond = asked(fake_rasa, "incident_date", input="date", max=TODAY.isoformat())
    open_chat(visit)
    say(visit, "start")
    visit.wait_for_bot(4)
    visit.page.locator(".asbw-date-form").wait_for()
    first, second = TODAY - timedelta(days=100), TODAY - timedelta(days=60)
    visit.page.locator("#asbw-day").focus()
    type_date(visit, first)
    visit.wait_for_bot(5)
    assert active(visit) == "asbw-day"  # the next date starts at the day, not the year
    type_date(visit, second)
    visit.wait_for_bot(6)
    assert fake_rasa.messages()[-2:] == [first.isoformat(), second.isoformat()]
    # Shown back as the assistant writes dates.
    assert visit.user_texts()[-2:] == [day_in_words(first, "en"), day_in_words(second, "en")]


@pytest.mark.parametrize("lang", ["en", "cy", "ar"])
def test_date_errors_are_the_widgets_own_in_the_users_language(browser, fake_rasa, lang):
    fake_rasa.reset()
    fake_rasa.respond = asked(fake_rasa, "incident_date", input="date", max=TODAY.isoformat())
    visit = new_visit(browser, fake_rasa.widget_url, fake_rasa.rasa_url)
    visit.lang = lang
    try:
        open_chat(visit, "/" if lang == "en" else f"/{lang}/")
        say(visit, "start")
        visit.wait_for_bot(4)
        words = visit.words()
        send = visit.page.locator(".asbw-date-form .asbw-send")
        error = visit.page.locator("#asbw-date-error")
        future = TODAY + timedelta(days=3)
        cases = [
            (("", "", ""), "date_empty", ["day", "month", "year"]),
            (("23", "", "2026"), "date_missing", ["month"]),
            (("23", "8", "11"), "date_year", ["year"]),
            (("31", "2", "2025"), "date_real", ["day", "month", "year"]),
            ((str(future.day), str(future.month), str(future.year)), "date_future",
             ["day", "month", "year"]),
        ]
        for (day, month, year), key, wrong in cases:
            for name, value in zip(("day", "month", "year"), (day, month, year), strict=True):
                visit.page.locator(f"#asbw-{name}").fill(value)
            send.click()
            assert words[key] in error.inner_text(), key
            invalid = [name for name in ("day", "month", "year")
                       if visit.page.locator(f"#asbw-{name}").get_attribute("aria-invalid")]
            assert invalid == wrong, key
            assert active(visit) == f"asbw-{wrong[0]}"
        assert len(fake_rasa.messages()) == 2  # nothing was sent
        assert visit.axe_violations() == []
        visit.screenshot(f"states-date-error-{lang}")
    finally:
        visit.page.context.close()


def test_a_date_is_shown_back_in_the_assistants_words_in_every_language(browser, fake_rasa):
    when = TODAY - timedelta(days=80)
    for lang in load_deployment().languages:
        fake_rasa.reset()
        fake_rasa.respond = asked(fake_rasa, "report_date", input="date", max=TODAY.isoformat())
        visit = new_visit(browser, fake_rasa.widget_url, fake_rasa.rasa_url)
        visit.lang = lang
        try:
            open_chat(visit, "/" if lang == "en" else f"/{lang}/")
            say(visit, "start")
            visit.wait_for_bot(4)
            for name, value in (("day", when.day), ("month", when.month), ("year", when.year)):
                visit.page.locator(f"#asbw-{name}").fill(str(value))
            visit.page.locator(".asbw-date-form .asbw-send").click()
            visit.wait_for_bot(5)
            assert visit.user_texts()[-1] == day_in_words(when, lang), lang
        finally:
            visit.page.context.close()


# ---- (7) a lighter opening ----

def test_the_opening_shows_the_greeting_five_actions_and_one_for_languages(fake_visit):
    visit = fake_visit
    open_chat(visit)
    words = visit.words()
    assert [payload for _, payload in visit.replies()] == MENU + [""]
    assert visit.replies()[-1][0] == words["other_languages"]
    assert not any("another language" in text for text in visit.bot_texts())
    greeting = visit.page.locator(".asbw-bot").first.bounding_box()
    log = visit.log.bounding_box()
    assert greeting["y"] >= log["y"] and greeting["y"] + greeting["height"] <= log["y"] + log["height"]
    assert active(visit) == "asbw-input"
    visit.screenshot("states-opening")
    visit.control("other_languages").click()
    assert visit.page.locator("#asbw-languages").is_visible()
    assert visit.page.evaluate("document.activeElement.getAttribute('aria-current')") == "true"
    assert visit.axe_violations() == []


# ---- (8) save or print my answers ----

SUMMARY = {
    "en": ["Here is everything you told me.", "Incident 1: happened Monday, 2 March 2026.",
           "Your name: Sam Taylor", "Your reference is ASB-2026-7F3K9Q (A S B - 2 0 2 6)."],
    "cy": ["Dyma bopeth a ddywedoch wrthyf.", "Digwyddiad 1: dydd Llun, 2 Mawrth 2026.",
           "Eich enw: Sam Taylor", "Eich cyfeirnod yw ASB-2026-7F3K9Q."],
    "ar": ["إليك كل ما أخبرتني به.", "الحادثة 1: الاثنين، 2 مارس 2026.",
           "اسمك: فاطمة أحمد", "رقمك المرجعي هو ASB-2026-7F3K9Q."],
}


def summary_then_reference(fake: FakeRasa, lang: str):
    intro, incident, line, sent = SUMMARY[lang]

    def respond(received: Received) -> list[dict]:
        if received.message == "/greet":
            return fake.default(received)
        if received.message == "/review":
            return [{"text": sent}, {"text": "[next] We will reply within 10 working days."}]
        return [{"text": intro}, {"text": incident},
                {"text": line, "buttons": [{"title": "Change", "payload": "/change"}]},
                {"text": "If everything is right, send it.", "custom": {"asks": "review_choice"},
                 "buttons": [{"title": "Send", "payload": "/review"}]}]
    return respond


@pytest.mark.parametrize("lang", ["en", "cy", "ar"])
def test_save_or_print_my_answers(browser, fake_rasa, lang, tmp_path):
    fake_rasa.reset()
    fake_rasa.respond = summary_then_reference(fake_rasa, lang)
    visit = new_visit(browser, fake_rasa.widget_url, fake_rasa.rasa_url)
    visit.lang = lang
    try:
        open_chat(visit, "/" if lang == "en" else f"/{lang}/")
        words = visit.words()
        record_button = visit.control("record")
        assert record_button.is_hidden()
        say(visit, "summary please")
        visit.wait_for_bot(7)
        assert record_button.is_visible()  # at the summary
        visit.page.locator(".asbw-replies button[data-payload='/review']").click()
        visit.wait_for_bot(9)
        record_button.click()
        record = visit.page.get_by_role("dialog")
        assert record.is_visible()
        text = record.inner_text()
        intro, incident, line, sent = SUMMARY[lang]
        for expected in (incident, line, sent, words["record_title"]):
            assert expected in text
        assert "If everything is right" not in text
        assert record.get_by_role("button", name=words["exit"]).is_visible()
        assert record.evaluate("r => r.closest('[dir]').dir") == words["dir"]
        assert visit.axe_violations() == []
        visit.screenshot(f"states-record-{lang}")
        visit.page.emulate_media(media="print")
        visit.screenshot(f"states-print-{lang}")
        assert visit.page.locator("main").is_hidden()
        visit.page.emulate_media(media="screen")
        with visit.page.expect_download() as info:
            visit.control("download").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        assert info.value.suggested_filename == "asb-case-review-ASB-2026-7F3K9Q.html"
        html = saved.read_text(encoding="utf-8")
        assert f'lang="{lang}"' in html and sent in html and line in html
        assert "<script" not in html
        visit.control("back_to_chat").click()
        assert visit.panel.is_visible() and record.is_hidden()
        assert visit.third_party_requests() == []
    finally:
        visit.page.context.close()


# ---- (9) compressed on the wire (brotli where the browser takes it) ----

def test_the_browser_gets_the_widget_brotli_compressed(fake_visit, fake_rasa):
    visit = fake_visit
    responses = []
    visit.page.on("response", lambda r: responses.append(r) if "/assets/widget." in r.url else None)
    open_chat(visit)
    # The server sends brotli only to a browser whose Accept-Encoding takes it.
    encodings = {r.url.rsplit(".", 1)[1]: r.all_headers().get("content-encoding") for r in responses}
    assert encodings == {"js": "br", "css": "br"}
    sizes = visit.page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter(e => /\\/assets\\/widget\\./.test(e.name))"
        ".map(e => [e.name.split('.').pop(), e.encodedBodySize, e.decodedBodySize])")
    bundle = build(load_deployment(), rasa_url=fake_rasa.rasa_url,
                   timeout_seconds=TIMEOUT_SECONDS)
    expected = {"js": bundle.script, "css": bundle.styles}
    assert sorted(kind for kind, _, _ in sizes) == ["css", "js"]
    for kind, encoded, decoded in sizes:
        assert (encoded, decoded) == (len(expected[kind].brotlied), len(expected[kind].body))
        # Brotli is what this browser gets, and it is smaller than the gzip copy.
        assert encoded < expected[kind].gzipped_size
