"""Schema `cards`: the card ledger (one row per physical card), its events and its two certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, created_at_column
from core.domain.cards import CardState, CertificateKind, CertificateState

SCHEMA = "cards"

CARD_STATES = tuple(state.value for state in CardState)
CERTIFICATE_STATES = tuple(state.value for state in CertificateState)
# How a migrated card's holder matched the register (宛名番号 + 住民票コード), was not found, or codes differ.
HOLDER_MATCHES = ("matched", "unknown", "code_mismatch")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Card(Base):
    """One physical My Number card and where it stands."""

    __tablename__ = "cards"
    __table_args__ = (
        CheckConstraint(_in("state", CARD_STATES), name="state"),
        CheckConstraint("notice_no ~ '^[0-9A-Z]{3}-[0-9]{6}$'", name="notice_no"),
        CheckConstraint(
            "(state = 'revoked' OR state = 'destroyed') = (revoke_reason IS NOT NULL)", name="reason"
        ),
        CheckConstraint(_in("holder_match", HOLDER_MATCHES), name="holder_match"),
        Index("ix_cards_holder", "holder_atena_no"),
        Index("ix_cards_state", "state"),
        Index("ix_cards_expires_on", "expires_on"),
        Index("ix_cards_handed_over_at", "handed_over_at"),  # migration 0005: issuance per day
        Index(
            "ix_cards_blocked", "state", postgresql_where=text("blocked_reason IS NOT NULL")
        ),  # 0005: alerts
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    legacy_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The holder is the register's 宛名番号; a card whose holder the register does not (yet) know keeps the
    # identifiers it came with so it is listed, never dropped.
    holder_atena_no: Mapped[str | None] = mapped_column(String(15))
    holder_juminhyo_code: Mapped[str | None] = mapped_column(String(11))
    notice_no: Mapped[str | None] = mapped_column(String(10), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    revoke_reason: Mapped[str | None] = mapped_column(String(20))
    applied_on: Mapped[date | None] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)  # 発行日: J-LIS's production date
    expires_on: Mapped[date | None] = mapped_column(Date)  # the expiry printed on the card
    notified_on: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_over_by: Mapped[str | None] = mapped_column(String(100))
    storage_box: Mapped[str | None] = mapped_column(String(40))
    storage_slot: Mapped[str | None] = mapped_column(String(20))
    on_hold: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    face_update_needed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    # Columns of the legacy ledger export (data/README.md), kept as migrated.
    application_kind: Mapped[str | None] = mapped_column(String(10))  # 新規 / 更新 / 再交付
    source: Mapped[str | None] = mapped_column(String(10))  # 交付 / 転入継続
    arrived_on: Mapped[date | None] = mapped_column(Date)
    preset_on: Mapped[date | None] = mapped_column(Date)
    notice_returned_on: Mapped[date | None] = mapped_column(Date)
    reserved_for: Mapped[date | None] = mapped_column(Date)
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    destroyed_on: Mapped[date | None] = mapped_column(Date)
    office: Mapped[str | None] = mapped_column(String(10))
    legacy_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # md5 of the ledger row last migrated: a re-run updates only cards the legacy system changed.
    legacy_row_hash: Mapped[str | None] = mapped_column(String(32))
    holder_match: Mapped[str | None] = mapped_column(String(15))


class LedgerMigration(Base):
    """One run of `mynadesk migrate cards` that changed the database (dry runs are not recorded)."""

    __tablename__ = "ledger_migrations"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    unknown_holders: Mapped[int] = mapped_column(Integer)
    code_mismatches: Mapped[int] = mapped_column(Integer)
    migrated_by: Mapped[str] = mapped_column(String(100))
    migrated_at: Mapped[datetime] = created_at_column()


class CardEvent(Base):
    """One change to a card: from which state to which, who did it, when and why."""

    __tablename__ = "card_events"
    __table_args__ = (
        Index("ix_card_events_card_at", "card_id", "at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey(Card.id, ondelete="CASCADE"))
    at: Mapped[datetime] = created_at_column()
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))  # state_change, certificate, flag, register_effect, ...
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    source_file: Mapped[str | None] = mapped_column(String(200))
    source_line: Mapped[int | None] = mapped_column(BigInteger)


class Certificate(Base):
    """One of the card's two electronic certificates (利用者証明用 / 署名用)."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("card_id", "kind"),
        CheckConstraint(_in("kind", tuple(kind.value for kind in CertificateKind)), name="kind"),
        CheckConstraint(_in("state", CERTIFICATE_STATES), name="state"),
        CheckConstraint("state = 'none' OR expires_on IS NOT NULL", name="expiry_known"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey(Card.id, ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = created_at_column()
