"""Debian's Chromium for every browser test and benchmark (never a downloaded browser): its path, its flags,
the two ways to launch it, and an app served on a loopback port for it to open."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL = "run `bash scripts/debian-packages.sh test`"

# For test modules that skip, rather than fail, on a machine without Chromium.
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is missing")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless browser; every context it opens starts clean. Playwright refuses --user-data-dir on
    launch() and instead gives every launch a fresh temporary profile, which is what we want."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def chromium_profile(profile: Path, **options: Any) -> Iterator[BrowserContext]:
    """One headless context kept in the profile folder PROFILE (OPTIONS: viewport, locale, ...)."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **options
        )
        try:
            yield context
        finally:
            context.close()


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
