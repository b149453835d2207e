"""A card read recorded and compared in one call, as the console's カード読取 button will use it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.domain.identity import Match, PersonFace
from core.services.audit import Actor
from core.services.card_reads import compare_card_read
from core.services.residents import ResidentNotFound
from tests.reports.people import HANAKO, add_resident

STAFF = Actor("S0009", role="counter")


def _reads(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "card_read")))


def test_a_read_is_audited_and_compared(session: Session) -> None:
    resident = add_resident(session)
    card = PersonFace("藤沢　花子", "神奈川県藤沢市辻堂神台１丁目３番３９号", date(1985, 4, 12), "2")
    counter = Actor("S0009", role="counter", client_addr="10.1.2.3", terminal="T-3")
    comparison = compare_card_read(session, resident.atena_no, card, actor=counter)
    assert comparison is not None
    assert [f.match for f in comparison.fields] == [Match.SAME] * 4
    [entry] = _reads(session)
    assert (
        entry.actor,
        entry.actor_role,
        entry.subject_atena_no,
        str(entry.client_addr),
        entry.terminal,
    ) == (
        "S0009",
        "counter",
        HANAKO["atena_no"],
        "10.1.2.3",
        "T-3",
    )


def test_a_refused_read_is_audited_without_a_comparison(session: Session) -> None:
    resident = add_resident(session)
    assert compare_card_read(session, resident.atena_no, None, actor=STAFF, outcome="pin_locked") is None
    [entry] = _reads(session)
    assert entry.detail is not None
    assert (entry.detail["outcome"], entry.actor_role) == ("pin_locked", "counter")


def test_an_unknown_person_is_refused_before_anything_is_written(session: Session) -> None:
    with pytest.raises(ResidentNotFound):
        compare_card_read(session, "404", None, actor=STAFF)
    assert _reads(session) == []
