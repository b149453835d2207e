"""カード読取 on the console's issuance page, end to end: Debian chromium → the local card agent → pcscd →
vpcd → the virtual card; the console shows the chip's items beside the register record, differences marked."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from core.db.models.audit import AuditEntry
from core.domain.roles import Role
from reader.agent import AgentSettings, create_app
from reader.pcsc import PcscReader
from tests.console.conftest import Seed, log_in, make_console, shot
from tests.factories import add_card, add_resident
from tests.pcsc_stack import VIRTUAL_READER, pcscd_running, require_stack, virtual_card
from tests.waitress_thread import served

pytestmark = pytest.mark.pcsc

NOTICE = "FJS-300001"
# The chip still carries the old address: the resident moved without a 券面記載事項変更.
CARD = {
    "info": {
        "name": "鵠沼\u3000読子",
        "address": "神奈川県藤沢市鵠沼海岸七丁目１０番１５号",
        "birth_date": "1985-10-10",
        "sex": "2",
    }
}


@pytest.fixture(scope="module")
def holder(console_db: tuple[Engine, Engine, Seed]) -> str:
    """A resident with a reserved card, committed to the console's database."""
    with Session(console_db[0]) as session, session.begin():
        person = add_resident(
            session, name="鵠沼\u3000読子", name_kana="クゲヌマ\u3000ヨミコ", birth_date=date(1985, 10, 10)
        )
        add_card(session, person, "reserved", notice_no=NOTICE)
        return person.atena_no


@pytest.fixture(scope="module")
def console_with_agent(console_db: tuple[Engine, Engine, Seed], tmp_path_factory: Any) -> Iterator[str]:
    """A console whose pages call a real card agent that allows exactly the console's origin."""
    require_stack()
    inner: dict[str, Flask] = {}

    def wsgi(environ: Any, start_response: Any) -> Any:
        return inner["app"](environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    origin = f"http://127.0.0.1:{server.server_port}"
    agent = create_app(AgentSettings(frozenset({origin})), functools.partial(PcscReader, VIRTUAL_READER))
    with pcscd_running(), served(agent) as agent_port:
        inner["app"] = make_console(
            console_db[1],
            Path(tmp_path_factory.mktemp("console-agent")),
            reader_url=f"http://127.0.0.1:{agent_port}",
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield origin
        server.shutdown()


def test_card_read_on_the_issuance_page_shows_the_chip_beside_the_register(
    page: Any, console_with_agent: str, holder: str, console_db: tuple[Engine, Engine, Seed]
) -> None:
    base = console_with_agent
    log_in(page, base, Role.COUNTER)
    with virtual_card(CARD):
        page.goto(f"{base}/issuance?notice={NOTICE}")
        page.click("#issue-find")
        expect(page.locator("#issue-register-check.alert-success")).to_contain_text(
            "住民記録: 住民(交付できます)"
        )
        page.fill("#issue-pin", "1234")
        page.click("#issue-read")
        result = page.locator("#issue-chip-result")
        expect(result).to_contain_text("鵠沼海岸", timeout=20000)  # the chip's address, shown to staff
        expect(result).to_contain_text("券面記載事項変更届")  # the address differs from the register
        expect(page.locator("#issue-pin")).to_have_value("")  # the PIN is not kept on the page
        shot(page, "issuance-card-read")
    with Session(console_db[0]) as session:
        reads = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "card_read", AuditEntry.subject_atena_no == holder)
        ).all()
    assert reads
    assert all("鵠沼海岸" not in str(entry.detail) for entry in reads)  # the fact is audited, not the data
