"""The per-contact cap's count finds a person's bookings through indexes (migration 0008), not by reading
every reservation: with 30,000 reservations the scan had cost 28 ms of PostgreSQL per booking."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.services.booking import _ACTIVE_BY_CONTACT
from demo.seed import seed_fujisawa

MANY = """
INSERT INTO booking.reservations (booking_no, secret_hash, slot_id, procedure_id, name, phone, email)
SELECT 'T' || g, md5(g::text) || md5((g + 1)::text), s.id, s.procedure_id, '試験',
       '090-' || lpad(g::text, 8, '0'), 'u' || g || '@example.jp'
FROM generate_series(1, 5000) g
JOIN (SELECT id, procedure_id, row_number() OVER (ORDER BY id) AS n FROM booking.slots) s ON s.n = 1 + g % 500
"""


def test_the_contact_count_uses_the_phone_and_email_indexes(session: Session) -> None:
    seed_fujisawa(session, date(2026, 12, 1))
    session.execute(text(MANY))
    session.execute(text("ANALYZE booking.reservations"))
    params = {"now": datetime(2026, 12, 1, tzinfo=UTC), "digits": "09000000123", "email": "u123@example.jp"}
    plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {_ACTIVE_BY_CONTACT.text}"), params))
    assert "ix_reservations_phone_digits" in plan
    assert "ix_reservations_email_lower" in plan
    assert "Seq Scan on reservations" not in plan
    assert session.scalar(_ACTIVE_BY_CONTACT, params) == 1
