"""Booking mail: composed in Japanese with English beside it, queued in booking.outbox in the booking's own
transaction, sent later by the worker (an SMTP outage never loses or blocks a booking).

The booking's secret link is never queued: the outbox keeps a placeholder, and the worker makes a fresh link
for the mail when it sends (core.services.outbox), keeping only its hash, like the link of the done page."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.db.models.booking import Outbox, Procedure, Reservation, Slot, Venue
from core.domain.booking import TOKYO
from core.domain.dates import when_text
from core.domain.reservations import ReservationStatus

SITE_PLACEHOLDER = "{{SITE}}"  # the worker puts the site's public base URL here when it sends
LINK_PLACEHOLDER = "{{MANAGE_LINK}}"  # ... and here the path of a secret link it makes at that moment

_SUBJECTS = {
    "confirmation": ("予約を受け付けました", "Booking confirmed"),
    "change": ("予約を変更しました", "Booking changed"),
    "cancellation": ("予約を取り消しました", "Booking cancelled"),
    "reminder_7d": ("ご予約は1週間後です", "Your visit is in one week"),
    "reminder_1d": ("ご予約は明日です", "Your visit is tomorrow"),
}
REMINDERS = (("reminder_7d", timedelta(days=7)), ("reminder_1d", timedelta(days=1)))


def _ics(
    reservation: Reservation, slot: Slot, venue: Venue, procedure: Procedure, cancelled: bool, now: datetime
) -> str:
    calendar = Calendar()
    calendar.add("prodid", "-//MynaDesk//reservation//JA")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{reservation.booking_no}@mynadesk")
    event.add("dtstamp", now.astimezone(TOKYO))
    event.add("dtstart", slot.starts_at.astimezone(TOKYO))
    event.add("dtend", slot.ends_at.astimezone(TOKYO))
    event.add("summary", f"{procedure.name_ja} / {procedure.name_en} ({reservation.booking_no})")
    event.add("location", f"{venue.name_ja} {venue.address_ja or ''}".strip())
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", int((reservation.changed_at or reservation.created_at or now).timestamp()))
    calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for Asia/Tokyo: calendars need not guess what TZID means
    return str(calendar.to_ical().decode())


def _visit(session: Session, reservation: Reservation) -> tuple[Slot, Venue, Procedure]:
    slot = session.get(Slot, reservation.slot_id)
    procedure = session.get(Procedure, reservation.procedure_id)
    assert slot is not None
    assert procedure is not None
    venue = session.get(Venue, slot.venue_id)
    assert venue is not None
    return slot, venue, procedure


def booking_ics(session: Session, reservation: Reservation, now: datetime) -> str:
    """The reservation's calendar entry (the one its mails carry): procedure, booking number, venue, times;
    no name or contact."""
    slot, venue, procedure = _visit(session, reservation)
    cancelled = reservation.status == ReservationStatus.CANCELLED.value
    return _ics(reservation, slot, venue, procedure, cancelled, now)


def compose(
    session: Session, kind: str, reservation: Reservation, now: datetime, with_link: bool = False
) -> tuple[str, str, str]:
    """Subject, body and .ics of a booking mail composed at NOW (WITH_LINK: a placeholder for the secret
    link, else the look-up page)."""
    slot, venue, procedure = _visit(session, reservation)
    ja, en = _SUBJECTS[kind]
    start = slot.starts_at.astimezone(TOKYO)
    link = LINK_PLACEHOLDER if with_link else f"{SITE_PLACEHOLDER}/lookup"
    body = "\n".join(
        [
            f"{reservation.name} 様",
            "",
            f"{ja}。",
            f"予約番号: {reservation.booking_no}",
            f"手続き: {procedure.name_ja}",
            f"日時: {when_text(start)}",
            f"場所: {venue.name_ja} {venue.address_ja or ''}",
            f"人数: {reservation.party_size}名",
            f"持ち物: {procedure.required_items_ja or '-'}",
            f"確認・変更・取消: {link}",
            "",
            "----",
            f"{en}.",
            f"Booking number: {reservation.booking_no}",
            f"Procedure: {procedure.name_en}",
            f"When: {when_text(start, 'en')} (JST)",
            f"Where: {venue.name_en} {venue.address_en or ''}",
            f"People: {reservation.party_size}",
            f"Please bring: {procedure.required_items_en or '-'}",
            f"View, change or cancel: {link}",
        ]
    )
    ics = _ics(reservation, slot, venue, procedure, kind == "cancellation", now)
    return f"【藤沢市】{ja} / {en} ({reservation.booking_no})", body, ics


def enqueue(
    session: Session,
    kind: str,
    reservation: Reservation,
    now: datetime,
    with_link: bool = False,
    dedupe_key: str | None = None,
) -> bool:
    """Queue a mail for the reservation, due at NOW (WITH_LINK: with a secret link made when it is sent);
    False without an address or when DEDUPE_KEY was queued before."""
    if not reservation.email:
        return False
    subject, body, ics = compose(session, kind, reservation, now, with_link)
    statement = insert(Outbox).values(
        created_at=now,
        next_attempt_at=now,
        reservation_id=reservation.id,
        kind=kind,
        dedupe_key=dedupe_key,
        to_address=reservation.email,
        subject=subject,
        body=body,
        ics=ics,
    )
    result = session.execute(statement.on_conflict_do_nothing(index_elements=["dedupe_key"]))
    return bool(getattr(result, "rowcount", 0))


def enqueue_due_reminders(session: Session, now: datetime) -> int:
    """Queue the 7-day and 1-day reminders that are due (each once per visit time); return how many."""
    queued = 0
    for kind, lead in REMINDERS:
        rows = session.execute(
            select(Reservation, Slot.starts_at)
            .join(Slot, Slot.id == Reservation.slot_id)
            .where(
                Reservation.status == ReservationStatus.BOOKED.value,
                Reservation.email.is_not(None),
                Slot.starts_at > now,
                Slot.starts_at <= now + lead,
                Reservation.created_at < Slot.starts_at - lead,  # booked after that point: no reminder needed
            )
        ).all()
        for reservation, starts_at in rows:
            key = f"{reservation.id}:{kind}:{starts_at.isoformat()}"
            queued += enqueue(session, kind, reservation, now, dedupe_key=key)
    return queued
