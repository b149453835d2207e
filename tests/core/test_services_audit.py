"""Card reads and filled forms leave audit entries that name the fact, never the data."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core.domain.forms import FormKind, FormSource
from core.services.audit import Actor, record_card_read
from core.services.forms import record_filled_form


def test_a_card_read_is_audited_without_the_items(session: Session) -> None:
    entry = record_card_read(session, Actor("S0003", terminal="T-1"), "ok", subject_atena_no="100")
    assert (entry.action, entry.object_type, entry.terminal) == ("card_read", "mynumber_card", "T-1")
    assert entry.detail == {"outcome": "ok", "items": ["name", "address", "birth_date", "sex"]}
    assert entry.at is not None


def test_a_refused_read_is_audited_with_its_reason(session: Session) -> None:
    entry = record_card_read(session, Actor("S0003"), "pin_reset_needed")
    assert entry.summary is not None
    assert "pin_reset_needed" in entry.summary


@pytest.mark.parametrize("key", ["my_number", "個人番号", "PIN"])
def test_a_form_record_never_holds_the_individual_number_or_a_pin(session: Session, key: str) -> None:
    with pytest.raises(ValueError, match="記録しません"):
        record_filled_form(
            session, kind=FormKind.RECEIPT, source=FormSource.REGISTER, values={key: "x"}, actor="S0001"
        )
