"""Issuance: register check, identity check, handover with certificates; batches are all or nothing."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db.models.booking import Procedure, Reservation
from core.db.models.cards import Card, Certificate
from core.domain.cards import CardState
from core.domain.errors import DomainError
from core.services import card_actions, issuance
from core.services.audit import Actor
from core.services.issuance import CertificateChoice, IdentityCheck
from tests.factories import JST, add_booking, add_card, add_place, add_resident

CLERK = Actor("C0001", role="counter", client_addr="10.0.0.5")
CHECKED = IdentityCheck("交付通知書+運転免許証", face_matches=True, pins_set=True, receipt_signed=True)
TODAY = date(2026, 11, 26)
NOW = datetime.combine(TODAY, time(10, 5), JST)  # the clock the counter works at


def _book(session: Session, notice_no: str, day: date = TODAY) -> Reservation:
    venue, procedure = add_place(session, f"V{notice_no[-4:]}", f"P{notice_no[-4:]}")
    start = datetime.combine(day, time(10, 0), JST)
    return add_booking(
        session,
        venue.id,
        procedure.id,
        start,
        f"R{notice_no[-6:]}",
        secret_hash=f"h{notice_no}",
        notice_no=notice_no,
        name="辻堂 海子",
    )


def test_a_reserved_card_is_handed_over_with_its_certificates(session: Session) -> None:
    card = add_card(session, add_resident(session, birth_date=date(1985, 10, 10)), "reserved")
    issuance.hand_over(session, card.id, CLERK, CHECKED, NOW, on=TODAY)
    assert (card.state, card.handed_over_by) == ("issued", "C0001")
    certs = {c.kind: c for c in session.scalars(select(Certificate).where(Certificate.card_id == card.id))}
    assert certs["user"].state == "valid"
    assert certs["user"].issued_on == TODAY
    assert certs["user"].expires_on == date(2031, 10, 10)  # 5th birthday after issue (domain rule)
    assert certs["signature"].expires_on == date(2031, 10, 10)


def test_a_child_gets_no_signature_certificate_by_default(session: Session) -> None:
    card = add_card(
        session, add_resident(session, birth_date=date(2014, 3, 3)), "reserved", expires_on=date(2031, 3, 3)
    )
    issuance.hand_over(session, card.id, CLERK, CHECKED, NOW, CertificateChoice(), on=TODAY)
    states = dict(
        session.execute(
            select(Certificate.kind, Certificate.state).where(Certificate.card_id == card.id)
        ).all()
    )
    assert states == {"user": "valid", "signature": "none"}


@pytest.mark.parametrize(("status", "word"), [(2, "転出"), (3, "死亡")])
def test_the_register_check_blocks_moved_out_or_deceased_people_with_the_reason(
    session: Session, status: int, word: str
) -> None:
    card = add_card(session, add_resident(session, resident_status=status), "reserved")
    check = issuance.check_register(session, card.id)
    assert not check.allowed
    assert word in check.message_ja
    with pytest.raises(DomainError, match=word):
        issuance.hand_over(session, card.id, CLERK, CHECKED, NOW)
    assert card.state == "reserved"


def test_an_incomplete_identity_check_stops_the_handover(session: Session) -> None:
    card = add_card(session, add_resident(session), "reserved")
    unchecked = IdentityCheck("", face_matches=True, pins_set=False, receipt_signed=True)
    with pytest.raises(DomainError, match=r"本人確認書類.*暗証番号"):
        issuance.hand_over(session, card.id, CLERK, unchecked, NOW)
    assert card.state == "reserved"


def test_a_notified_card_with_todays_booking_is_reserved_then_issued(session: Session) -> None:
    card = add_card(session, add_resident(session), "notified", notice_no="FJS-123456")
    reservation = _book(session, "FJS-123456")
    found = issuance.find_candidate(session, "fjs-123456", TODAY, CLERK)
    assert (found.booking_no, found.check.allowed) == (reservation.booking_no, True)
    assert [p.notice_no for p in issuance.todays_pickups(session, TODAY, CLERK)] == ["FJS-123456"]
    issuance.hand_over(session, card.id, CLERK, CHECKED, NOW, booking_no=reservation.booking_no)
    assert (card.state, card.handed_over_at) == ("issued", NOW)
    days = session.scalars(select(Certificate.issued_on).where(Certificate.card_id == card.id)).all()
    assert days  # without ON, the certificates date from the clock's day in Japan
    assert set(days) == {TODAY}
    assert reservation.status == "completed"


def test_a_box_of_cards_is_marked_notified_all_at_once(session: Session) -> None:
    resident = add_resident(session)
    cards = [
        add_card(session, resident, "preset", notice_no=f"BOX-00000{i}", notified_on=None) for i in range(3)
    ]
    report = issuance.batch_change(
        session,
        ["box-000000", " BOX-000001 ", "", "ＢＯＸ－０００００２"],
        CardState.NOTIFIED,
        CLERK,
        NOW,
        on=TODAY,
    )
    assert report.applied
    assert [(c.state, c.notified_on) for c in cards] == [("notified", TODAY)] * 3


def test_a_batch_with_one_bad_line_changes_nothing_and_says_why(session: Session) -> None:
    resident = add_resident(session)
    good = add_card(session, resident, "preset", notice_no="BOX-000010")
    add_card(session, resident, "issued", notice_no="BOX-000011")
    report = issuance.batch_change(
        session,
        ["BOX-000010", "BOX-000011", "XYZ", "NOP-999999", "BOX-000010"],
        CardState.NOTIFIED,
        CLERK,
        NOW,
    )
    assert not report.applied
    assert good.state == "preset"
    messages = [line.message for line in report.failures]
    assert len(messages) == 4
    assert "交付済" in messages[0]
    assert "形式" in messages[1]
    assert "台帳にない" in messages[2]
    assert "二度" in messages[3]


def test_offered_changes_follow_the_state_machine(session: Session) -> None:
    resident = add_resident(session)
    notified = add_card(session, resident, "notified")
    offers = {o.target: o for o in card_actions.offers(notified)}
    assert set(offers) == {CardState.RESERVED, CardState.MAIL_RETURNED, CardState.REMINDED, CardState.REVOKED}
    assert "未交付廃棄" in [r.value for r in offers[CardState.REVOKED].reasons]
    away = add_card(session, resident, "revoked", revoke_reason="返納")
    assert card_actions.offers(away) == []  # destroyed only for cards the city holds
    with pytest.raises(DomainError, match="交付"):
        card_actions.apply_change(session, notified.id, CardState.ISSUED, CLERK, now=NOW)


def test_a_reminder_records_its_date(session: Session) -> None:
    card = add_card(session, add_resident(session), "notified")
    card_actions.apply_change(session, card.id, CardState.REMINDED, CLERK, now=NOW, on=TODAY)
    stored = session.get(Card, card.id)
    assert stored is not None
    assert (stored.state, stored.reminded_on) == ("reminded", TODAY)


def test_todays_pickups_list_every_pickup_booking_even_without_a_card_in_the_ledger(session: Session) -> None:
    add_card(session, add_resident(session), "notified", notice_no="FJS-222222")
    with_card = _book(session, "FJS-222222")
    unknown = _book(session, "FJS-333333")  # a number the ledger does not have
    blank = _book(session, "FJS-444444")
    blank.notice_no = None
    session.execute(
        update(Procedure)
        .where(Procedure.id.in_([with_card.procedure_id, unknown.procedure_id, blank.procedure_id]))
        .values(needs_notice_no=True)
    )
    other = _book(session, "FJS-555555")  # not a pickup procedure and no number: not listed
    other.notice_no = None
    cancelled = _book(session, "FJS-666666")
    cancelled.status = "cancelled"
    session.flush()
    pickups = issuance.todays_pickups(session, TODAY, CLERK)
    assert [(p.booking_no, p.notice_no, p.state) for p in pickups] == [
        (with_card.booking_no, "FJS-222222", "notified"),
        (unknown.booking_no, "FJS-333333", None),
        (blank.booking_no, None, None),
    ]
    assert pickups[2].name == "辻堂 海子"  # the booking's name when there is no card to name the holder
