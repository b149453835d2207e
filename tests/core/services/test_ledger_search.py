"""Ledger search finds people however the clerk typed; every search and record view is audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.register import Resident
from core.services import ledger_search
from core.services.audit import Actor
from core.services.ledger_search import SearchError
from tests.factories import add_card, add_resident

CLERK = Actor("C0001", role="counter", client_addr="10.0.0.5")


@pytest.fixture
def person(session: Session) -> Resident:
    add_resident(
        session, name="藤沢\u3000次郎", name_kana="フジサワ\u3000ジロウ", birth_date=date(1970, 1, 2)
    )
    return add_resident(
        session, name="辻堂\u3000海子", name_kana="ツジドウ\u3000ウミコ", birth_date=date(1985, 10, 10)
    )


def _found(session: Session, text: str) -> list[str]:
    return [hit.atena_no for hit in ledger_search.search(session, text, CLERK).hits]


@pytest.mark.parametrize(
    "text",
    [
        "ツジドウ ウミコ",
        "ﾂｼﾞﾄﾞｳｳﾐｺ",
        "つじどう　うみこ",
        "ツジドウ",
        "辻堂海子",
        "辻堂 海",
        "昭和60年10月10日",
        "1985-10-10",
    ],
)
def test_finds_a_person_by_name_kana_or_birth_date_whatever_the_width(
    session: Session, person: Resident, text: str
) -> None:
    assert person.atena_no in _found(session, text)
    assert "フジサワ" not in [h.name_kana for h in ledger_search.search(session, text, CLERK).hits]


def test_finds_by_codes_and_full_width_digits(session: Session, person: Resident) -> None:
    assert _found(session, person.atena_no) == [person.atena_no]
    wide = person.juminhyo_code.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert _found(session, wide) == [person.atena_no]


def test_finds_the_holder_by_notice_number_in_lower_case(session: Session, person: Resident) -> None:
    card = add_card(session, person, "notified", notice_no="FJS-000777")
    assert card.notice_no == "FJS-000777"
    assert _found(session, "fjs－000777") == [person.atena_no]


def test_every_search_is_audited(session: Session, person: Resident) -> None:
    ledger_search.search(session, "ツジドウ", CLERK)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "search")).one()
    assert (entry.actor, entry.detail) == ("C0001", {"kind": "kana", "query": "ツジドウ", "hits": 1})


@pytest.mark.parametrize(("text", "word"), [("  ", "入力"), ("ア", "2文字"), ("1" * 16, "長すぎ")])
def test_unusable_search_text_is_a_clear_error(session: Session, text: str, word: str) -> None:
    with pytest.raises(SearchError, match=word):
        ledger_search.search(session, text, CLERK)


def test_viewing_a_record_shows_cards_and_history_and_is_audited(session: Session, person: Resident) -> None:
    add_card(session, person, "reserved")
    record = ledger_search.person_record(session, person.atena_no, CLERK)
    assert [v.card.state for v in record.cards] == ["reserved"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "view")).one()
    assert (entry.subject_atena_no, str(entry.client_addr)) == (person.atena_no, "10.0.0.5")


def test_an_unknown_person_is_a_clear_error(session: Session) -> None:
    with pytest.raises(ledger_search.PersonNotFound, match="宛名番号"):
        ledger_search.person_record(session, "0000", CLERK)


def test_a_common_name_shows_the_first_hits_in_kana_order_and_says_there_are_more(session: Session) -> None:
    for i in range(ledger_search.MAX_HITS + 5):
        add_resident(
            session, name=f"鈴木\u3000{i}", name_kana=f"スズキ\u3000{'ハナコ' if i % 2 else 'イチロウ'}"
        )
    add_resident(session, name="鈴川\u3000一", name_kana="スズカワ\u3000ハジメ")  # same kana prefix スズ
    result = ledger_search.search(session, "スズキ", CLERK)
    assert len(result.hits) == ledger_search.MAX_HITS
    assert result.more
    kana = [hit.name_kana for hit in result.hits]
    assert kana == sorted(kana)
    assert all(k.startswith("スズキ") for k in kana)
    by_name = ledger_search.search(session, "鈴木", CLERK)
    assert (len(by_name.hits), by_name.more) == (ledger_search.MAX_HITS, True)
