"""Copy the reservation site's access log (booking.access_log, which the site appends to) into the audit log
(which the site role cannot reach), so administrators see all views and changes of booking data in one log."""

from __future__ import annotations

import ipaddress

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.booking import AccessLog, Reservation
from core.services.audit import Actor, record

SITE = "reservation-site"
BATCH = 5000


def _address(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def last_copied(session: Session) -> int:
    """The id of the newest access-log row already in the audit log (0 when none)."""
    newest = session.scalar(
        select(func.max(cast(AuditEntry.detail["access_log_id"].astext, BigInteger))).where(
            AuditEntry.actor == SITE
        )
    )
    return int(newest or 0)


def copy_site_access(session: Session, limit: int = BATCH) -> int:
    """Append access-log rows not yet copied (oldest first, at most LIMIT); return how many were copied."""
    rows = session.execute(
        select(AccessLog, Reservation.booking_no)
        .outerjoin(Reservation, Reservation.id == AccessLog.reservation_id)
        .where(AccessLog.id > last_copied(session))
        .order_by(AccessLog.id)
        .limit(limit)
    ).all()
    for entry, booking_no in rows:
        record(
            session,
            Actor(SITE, role="site", client_addr=_address(entry.client_addr)),
            f"site_{entry.action}",
            "reservation",
            booking_no or (str(entry.reservation_id) if entry.reservation_id else None),
            summary=f"予約サイト: {entry.action}",
            detail={"access_log_id": entry.id, "at": entry.at.isoformat(), "detail": entry.detail},
        )
    return len(rows)
