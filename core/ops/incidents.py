"""The incident register: outages opened and closed by the probes, planned maintenance (計画停止) and J-LIS
outages entered ahead by the 管理者, and what staff add later (cause, notification time, remedy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models.ops import PROBE_TARGETS, Incident, Probe
from core.domain.booking import TOKYO
from core.domain.errors import DomainError
from core.services.audit import Actor, record

ANNOUNCED_KINDS = {"planned": "計画停止", "jlis": "J-LIS停止"}
KIND_LABELS = {"outage": "障害", **ANNOUNCED_KINDS}
TARGET_LABELS = {"site": "予約サイト", "console": "業務コンソール", "database": "データベース"}
TEXT_LIMIT = 2000


def open_outage(session: Session, target: str) -> Incident | None:
    """The target's outage still open, if any."""
    found: Incident | None = session.scalars(
        select(Incident)
        .where(Incident.kind == "outage", Incident.target == target, Incident.ended_at.is_(None))
        .order_by(Incident.started_at.desc())
        .limit(1)
    ).first()
    return found


def _first_failure(session: Session, target: str) -> datetime:
    last_ok = session.execute(select(func.max(Probe.at)).where(Probe.target == target, Probe.ok)).scalar()
    failed = select(func.min(Probe.at)).where(Probe.target == target, ~Probe.ok)
    if last_ok is not None:
        failed = failed.where(Probe.at > last_ok)
    first: datetime = session.execute(failed).scalar_one()
    return first


def after_probe(session: Session, target: str, incident_after: int) -> Incident | None:
    """Open an outage after INCIDENT_AFTER consecutive failed probes of TARGET (detected at the first
    failure), close it at the first probe that succeeds; returns the incident opened or closed."""
    latest = session.execute(
        select(Probe.at, Probe.ok)
        .where(Probe.target == target)
        .order_by(Probe.at.desc())
        .limit(incident_after)
    ).all()
    if not latest:
        return None
    current = open_outage(session, target)
    if current is not None:
        if latest[0].ok:
            current.ended_at = current.recovered_at = latest[0].at
            return current
        return None
    if len(latest) < incident_after or any(row.ok for row in latest):
        return None
    first = _first_failure(session, target)
    incident = Incident(kind="outage", target=target, started_at=first, detected_at=first, opened_by="probe")
    session.add(incident)
    session.flush()
    return incident


@dataclass(frozen=True)
class IncidentRow:
    """An incident as the console lists it."""

    id: int
    kind: str
    target: str | None
    started_at: datetime
    ended_at: datetime | None
    detected_at: datetime | None
    notified_at: datetime | None
    recovered_at: datetime | None
    announced_at: datetime | None
    cause: str | None
    remedy: str | None
    opened_by: str

    @property
    def label(self) -> str:
        """How the incident is named in a list: kind, target and start."""
        target = TARGET_LABELS.get(self.target or "", "全体")
        started = self.started_at.astimezone(TOKYO)
        return f"#{self.id} {KIND_LABELS[self.kind]} {target} {started:%Y-%m-%d %H:%M}〜"


def recent(session: Session, limit: int = 200) -> list[IncidentRow]:
    """The newest incidents first."""
    newest_first = select(Incident).order_by(Incident.started_at.desc(), Incident.id.desc())
    rows = session.scalars(newest_first.limit(limit))
    return [
        IncidentRow(
            r.id,
            r.kind,
            r.target,
            r.started_at,
            r.ended_at,
            r.detected_at,
            r.notified_at,
            r.recovered_at,
            r.announced_at,
            r.cause,
            r.remedy,
            r.opened_by,
        )
        for r in rows
    ]


def _text(value: str | None, what_ja: str, what_en: str) -> str | None:
    value = (value or "").strip()
    if len(value) > TEXT_LIMIT:
        raise DomainError(
            f"{what_ja}は{TEXT_LIMIT}文字以内で入力してください",
            f"{what_en} must be {TEXT_LIMIT} characters or fewer",
        )
    return value or None


def add_announced(
    session: Session,
    kind: str,
    target: str | None,
    started_at: datetime | None,
    ended_at: datetime | None,
    announced_at: datetime | None,
    cause: str | None,
    actor: Actor,
    now: datetime,
) -> Incident:
    """Enter a planned maintenance or a J-LIS outage (announced_at defaults to NOW); audited."""
    if kind not in ANNOUNCED_KINDS:
        raise DomainError("種別は計画停止か J-LIS停止です", "the kind must be planned or jlis")
    if target is not None and target not in PROBE_TARGETS:
        raise DomainError("対象が正しくありません", f"unknown target: {target}")
    if started_at is None or ended_at is None:
        raise DomainError("開始と終了の日時を入力してください", "enter when it starts and ends")
    if ended_at <= started_at:
        raise DomainError("終了は開始より後の日時にしてください", "the end must be after the start")
    announced = announced_at or now
    if announced > now:
        raise DomainError("告知日時は現在より前にしてください", "the announcement cannot be in the future")
    incident = Incident(
        kind=kind,
        target=target,
        started_at=started_at,
        ended_at=ended_at,
        announced_at=announced,
        cause=_text(cause, "内容", "the description"),
        opened_by=actor.name,
    )
    session.add(incident)
    session.flush()
    record(session, actor, "incident_add", "incident", str(incident.id), summary=f"{KIND_LABELS[kind]}を登録")
    return incident


def annotate(
    session: Session,
    incident_id: int | None,
    cause: str | None,
    notified_at: datetime | None,
    remedy: str | None,
    actor: Actor,
    now: datetime,
) -> Incident:
    """Record an incident's cause, when the city was notified and the remedy; audited with what changed."""
    incident = session.get(Incident, incident_id, with_for_update=True) if incident_id else None
    if incident is None:
        raise DomainError("インシデントを選んでください", "choose an incident")
    if notified_at is not None and (notified_at < incident.started_at or notified_at > now):
        raise DomainError(
            "通知日時は発生から現在までの日時にしてください",
            "the notification time must lie between the start and now",
        )
    changes = {
        "cause": _text(cause, "原因", "the cause"),
        "notified_at": notified_at,
        "remedy": _text(remedy, "対処", "the remedy"),
    }
    changed = [name for name, value in changes.items() if value != getattr(incident, name)]
    for name in changed:
        setattr(incident, name, changes[name])
    record(
        session,
        actor,
        "incident_update",
        "incident",
        str(incident.id),
        summary="インシデントの記録を更新",
        detail={"changed": changed},
    )
    return incident
