"""Ledger search with the birth date typed after (or before) the name, and narrowing by 地区 and age."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.services import ledger_search
from core.services.audit import Actor
from core.services.ledger_search import Narrowing, SearchError
from tests.factories import add_resident

CLERK = Actor("C0001", role="counter", client_addr="10.0.0.5")
TODAY = date(2026, 12, 4)


@pytest.fixture
def nakano(session: Session) -> str:
    for birth, area in (
        (date(1990, 5, 1), "020101"),
        (date(1950, 3, 3), "020101"),
        (date(1987, 2, 16), "030101"),
    ):
        add_resident(
            session, name="中野\u3000亮", name_kana="ナカノ\u3000リョウ", birth_date=birth, area_code=area
        )
    target = add_resident(
        session,
        name="中野\u3000涼",
        name_kana="ナカノ\u3000リョウ",
        birth_date=date(1987, 2, 15),
        area_code="010101",
    )
    return target.atena_no


@pytest.mark.parametrize(
    "text",
    [
        "中野涼 1987-02-15",
        "中野 涼 1987/2/15",
        "中野涼1987年2月15日",
        "なかの りょう S62.2.15",
        "ナカノリョウ 昭和62年2月15日",
        "ﾅｶﾉ ﾘｮｳ　１９８７－０２－１５",
        "S62.2.15 ナカノ リョウ",
        "S62.2.15",
        "１９８７年２月１５日",
    ],
)
def test_a_name_with_its_birth_date_finds_only_that_person(session: Session, nakano: str, text: str) -> None:
    hits = ledger_search.search(session, text, CLERK, today=TODAY).hits
    assert [h.atena_no for h in hits] == [nakano]


def test_many_namesakes_are_narrowed_by_district_and_age(session: Session, nakano: str) -> None:
    def found(narrowing: Narrowing) -> int:
        return len(
            ledger_search.search(session, "ナカノ リョウ", CLERK, today=TODAY, narrowing=narrowing).hits
        )

    assert found(Narrowing()) == 4
    assert found(Narrowing(district="02")) == 2
    assert found(Narrowing(district="02", age_band="30-39")) == 1  # born 1990-05-01: 36
    assert found(Narrowing(age_band="70-79")) == 1  # born 1950-03-03: 76
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "search").order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None
    assert entry.detail is not None
    assert entry.detail["age_band"] == "70-79"


@pytest.mark.parametrize(
    ("text", "word"), [("中野 1987-02-30", "その日付はありません"), ("ナカノ H31.5.1", "元号")]
)
def test_an_impossible_birth_date_is_a_clear_error(session: Session, text: str, word: str) -> None:
    with pytest.raises(SearchError, match=word):
        ledger_search.search(session, text, CLERK, today=TODAY)


def test_an_unknown_district_is_refused(session: Session) -> None:
    with pytest.raises(SearchError, match="地区"):
        ledger_search.search(session, "ナカノ", CLERK, today=TODAY, narrowing=Narrowing(district="99"))
