"""Browser fixtures: Debian's Chromium driven by Playwright against the running stack.

Every page gets: the widget's words from its own language tables (so tests find controls by the
names users hear, in any language, without typing them in by hand), a record of every request
(nothing may leave the machine), a record of Content-Security-Policy violations, axe-core, and
the "Exit this page" site answered locally so the test never reaches the internet.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from deployment import load_deployment
from stack import free_port
from web_widget.bundle import language_strings

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web_widget" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "web_widget"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM = "/usr/bin/chromium"
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make widget-deps` (npm ci in web_widget/)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """One browser tab on the demo site, with what it saw."""

    page: object
    base_url: str
    rasa_url: str
    requests: list[str] = field(default_factory=list)
    exits: list[str] = field(default_factory=list)
    lang: str = "en"

    # ---- the widget's words, from its own tables ----
    def words(self, lang: str | None = None) -> dict[str, str]:
        return language_strings(lang or self.lang)

    def control(self, key: str, lang: str | None = None):
        return self.page.get_by_role("button", name=self.words(lang)[key], exact=True)

    # ---- what is on screen ----
    @property
    def panel(self):
        return self.page.locator("#asbw-panel")

    @property
    def log(self):
        return self.page.locator(".asbw-log")

    def _texts(self, who: str) -> list[str]:
        """What each message shows on screen (without the words only screen readers get)."""
        return self.page.evaluate(
            "sel => [...document.querySelectorAll(sel)].map(p => { const c = p.cloneNode(true);"
            " c.querySelectorAll('.asbw-vh').forEach(h => h.remove());"
            " return c.textContent.trim(); })", f".asbw-{who}:not(.asbw-queued) .asbw-text")

    def bot_texts(self) -> list[str]:
        return self._texts("bot")

    def user_texts(self) -> list[str]:
        return self._texts("user")

    def replies(self) -> list[tuple[str, str]]:
        """The quick replies offered now: (title, payload)."""
        buttons = self.page.locator(".asbw-replies button")
        return [(b.inner_text().strip(), b.get_attribute("data-payload") or "")
                for b in buttons.all()]

    def stored(self) -> dict:
        raw = self.page.evaluate("sessionStorage.getItem('asb-widget')")
        return json.loads(raw) if raw else {}

    def wait_idle(self, timeout: float = 60_000) -> None:
        """Until no message is on its way and none is waiting to be sent again."""
        self.page.wait_for_function(
            "() => { const r = document.querySelector('.asbw');"
            " const s = JSON.parse(sessionStorage.getItem('asb-widget') || '{}');"
            " return r && !r.classList.contains('asbw-busy') && !(s.outbox || []).length; }",
            timeout=timeout,
        )

    def wait_for_bot(self, count: int, timeout: float = 60_000) -> None:
        self.page.wait_for_function(
            f"() => document.querySelectorAll('.asbw-bot').length >= {count}", timeout=timeout)
        self.wait_idle(timeout)

    # ---- checks ----
    def axe_violations(self) -> list[dict]:
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
        return [
            {"id": v["id"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
        ]

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations || []")

    def third_party_requests(self) -> list[str]:
        local = re.compile(r"^(https?://127\.0\.0\.1[:/]|data:|blob:)")
        return [url for url in self.requests if not local.match(url)]

    def date_keys(self, when) -> str:
        """The digits to type into a date field for `when`, in the order this browser's date
        field takes them (Chromium follows its own locale, not the page's): found by a probe."""
        probe = self.page.context.new_page()
        try:
            probe.set_content('<input type="date" id="probe">')
            probe.focus("#probe")
            probe.keyboard.type("01022003")
            month_first = probe.input_value("#probe") == "2003-01-02"
        finally:
            probe.close()
        return when.strftime("%m%d%Y" if month_first else "%d%m%Y")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def shown(markdown: str) -> str:
    """A bot message as the widget shows it: Markdown links become their text."""
    return re.sub(r"\[([^\]\n]+)\]\(((?:https://|mailto:|tel:)[^\s()]+)\)", r"\1", markdown).strip()


def new_visit(browser, base_url: str, rasa_url: str, viewport=(1280, 800)) -> Visit:
    exit_url = load_deployment().widget.exit_url
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    visit = Visit(page=page, base_url=base_url, rasa_url=rasa_url)
    context.add_init_script(script=RECORD_CSP)
    context.add_init_script(path=str(AXE))
    page.on("request", lambda request: visit.requests.append(request.url))

    def neutral_site(route):
        visit.exits.append(route.request.url)
        route.fulfill(status=200, content_type="text/html",
                      body="<!DOCTYPE html><title>Weather</title><h1>Weather</h1>")

    def off_machine(route):
        route.abort("blockedbyclient")

    # The route added last is tried first: the neutral site, then everything else off the machine.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), off_machine)
    context.route(exit_url, neutral_site)
    return visit


@pytest.fixture
def visit(browser, stack) -> Iterator[Visit]:
    """A fresh tab (fresh sessionStorage) on the stack's widget server, desktop sized."""
    tab = new_visit(browser, stack.widget_url, stack.rasa_url)
    yield tab
    tab.page.context.close()


@pytest.fixture(scope="session")
def fake_rasa() -> Iterator:
    """The real widget server talking to a small REST endpoint the test controls (fake_rasa.py),
    for the states the whole stack cannot be made to show on demand."""
    from .fake_rasa import FakeRasa

    fake = FakeRasa().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_visit(browser, fake_rasa) -> Iterator[Visit]:
    """A fresh desktop tab on the widget server that talks to the fake endpoint."""
    fake_rasa.reset()
    tab = new_visit(browser, fake_rasa.widget_url, fake_rasa.rasa_url)
    yield tab
    fake_rasa.release()
    tab.page.context.close()


@pytest.fixture(scope="session")
def widget_server(stack, tmp_path_factory) -> Iterator:
    """`widget_server(["en", "cy", "ar"])`: the URL of a real widget server (started once per
    language list) whose deployment enables those languages, talking to the stack's Rasa. The
    stack's own widget server has the example deployment's languages only."""
    servers: dict[tuple[str, ...], tuple[subprocess.Popen, str]] = {}

    def serve(languages: list[str]) -> str:
        key = tuple(languages)
        if key in servers:
            return servers[key][1]
        data = yaml.safe_load((ROOT / "deployment.example.yml").read_text(encoding="utf-8"))
        data["languages"] = list(languages)
        path = tmp_path_factory.mktemp("widget") / "deployment.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "web_widget", "serve", "--port", str(port),
             "--rasa-url", stack.rasa_url],
            cwd=ROOT, env={**os.environ, "ASB_DEPLOYMENT": str(path), "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        servers[key] = (server, url)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
                return url
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.2)

    try:
        yield serve
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def rtl_widget_url(widget_server) -> str:
    """The demo site with Arabic and Urdu enabled beside English and Welsh."""
    return widget_server(["en", "cy", "ar", "ur"])
