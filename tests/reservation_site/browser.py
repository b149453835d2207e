"""Helpers for the site's browser tests: pages, axe-core, screenshots (Chromium itself: tests/browser.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "site"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def open_page(browser: Browser, viewport: dict[str, int], javascript: bool) -> Page:
    """A fresh page in its own context (cookies), Japanese locale, with or without JavaScript."""
    # bypass_csp: only so axe-core can be injected; the CSP itself is tested in test_booking_flow.
    context = browser.new_context(
        viewport=viewport, java_script_enabled=javascript, locale="ja-JP", bypass_csp=True
    )
    return context.new_page()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA violations on the current page."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


class Recorder:
    """Numbered full-page screenshots of each step, plus the axe check when JavaScript runs."""

    def __init__(self, page: Page, name: str, axe: bool) -> None:
        self.page = page
        self.name = name
        self.axe = axe
        self.step = 0
        self.violations: dict[str, list[dict[str, Any]]] = {}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, label: str) -> None:
        """Save a screenshot of the page as it is; check it with axe-core."""
        self.step += 1
        path = ARTIFACTS / f"{self.name}-{self.step:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if self.axe:
            found = axe_violations(self.page)
            if found:
                self.violations[f"{label} ({self.page.url})"] = found


def give_notice(page: Page, base_url: str, people: list[tuple[str, str]], language: str = "ja") -> None:
    """A pickup's first step in the browser: every person's notice number and birth date, then submit."""
    page.goto(f"{base_url}/p/card_pickup/notice?n={len(people)}&lang={language}")
    fill_notice(page, people)


def fill_notice(page: Page, people: list[tuple[str, str]]) -> None:
    """Fill the notice step's fields for PEOPLE (notice number, birth date as typed) and submit."""
    page.locator("#notice_no").fill(people[0][0])
    page.locator("#birth_date").fill(people[0][1])
    for index, (number, birth) in enumerate(people[1:]):
        page.locator(f"#members-{index}-notice_no").fill(number)
        page.locator(f"#members-{index}-birth_date").fill(birth)
    page.locator("form[method=post] button[type=submit]").click()
