"""Every form MynaDesk filled in, as a structured record (who, what, when, values): paperless later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, created_at_column
from core.db.models.cards import Card
from core.domain.forms import FormKind, FormSource

SCHEMA = "cards"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class FilledForm(Base):
    """One printed (or later: signed on screen) form with the values it carried."""

    __tablename__ = "filled_forms"
    __table_args__ = (
        CheckConstraint(_in("kind", tuple(k.value for k in FormKind)), name="kind"),
        CheckConstraint(_in("source", tuple(s.value for s in FormSource)), name="source"),
        Index("ix_filled_forms_subject", "subject_atena_no"),
        Index("ix_filled_forms_created_at", "created_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))
    subject_atena_no: Mapped[str | None] = mapped_column(String(15))
    card_id: Mapped[int | None] = mapped_column(ForeignKey(Card.id))
    form_values: Mapped[dict[str, Any]] = mapped_column("values", JSONB)
    created_by: Mapped[str] = mapped_column(String(100))
    terminal: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()
