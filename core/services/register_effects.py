"""What a register load does to cards (resident-extract.md 異動事由 table, card-lifecycle.md).

Decisions (MynaDesk rules, documented in docs/register-load.md):
- A card not yet handed over whose holder left the register (any B code) is BLOCKED (cards.blocked_reason),
  not revoked: the counter revokes it (受取前転出 / 死亡) when the physical card is taken out of its box. The
  handover check refuses it meanwhile, because the register shows the holder as not 住民.
- B02 / B03 / B04 revoke a card in use (issued or expired) as 国外転出 / 死亡 / 職権消除 through change_state.
  A suspended card cannot be revoked for these reasons by the state machine: it gets an alert.
- B01 with a card in use: the card goes with its holder to the new city and leaves our ledger. Its state is
  kept (it is still valid there); a `left_city` event and alert record it.
- C01 / C02: face_update_needed is set and a valid or suspended 署名用 certificate is revoked.
- C04: the card expiry is recomputed from the new period of stay. An earlier date replaces the card's expiry
  (and caps its certificates); a later one does not extend the card (a 有効期間変更 at the counter does), so
  it only raises an `extension_possible` alert.
Only 異動 that are new to MynaDesk act on cards: a person seen for the first time only gets the blocking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.db.models.cards import Card, CardEvent, Certificate
from core.db.models.register import LoadAlert
from core.domain.cards import PRE_ISSUE_STATES, CardState, CertificateKind, CertificateState
from core.domain.errors import DomainError
from core.domain.expiry import card_expiry
from core.domain.register import (
    FACE_CHANGING_REASONS,
    IN_USE_REVOKE_REASONS,
    PRE_ISSUE_REVOKE_REASONS,
    MoveReason,
)
from core.services.audit import Actor, record
from core.services.cards import change_state
from core.services.register_staging import DIFF, STAGE

_MOVED = "(move_reason|move_date|resident_status)"
_STAY = "(move_reason|move_date|residence_status|residence_expiry)"
_AFFECTED_SQL = f"""
SELECT d.atena_no, d.move_reason, d.move_date, d.source_line, d.is_new, d.birth_date, d.resident_kind,
       d.residence_status, d.residence_expiry, c.id AS card_id
FROM {DIFF} d JOIN cards.cards c ON c.holder_atena_no = d.atena_no
WHERE c.state NOT IN ('revoked', 'destroyed')
  AND ((d.move_reason LIKE 'B%' AND (d.is_new OR d.changed_columns ~ '(^|,){_MOVED}(,|$)'))
    OR (d.move_reason IN ('C01', 'C02') AND d.changed_columns ~ '(^|,)(move_reason|move_date)(,|$)')
    OR (d.move_reason = 'C04' AND d.changed_columns ~ '(^|,){_STAY}(,|$)'))
ORDER BY d.source_line, c.id
"""


@dataclass(frozen=True)
class _Change:
    atena_no: str
    reason: MoveReason
    move_date: date
    line: int
    is_new: bool
    birth_date: date | None
    foreign: bool
    residence_status: str | None
    residence_expiry: date | None


@dataclass(frozen=True)
class _Context:
    session: Session
    file_id: int
    file_name: str
    actor: Actor
    at: datetime  # the load's transaction time: card events line up with the versions' recorded_at


def apply_card_effects(
    session: Session, file_id: int, file_name: str, actor: Actor, *, first_load: bool = False
) -> int:
    """Apply the 異動 of the last merge (the staging table DIFF) to the holders' cards; return alerts raised.

    A first load into an empty register has nobody missing from it, so it skips that check (and the
    staging table it reads)."""
    ctx = _Context(session, file_id, file_name, actor, session.execute(select(func.now())).scalar_one())
    raised = 0
    for row in session.execute(text(_AFFECTED_SQL)).mappings().all():
        change = _Change(
            row["atena_no"],
            MoveReason(row["move_reason"]),
            row["move_date"],
            row["source_line"],
            row["is_new"],
            row["birth_date"],
            row["resident_kind"] == 2,
            row["residence_status"],
            row["residence_expiry"],
        )
        card = session.get(Card, row["card_id"], with_for_update=True)
        assert card is not None
        raised += _apply(ctx, change, card)
    if not first_load:
        raised += _alert_missing(ctx)
    return raised


def _apply(ctx: _Context, change: _Change, card: Card) -> int:
    state = CardState(card.state)
    if change.reason.removal_status is not None:
        if state in PRE_ISSUE_STATES:
            return _block(ctx, change, card)
        if change.is_new:
            return 0
        if change.reason is MoveReason.DOMESTIC_MOVE_OUT:
            return _left_city(ctx, change, card)
        return _revoke_in_use(ctx, change, card, state)
    if change.reason in FACE_CHANGING_REASONS:
        return _face_changed(ctx, change, card)
    if change.reason is MoveReason.STAY_CHANGE and change.foreign:
        return _recompute_expiry(ctx, change, card)
    return 0


def _event(ctx: _Context, change: _Change, card: Card, kind: str, reason: str) -> None:
    ctx.session.add(
        CardEvent(
            card_id=card.id,
            from_state=card.state,
            to_state=card.state,
            kind=kind,
            reason=reason,
            actor=ctx.actor.name,
            source_file=ctx.file_name,
            source_line=change.line,
        )
    )


def _alert(ctx: _Context, change: _Change, card: Card | None, kind: str, ja: str, en: str) -> int:
    ctx.session.add(
        LoadAlert(
            file_id=ctx.file_id,
            source_line=change.line,
            atena_no=change.atena_no,
            card_id=card.id if card else None,
            move_reason=change.reason.value,
            kind=kind,
            message_ja=ja,
            message_en=en,
        )
    )
    if card is not None:
        record(
            ctx.session,
            ctx.actor,
            f"register_effect_{kind}",
            "card",
            str(card.id),
            subject_atena_no=change.atena_no,
            summary=ja,
            detail={"file": ctx.file_name, "line": change.line, "move_reason": change.reason.value},
        )
    return 1


def _block(ctx: _Context, change: _Change, card: Card) -> int:
    label = change.reason.label_ja
    advice = PRE_ISSUE_REVOKE_REASONS.get(change.reason)
    advice_ja = f"「{advice.value}」で廃止してください" if advice else "住民記録の担当に確認してください"
    advice_en = f"revoke it as '{advice.label_en}'" if advice else "check with the resident register desk"
    reason = f"{label}({change.reason.value} {change.move_date})のため交付できません。{advice_ja}"
    if card.blocked_reason == reason:
        return 0
    card.blocked_reason = reason
    _event(ctx, change, card, "register_effect", reason)
    return _alert(
        ctx,
        change,
        card,
        "blocked",
        f"未交付カードを交付停止: {reason}",
        f"card not yet handed over is blocked: the holder left the register ({change.reason.value});"
        f" {advice_en}",
    )


def _left_city(ctx: _Context, change: _Change, card: Card) -> int:
    reason = f"国内転出({change.move_date})によりカードは転出先へ。市の台帳から外れます"
    _event(ctx, change, card, "left_city", reason)
    return _alert(
        ctx, change, card, "left_city", reason, "moved to another city: the card leaves this city's ledger"
    )


def _revoke_in_use(ctx: _Context, change: _Change, card: Card, state: CardState) -> int:
    revoke_reason = IN_USE_REVOKE_REASONS[change.reason]
    if state not in (CardState.ISSUED, CardState.EXPIRED):
        return _alert(
            ctx,
            change,
            card,
            "needs_review",
            f"{change.reason.label_ja}: 状態「{state.label_ja}」のカードは自動で廃止できません。"
            "確認してください",
            f"{change.reason.value}: a card in state {state.value} cannot be revoked automatically;"
            " review it",
        )
    change_state(
        ctx.session,
        card.id,
        CardState.REVOKED,
        ctx.actor,
        reason=revoke_reason,
        note=f"住民記録 {change.reason.value} {change.move_date}",
        source_file=ctx.file_name,
        source_line=change.line,
        at=ctx.at,
    )
    return _alert(
        ctx,
        change,
        card,
        "revoked",
        f"カードを廃止({revoke_reason.value}): {change.reason.label_ja} {change.move_date}",
        f"card revoked ({revoke_reason.label_en}): {change.reason.value} on {change.move_date}",
    )


def _face_changed(ctx: _Context, change: _Change, card: Card) -> int:
    label = change.reason.label_ja
    card.face_update_needed = True
    _event(ctx, change, card, "register_effect", f"{label}: 券面記載事項変更が必要")
    signature = ctx.session.scalar(
        select(Certificate).where(
            Certificate.card_id == card.id,
            Certificate.kind == CertificateKind.SIGNATURE.value,
            Certificate.state.in_([CertificateState.VALID.value, CertificateState.SUSPENDED.value]),
        )
    )
    revoked_ja = revoked_en = ""
    if signature is not None:
        signature.state = CertificateState.REVOKED.value
        signature.revoked_on = change.move_date
        signature.revoke_reason = label
        _event(ctx, change, card, "certificate", f"署名用電子証明書を失効({label})")
        revoked_ja, revoked_en = "、署名用電子証明書を失効", "; signature certificate revoked"
    return _alert(
        ctx,
        change,
        card,
        "face_update",
        f"{label}({change.move_date}): 券面記載事項変更が必要{revoked_ja}",
        f"{change.reason.value}: the card face must be updated{revoked_en}",
    )


def _recompute_expiry(ctx: _Context, change: _Change, card: Card) -> int:
    if change.birth_date is None:
        return _alert(
            ctx,
            change,
            card,
            "needs_review",
            "生年月日が不詳のため有効期限を再計算できません",
            "birth date unknown: the card expiry cannot be recomputed",
        )
    try:
        new = card_expiry(
            change.birth_date,
            card.issued_on,
            card.applied_on,
            foreign_resident=True,
            residence_status=change.residence_status,
            residence_expiry=change.residence_expiry,
        )
    except DomainError as error:
        return _alert(ctx, change, card, "needs_review", error.message_ja, error.message_en)
    current = card.expires_on
    if current is not None and new > current:
        return _alert(
            ctx,
            change,
            card,
            "extension_possible",
            f"在留期間の変更により有効期間変更が可能です(現在 {current} → 最長 {new})",
            f"the stay changed: the card's validity can be extended at the counter ({current} → up to {new})",
        )
    if current == new:
        return 0
    card.expires_on = new
    for certificate in ctx.session.scalars(select(Certificate).where(Certificate.card_id == card.id)):
        if certificate.expires_on is not None and certificate.expires_on > new:
            certificate.expires_on = new
    _event(ctx, change, card, "register_effect", f"在留期間の変更により有効期限を {current} → {new}")
    return _alert(
        ctx,
        change,
        card,
        "expiry_changed",
        f"在留期間の変更によりカードの有効期限を {current} から {new} に変更",
        f"the stay changed: card expiry {current} → {new}",
    )


def _alert_missing(ctx: _Context) -> int:
    result = ctx.session.execute(
        text(
            f"""INSERT INTO register.load_alerts (file_id, atena_no, kind, message_ja, message_en)
            SELECT :file_id, r.atena_no, 'missing_from_full',
                   '全件ファイルに含まれていない住民です(記録は変更していません)。住民記録の担当に確認してください',
                   'a resident missing from the full extract (record left unchanged);'
                   ' check with the register desk'
            FROM register.residents r WHERE r.resident_status = 1
              AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.atena_no = r.atena_no)
              AND EXISTS (SELECT 1 FROM register.extract_files f WHERE f.id = :file_id AND f.kind = 'full')"""
        ),
        {"file_id": ctx.file_id},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def load_alerts(session: Session, file_id: int | None = None) -> list[LoadAlert]:
    """Alerts of one load (default: the last loaded file), in file order."""
    if file_id is None:
        file_id = session.scalar(text("SELECT max(id) FROM register.extract_files WHERE status = 'loaded'"))
        if file_id is None:
            return []
    return list(
        session.scalars(
            select(LoadAlert)
            .where(LoadAlert.file_id == file_id)
            .order_by(LoadAlert.source_line, LoadAlert.id)
        )
    )
