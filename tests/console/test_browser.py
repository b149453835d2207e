"""The console in a real Chromium: each role's pages and refusals, the card flow, no outside requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask

from console.access import AccessRegistry
from core.domain.roles import Role
from tests.console.conftest import PASSWORD, USERS, Seed, shot

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _log_in(page: Any, base: str, role: Role) -> None:
    page.goto(f"{base}/login")
    page.fill("#staff_code", USERS[role])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("text=MynaDesk 業務コンソール")


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".md-page-title, #access-refused, #not-found", timeout=15000)
    page.wait_for_load_state("networkidle")


def _registry(console: Flask) -> AccessRegistry:
    registry: AccessRegistry = console.extensions["mynadesk_registry"]
    return registry


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_its_pages_and_is_refused_the_others(
    page: Any, live_server: str, console: Flask, role: Role
) -> None:
    _log_in(page, live_server, role)
    registry = _registry(console)
    allowed = [p for p in registry.pages if role in p.roles and not p.prefix]
    for entry in allowed:
        _open(page, live_server + entry.path)
        assert page.locator("#access-refused").count() == 0, entry.path
        assert page.locator("h1.md-page-title").inner_text() == entry.title
        shot(page, f"{role.value}{entry.path.replace('/', '-') or '-home'}")
    menu = page.locator(".navbar .me-auto .nav-link").all_inner_texts()
    assert set(menu) == {p.title for p in allowed if p.in_menu}
    refused = [p for p in registry.pages if role not in p.roles and not p.prefix]
    assert refused
    for entry in refused:
        _open(page, live_server + entry.path)
        assert page.locator("#access-refused").is_visible(), entry.path
    shot(page, f"{role.value}-refused")


def test_the_counter_moves_a_card_from_notice_through_reservation_to_issue(
    page: Any, live_server: str, seed: Seed
) -> None:
    _log_in(page, live_server, Role.COUNTER)
    # 1. the box arrives: mark the card 交付通知済 by its notice number
    _open(page, f"{live_server}/ledger/batch")
    page.fill("#batch-numbers", seed.preset_notice.lower())
    page.click("#batch-apply")
    page.wait_for_selector("text=1枚を「交付通知済」にしました")
    shot(page, "flow-1-batch-notified")
    # 2. find the person by half-width kana and see the reservation made on the site
    _open(page, f"{live_server}/ledger")
    page.fill("#ledger-query", "ﾂｼﾞﾄﾞｳ ｳﾐｺ")
    page.click("#ledger-search")
    page.click("#ledger-hits >> text=辻堂")
    page.wait_for_selector("#person-name")
    assert "交付通知済" in page.locator("#person-card-table").inner_text()
    assert "R-TEST-0001" in page.inner_text("body")
    shot(page, "flow-2-person")
    # 3. at the counter: today's list → register check → identity check → hand over
    _open(page, f"{live_server}/issuance")
    page.click(f"#issue-today >> text={seed.preset_notice}")
    page.click("#issue-find")
    page.wait_for_selector("#issue-register-check.alert-success")
    page.click("#issue-document")
    page.click("text=交付通知書+運転免許証")
    for label in ("顔写真を照合した", "暗証番号を設定した", "受領書に署名を受けた"):
        page.click(f"text={label}")
    page.click("#issue-handover")
    page.wait_for_selector("#issue-done")
    assert "交付済(運用中)" in page.inner_text("#issue-done")
    assert USERS[Role.COUNTER] in page.inner_text("#issue-done")
    shot(page, "flow-3-issued")
    # 4. the person's timeline shows every step
    _open(page, f"{live_server}/ledger/person/{seed.person_atena}")
    timeline = page.inner_text("#person-timeline")
    for step in ("交付前設定済 → 交付通知済", "交付通知済 → 受取予約済", "受取予約済 → 交付済(運用中)"):
        assert step in timeline
    assert "利用者証明用: 有効" in page.inner_text("#person-card-table")
    shot(page, "flow-4-timeline")


def test_a_moved_out_person_is_blocked_at_the_counter_with_the_reason(
    page: Any, live_server: str, seed: Seed
) -> None:
    _log_in(page, live_server, Role.COUNTER)
    _open(page, f"{live_server}/issuance?notice={seed.moved_out_notice}")
    page.click("#issue-find")
    alert = page.wait_for_selector("#issue-register-check.alert-danger")
    assert "転出" in alert.inner_text()
    page.click("#issue-handover")
    page.wait_for_selector("text=交付できるカードが選ばれていません")
    shot(page, "issuance-blocked")


def test_a_batch_with_a_bad_number_changes_nothing_and_lists_the_problem(
    page: Any, live_server: str, seed: Seed
) -> None:
    _log_in(page, live_server, Role.COUNTER)
    _open(page, f"{live_server}/ledger/batch")
    page.fill("#batch-numbers", "\n".join([*seed.box_notices, "ZZZ-999999"]))
    page.click("#batch-apply")
    page.wait_for_selector("#batch-refused")
    assert "1件に問題があるため、1枚も変更していません" in page.inner_text("#batch-refused")
    assert "台帳にない番号" in page.inner_text("#batch-lines")
    shot(page, "batch-refused")


def test_the_admin_reads_and_exports_the_audit_log(page: Any, live_server: str) -> None:
    _log_in(page, live_server, Role.ADMIN)
    _open(page, f"{live_server}/admin/audit")
    page.click("#audit-search")
    page.wait_for_selector("#audit-rows")
    assert "login" in page.inner_text("#audit-rows")
    with page.expect_download() as download:
        page.click("#audit-export")
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    assert text.startswith("番号,日時,職員番号")
    assert USERS[Role.ADMIN] in text
    shot(page, "admin-audit")


def test_the_console_makes_no_request_outside_this_machine(
    page: Any, live_server: str, console: Flask
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for role in (Role.ADMIN, Role.COUNTER, Role.MANAGER):
        page.context.clear_cookies()
        _log_in(page, live_server, role)
        for entry in _registry(console).pages_for(frozenset({role})):
            if not entry.prefix:
                _open(page, live_server + entry.path)
    assert len(requested) > 20
    outside = [
        url for url in requested if urlparse(url).hostname not in LOCAL_HOSTS and not url.startswith("data:")
    ]
    assert outside == []
