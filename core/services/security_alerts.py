"""What the 管理者 is warned about on the console's top page: staff accounts locked by wrong passwords,
交付通知書 numbers under a guessing attack on the reservation site, and storms of requests the site refused by
its rate limits. The rows are already in the audit log or the rate-event table; this module only picks and
words them.

Audit rows carry the database's clock (clock_timestamp()), so their window is measured by the database's
`now()`; rate events carry the site's clock, so theirs is measured from the NOW the caller passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.services import ratelimit, site_access

AUDIT_WINDOW = timedelta(days=7)  # lockouts and attacks shown for a week
STORM_WINDOW = timedelta(minutes=15)
STORM_REFUSALS = 30  # refusals by the site's rate limits within STORM_WINDOW that make a storm
ALERTED = ("account_locked", "site_notice_attack")


@dataclass(frozen=True)
class Alert:
    """One warning: what happened (Japanese), about what (a staff ID, a notice number), and when."""

    kind: str  # "lockout", "notice_attack", "storm"
    message: str
    subject: str
    at: datetime


def _from_audit(entry: AuditEntry) -> Alert:
    if entry.action == "account_locked":
        message = "職員アカウントがパスワードの連続誤入力でロックされました"
        return Alert("lockout", message, entry.object_id or "", entry.at)
    message = entry.summary or "交付通知書番号への連続誤入力(攻撃の可能性)"
    return Alert("notice_attack", message, entry.object_id or "", entry.at)


def site_refusals(session: Session, now: datetime, window: timedelta = STORM_WINDOW) -> int:
    """How many requests the reservation site refused by its rate limits within WINDOW before NOW."""
    return ratelimit.count(session, ratelimit.REFUSED, window, now)


def current_alerts(session: Session, now: datetime) -> list[Alert]:
    """The alerts to show now, newest first: a storm of refusals first, then lockouts and notice attacks (the
    site's own log joins the audit log first, as on the audit page)."""
    site_access.copy_site_access(session)
    alerts: list[Alert] = []
    refused = site_refusals(session, now)
    if refused >= STORM_REFUSALS:
        minutes = int(STORM_WINDOW.total_seconds() // 60)
        message = f"予約サイトが{minutes}分間に{refused}件の要求を制限超過で拒否しました"
        message += "(大量アクセスの可能性)"
        alerts.append(Alert("storm", message, "予約サイト", now))
    since = func.now() - AUDIT_WINDOW
    query = (
        select(AuditEntry)
        .where(AuditEntry.action.in_(ALERTED), AuditEntry.at > since)
        .order_by(AuditEntry.at.desc())
        .limit(50)
    )
    alerts += [_from_audit(entry) for entry in session.scalars(query)]
    return alerts
