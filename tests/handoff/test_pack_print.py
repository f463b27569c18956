"""The inbox's printable and new pages in a real browser. The PCC's evidence pack: Debian's Chromium (Playwright) signs in to a real
handoff service holding an escalated application whose audit trail the test made, prints the pack
(print media), and saves it as a PDF. On paper the pack's sections are there with the recorded
facts, the missing Appendix A items are flagged, and no link, button or navigation is left; on
screen axe-core finds no WCAG 2.2 AA violation."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from handoff.inbox import hash_password
from tests.handoff.caseworker import PASSWORD, reviewed, sign_in_as_casey
from tests.handoff.handoff_parts import (
    apply,
    escalate,
    example_application,
    make_deployment,
    request_body,
    with_escalation,
)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web_widget" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "handoff"
CHROMIUM = "/usr/bin/chromium"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fixed_today"),
              pytest.mark.parametrize("database", ["sqlite"], indirect=True)]


@pytest.fixture
async def chromium():
    from playwright.async_api import async_playwright

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make widget-deps` (npm ci in web_widget/)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"])
        yield browser
        await browser.close()


@pytest.fixture
async def caseworker():
    """The caseworker's HTTP client that records the outcome (keeps the inbox's cookies)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def signed_in(chromium, service):
    """A new browser context signed in to the inbox as casey (axe is injected as a script,
    so the page's Content-Security-Policy is bypassed)."""
    context = await chromium.new_context(bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{service.url}/inbox/sign-in")
    await page.get_by_label("Username").fill("casey")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{service.url}/inbox")
    return context, page


async def axe_violations(page) -> list:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    return [(v["id"], [n["target"] for n in v["nodes"]][:5]) for v in result["violations"]]


def pdf_pages(pdf: bytes) -> int:
    """The page count of a PDF as Chromium writes it: its page tree's /Count (the page objects
    are counted too, and must agree)."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert counts and max(counts) == pages, (counts, pages)
    return pages


async def test_the_pack_prints_its_sections_without_the_controls(launch, http, caseworker,
                                                                 store, chromium):
    service = await launch(with_escalation({"window_weeks": 4}), worker=False)
    reference = await apply(service, http)
    await sign_in_as_casey(caseworker, service, store)
    await reviewed(caseworker, service, reference, ("2026-03-02", "2026-03-06", "yes",
                                                    "2026-03-09"),
                   "Action plan: a noise abatement notice by 20 March; patrols continue.")
    status, answer = await escalate(service, http, request_body(
        reference, grounds=["B"], reasons="Nobody spoke to the housing officer."))
    assert status == 201, answer
    escalation = answer["reference"]

    context, page = await signed_in(chromium, service)
    await page.goto(f"{service.url}/inbox/escalations/{escalation}")
    assert await page.title() == f"Evidence pack {escalation} – " + (
        service.deployment.service_name)

    # On screen: the links are there, and axe finds nothing wrong.
    assert await page.get_by_role("link", name="Back to the application").is_visible()
    assert await axe_violations(page) == []

    await page.emulate_media(media="print")
    # The pack's sections, with what the audit trail holds, are shown on paper.
    main = page.locator("main")
    printed = await main.inner_text()
    for text in (f"ASB case review application {reference}",
                 "Incidents and reports", "Decision and outcome dates",
                 "Three complaints in six months.",  # the threshold decision's reason
                 "Review meeting", "6 March 2026",
                 "Action plan: a noise abatement notice by 20 March; patrols continue.",
                 "Applicant told the outcome", "9 March 2026",
                 "Escalation asked for", "10 March 2026",
                 "Nobody spoke to the housing officer.",
                 "Appendix A checklist", "Timeline (from the audit trail)"):
        assert text in printed, text
    for section in ("#decisions", "#incidents", "#checklist", "#timeline", "#missing",
                    "#item-9", "#reasons"):
        assert await page.locator(section).is_visible(), section
    # Every incident and report, as the application gave them.
    incidents = example_application()["incidents"]
    assert await page.locator("#incidents tbody tr").count() == len(incidents)
    for incident in incidents:
        assert incident["description"] in printed
    missing = await page.locator("#missing").inner_text()
    assert "items 4, 7, 10, 12" in missing
    for number in (4, 7, 10, 12):
        row = page.locator(f"#item-{number}")
        assert await row.get_attribute("class") == "missing"
        assert "No" in await row.locator("td").nth(1).inner_text()
    # Nothing to click is left on paper: links, buttons, navigation, forms, the deliveries.
    for selector in ("a", "button", "nav", "form", "#deliveries", ".no-print"):
        for element in await page.locator(selector).all():
            assert not await element.is_visible(), selector
    assert "Download as JSON" not in printed and "Back to the application" not in printed

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "pack-print.png"), full_page=True)
    pdf = await page.pdf(format="A4", print_background=True)
    (ARTIFACTS / "pack.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) >= 1
    await context.close()
    actions = [entry["action"] for entry in store.application(reference)["audit"]]
    assert actions.count("pack_viewed") == 1


async def test_the_second_report_form_and_its_answer_pass_axe(launch, store, chromium):
    """The inbox's Second report page (handoff/second_report.py), empty, with an error, and
    with an answer and its link to the assistant."""
    service = await launch(make_deployment(handoff={"second_report": {
        "assistant_url": "https://www.example.gov.uk/asb-case-review"}}), worker=False)
    store.add_user("casey", hash_password(PASSWORD), "2026-03-01T09:00:00+00:00")
    context, page = await signed_in(chromium, service)
    await page.get_by_role("link", name="Second report").click()
    assert await axe_violations(page) == []
    await page.get_by_label("Reported to").first.select_option("police")
    await page.get_by_role("button", name="Check").click()
    assert "There is a problem" in await page.locator("main").inner_text()
    assert await axe_violations(page) == []
    await page.locator("#reported_on_0").fill("2026-01-06")
    await page.locator("#reported_on_1").fill("2026-03-02")
    await page.locator("#reported_to_1").select_option("council")
    await page.get_by_role("button", name="Check").click()
    assert "Explain the case review now" in await page.locator("#answer").inner_text()
    assert await page.locator("#assistant-link").is_visible()
    assert await axe_violations(page) == []
    await page.screenshot(path=str(ARTIFACTS / "second-report.png"), full_page=True)
    await context.close()
