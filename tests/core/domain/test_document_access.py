"""Which kinds each role sees, and what the indexing desk accepts (plain rules, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.document_access import DOCUMENT_ROLES, kinds_for, parse_date, parse_entry
from core.domain.documents import DocumentError, DocumentKind
from core.domain.roles import Role

TODAY = date(2027, 3, 10)


def test_the_counter_sees_every_kind_but_other_and_analysts_see_none() -> None:
    assert DocumentKind.OTHER not in kinds_for({Role.COUNTER})
    assert DocumentKind.APPLICATION in kinds_for({Role.COUNTER})
    assert kinds_for({Role.DOCUMENTS}) == frozenset(DocumentKind)
    assert kinds_for({Role.COUNTER, Role.DOCUMENTS}) == frozenset(DocumentKind)
    assert kinds_for({Role.ANALYST, Role.BOOKING, Role.MANAGER}) == frozenset()
    assert Role.ANALYST not in DOCUMENT_ROLES


@pytest.mark.parametrize(
    "text", ["2027-03-01", "2027/3/1", "2027年3月1日", "20270301", "２０２７－０３－０１"]
)
def test_dates_in_the_forms_staff_type(text: str) -> None:
    assert parse_date(text) == date(2027, 3, 1)


@pytest.mark.parametrize("text", ["", "2027-02-30", "3/1", "yesterday"])
def test_what_is_not_a_date(text: str) -> None:
    assert parse_date(text) is None


def test_an_entry_is_normalised() -> None:
    entry = parse_entry(
        "９００１２",
        "application",
        "2027-03-01",
        "fjs-000123",
        entered_by="D1",
        allowed=kinds_for({Role.COUNTER}),
        today=TODAY,
    )
    assert (entry.atena_no, entry.kind, entry.form_date, entry.notice_no) == (
        "90012",
        DocumentKind.APPLICATION,
        date(2027, 3, 1),
        "FJS-000123",
    )


def test_a_bad_entry_names_every_field_to_fix() -> None:
    with pytest.raises(DocumentError) as raised:
        parse_entry(
            "12a",
            "other",
            "2027-03-11",
            "番号",
            entered_by="C1",
            allowed=kinds_for({Role.COUNTER}),
            today=TODAY,
        )
    message = raised.value.message_ja
    assert "宛名番号は数字" in message
    assert "書類の種類を選んでください" in message  # その他 is not the counter's to key
    assert "今日より後です" in message
    assert "交付通知書番号は英数字" in message
