"""The widget in two of the further languages, in Debian's Chromium against the running stack:
a whole application in Arabic (right to left) and in Polish, typed answers in the language, with
the widget engineer's browser fixtures and application driver. The stored application records the
language; the page passes axe-core (WCAG 2.2 AA) in the language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
import yaml

from assistant.actions.messages import render
from assistant.actions.service import deployment
from stack import free_port
from tests.web_widget import test_application
from tests.web_widget.test_application import Driver, start

from .conftest import ROOT, new_visit, shown

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


@pytest.fixture(scope="module")
def languages_widget_url(stack, tmp_path_factory) -> Iterator[str]:
    """A real widget server whose deployment enables the eight further languages, talking to
    the stack's Rasa (whatever languages the example deployment enables)."""
    data = yaml.safe_load((ROOT / "deployment.example.yml").read_text(encoding="utf-8"))
    data["languages"] = list(dict.fromkeys([*data["languages"], "pl", "ro", "pa", "ur", "pt",
                                            "es", "ar", "bn"]))
    path = tmp_path_factory.mktemp("languages") / "deployment.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "web_widget", "serve", "--port", str(port),
         "--rasa-url", stack.rasa_url],
        cwd=ROOT, env={**os.environ, "ASB_DEPLOYMENT": str(path), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def stored_document(stack, reference: str) -> dict:
    with stack.handoff_db() as db:
        row = db.execute("select document from applications where reference = ?",
                         (reference,)).fetchone()
    assert row is not None, f"{reference} is not in the handoff database"
    return json.loads(row["document"])


def apply_in(language: str, browser, stack, url: str, monkeypatch):
    """A whole application through the widget's page in `language`; the tab and the document."""
    monkeypatch.setattr(test_application, "TYPED", TYPED[language])
    visit = new_visit(browser, url, stack.rasa_url)
    visit.lang = language
    start(visit, f"/{language}/", keyboard=False)
    greeting = render(language, "greet", service=deployment().service_name)
    assert shown(greeting) in visit.bot_texts()[0]
    reference = Driver(visit, stack).run()
    return visit, stored_document(stack, reference)


def test_a_whole_application_in_arabic_right_to_left(browser, stack, languages_widget_url,
                                                     monkeypatch):
    visit, document = apply_in("ar", browser, stack, languages_widget_url, monkeypatch)
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


def test_a_whole_application_in_polish(browser, stack, languages_widget_url, monkeypatch):
    visit, document = apply_in("pl", browser, stack, languages_widget_url, monkeypatch)
    try:
        root = visit.page.locator(".asbw")
        assert root.get_attribute("dir") == "ltr" and root.get_attribute("lang") == "pl"
        assert visit.control("start_again").is_visible()  # the widget's own words, in Polish
        assert any(render("pl", "summary-intro") in text for text in visit.bot_texts())
        assert document["language"] == "pl"
        assert document["consent"]["language"] == "pl"
        assert document["victim"]["name"] == "Anna Nowak"
        assert document["victim"]["contact"]["safe_times"] == "tylko po 18"
        assert document["impact"] == TYPED["pl"]["impact"]
        assert visit.axe_violations() == []
        assert visit.third_party_requests() == []
        visit.screenshot("application-done-pl")
    finally:
        visit.page.context.close()
