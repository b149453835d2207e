"""The audit viewer's filters and export, and the copy of the reservation site's access log."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.booking import AccessLog
from core.domain.audit_actions import action_label_ja
from core.services import audit_query, site_access
from core.services.audit import Actor, record
from core.services.audit_query import AuditFilter

ADMIN = Actor("A0001", role="admin")


def test_filters_select_entries_and_the_export_is_audited(session: Session) -> None:
    record(session, Actor("C0001"), "view", "resident", "1", subject_atena_no="900")
    record(session, Actor("C0002"), "view", "resident", "2", subject_atena_no="901")
    mine = audit_query.entries(session, AuditFilter(actor="C0001"))
    assert [e.subject_atena_no for e in mine] == ["900"]
    assert audit_query.entries(session, AuditFilter(subject_atena_no="901"))[0].actor == "C0002"
    assert audit_query.entries(session, AuditFilter(since=date(2000, 1, 1), until=date(2000, 1, 2))) == []
    text = audit_query.export_csv(session, AuditFilter(actor="C0001"), ADMIN)
    assert text.startswith("\ufeff番号,日時,職員番号")
    assert "C0002" not in text
    assert (
        session.scalars(select(AuditEntry).where(AuditEntry.action == "audit_export")).one().actor == "A0001"
    )


def test_the_site_access_log_is_copied_once(session: Session) -> None:
    before = site_access.copy_site_access(session)
    session.add_all(
        [AccessLog(action="view", client_addr="192.0.2.7"), AccessLog(action="cancel", client_addr="x")]
    )
    session.flush()
    assert site_access.copy_site_access(session) == 2
    assert site_access.copy_site_access(session) == 0
    copied = session.scalars(
        select(AuditEntry).where(AuditEntry.actor == site_access.SITE).order_by(AuditEntry.id.desc()).limit(2)
    ).all()
    assert {e.action for e in copied} == {"site_view", "site_cancel"}
    assert {str(e.client_addr) if e.client_addr else None for e in copied} == {"192.0.2.7", None}
    assert before >= 0


def test_a_forged_huge_access_log_id_does_not_stop_later_rows_being_copied(session: Session) -> None:
    site_access.copy_site_access(session)
    session.add(AccessLog(id=9_000_000_000_000_000_000, action="view"))  # what a compromised site wrote
    session.flush()
    assert site_access.copy_site_access(session) == 1
    session.add(AccessLog(action="cancel", client_addr="192.0.2.9"))
    session.flush()
    assert site_access.copy_site_access(session) == 1  # the row after it still reaches the audit log
    newest = session.scalars(
        select(AuditEntry).where(AuditEntry.actor == site_access.SITE).order_by(AuditEntry.id.desc())
    ).first()
    assert newest is not None
    assert newest.action == "site_cancel"


def test_an_alert_about_a_notice_number_under_attack_reaches_the_audit_log(session: Session) -> None:
    site_access.copy_site_access(session)
    session.add(AccessLog(action="notice_attack", detail="A1B-000007: 5"))
    session.flush()
    assert site_access.copy_site_access(session) == 1
    alert = session.scalars(select(AuditEntry).where(AuditEntry.action == "site_notice_attack")).one()
    assert alert.object_id == "A1B-000007"
    assert alert.summary is not None
    assert "攻撃の可能性" in alert.summary
    assert action_label_ja("site_notice_attack") == "予約サイト: 交付通知書番号への連続誤入力(警告)"
