"""Copy the reservation site's access log (booking.access_log, which the site appends to) into the audit log
(which the site role cannot reach), so administrators see all views and changes of booking data in one log.

Which rows are copied is marked by an owner-side flag (copied_at, which the site role cannot write), not by
comparing ids: the site chooses nothing that could hide later rows (a forged huge id), and a row committed
after a newer one is still copied."""

from __future__ import annotations

import ipaddress

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db.models.booking import AccessLog, Reservation
from core.services.audit import Actor, record

SITE = "reservation-site"
BATCH = 5000
NOTICE_ATTACK = "notice_attack"  # written by booking.notice_ask (migration 0012), never by the site itself


def _address(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _summary(entry: AccessLog) -> str:
    if entry.action == NOTICE_ATTACK:
        number, _, count = (entry.detail or "").partition(": ")
        return f"交付通知書番号 {number} に誤った生年月日が{count}回入力されました(攻撃の可能性)"
    return f"予約サイト: {entry.action}"


def copy_site_access(session: Session, limit: int = BATCH) -> int:
    """Append access-log rows not yet copied (oldest first, at most LIMIT); return how many were copied."""
    rows = session.execute(
        select(AccessLog, Reservation.booking_no)
        .outerjoin(Reservation, Reservation.id == AccessLog.reservation_id)
        .where(AccessLog.copied_at.is_(None))
        .order_by(AccessLog.id)
        .limit(limit)
        .with_for_update(of=AccessLog, skip_locked=True)  # two admins copying at once copy each row once
    ).all()
    for entry, booking_no in rows:
        kind, target = "reservation", booking_no or (str(entry.reservation_id or "") or None)
        if entry.action == NOTICE_ATTACK and entry.detail:
            kind, target = "notice", entry.detail.split(":")[0]  # the notice number under attack
        record(
            session,
            Actor(SITE, role="site", client_addr=_address(entry.client_addr)),
            f"site_{entry.action}",
            kind,
            target,
            summary=_summary(entry),
            detail={"access_log_id": entry.id, "at": entry.at.isoformat(), "detail": entry.detail},
        )
    if rows:
        copied = [entry.id for entry, _ in rows]
        session.execute(update(AccessLog).where(AccessLog.id.in_(copied)).values(copied_at=func.now()))
    return len(rows)
