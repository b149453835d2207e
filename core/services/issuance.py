"""The counter's issuance flow: today's pickups, the register check, the identity check, the handover with
its certificates; and batch changes such as marking a box of cards 交付通知済 (all or nothing)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.clock import day_of
from core.db.models.booking import Procedure, Reservation, Slot, Venue
from core.db.models.cards import Card, CardEvent, Certificate
from core.db.models.register import Resident
from core.domain.cards import (
    CardState,
    CertificateKind,
    CertificateState,
    ResidentStatus,
    TransitionRefused,
    check_handover,
    check_transition,
)
from core.domain.errors import DomainError
from core.domain.expiry import signature_issued_by_default, user_certificate_expiry
from core.domain.reservations import OPEN_STATUSES, ReservationStatus, can_become
from core.domain.reservations import check_transition as check_status
from core.services.audit import Actor, record
from core.services.cards import change_state, lock_card
from core.services.ledger_search import _NOTICE, normalise


@dataclass(frozen=True)
class Pickup:
    """A pickup expected at the counter today: the reservation and, when its 交付通知書 number is in the
    ledger, the card (without one the clerk finds the card at the counter)."""

    card_id: int | None
    notice_no: str | None
    state: str | None
    holder_atena_no: str | None
    name: str | None
    name_kana: str | None
    starts_at: datetime
    venue: str
    procedure: str
    booking_no: str
    booking_status: str


def todays_pickups(session: Session, day: date, actor: Actor, venue_id: int | None = None) -> list[Pickup]:
    """Every open pickup on DAY, by time: reservations of a procedure that needs a notice number, or that
    carry one, with the card of that number where the ledger has it (the view is audited)."""
    query = (
        select(
            Reservation,
            Slot.starts_at,
            Venue.name_ja,
            Procedure.name_ja,
            Card,
            Resident.name,
            Resident.name_kana,
        )
        .join(Slot, Slot.id == Reservation.slot_id)
        .join(Venue, Venue.id == Slot.venue_id)
        .join(Procedure, Procedure.id == Reservation.procedure_id)
        .outerjoin(Card, Card.notice_no == Reservation.notice_no)
        .outerjoin(Resident, Resident.atena_no == Card.holder_atena_no)
        .where(
            func.date(func.timezone("Asia/Tokyo", Slot.starts_at)) == day,
            Reservation.status.in_(OPEN_STATUSES),
            or_(Procedure.needs_notice_no.is_(True), Reservation.notice_no.is_not(None)),
        )
        .order_by(Slot.starts_at, Reservation.booking_no)
    )
    if venue_id is not None:
        query = query.where(Slot.venue_id == venue_id)
    pickups = [
        Pickup(
            card.id if card else None,
            r.notice_no,
            card.state if card else None,
            card.holder_atena_no if card else None,
            name if card else r.name,
            kana,
            starts,
            venue,
            procedure,
            r.booking_no,
            r.status,
        )
        for r, starts, venue, procedure, card, name, kana in session.execute(query).all()
    ]
    record(
        session,
        actor,
        "view",
        "pickup_list",
        day.isoformat(),
        summary=f"本日の受取予定の閲覧: {len(pickups)}件",
    )
    return pickups


@dataclass(frozen=True)
class RegisterCheck:
    """Whether the card may be handed over, and if not, why (Japanese / English)."""

    card_id: int
    allowed: bool
    resident_status: int | None
    message_ja: str
    message_en: str
    birth_date: date | None = None


def check_register(session: Session, card_id: int, *, booked_today: bool = False) -> RegisterCheck:
    """The register check before handover: a moved-out or deceased person is blocked with the reason."""
    card = lock_card(session, card_id)
    resident = session.get(Resident, card.holder_atena_no) if card.holder_atena_no else None
    if resident is None:
        return RegisterCheck(
            card_id,
            False,
            None,
            "住民記録で所有者を確認できないため交付できません",
            "the holder is not in the resident register; the card cannot be handed over",
        )
    try:
        state = CardState(card.state)
        if booked_today and state is CardState.NOTIFIED:
            state = CardState.RESERVED  # the booking marks it 受取予約済 at handover
        check_handover(state, ResidentStatus(resident.resident_status))
    except DomainError as error:
        return RegisterCheck(
            card_id, False, resident.resident_status, error.message_ja, error.message_en, resident.birth_date
        )
    return RegisterCheck(
        card_id,
        True,
        resident.resident_status,
        "住民記録: 住民(交付できます)",
        "resident register: resident (may be handed over)",
        resident.birth_date,
    )


@dataclass(frozen=True)
class IdentityCheck:
    """What the clerk checked at the counter. `chip_read` is filled by the card-reader integration."""

    document: str  # e.g. 運転免許証, 交付通知書+健康保険証
    face_matches: bool
    pins_set: bool
    receipt_signed: bool
    chip_read: bool | None = None  # カード読取: None until the card reader is connected

    def problems(self) -> list[str]:
        """What is missing before the card may be handed over."""
        missing = []
        if not self.document.strip():
            missing.append("本人確認書類 / identity document")
        if not self.face_matches:
            missing.append("顔写真の照合 / face check")
        if not self.pins_set:
            missing.append("暗証番号の設定 / PINs set")
        if not self.receipt_signed:
            missing.append("受領書の署名 / receipt signed")
        if self.chip_read is False:
            missing.append("カード読取の照合 / chip read")
        return missing


@dataclass(frozen=True)
class CertificateChoice:
    """Whether each certificate is issued at handover (default: 署名用 only from age 15)."""

    user: bool = True
    signature: bool | None = None  # None: the default for the person's age


def _write_certificate(
    session: Session, card: Card, kind: CertificateKind, issued: bool, on: date, expires: date | None
) -> Certificate:
    cert = session.scalars(
        select(Certificate).where(Certificate.card_id == card.id, Certificate.kind == kind.value)
    ).one_or_none()
    if cert is None:
        cert = Certificate(card_id=card.id, kind=kind.value)
        session.add(cert)
    cert.state = (CertificateState.VALID if issued else CertificateState.NONE).value
    cert.issued_on = on if issued else None
    cert.expires_on = expires if issued else None
    cert.revoked_on, cert.revoke_reason = None, None
    return cert


def _record_certificates(
    session: Session, card: Card, birth: date | None, choice: CertificateChoice, on: date, actor: Actor
) -> list[Certificate]:
    card_expiry = card.expires_on
    if birth is None or card_expiry is None:
        raise DomainError(
            "生年月日またはカードの有効期限が不明なため電子証明書の期限を決められません",
            "the birth date or the card's expiry is unknown, so certificate expiry cannot be set",
        )
    expiry = user_certificate_expiry(birth, on, card_expiry)
    signature = signature_issued_by_default(birth, on) if choice.signature is None else choice.signature
    certs = [
        _write_certificate(session, card, CertificateKind.USER, choice.user, on, expiry),
        _write_certificate(session, card, CertificateKind.SIGNATURE, signature and choice.user, on, expiry),
    ]
    summary = "、".join(
        f"{CertificateKind(c.kind).label_ja}: {CertificateState(c.state).label_ja}" for c in certs
    )
    session.add(CardEvent(card_id=card.id, kind="certificate", reason=summary, actor=actor.name))
    return certs


def hand_over(
    session: Session,
    card_id: int,
    actor: Actor,
    identity: IdentityCheck,
    now: datetime,
    certificates: CertificateChoice | None = None,
    on: date | None = None,
    booking_no: str | None = None,
) -> Card:
    """Hand the card over at NOW: register and identity checks pass, the card becomes 交付済, certificates set
    (from ON, default NOW's day in Japan)."""
    missing = identity.problems()
    if missing:
        raise DomainError(
            f"本人確認が終わっていません: {'、'.join(m.split(' / ')[0] for m in missing)}",
            f"identity check incomplete: {', '.join(m.split(' / ')[1] for m in missing)}",
        )
    reservation = _reservation(session, booking_no) if booking_no else None
    card = lock_card(session, card_id)
    if reservation is not None and card.state == CardState.NOTIFIED.value:
        change_state(
            session, card_id, CardState.RESERVED, actor, note=f"予約 {reservation.booking_no}", at=now
        )
    check = check_register(session, card_id)
    if not check.allowed:
        raise DomainError(check.message_ja, check.message_en)
    card = change_state(
        session, card_id, CardState.ISSUED, actor, note=f"本人確認: {identity.document}", at=now
    )
    day = on or day_of(now)
    _record_certificates(session, card, check.birth_date, certificates or CertificateChoice(), day, actor)
    record(
        session,
        actor,
        "card_handover",
        "card",
        str(card.id),
        subject_atena_no=card.holder_atena_no,
        summary=f"交付 / handed over (本人確認: {identity.document})",
        detail={"document": identity.document, "chip_read": identity.chip_read, "booking_no": booking_no},
    )
    if reservation is not None:
        completed = check_status(reservation.status, ReservationStatus.COMPLETED)
        reservation.status, reservation.handled_by = completed.value, actor.name
    session.flush()
    return card


def _reservation(session: Session, booking_no: str) -> Reservation:
    reservation = session.scalars(
        select(Reservation).where(Reservation.booking_no == booking_no).with_for_update()
    ).one_or_none()
    if reservation is None or not can_become(reservation.status, ReservationStatus.COMPLETED):
        raise DomainError(
            f"予約 {booking_no} は見つからないか、受付できる状態ではありません",
            f"booking {booking_no} is unknown or no longer open",
        )
    return reservation


@dataclass(frozen=True)
class BatchLine:
    """One number of a batch and what happened (or would have happened) to it."""

    line: int
    text: str
    notice_no: str | None
    card_id: int | None
    ok: bool
    message: str


@dataclass
class BatchReport:
    """The outcome of a batch: all lines applied, or none (with the reasons)."""

    target: CardState
    lines: list[BatchLine] = field(default_factory=list)
    applied: bool = False

    @property
    def failures(self) -> list[BatchLine]:
        """Lines that stopped the batch."""
        return [line for line in self.lines if not line.ok]


def _check_line(session: Session, number: int, text: str, target: CardState, seen: set[str]) -> BatchLine:
    value = normalise(text)
    match = _NOTICE.match(value)
    if match is None:
        return BatchLine(
            number, text, None, None, False, "交付通知書番号の形式ではありません (例 ABC-123456)"
        )
    notice = f"{match.group(1)}-{match.group(2)}"
    if notice in seen:
        return BatchLine(number, text, notice, None, False, "同じ番号が二度あります / listed twice")
    seen.add(notice)
    card = session.scalars(select(Card).where(Card.notice_no == notice).with_for_update()).one_or_none()
    if card is None:
        return BatchLine(number, text, notice, None, False, "台帳にない番号です / not in the ledger")
    try:
        check_transition(CardState(card.state), target)
    except TransitionRefused as error:
        return BatchLine(number, text, notice, card.id, False, error.message_ja)
    return BatchLine(
        number, text, notice, card.id, True, f"{CardState(card.state).label_ja} → {target.label_ja}"
    )


def batch_change(
    session: Session,
    numbers: Iterable[str],
    target: CardState,
    actor: Actor,
    now: datetime,
    on: date | None = None,
) -> BatchReport:
    """Move every listed card (by 交付通知書 number) to TARGET at NOW, or none of them: the report says why.
    ON is the 交付通知 day recorded (default: NOW's day in Japan)."""
    report = BatchReport(target)
    seen: set[str] = set()
    for number, text in enumerate(numbers, start=1):
        if text.strip():
            report.lines.append(_check_line(session, number, text.strip(), target, seen))
    if not report.lines or report.failures:
        return report
    for line in report.lines:
        assert line.card_id is not None
        card = change_state(session, line.card_id, target, actor, note="一括処理 / batch", at=now)
        if target is CardState.NOTIFIED and on is not None:
            card.notified_on = on
        elif target is CardState.NOTIFIED and card.notified_on is None:
            card.notified_on = day_of(now)
    record(
        session,
        actor,
        "card_batch",
        "card",
        None,
        summary=f"一括で{target.label_ja}に変更 / batch change: {len(report.lines)}枚",
        detail={"target": target.value, "notice_nos": [line.notice_no for line in report.lines]},
    )
    report.applied = True
    return report


@dataclass(frozen=True)
class Candidate:
    """A card looked up at the counter by its 交付通知書 number, with today's booking if there is one."""

    card_id: int
    notice_no: str
    state: str
    holder_atena_no: str | None
    name: str | None
    name_kana: str | None
    birth_date: date | None
    check: RegisterCheck
    booking_no: str | None
    signature_by_default: bool


def find_candidate(session: Session, text: str, day: date, actor: Actor) -> Candidate:
    """The card with this notice number, its register check and today's booking (the lookup is audited)."""
    match = _NOTICE.match(normalise(text))
    if match is None:
        raise DomainError(
            "交付通知書番号の形式ではありません(例 ABC-123456)", "not a notice number (e.g. ABC-123456)"
        )
    notice = f"{match.group(1)}-{match.group(2)}"
    card = session.scalars(select(Card).where(Card.notice_no == notice)).one_or_none()
    if card is None:
        raise DomainError(
            f"交付通知書番号 {notice} のカードは台帳にありません", f"no card with notice {notice}"
        )
    resident = session.get(Resident, card.holder_atena_no) if card.holder_atena_no else None
    booking = session.scalars(
        select(Reservation.booking_no)
        .join(Slot, Slot.id == Reservation.slot_id)
        .where(
            Reservation.notice_no == notice,
            Reservation.status.in_(OPEN_STATUSES),
            func.date(func.timezone("Asia/Tokyo", Slot.starts_at)) == day,
        )
    ).first()
    birth = resident.birth_date if resident else None
    record(
        session,
        actor,
        "view",
        "card",
        str(card.id),
        subject_atena_no=card.holder_atena_no,
        summary="交付画面でカードを照会 / card looked up for handover",
    )
    return Candidate(
        card.id,
        notice,
        card.state,
        card.holder_atena_no,
        resident.name if resident else None,
        resident.name_kana if resident else None,
        birth,
        check_register(session, card.id, booked_today=booking is not None),
        booking,
        signature_issued_by_default(birth, day) if birth else False,
    )
