"""Effects of 異動 on cards (card-lifecycle.md): blocking, revocation, face changes, expiry; alerts kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from core.clock import system_clock
from core.db.models.audit import AuditEntry
from core.db.models.cards import Card, CardEvent, Certificate
from core.db.models.register import LoadAlert, Resident
from core.domain.cards import CardState, HandoverBlocked, RevokeReason
from core.services.audit import Actor
from core.services.cards import change_state
from core.services.register_effects import load_alerts
from etl.load import load_file
from tests.etl.register_files import foreigner, person, write_extract
from tests.factories import add_card

ETL = Actor("etl:test", role="etl")
COUNTER = Actor("counter-1", role="staff")
DELTA = "resident_20261102_delta.csv"


@pytest.fixture
def registered(session: Session, tmp_path: Path) -> Path:
    """Three residents loaded from a full file of 2026-11-01."""
    path = write_extract(tmp_path, [person(1), person(2), foreigner(3)])
    assert load_file(session, path, ETL).status == "loaded"
    return tmp_path


def holder(session: Session, n: int) -> Resident:
    found = session.get(Resident, f"{100000 + n}")
    assert found is not None
    return found


def apply_delta(session: Session, folder: Path, rows: list[dict[str, str]]) -> list[LoadAlert]:
    outcome = load_file(session, write_extract(folder, rows, name=DELTA), ETL)
    assert outcome.status == "loaded", [str(e) for e in outcome.errors]
    session.expire_all()
    return outcome.alerts


def events(session: Session, card: Card) -> list[CardEvent]:
    return list(session.scalars(select(CardEvent).where(CardEvent.card_id == card.id).order_by(CardEvent.id)))


def moved_out(n: int, reason: str = "B01", status: int = 2) -> dict[str, str]:
    return person(
        n,
        resident_status=status,
        move_reason=reason,
        move_date="2026-10-30",
        notified_date="2026-10-20",
        updated_at="2026-11-01 16:00:00",
    )


def test_a_moved_out_residents_waiting_card_is_blocked_and_cannot_be_issued(
    session: Session, registered: Path
) -> None:
    card = add_card(session, holder(session, 1), state="reserved")
    alerts = apply_delta(session, registered, [moved_out(1)])
    session.refresh(card)
    assert card.state == "reserved"
    assert card.blocked_reason is not None
    assert "受取前転出" in card.blocked_reason
    [event] = events(session, card)
    assert (event.kind, event.source_file, event.source_line) == ("register_effect", DELTA, 2)
    assert [(a.kind, a.card_id, a.move_reason, a.source_line) for a in alerts] == [
        ("blocked", card.id, "B01", 2)
    ]
    with pytest.raises(HandoverBlocked):
        change_state(session, card.id, CardState.ISSUED, COUNTER, at=system_clock())
    revoked = change_state(
        session,
        card.id,
        CardState.REVOKED,
        COUNTER,
        reason=RevokeReason.MOVED_OUT_BEFORE_PICKUP,
        at=system_clock(),
    )
    assert revoked.revoke_reason == "受取前転出"


def test_a_death_revokes_an_issued_card_and_blocks_a_waiting_one(session: Session, registered: Path) -> None:
    issued = add_card(session, holder(session, 2), state="issued")
    waiting = add_card(session, holder(session, 2), state="notified")
    alerts = apply_delta(session, registered, [moved_out(2, "B03", 3)])
    session.refresh(issued)
    session.refresh(waiting)
    assert (issued.state, issued.revoke_reason) == ("revoked", "死亡")
    [revocation] = events(session, issued)
    assert (revocation.to_state, revocation.source_file, revocation.source_line) == ("revoked", DELTA, 2)
    assert waiting.state == "notified"
    assert waiting.blocked_reason is not None
    assert "死亡" in waiting.blocked_reason
    assert sorted(a.kind for a in alerts) == ["blocked", "revoked"]


@pytest.mark.parametrize(
    ("reason", "status", "revoke_reason"), [("B02", 2, "国外転出"), ("B04", 9, "職権消除")]
)
def test_leaving_the_register_revokes_an_issued_card_with_the_right_reason(
    session: Session, registered: Path, reason: str, status: int, revoke_reason: str
) -> None:
    card = add_card(session, holder(session, 1), state="issued")
    apply_delta(session, registered, [moved_out(1, reason, status)])
    session.refresh(card)
    assert (card.state, card.revoke_reason) == ("revoked", revoke_reason)


def test_a_domestic_move_out_with_an_issued_card_leaves_the_ledger_without_a_state_change(
    session: Session, registered: Path
) -> None:
    card = add_card(session, holder(session, 1), state="issued")
    alerts = apply_delta(session, registered, [moved_out(1)])
    session.refresh(card)
    assert card.state == "issued"
    assert card.revoke_reason is None
    assert [e.kind for e in events(session, card)] == ["left_city"]
    assert [a.kind for a in alerts] == ["left_city"]


def test_an_address_change_needs_a_face_update_and_revokes_the_signature_certificate(
    session: Session, registered: Path
) -> None:
    card = add_card(session, holder(session, 1), state="issued")
    for kind in ("user", "signature"):
        session.add(
            Certificate(
                card_id=card.id,
                kind=kind,
                state="valid",
                issued_on=date(2026, 9, 1),
                expires_on=date(2031, 10, 10),
            )
        )
    session.flush()
    moved = person(
        1,
        address="神奈川県藤沢市辻堂元町2丁目3番4号",
        area_code="030200",
        move_reason="C01",
        move_date="2026-10-31",
        updated_at="2026-11-01 11:00:00",
    )
    alerts = apply_delta(session, registered, [moved])
    session.refresh(card)
    assert card.face_update_needed is True
    states = dict(
        session.execute(
            select(Certificate.kind, Certificate.state).where(Certificate.card_id == card.id)
        ).all()
    )
    assert states == {"user": "valid", "signature": "revoked"}
    assert [a.kind for a in alerts] == ["face_update"]
    assert {e.kind for e in events(session, card)} == {"register_effect", "certificate"}


def test_a_shorter_stay_shortens_a_foreign_residents_card(session: Session, registered: Path) -> None:
    card = add_card(
        session, holder(session, 3), state="issued", issued_on=date(2024, 6, 1), expires_on=date(2027, 4, 30)
    )
    shorter = foreigner(
        3,
        move_reason="C04",
        move_date="2026-10-30",
        residence_status="特定活動",
        residence_expiry="2027-01-31",
        updated_at="2026-11-01 12:00:00",
    )
    alerts = apply_delta(session, registered, [shorter])
    session.refresh(card)
    assert card.expires_on == date(2027, 1, 31)
    assert [a.kind for a in alerts] == ["expiry_changed"]


def test_a_longer_stay_does_not_extend_the_card_but_says_it_can_be(
    session: Session, registered: Path
) -> None:
    card = add_card(
        session, holder(session, 3), state="issued", issued_on=date(2024, 6, 1), expires_on=date(2027, 4, 30)
    )
    longer = foreigner(
        3,
        move_reason="C04",
        move_date="2026-10-30",
        residence_expiry="2029-04-30",
        updated_at="2026-11-01 12:00:00",
    )
    alerts = apply_delta(session, registered, [longer])
    session.refresh(card)
    assert card.expires_on == date(2027, 4, 30)
    assert [a.kind for a in alerts] == ["extension_possible"]


def test_alerts_of_the_last_load_are_kept_for_the_console(session: Session, registered: Path) -> None:
    add_card(session, holder(session, 1), state="notified")
    apply_delta(session, registered, [moved_out(1)])
    assert [a.kind for a in load_alerts(session)] == ["blocked"]


def test_a_resident_missing_from_a_full_file_is_kept_and_flagged(session: Session, registered: Path) -> None:
    path = write_extract(registered, [person(1), foreigner(3)], name="resident_20261102_full.csv")
    outcome = load_file(session, path, ETL)
    assert outcome.summary is not None
    assert outcome.summary.missing_residents == 1
    assert [(a.kind, a.atena_no) for a in outcome.alerts] == [("missing_from_full", "100002")]
    assert holder(session, 2).resident_status == 1


def test_the_etl_role_may_read_and_write_load_alerts(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        for privilege in ("SELECT", "INSERT"):
            assert conn.scalar(text(f"SELECT has_table_privilege('register.load_alerts', '{privilege}')"))
        assert conn.scalar(text("SELECT has_sequence_privilege('register.load_alerts_id_seq', 'USAGE')"))


def test_a_load_and_each_card_effect_are_in_the_audit_log(session: Session, registered: Path) -> None:
    card = add_card(session, holder(session, 2), state="issued")
    apply_delta(session, registered, [moved_out(2, "B03", 3)])
    entries = session.execute(
        select(AuditEntry.action, AuditEntry.object_id)
        .where(AuditEntry.actor == ETL.name)
        .order_by(AuditEntry.id)
    ).all()
    actions = [action for action, _ in entries]
    assert actions.count("register_load") == 2
    assert ("card_state_change", str(card.id)) in entries
    assert ("register_effect_revoked", str(card.id)) in entries
