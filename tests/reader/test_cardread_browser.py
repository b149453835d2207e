"""The JavaScript client in a real browser (Debian chromium): a page on an allowed origin reads the card
through the agent, pcscd, vpcd and the virtual card. The console's own カード読取 button (issue 5) will make
the same calls; this page stands in for it until the console exists."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reader.agent import AgentSettings, create_app
from reader.pcsc import PcscReader
from tests.browser import CHROMIUM, INSTALL, chromium_profile
from tests.pcsc_stack import VIRTUAL_READER, pcscd_running, require_stack, virtual_card
from tests.waitress_thread import served

pytestmark = pytest.mark.pcsc

PAGE = Path(__file__).with_name("browser_page.html")
CARD = {
    "info": {
        "name": "湘南\u3000太郎",
        "address": "神奈川県藤沢市鵠沼海岸七丁目１０番１５号",
        "birth_date": "1970-01-31",
        "sex": "1",
    }
}


def _serve_page(agent: dict[str, str]) -> tuple[http.server.ThreadingHTTPServer, int]:
    template = PAGE.read_text(encoding="utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(template.replace("AGENT_URL", agent["url"]).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


@contextmanager
def page_and_agent(*, allowed: bool) -> Iterator[str]:
    """A page on its own origin (allowed or not) and an agent with the PC/SC reader; yields the page URL."""
    agent: dict[str, str] = {}
    page_server, page_port = _serve_page(agent)
    origins = frozenset({f"http://127.0.0.1:{page_port}"} if allowed else set())
    app = create_app(AgentSettings(origins), functools.partial(PcscReader, VIRTUAL_READER))
    try:
        with served(app) as agent_port:
            agent["url"] = f"http://127.0.0.1:{agent_port}"
            yield f"http://127.0.0.1:{page_port}/"
    finally:
        page_server.shutdown()
        page_server.server_close()


@pytest.fixture(scope="module")
def stack() -> Iterator[None]:
    require_stack()
    if not Path(CHROMIUM).exists():
        reason = f"chromium がありません / {CHROMIUM} missing (Debian: chromium)"
        if os.geteuid() == 0 or os.environ.get("CI"):
            pytest.fail(f"{reason}: {INSTALL}")
        pytest.skip(f"{reason} (not root: cannot install it here)")
    with pcscd_running():
        yield


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Page]:
    with chromium_profile(tmp_path / "profile") as context:
        yield context.new_page()


@pytest.mark.usefixtures("stack")
def test_the_page_reads_the_card_through_the_agent(browser_page: Page) -> None:
    with virtual_card(CARD), page_and_agent(allowed=True) as url:
        browser_page.goto(url)
        browser_page.fill("#pin", "1234")
        browser_page.click("#read")
        expect(browser_page.locator("#name")).to_have_text("湘南\u3000太郎")
        expect(browser_page.locator("#address")).to_have_text("神奈川県藤沢市鵠沼海岸七丁目１０番１５号")
        expect(browser_page.locator("#birth_date")).to_have_text("1970-01-31")
        expect(browser_page.locator("#sex")).to_have_text("男 (1)")
        expect(browser_page.locator("#tries")).to_have_text("残り回数 3")
        expect(browser_page.locator("#pin")).to_have_value("")
        browser_page.screenshot(path=str(Path(__file__).resolve().parents[1] / "artifacts" / "cardread.png"))


@pytest.mark.usefixtures("stack")
def test_a_wrong_pin_shows_the_tries_left(browser_page: Page) -> None:
    with virtual_card(CARD), page_and_agent(allowed=True) as url:
        browser_page.goto(url)
        browser_page.fill("#pin", "9999")
        browser_page.click("#read")
        expect(browser_page.locator("#error")).to_contain_text("wrong_pin: 暗証番号が違います(残り 2 回)")
        expect(browser_page.locator("#name")).to_have_text("")


@pytest.mark.usefixtures("stack")
def test_a_page_on_another_origin_gets_nothing(browser_page: Page) -> None:
    with virtual_card(CARD), page_and_agent(allowed=False) as url:
        browser_page.goto(url)
        browser_page.fill("#pin", "1234")
        browser_page.click("#read")
        expect(browser_page.locator("#error")).to_contain_text("agent_unreachable")
        expect(browser_page.locator("#name")).to_have_text("")
