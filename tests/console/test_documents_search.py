"""Document search and viewer in a real Chromium at 1366×768: a scanned batch imported first, then found by
each field, opened in the viewer (the image really loads), and listed on the person page; every search and
view is in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.domain.roles import Role
from tests.console.conftest import USERS, Seed, log_in, open_page, shot
from tests.console.documents_batch import Imported

LAPTOP = {"width": 1366, "height": 768}
FIELDS = ("atena", "name", "notice", "from", "to", "batch", "text")


def _audit(owner: Engine, action: str, object_type: str, actor: str, after: int) -> list[AuditEntry]:
    with Session(owner) as s:
        return list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == action, AuditEntry.object_type == object_type)
                .where(AuditEntry.actor == actor, AuditEntry.id > after)
                .order_by(AuditEntry.id)
            )
        )


def _last_id(owner: Engine) -> int:
    with Session(owner) as s:
        return int(s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0)


def _search(page: Any, **values: str) -> None:
    for name in FIELDS:
        page.fill(f"#docs-{name}", values.get(name, ""))
    page.click("#docs-search")


def _natural_width(page: Any, selector: str) -> int:
    image = page.locator(selector)
    expect(image).to_be_visible()
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
    )
    return int(image.evaluate("i => i.naturalWidth"))


def test_search_finds_the_scanned_receipt_by_each_field_and_every_search_is_audited(
    page: Any, live_server: str, documents: Imported, console_db: tuple[Engine, Engine, Seed]
) -> None:
    owner = console_db[0]
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/documents")
    before = _last_id(owner)
    searches = {
        "宛名番号": {"atena": documents.atena_no},
        "カナ": {"name": "ブンショハナコ"},
        "氏名": {"name": "文書 花子"},
        "交付通知書番号": {"notice": documents.notice_no.lower()},
        "日付の範囲": {"from": documents.form_date, "to": documents.form_date},
        "バッチ": {"batch": documents.batch},
        "本文(OCR)": {"text": "鵠沼海岸"},
    }
    for label, values in searches.items():
        _search(page, **values)
        row = page.locator("#docs-hits tbody tr", has_text=documents.receipt)
        expect(row, label).to_have_count(1)
        expect(row, label).to_contain_text("カード受領書")
    shot(page, "documents-search-text")
    # by kind alone: the dropdown narrows to 受領書
    _search(page)
    page.click("#docs-kind")
    page.get_by_role("option", name="カード受領書", exact=True).click()
    page.keyboard.press("Escape")
    page.click("#docs-search")
    expect(page.locator("#docs-hits tbody tr", has_text=documents.receipt)).to_have_count(1)
    expect(page.locator("#docs-hits")).not_to_contain_text("申請書")
    # the legacy sheet (waiting for its index, or indexed at the desk) is found by its batch too
    open_page(page, f"{live_server}/documents")  # a fresh form: no kind chosen
    _search(page, batch=documents.batch.lower())
    legacy = page.locator("#docs-hits tbody tr", has_text=documents.legacy)
    expect(legacy).to_contain_text("個人番号カード交付申請書")
    audited = _audit(owner, "search", "document", USERS[Role.COUNTER], before)
    assert len(audited) == len(searches) + 2
    assert audited[0].subject_atena_no == documents.atena_no
    assert audited[0].detail["criteria"]["atena_no"] == documents.atena_no
    assert audited[-1].detail["criteria"]["batch"] == documents.batch


def test_bad_search_input_says_what_to_fix_and_keeps_what_was_typed(page: Any, live_server: str) -> None:
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, Role.DOCUMENTS)
    open_page(page, f"{live_server}/documents")
    _search(page, atena="12a4", **{"from": "2026-13-01"}, batch="XYZ")
    message = page.locator("#docs-message")
    expect(message).to_contain_text("宛名番号は数字で入れてください")
    expect(message).to_contain_text("日付(から)は 2026-12-01 の形で")
    expect(message).to_contain_text("バッチは BAT-00000012 の形で")
    expect(page.locator("#docs-atena")).to_have_value("12a4")
    expect(page.locator("#docs-from")).to_have_value("2026-13-01")
    _search(page)
    expect(message).to_contain_text("検索条件を1つ以上入れてください")
    shot(page, "documents-search-bad-input")


def test_the_viewer_shows_the_page_image_and_each_view_is_audited(
    page: Any, live_server: str, documents: Imported, console_db: tuple[Engine, Engine, Seed]
) -> None:
    owner = console_db[0]
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, Role.DOCUMENTS)
    open_page(page, f"{live_server}/documents")
    before = _last_id(owner)
    _search(page, notice=documents.notice_no)
    page.click(f"#docs-hits >> text={documents.receipt}")
    expect(page.locator("h1.md-page-title")).to_have_text("書類の表示")
    details = page.locator("#docv-details")
    expect(details).to_contain_text(documents.atena_no)
    expect(details).to_contain_text("文書\u3000花子")
    expect(details).to_contain_text(documents.notice_no)
    expect(details).to_contain_text("QRコードから")  # how it got its index, in words (not the code "qr")
    expect(page.locator("#docv-page")).to_have_text("1 / 1")
    assert abs(_natural_width(page, "#docv-image") - 1000) <= 1  # rendered for the viewer, not the thumbnail
    page.click("#docv-next")  # one page only: it stays on page 1
    expect(page.locator("#docv-page")).to_have_text("1 / 1")
    shot(page, "documents-viewer")
    staff = USERS[Role.DOCUMENTS]
    views = _audit(owner, "view", "document", staff, before)
    assert [v.object_id for v in views] == [documents.receipt]
    assert views[0].subject_atena_no == documents.atena_no
    images = _audit(owner, "view", "document_page", staff, before)
    assert images
    assert all(i.object_id == f"{documents.receipt} p.1" for i in images)


def test_the_person_page_lists_their_documents_with_a_link_to_the_viewer(
    page: Any, live_server: str, documents: Imported
) -> None:
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/ledger/person/{documents.atena_no}")
    listed = page.locator("#person-documents")
    expect(listed).to_contain_text(documents.receipt)
    expect(listed).to_contain_text("カード受領書")
    history = page.locator("#person-history")
    expect(history).to_contain_text("新規")  # the register history says what happened in words
    expect(history).not_to_contain_text("new")
    listed.locator("a", has_text=documents.receipt).scroll_into_view_if_needed()
    shot(page, "documents-person")
    listed.locator("a", has_text=documents.receipt).click()
    expect(page.locator("#docv-details")).to_contain_text(documents.receipt)
    assert _natural_width(page, "#docv-image") > 0


@pytest.mark.parametrize("role", [Role.ANALYST, Role.BOOKING, Role.MANAGER])
def test_roles_without_documents_are_refused_the_pages(page: Any, live_server: str, role: Role) -> None:
    log_in(page, live_server, role)
    for path in ("/documents", "/documents/index", "/documents/view/DOC-00000001"):
        open_page(page, live_server + path)
        expect(page.locator("#access-refused"), path).to_be_visible()
