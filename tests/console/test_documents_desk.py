"""The indexing desk in a real Chromium at 1366×768: a sheet without a QR code keyed twice by two people — the
register's name and birth date beside the image, bad input and a disagreeing entry refused with the values
kept, the agreeing entry indexes it and it leaves the queue; every keying and register look is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.clock import today
from core.db.models.audit import AuditEntry
from core.db.models.documents import Document
from core.domain.roles import Role
from tests.console.conftest import USERS, Seed, log_in, open_page, shot
from tests.console.documents_batch import Imported

LAPTOP = {"width": 1366, "height": 768}
APPLICATION = "個人番号カード交付申請書"


def _open_sheet(page: Any, base: str, reference: str) -> None:
    open_page(page, f"{base}/documents/index")
    page.locator("#desk-queue label", has_text=reference).click()
    expect(page.locator("#desk-entries")).to_contain_text(reference)
    page.wait_for_function(
        "() => { const i = document.querySelector('#desk-image'); return i.complete && i.naturalWidth > 0; }"
    )


def _key(page: Any, atena: str, kind: str, day: str) -> None:
    page.fill("#desk-atena", atena)
    page.keyboard.press("Tab")
    page.select_option("#desk-kind", label=kind)
    page.fill("#desk-date", day)
    page.click("#desk-submit")


def _actions(owner: Engine, after: int) -> list[tuple[str, str, str | None]]:
    with Session(owner) as s:
        rows = s.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.object_id)
            .where(AuditEntry.id > after)
            .order_by(AuditEntry.id)
        ).all()
    return [(r.action, r.actor, r.object_id) for r in rows]


def test_two_people_key_a_sheet_and_only_agreeing_entries_index_it(
    chromium: Any, live_server: str, documents: Imported, console_db: tuple[Engine, Engine, Seed]
) -> None:
    owner = console_db[0]
    with Session(owner) as s:
        before = int(s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0)
    day = (today() - timedelta(days=3)).isoformat()
    first = chromium.new_page()
    first.set_viewport_size(LAPTOP)
    log_in(first, live_server, Role.DOCUMENTS)
    _open_sheet(first, live_server, documents.legacy)
    # the OCR text's guess is shown beside the form, not typed into it: both keyings stay independent
    expect(first.locator("#desk-suggestion")).to_contain_text(
        f"OCR の候補(画像で確かめてから入力): 宛名番号 {documents.atena_no}"
    )
    expect(first.locator("#desk-atena")).to_have_value("")
    # bad input: what was typed stays, the message names each field
    _key(first, "12a", APPLICATION, "2026-02-30")
    message = first.locator("#desk-message")
    expect(message).to_contain_text("宛名番号は数字(15桁まで)で入れてください")
    expect(message).to_contain_text("日付は 2026-12-01 の形で入れてください")
    expect(first.locator("#desk-atena")).to_have_value("12a")
    expect(first.locator("#desk-date")).to_have_value("2026-02-30")
    # the first entry, checked against the register's name and birth date beside the image
    first.fill("#desk-atena", documents.atena_no)
    first.keyboard.press("Tab")
    glance = first.locator("#desk-glance")
    expect(glance).to_contain_text("文書\u3000花子")
    expect(glance).to_contain_text(f"生年月日 {documents.birth}")
    shot(first, "documents-desk-first")
    first.fill("#desk-date", day)
    first.click("#desk-submit")
    expect(message).to_contain_text("1回目の入力を記録しました")
    first.close()

    second = chromium.new_page()
    chromium.clear_cookies()
    second.set_viewport_size(LAPTOP)
    log_in(second, live_server, Role.COUNTER)
    _open_sheet(second, live_server, documents.legacy)
    expect(second.locator("#desk-entries")).to_contain_text(USERS[Role.DOCUMENTS])
    wrong = (today() - timedelta(days=4)).isoformat()
    _key(second, documents.atena_no, APPLICATION, wrong)
    message = second.locator("#desk-message")
    expect(message).to_contain_text("索引は確定していません: 先の入力と 日付 が違います")
    expect(second.locator("#desk-atena")).to_have_value(documents.atena_no)
    expect(second.locator("#desk-date")).to_have_value(wrong)
    expect(second.locator("#desk-kind")).to_have_value("application")
    shot(second, "documents-desk-mismatch")
    with Session(owner) as s:
        assert s.get_one(Document, documents.legacy_id).status == "needs_index"
    second.fill("#desk-date", day)
    second.click("#desk-submit")
    expect(message).to_contain_text(f"{documents.legacy} の索引を確定しました")
    expect(second.locator("#desk-queue")).not_to_contain_text(documents.legacy)
    expect(second.locator("#desk-entries")).to_have_text("索引待ちの書類はありません / nothing to index")
    expect(second.locator("#desk-image")).to_be_hidden()
    shot(second, "documents-desk-indexed")
    second.close()

    with Session(owner) as s:
        indexed = s.get_one(Document, documents.legacy_id)
        assert (indexed.status, indexed.atena_no, indexed.kind) == (
            "indexed",
            documents.atena_no,
            "application",
        )
        assert indexed.form_date.isoformat() == day
        assert indexed.indexed_by == f"{USERS[Role.DOCUMENTS]},{USERS[Role.COUNTER]}"
    actions = _actions(owner, before)
    keyings = [a for a in actions if a[0] == "document_index_entry"]
    assert [a[1] for a in keyings] == [USERS[Role.DOCUMENTS], USERS[Role.COUNTER], USERS[Role.COUNTER]]
    assert ("document_index", USERS[Role.COUNTER], documents.legacy) in actions
    assert ("view", USERS[Role.DOCUMENTS], documents.atena_no) in actions  # the register looked up
    assert ("view", USERS[Role.COUNTER], f"{documents.legacy} p.1") in actions  # the image


def test_the_counter_never_sees_sheets_of_other_kinds_in_the_queue(
    page: Any, live_server: str, documents: Imported
) -> None:
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/documents/index")
    expect(page.locator("#desk-queue")).not_to_contain_text(f"DOC-{documents.other_id:08d}")
    expect(page.locator("#desk-kind option", has_text="その他の書類")).to_have_count(0)
    log_in(page, live_server, Role.DOCUMENTS)
    open_page(page, f"{live_server}/documents/index")
    expect(page.locator("#desk-queue")).to_contain_text(f"DOC-{documents.other_id:08d}")
