"""Helpers for the browser tests: the app on a loopback port, Debian's Chromium, axe-core, screenshots."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "site"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Run APP on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium through Playwright (no browser download). Playwright refuses --user-data-dir on
    launch() and instead gives every launch a fresh temporary profile, which is what we want."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


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
