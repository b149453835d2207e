"""Schema `register`: the resident register as loaded from the city's extracts, with full history
(the current version in residents, the superseded ones in resident_versions)."""

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
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, created_at_column

SCHEMA = "register"


class ExtractFile(Base):
    """One register extract file that was offered to the loader (loaded or rejected)."""

    __tablename__ = "extract_files"
    __table_args__ = (
        CheckConstraint("kind IN ('full', 'delta')", name="kind"),
        CheckConstraint("status IN ('loaded', 'rejected')", name="status"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(5))
    extract_date: Mapped[date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    record_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str | None] = mapped_column(Text)
    loaded_by: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = created_at_column()


class Household(Base):
    """A 世帯 as the register knows it."""

    __tablename__ = "households"
    __table_args__ = {"schema": SCHEMA}

    household_no: Mapped[str] = mapped_column(String(15), primary_key=True)
    head_atena_no: Mapped[str | None] = mapped_column(String(15))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))


class _PersonColumns:
    """The columns of the extract (resident-extract.md), shared by the current record and its history."""

    juminhyo_code: Mapped[str] = mapped_column(String(11))
    household_no: Mapped[str] = mapped_column(String(15))
    relation: Mapped[str] = mapped_column(String(40))
    resident_kind: Mapped[int] = mapped_column(SmallInteger)
    resident_status: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200))
    name_alpha: Mapped[str | None] = mapped_column(String(200))
    common_name: Mapped[str | None] = mapped_column(String(200))
    # 不詳 parts of the birth date stay unknown (NULL); the full date exists only when every part is known.
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    birth_month: Mapped[int | None] = mapped_column(SmallInteger)
    birth_day: Mapped[int | None] = mapped_column(SmallInteger)
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[int] = mapped_column(SmallInteger)
    postal_code: Mapped[str] = mapped_column(String(7))
    address: Mapped[str] = mapped_column(String(300))
    address_extra: Mapped[str | None] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(String(6))
    move_reason: Mapped[str] = mapped_column(String(3))
    move_date: Mapped[date] = mapped_column(Date)
    notified_date: Mapped[date | None] = mapped_column(Date)
    card_status: Mapped[int] = mapped_column(SmallInteger)
    nationality: Mapped[str | None] = mapped_column(String(100))
    residence_status: Mapped[str | None] = mapped_column(String(100))
    residence_expiry: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    has_gaiji: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


_PERSON_CHECKS = {
    "kind": "resident_kind IN (1, 2)",
    "status": "resident_status IN (1, 2, 3, 9)",
    "sex": "sex IN (1, 2)",
    "card_status": "card_status IN (0, 1, 2)",
    # 11 / 7 / 6 ASCII digits and [ABC] + 2 digits, said without a regular expression (migration 0009)
    "juminhyo_code": "octet_length(juminhyo_code) = 11 AND ltrim(juminhyo_code, '0123456789') = ''",
    "postal_code": "octet_length(postal_code) = 7 AND ltrim(postal_code, '0123456789') = ''",
    "area_code": "octet_length(area_code) = 6 AND ltrim(area_code, '0123456789') = ''",
    "move_reason": "octet_length(move_reason) = 3 AND rtrim(move_reason, '0123456789') IN ('A', 'B', 'C')",
    "birth_parts": "birth_month IS NOT NULL OR birth_day IS NULL",
}


def _checks(prefix: str) -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(rule, name=f"{prefix}{name}") for name, rule in _PERSON_CHECKS.items())


class Resident(_PersonColumns, Base):
    """The current record of one person, keyed by 宛名番号: also the current version of their history
    (its metadata beside it; resident_versions holds the versions it replaced)."""

    __tablename__ = "residents"
    __table_args__ = (
        *_checks(""),
        Index("ix_residents_juminhyo_code", "juminhyo_code", unique=True),
        Index("ix_residents_household_no", "household_no"),
        Index("ix_residents_birth_date", "birth_date"),
        # the console's search by name or kana typed without spaces (migration 0005)
        Index("ix_residents_name_compact", text("translate(name, ' \u3000', '') text_pattern_ops")),
        Index("ix_residents_name_kana_compact", text("translate(name_kana, ' \u3000', '') text_pattern_ops")),
        {"schema": SCHEMA},
    )

    atena_no: Mapped[str] = mapped_column(String(15), primary_key=True)
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey(ExtractFile.id))
    source_line: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # The loaders set these; a row added otherwise is a new person, valid from when it was recorded.
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    change_kind: Mapped[str] = mapped_column(String(10), server_default=text("'new'"))
    changed_columns: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100), server_default=text("current_user"))
    recorded_at: Mapped[datetime] = created_at_column()


class ResidentVersion(_PersonColumns, Base):
    """A superseded version of a person's record, valid from `valid_from` until `valid_to` (the next
    version's start). The current version is the residents row (core.services.register.history)."""

    __tablename__ = "resident_versions"
    __table_args__ = (
        *_checks("v_"),
        Index("ix_resident_versions_atena_valid", "atena_no", "valid_from"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    atena_no: Mapped[str] = mapped_column(String(15))
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # NOT NULL in the table; None only on the current version that history() adds from the residents row
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=False)
    change_kind: Mapped[str] = mapped_column(String(10))
    changed_columns: Mapped[str | None] = mapped_column(Text)
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey(ExtractFile.id))
    source_line: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = created_at_column()


class LoadAlert(Base):
    """Something a register load did to, or found about, a card or a person that staff must see."""

    __tablename__ = "load_alerts"
    __table_args__ = (
        Index("ix_load_alerts_file", "file_id"),
        Index("ix_load_alerts_atena_no", "atena_no"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey(ExtractFile.id))
    source_line: Mapped[int | None] = mapped_column(Integer)
    atena_no: Mapped[str] = mapped_column(String(15))
    card_id: Mapped[int | None] = mapped_column(BigInteger)
    move_reason: Mapped[str | None] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(30))
    message_ja: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
