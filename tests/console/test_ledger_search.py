"""Ledger search in a real Chromium: a name with the birth date in one box, in every form the hint shows, and
narrowing many namesakes by 地区 and age; every search is audited with what narrowed it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.clock import today
from core.db.models.audit import AuditEntry
from core.domain.roles import Role
from core.services import ledger_search
from core.services.ledger_search import HINT_EXAMPLES, years_before
from tests.console.conftest import Seed, log_in, open_page, shot
from tests.factories import add_resident

BORN = date(1987, 2, 15)  # the person every hint example names


@dataclass(frozen=True)
class Namesakes:
    """中野 涼 (1987-02-15, 片瀬) and six other ナカノ リョウ in 鵠沼 and 辻堂 of known ages."""

    target: str
    kugenuma: list[str]
    in_their_thirties_in_kugenuma: list[str]


@pytest.fixture(scope="module")
def namesakes(console_db: tuple[Engine, Engine, Seed]) -> Namesakes:
    day = today()
    people = [  # (name, district code, age today)
        ("中野\u3000亮", "02", 34),
        ("仲野\u3000良", "02", 72),
        ("中野\u3000涼", "02", 25),
        ("中野\u3000遼", "03", 35),
        ("中野\u3000諒", "03", 51),
        ("中埜\u3000稜", "03", 68),
    ]
    with Session(console_db[0]) as s, s.begin():
        target = add_resident(
            s, name="中野\u3000涼", name_kana="ナカノ\u3000リョウ", birth_date=BORN, area_code="011100"
        ).atena_no
        added = []
        for name, district, age in people:
            birth = years_before(day, age) - timedelta(days=40)
            resident = add_resident(
                s, name=name, name_kana="ナカノ\u3000リョウ", birth_date=birth, area_code=f"{district}0101"
            )
            added.append((resident.atena_no, district, age))
    return Namesakes(
        target,
        [a for a, d, _ in added if d == "02"],
        [a for a, d, age in added if d == "02" and 30 <= age <= 39],
    )


def _search(page: Any, text: str) -> None:
    page.fill("#ledger-query", text)
    page.click("#ledger-search")


def _atena_numbers(page: Any) -> list[str]:
    cells = page.locator("#ledger-hits tbody tr td:nth-child(7)")
    return sorted(cells.all_inner_texts())


def test_every_hint_example_finds_the_person_by_name_and_birth_date(
    page: Any, live_server: str, namesakes: Namesakes
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/ledger")
    hint = page.locator("#ledger-hint")
    assert len(HINT_EXAMPLES) >= 3
    for example in HINT_EXAMPLES:
        expect(hint).to_contain_text(example)
        _search(page, example)
        expect(page.locator("#ledger-hits tbody tr")).to_have_count(1)
        expect(page.locator("#ledger-hits")).to_contain_text(namesakes.target)
        expect(page.locator("#ledger-hits")).to_contain_text("1987-02-15")
    _search(page, "中野涼 S62.2.15")  # the hint's era form after a kanji name
    expect(page.locator("#ledger-hits tbody tr")).to_have_count(1)
    shot(page, "ledger-name-and-birth-date")


def test_namesakes_are_narrowed_by_district_and_age_and_the_search_is_audited(
    page: Any, live_server: str, namesakes: Namesakes, console_db: tuple[Engine, Engine, Seed]
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/ledger")
    _search(page, "なかの りょう")
    expect(page.locator("#ledger-hits tbody tr")).to_have_count(7)
    page.select_option("#ledger-district", label="鵠沼")
    expect(page.locator("#ledger-hits tbody tr")).to_have_count(len(namesakes.kugenuma))
    assert _atena_numbers(page) == sorted(namesakes.kugenuma)
    page.select_option("#ledger-age", value="30-39")
    expect(page.locator("#ledger-hits tbody tr")).to_have_count(1)
    assert _atena_numbers(page) == namesakes.in_their_thirties_in_kugenuma
    shot(page, "ledger-narrowed")
    with Session(console_db[0]) as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "search").order_by(AuditEntry.id.desc()).limit(1)
        ).one()
    assert entry.detail is not None
    assert {k: entry.detail[k] for k in ("kind", "query", "hits", "district", "age_band")} == {
        "kind": "kana",
        "query": "ナカノリョウ",
        "hits": 1,
        "district": "02",
        "age_band": "30-39",
    }


def test_an_impossible_birth_date_is_a_clear_error(page: Any, live_server: str) -> None:
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/ledger")
    _search(page, "中野涼 1987-02-30")
    expect(page.locator("#ledger-results")).to_contain_text("生年月日: その日付はありません")


def test_the_hint_examples_are_understood_as_name_and_birth_date() -> None:
    for example in HINT_EXAMPLES:
        query = ledger_search.understand(example, today())
        assert query.birth_date == BORN, example
