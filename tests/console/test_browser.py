"""The console in a real Chromium: each role's pages and refusals, the card flow, no outside requests."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import Engine, func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from console.access import AccessRegistry
from core.clock import today
from core.db.models.cards import Card, Certificate
from core.db.models.register import Resident
from core.domain.expiry import add_months, card_expiry
from core.domain.roles import Role
from core.services.overview import WAITING_STATES
from tests.console.conftest import PERSON_BOX, USERS, Seed, log_in, open_page, shot

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
NO_ANALYTICS = "分析データがありません。`mynadesk etl analytics` を実行してください"


def _registry(console: Flask) -> AccessRegistry:
    registry: AccessRegistry = console.extensions["mynadesk_registry"]
    return registry


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_its_pages_and_is_refused_the_others(
    page: Any, live_server: str, console: Flask, role: Role
) -> None:
    log_in(page, live_server, role)
    registry = _registry(console)
    allowed = [p for p in registry.pages if role in p.roles and not p.prefix]
    for entry in allowed:
        open_page(page, live_server + entry.path)
        expect(page.locator("h1.md-page-title"), entry.path).to_have_text(entry.title)
        expect(page.locator("#access-refused"), entry.path).to_have_count(0)
        shot(page, f"{role.value}{entry.path.replace('/', '-') or '-home'}")
    # exactly the allowed pages, in the order they were registered
    expect(page.locator(".navbar .me-auto .nav-link")).to_have_text([p.title for p in allowed if p.in_menu])
    refused = [p for p in registry.pages if role not in p.roles and not p.prefix]
    assert refused
    for entry in refused:
        open_page(page, live_server + entry.path)
        expect(page.locator("#access-refused"), entry.path).to_be_visible()
    shot(page, f"{role.value}-refused")


def test_the_counter_moves_a_card_from_notice_through_reservation_to_issue(
    page: Any, live_server: str, seed: Seed
) -> None:
    log_in(page, live_server, Role.COUNTER)
    # 1. the box arrives: mark the card 交付通知済 by its notice number
    open_page(page, f"{live_server}/ledger/batch")
    page.fill("#batch-numbers", seed.preset_notice.lower())
    page.click("#batch-apply")
    expect(page.locator("#batch-report")).to_contain_text("1枚を「交付通知済」にしました")
    shot(page, "flow-1-batch-notified")
    # 2. find the person by half-width kana and see the reservation made on the site
    open_page(page, f"{live_server}/ledger")
    page.fill("#ledger-query", "ﾂｼﾞﾄﾞｳ ｳﾐｺ")
    page.click("#ledger-search")
    page.click("#ledger-hits >> text=辻堂")
    expect(page.locator("#person-name")).to_contain_text("辻堂")
    expect(page.locator("#person-card-table")).to_contain_text("交付通知済")
    expect(page.locator("body")).to_contain_text("R-TEST-0001")
    expect(page.locator("#person-card-table")).to_contain_text(PERSON_BOX)  # the city still holds the card
    # 異動事由: the label, the code beside it
    expect(page.locator("#person-register-move_reason")).to_have_text("国内転入 A01")
    shot(page, "flow-2-person")
    # 3. at the counter: today's list → register check → identity check → hand over
    open_page(page, f"{live_server}/issuance")
    page.click(f"#issue-today >> text={seed.preset_notice}")
    # the link re-renders the page with the number filled in: find on that page, not on the one before it
    expect(page.locator("#issue-notice")).to_have_value(seed.preset_notice)
    page.click("#issue-find")
    expect(page.locator("#issue-register-check.alert-success")).to_contain_text(
        "住民記録: 住民(交付できます)"
    )
    page.click("#issue-document")
    page.click("text=交付通知書+運転免許証")
    for label in ("顔写真を照合した", "暗証番号を設定した", "受領書に署名を受けた"):
        page.click(f"text={label}")
    page.click("#issue-handover")
    done = page.locator("#issue-done")
    expect(done).to_contain_text("交付済(運用中)")
    expect(done).to_contain_text(USERS[Role.COUNTER])
    shot(page, "flow-3-issued")
    # 4. the person's timeline shows every step
    open_page(page, f"{live_server}/ledger/person/{seed.person_atena}")
    for step in ("交付前設定済 → 交付通知済", "交付通知済 → 受取予約済", "受取予約済 → 交付済(運用中)"):
        expect(page.locator("#person-timeline")).to_contain_text(step)
    expect(page.locator("#person-card-table")).to_contain_text("利用者証明用: 有効")
    expect(page.locator("#person-card-table")).not_to_contain_text(PERSON_BOX)  # handed over: no box any more
    shot(page, "flow-4-timeline")


def test_a_moved_out_person_is_blocked_at_the_counter_with_the_reason(
    page: Any, live_server: str, seed: Seed
) -> None:
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/issuance?notice={seed.moved_out_notice}")
    page.click("#issue-find")
    # Dash may render the alert's class a moment before its text: wait for the words, not the element
    expect(page.locator("#issue-register-check.alert-danger")).to_contain_text("転出")
    page.click("#issue-handover")
    expect(page.locator("#issue-result")).to_contain_text("交付できるカードが選ばれていません")
    shot(page, "issuance-blocked")


def test_a_batch_with_a_bad_number_changes_nothing_and_lists_the_problem(
    page: Any, live_server: str, seed: Seed
) -> None:
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/ledger/batch")
    page.fill("#batch-numbers", "\n".join([*seed.box_notices, "ZZZ-999999"]))
    page.click("#batch-apply")
    expect(page.locator("#batch-refused")).to_contain_text("1件に問題があるため、1枚も変更していません")
    expect(page.locator("#batch-lines")).to_contain_text("台帳にない番号")
    shot(page, "batch-refused")


def test_the_admin_reads_and_exports_the_audit_log(
    page: Any, live_server: str, console_db: tuple[Engine, Engine, Seed]
) -> None:
    # Audit rows are stamped by the database's own clock (on purpose); the period starts on its day, typed in
    # as a keyboard user does, so the login just made is found even when MYNADESK_TEST_NOW moves the console.
    # Asked before logging in, so the login is stamped on this day or a later one (up to the console's today).
    with console_db[0].connect() as conn:
        stamped_on = conn.execute(sql("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date")).scalar_one()
    log_in(page, live_server, Role.ADMIN)
    open_page(page, f"{live_server}/admin/audit")
    start = page.locator("#audit-from-start")
    start.fill(stamped_on.isoformat())
    start.press("Tab")  # the picker takes a typed date on Tab (Enter opens its calendar)
    expect(start).to_have_value(stamped_on.isoformat())
    page.click("#audit-search")
    login = page.locator("#audit-rows tbody tr").filter(
        has=page.locator("td", has_text=re.compile(r"^ログイン\s*login$"))
    )
    expect(login.filter(has_text=USERS[Role.ADMIN])).not_to_have_count(0)  # dcc.Loading may still hide it
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
        log_in(page, live_server, role)
        for entry in _registry(console).pages_for(frozenset({role})):
            if not entry.prefix:
                open_page(page, live_server + entry.path)
    assert len(requested) > 20
    outside = [
        url for url in requested if urlparse(url).hostname not in LOCAL_HOSTS and not url.startswith("data:")
    ]
    assert outside == []


def _expected_expiries(owner: Engine, today: date, months: int) -> tuple[int, int]:
    """Card and certificate expiries in the horizon, computed here from the domain rules over the ledger."""
    start = today.replace(day=1)
    end = add_months(start, months)
    cards = certs = 0
    with Session(owner) as s:
        rows = s.execute(
            select(Card, Resident.birth_date)
            .join(Resident, Resident.atena_no == Card.holder_atena_no)
            .where(Card.state.in_(("issued", "suspended")), Resident.resident_status == 1)
        ).all()
        for card, birth in rows:
            expiry = card.expires_on or card_expiry(birth, card.issued_on, card.applied_on)
            cards += start <= expiry < end
            cert = s.scalar(
                select(Certificate.expires_on).where(
                    Certificate.card_id == card.id, Certificate.kind == "user", Certificate.state == "valid"
                )
            )
            certs += cert is not None and cert < expiry and start <= cert < end
    return cards, certs


def test_the_forecast_overview_and_statistics_without_an_analytics_build_say_to_run_it(
    page: Any, live_server: str, console: Flask
) -> None:
    root = console.extensions["mynadesk_console"].settings.data_dir / "analytics"
    aside = root.with_name("analytics-aside")
    if root.exists():
        root.rename(aside)
    try:
        log_in(page, live_server, Role.MANAGER)
        open_page(page, f"{live_server}/forecast")
        expect(page.locator("#fc-no-analytics")).to_contain_text(NO_ANALYTICS)
        expect(page.locator("#fc-summary-text")).to_have_count(0)
        open_page(page, f"{live_server}/overview")
        expect(page.locator("#ov-no-analytics")).to_contain_text(NO_ANALYTICS)
        expect(page.locator("#kpi-blocked .display-6")).to_have_text("1")  # the live figures still show
        open_page(page, f"{live_server}/statistics")
        page.click("#st-show")
        expect(page.locator("#st-no-analytics")).to_contain_text(NO_ANALYTICS)
        shot(page, "statistics-no-analytics")
    finally:
        if aside.exists():
            aside.rename(root)


@pytest.mark.parametrize(("months", "label"), [(36, "36か月"), (120, "10年")])
def test_the_forecast_page_matches_expiries_computed_from_the_domain_rules(
    page: Any,
    live_server: str,
    console_db: tuple[Engine, Engine, Seed],
    analytics: Path,
    months: int,
    label: str,
) -> None:
    # The page reads the marts built by the real analytics build (the `analytics` fixture); the expected
    # figures come from the ledger and the domain rules, independently of the marts.
    log_in(page, live_server, Role.MANAGER)
    open_page(page, f"{live_server}/forecast")
    page.click(f"text={label}")
    cards, certs = _expected_expiries(console_db[0], today(), months)
    assert cards > 5
    expect(page.locator("#fc-summary-text")).to_contain_text(
        f"カード有効期限 {cards:,}件、電子証明書 {certs:,}件"
    )
    expect(page.locator("#fc-as-of")).to_contain_text("データ時点: 分析データ")
    page.fill("#fc-capacity", "0")
    expect(page.locator("#fc-gap-table")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(3)
    shot(page, f"forecast-{months}")


def test_the_overview_shows_live_numbers_from_the_ledger(
    page: Any, live_server: str, console_db: tuple[Engine, Engine, Seed], analytics: Path
) -> None:
    # Waiting cards come from the marts the `analytics` fixture has just built; the rest is live.
    with Session(console_db[0]) as s:
        waiting = s.scalar(select(func.count()).select_from(Card).where(Card.state.in_(WAITING_STATES)))
    log_in(page, live_server, Role.MANAGER)
    open_page(page, f"{live_server}/overview")
    expect(page.locator("#kpi-waiting .display-6")).to_have_text(f"{waiting:,}")
    expect(page.locator("#kpi-noshow .display-6")).to_have_text("1")
    expect(page.locator("#kpi-blocked .display-6")).to_have_text("1")
    expect(page.locator("#ov-blocked")).to_contain_text("住民記録: 死亡(B03)")
    expect(page.locator("#ov-waiting-as-of")).to_contain_text("データ時点: 分析データ")
    expect(page.locator("#ov-issued-as-of")).to_contain_text("基準日以降は現在値")
    expect(page.locator("#kpi-noshow")).to_contain_text("データ時点: 現在")
    expect(page.locator(".js-plotly-plot")).to_have_count(4)
    shot(page, "overview")


def test_the_analyst_exports_suppressed_statistics(page: Any, live_server: str, analytics: Path) -> None:
    # The figures come from the marts the `analytics` fixture has just built (one no-show today at 本庁舎).
    log_in(page, live_server, Role.ANALYST)
    open_page(page, f"{live_server}/statistics")
    page.click("#st-measure")
    page.click("text=無断キャンセル")
    page.click("#st-dimension")
    page.click("text=会場")
    page.click("#st-show")
    rows = page.locator("#st-rows")
    expect(rows).to_contain_text("本庁舎")  # the venue column: the new table, not the first one
    expect(rows).to_contain_text("<5")
    expect(page.locator("#st-as-of")).to_contain_text("データ時点: 分析データ")
    with page.expect_download() as download:
        page.click("#st-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert (
        "基準日" in download.value.suggested_filename
    )  # データ時点 in the name: the header is the first row
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header[0] == "月"
    assert header[-1] == "備考"
    assert "本庁舎" in header
    cells = [cell for line in lines for cell in line[1:-1]]
    assert cells
    assert all(cell == "<5" or cell == "0" or int(cell) >= 5 for cell in cells)
    expect(page.locator("#st-chart .js-plotly-plot")).to_have_count(1)
    shot(page, "statistics")


def test_the_booking_clerk_runs_the_day_and_configures_venues(page: Any, live_server: str) -> None:
    log_in(page, live_server, Role.BOOKING)
    open_page(page, f"{live_server}/reservations")
    expect(page.locator("#rv-rows")).to_contain_text("R-TEST-0003")
    page.fill("#rv-booking", "R-TEST-0003")
    page.click("#rv-cancel")
    expect(page.locator("#rv-message")).to_contain_text("予約 R-TEST-0003: 取消")
    page.select_option("#rv-walk-slot", index=1)
    page.fill("#rv-walk-name", "窓口 来庁")
    page.click("#rv-walk")
    expect(page.locator("#rv-message")).to_contain_text("窓口受付 W")
    rows = page.locator("#rv-rows")
    for word in ("窓口 来庁", "受付済", "取消"):
        expect(rows).to_contain_text(word)
    expect(page.locator("#rv-cal .js-plotly-plot")).to_have_count(1)
    shot(page, "reservations-day")
    open_page(page, f"{live_server}/reservations/setup")
    page.fill("#rs-v-code", "TSJ")
    page.fill("#rs-v-ja", "辻堂市民センター")
    page.fill("#rs-v-en", "Tsujido Civic Center")
    page.click("#rs-v-save")
    expect(page.locator("#rs-venues")).to_contain_text("辻堂市民センター")
    page.click("#rs-t-add")
    expect(page.locator("#rs-message")).to_contain_text("会場・手続・曜日を選んでください")
    shot(page, "reservations-setup")


def test_the_booking_clerk_changes_the_booking_rules(page: Any, live_server: str) -> None:
    log_in(page, live_server, Role.BOOKING)
    open_page(page, f"{live_server}/reservations/rules")
    page.fill("#rr-max-days-ahead", "45")
    page.click("#rr-save")
    expect(page.locator("#rr-message")).to_contain_text("予約ルールを保存しました")
    open_page(page, f"{live_server}/reservations/rules")
    expect(page.locator("#rr-max-days-ahead")).to_have_value("45")
    shot(page, "reservation-rules")
