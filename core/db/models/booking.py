"""Schema `booking`: what the reservation site may touch — venues, procedures, slots, reservations, holds."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, created_at_column

SCHEMA = "booking"


class Venue(Base):
    """A place with counters (本庁舎, 市民センター, …)."""

    __tablename__ = "venues"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_ja: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    address_ja: Mapped[str | None] = mapped_column(String(200))
    address_en: Mapped[str | None] = mapped_column(String(200))
    access_ja: Mapped[str | None] = mapped_column(Text)
    access_en: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # The card ledger's 交付窓口 (cards.office) this venue is, if it keeps cards for pickup (migration 0010).
    ledger_office: Mapped[str | None] = mapped_column(String(10), unique=True)


class Counter(Base):
    """One staffed counter (窓口) at a venue."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("venue_id", "name"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey(Venue.id))
    name: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class Procedure(Base):
    """A procedure residents can book: カード受取, 電子証明書更新, カード更新, 申請サポート, …."""

    __tablename__ = "procedures"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name_ja: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    required_items_ja: Mapped[str | None] = mapped_column(Text)
    required_items_en: Mapped[str | None] = mapped_column(Text)
    needs_notice_no: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    max_party_size: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class VenueProcedure(Base):
    """Which procedures a venue offers."""

    __tablename__ = "venue_procedures"
    __table_args__ = {"schema": SCHEMA}

    venue_id: Mapped[int] = mapped_column(ForeignKey(Venue.id), primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey(Procedure.id), primary_key=True)


class SlotTemplate(Base):
    """Opening hours per venue, counter and weekday from which slots are generated."""

    __tablename__ = "slot_templates"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("starts_at < ends_at", name="times"),
        CheckConstraint("slot_minutes > 0 AND capacity > 0", name="sizes"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey(Venue.id))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey(Counter.id))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey(Procedure.id))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(SmallInteger)
    capacity: Mapped[int] = mapped_column(SmallInteger)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # Only these weeks of the month, e.g. "2,4" for the 2nd and 4th Saturdays; NULL: every week.
    weeks_of_month: Mapped[str | None] = mapped_column(String(20))


class Closure(Base):
    """A day or period without service (or with a special opening): holidays, J-LIS outages, events."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("kind IN ('closure', 'opening', 'jlis_outage')", name="kind"),
        CheckConstraint("starts_at < ends_at", name="period"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey(Venue.id))  # NULL: every venue
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason_ja: Mapped[str] = mapped_column(String(200))
    reason_en: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(100))


class Slot(Base):
    """A bookable time at a venue for a procedure; `booked + held` never exceeds `capacity`."""

    __tablename__ = "slots"
    __table_args__ = (
        # One slot per place and time; a slot without a counter counts as counter 0 (NULLs would never clash).
        Index(
            "ux_slots_place_time",
            "venue_id",
            "procedure_id",
            text("coalesce(counter_id, 0)"),
            "starts_at",
            unique=True,
        ),
        CheckConstraint("capacity >= 0", name="capacity"),
        CheckConstraint("booked >= 0 AND held >= 0", name="counts"),
        CheckConstraint("booked + held <= capacity", name="not_overbooked"),
        CheckConstraint("starts_at < ends_at", name="period"),
        Index("ix_slots_venue_start", "venue_id", "starts_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey(Venue.id))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey(Counter.id))
    procedure_id: Mapped[int] = mapped_column(ForeignKey(Procedure.id))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(SmallInteger)
    booked: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    held: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Hold(Base):
    """Seats held for a person while they fill in the booking form (expires by itself)."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("party_size > 0", name="party_size"),
        Index("ix_holds_expires_at", "expires_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey(Slot.id, ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    party_size: Mapped[int] = mapped_column(SmallInteger)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class Reservation(Base):
    """A booked visit. Holds only what the booking needs, never register data."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint(
            "status IN ('booked', 'cancelled', 'checked_in', 'completed', 'no_show')",
            name="status",
        ),
        CheckConstraint("party_size > 0", name="party_size"),
        CheckConstraint("channel IN ('web', 'counter', 'phone')", name="channel"),
        Index("ix_reservations_slot", "slot_id"),
        Index("ix_reservations_notice_no", "notice_no"),
        # The per-contact cap counts a person's active bookings at every booking (migration 0008).
        Index(
            "ix_reservations_phone_digits",
            text(r"regexp_replace(phone, '\D', '', 'g')"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index(
            "ix_reservations_email_lower", text("lower(email)"), postgresql_where=text("status = 'booked'")
        ),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    booking_no: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mail_secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # the mailed link's (0012)
    slot_id: Mapped[int] = mapped_column(ForeignKey(Slot.id))
    procedure_id: Mapped[int] = mapped_column(ForeignKey(Procedure.id))
    party_size: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    status: Mapped[str] = mapped_column(String(12), server_default=text("'booked'"))
    channel: Mapped[str] = mapped_column(String(10), server_default=text("'web'"))
    name: Mapped[str | None] = mapped_column(String(200))
    name_kana: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    notice_no: Mapped[str | None] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(2), server_default=text("'ja'"))
    created_at: Mapped[datetime] = created_at_column()
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handled_by: Mapped[str | None] = mapped_column(String(100))
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UsedHold(Base):
    """A hold that became a booking or a change. Its token's hash is the primary key, so a hold is consumed
    exactly once: replaying the site's cookie from before the confirmation books nothing more."""

    __tablename__ = "used_holds"
    __table_args__ = (Index("ix_used_holds_reservation_id", "reservation_id"), {"schema": SCHEMA})

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey(Reservation.id, ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BookingKey(Base):
    """The SHA-256 of the key a booking attempt of the site carried (issue 15, item 6): the same attempt sent
    again finds its booking here instead of booking twice. The site may only add rows; it asks
    booking.keyed_booking (migration 0016), which needs the hold's token as well as the key."""

    __tablename__ = "booking_keys"
    __table_args__ = {"schema": SCHEMA}

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey(Reservation.id, ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Rules(Base):
    """The city's booking parameters: one row (id = 1), changed by the console."""

    __tablename__ = "rules"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("min_days_ahead >= 0 AND max_days_ahead >= min_days_ahead", name="window"),
        CheckConstraint("hold_minutes > 0 AND change_deadline_days >= 0", name="times"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("1"))
    min_days_ahead: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    max_days_ahead: Mapped[int] = mapped_column(SmallInteger, server_default=text("61"))
    change_deadline_days: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    hold_minutes: Mapped[int] = mapped_column(SmallInteger, server_default=text("10"))
    max_active_per_contact: Mapped[int] = mapped_column(SmallInteger, server_default=text("3"))
    release_delay_minutes: Mapped[int] = mapped_column(SmallInteger, server_default=text("15"))
    anonymise_after_days: Mapped[int] = mapped_column(SmallInteger, server_default=text("90"))
    few_left_ratio: Mapped[float] = mapped_column(REAL, server_default=text("0.3"))
    # 0: a card is picked up only where it is kept; N: also at other venues, for visits N days ahead or more.
    pickup_transfer_days: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))


class ReservationMember(Base):
    """A further person of a family booking (the first person is the reservation itself)."""

    __tablename__ = "reservation_members"
    __table_args__ = (UniqueConstraint("reservation_id", "position"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey(Reservation.id, ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    notice_no: Mapped[str | None] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(200))


class Outbox(Base):
    """Mail waiting to be sent by the worker; a mail server outage leaves rows here, never loses a booking."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('confirmation', 'change', 'cancellation', 'reminder_7d', 'reminder_1d')", name="kind"
        ),
        Index("ix_outbox_pending", "next_attempt_at", postgresql_where=text("sent_at IS NULL")),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey(Reservation.id, ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)  # emptied once sent
    ics: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    next_attempt_at: Mapped[datetime] = created_at_column()
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateEvent(Base):
    """One counted attempt for rate limits; the key is a hash (no raw IPs or contacts are kept)."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_bucket_at", "bucket", "at"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = created_at_column()


class AccessLog(Base):
    """What the site did with a booking (view, create, change, cancel), when and from where; append-only."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_reservation", "reservation_id"),
        Index("ix_access_log_to_copy", "id", postgresql_where=text("copied_at IS NULL")),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = created_at_column()
    reservation_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(20))
    client_addr: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(Text)
    # When it was copied into audit.log (0012); never in the site's INSERT, which may not write it.
    copied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=text("NULL"))


class NoticeAttempt(Base):
    """Wrong birth dates given for a 交付通知書 number, counted by booking.notice_ask (migration 0012); only
    that SECURITY DEFINER function writes it, the site's role cannot even read it."""

    __tablename__ = "notice_attempts"
    __table_args__ = {"schema": SCHEMA}

    notice_no: Mapped[str] = mapped_column(Text, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NoticeAnswer(Base):
    """booking.notice_ask's answer, handed out once by booking.notice_answer from a later transaction."""

    __tablename__ = "notice_answers"
    __table_args__ = {"schema": SCHEMA}

    ticket: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    found: Mapped[bool] = mapped_column(Boolean)
    venue_id: Mapped[int | None] = mapped_column(Integer)
    ready: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    made_in: Mapped[int] = mapped_column(BigInteger)
    made_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )


class FlowState(Base):
    """A resident's booking flow between pages (hold, details typed, notice checked, the booking just made):
    kept here, keyed by the SHA-256 of a random id that is all the browser's cookie holds, and gone when the
    flow ends or expires (issue 13, finding 10)."""

    __tablename__ = "flow_states"
    __table_args__ = (Index("ix_flow_states_expires_at", "expires_at"), {"schema": SCHEMA})

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
