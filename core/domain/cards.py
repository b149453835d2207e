"""Card (個人番号カード) states, transitions and the handover check (spec: card-lifecycle.md)."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from core.domain.errors import DomainError

# Exception names below are part of the agreed API and name what happened, hence the N818 exemptions.


class CardState(StrEnum):
    """Where a card is in its life, from J-LIS production to destruction."""

    PRODUCED = "produced"
    ARRIVED = "arrived"
    PRESET = "preset"
    NOTIFIED = "notified"
    MAIL_RETURNED = "mail_returned"
    RESERVED = "reserved"
    REMINDED = "reminded"
    ISSUED = "issued"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    REVOKED = "revoked"
    DESTROYED = "destroyed"

    @property
    def label_ja(self) -> str:
        """The 表示 shown on screens."""
        return _STATE_LABELS_JA[self]


_STATE_LABELS_JA: dict[CardState, str] = {
    CardState.PRODUCED: "発行済(J-LIS)",
    CardState.ARRIVED: "到着・検品済",
    CardState.PRESET: "交付前設定済",
    CardState.NOTIFIED: "交付通知済",
    CardState.MAIL_RETURNED: "通知書返戻",
    CardState.RESERVED: "受取予約済",
    CardState.REMINDED: "再通知済",
    CardState.ISSUED: "交付済(運用中)",
    CardState.SUSPENDED: "一時停止",
    CardState.EXPIRED: "有効期限切れ",
    CardState.REVOKED: "廃止",
    CardState.DESTROYED: "廃棄済",
}

PRE_ISSUE_STATES: frozenset[CardState] = frozenset(
    {
        CardState.PRODUCED,
        CardState.ARRIVED,
        CardState.PRESET,
        CardState.NOTIFIED,
        CardState.MAIL_RETURNED,
        CardState.RESERVED,
        CardState.REMINDED,
    }
)

# The notice is out and the card waits at the counter for its holder: the cards a pickup booking is for.
AWAITING_PICKUP_STATES: frozenset[CardState] = frozenset(
    {CardState.NOTIFIED, CardState.RESERVED, CardState.REMINDED}
)


class RevokeReason(StrEnum):
    """Why a card was revoked (廃止); the value is the Japanese term stored and shown."""

    UNCOLLECTED = "未交付廃棄"
    MOVED_OUT_BEFORE_PICKUP = "受取前転出"
    DEATH = "死亡"
    STAY_ENDED = "在留期間満了"
    APPLICATION_WITHDRAWN = "申請取下げ"
    SURRENDERED = "返納"
    MOVED_ABROAD = "国外転出"
    REMOVED_EX_OFFICIO = "職権消除"
    REISSUED = "再交付"
    RENEWED = "更新"
    LOST = "紛失"

    @property
    def label_en(self) -> str:
        """English label for messages and exports."""
        return _REASON_LABELS_EN[self]


_REASON_LABELS_EN: dict[RevokeReason, str] = {
    RevokeReason.UNCOLLECTED: "never collected, disposed of",
    RevokeReason.MOVED_OUT_BEFORE_PICKUP: "moved out before pickup",
    RevokeReason.DEATH: "death",
    RevokeReason.STAY_ENDED: "period of stay ended",
    RevokeReason.APPLICATION_WITHDRAWN: "application withdrawn",
    RevokeReason.SURRENDERED: "surrendered by the holder",
    RevokeReason.MOVED_ABROAD: "moved abroad",
    RevokeReason.REMOVED_EX_OFFICIO: "removed from the register ex officio",
    RevokeReason.REISSUED: "reissued",
    RevokeReason.RENEWED: "renewed",
    RevokeReason.LOST: "lost",
}

PRE_ISSUE_REVOKE_REASONS: frozenset[RevokeReason] = frozenset(
    {
        RevokeReason.UNCOLLECTED,
        RevokeReason.MOVED_OUT_BEFORE_PICKUP,
        RevokeReason.DEATH,
        RevokeReason.STAY_ENDED,
        RevokeReason.APPLICATION_WITHDRAWN,
    }
)
IN_USE_REVOKE_REASONS: frozenset[RevokeReason] = frozenset(
    {
        RevokeReason.SURRENDERED,
        RevokeReason.DEATH,
        RevokeReason.MOVED_ABROAD,
        RevokeReason.REMOVED_EX_OFFICIO,
        RevokeReason.REISSUED,
        RevokeReason.RENEWED,
    }
)
SUSPENDED_REVOKE_REASONS: frozenset[RevokeReason] = frozenset({RevokeReason.LOST})

_S = CardState
_TRANSITIONS: dict[CardState, frozenset[CardState]] = {
    _S.PRODUCED: frozenset({_S.ARRIVED, _S.REVOKED}),
    _S.ARRIVED: frozenset({_S.PRESET, _S.REVOKED}),
    _S.PRESET: frozenset({_S.NOTIFIED, _S.REVOKED}),
    _S.NOTIFIED: frozenset({_S.RESERVED, _S.MAIL_RETURNED, _S.REMINDED, _S.REVOKED}),
    _S.MAIL_RETURNED: frozenset({_S.NOTIFIED, _S.REMINDED, _S.REVOKED}),
    _S.RESERVED: frozenset({_S.ISSUED, _S.NOTIFIED, _S.REMINDED, _S.REVOKED}),
    _S.REMINDED: frozenset({_S.RESERVED, _S.ISSUED, _S.REVOKED}),
    _S.ISSUED: frozenset({_S.SUSPENDED, _S.EXPIRED, _S.REVOKED}),
    _S.SUSPENDED: frozenset({_S.ISSUED, _S.REVOKED}),
    _S.EXPIRED: frozenset({_S.REVOKED}),
    _S.REVOKED: frozenset({_S.DESTROYED}),
    _S.DESTROYED: frozenset(),
}


def allowed_targets(state: CardState) -> frozenset[CardState]:
    """States a card in `state` may move to next."""
    return _TRANSITIONS[CardState(state)]


def allowed_reasons(state: CardState) -> frozenset[RevokeReason]:
    """Reasons for which a card in `state` may be revoked (empty when it cannot be revoked)."""
    state = CardState(state)
    if state in PRE_ISSUE_STATES:
        return PRE_ISSUE_REVOKE_REASONS
    if state in (CardState.ISSUED, CardState.EXPIRED):
        return IN_USE_REVOKE_REASONS
    if state is CardState.SUSPENDED:
        return SUSPENDED_REVOKE_REASONS
    return frozenset()


def _states_ja(states: frozenset[CardState]) -> str:
    return "、".join(s.label_ja for s in _in_order(states)) or "なし"


def _states_en(states: frozenset[CardState]) -> str:
    return ", ".join(s.value for s in _in_order(states)) or "none"


def _in_order(states: frozenset[CardState]) -> list[CardState]:
    return [s for s in CardState if s in states]


def _reasons_ja(reasons: frozenset[RevokeReason]) -> str:
    return "、".join(r.value for r in RevokeReason if r in reasons)


def _reasons_en(reasons: frozenset[RevokeReason]) -> str:
    return ", ".join(r.label_en for r in RevokeReason if r in reasons)


class TransitionRefused(DomainError):  # noqa: N818
    """Base of every refused state change; knows the current and the requested state."""

    def __init__(self, current: CardState, target: CardState, message_ja: str, message_en: str) -> None:
        super().__init__(message_ja, message_en)
        self.current = current
        self.target = target


class IllegalTransition(TransitionRefused):
    """The spec does not allow a card to go from `current` to `target`."""

    def __init__(self, current: CardState, target: CardState) -> None:
        allowed = allowed_targets(current)
        super().__init__(
            current,
            target,
            f"状態「{current.label_ja}」から「{target.label_ja}」へは変更できません"
            f"(変更できる状態: {_states_ja(allowed)})",
            f"cannot change a card from {current.value} to {target.value} (allowed: {_states_en(allowed)})",
        )


class MissingReason(TransitionRefused):
    """A revocation was requested without a reason."""

    def __init__(self, current: CardState) -> None:
        reasons = allowed_reasons(current)
        super().__init__(
            current,
            CardState.REVOKED,
            f"状態「{current.label_ja}」から「廃止」にするには理由を選んでください"
            f"(選べる理由: {_reasons_ja(reasons)})",
            f"revoking a card from {current.value} needs a reason (one of: {_reasons_en(reasons)})",
        )


class WrongReason(TransitionRefused):
    """A revocation was requested with a reason not allowed from the current state."""

    def __init__(self, current: CardState, reason: RevokeReason) -> None:
        reasons = allowed_reasons(current)
        super().__init__(
            current,
            CardState.REVOKED,
            f"状態「{current.label_ja}」のカードは理由「{reason.value}」では廃止できません"
            f"(選べる理由: {_reasons_ja(reasons)})",
            f"a card in {current.value} cannot be revoked as '{reason.label_en}'"
            f" (allowed: {_reasons_en(reasons)})",
        )
        self.reason = reason


class UnexpectedReason(TransitionRefused):
    """A reason was given for a change that is not a revocation."""

    def __init__(self, current: CardState, target: CardState, reason: RevokeReason) -> None:
        super().__init__(
            current,
            target,
            f"理由「{reason.value}」は廃止のときだけ指定できます"
            f"(「{current.label_ja}」から「{target.label_ja}」への変更)",
            f"a reason ('{reason.label_en}') is only given when revoking"
            f" (change from {current.value} to {target.value})",
        )
        self.reason = reason


class CardNotHeld(TransitionRefused):
    """Only a card the city physically holds can be marked destroyed."""

    def __init__(self, current: CardState) -> None:
        super().__init__(
            current,
            CardState.DESTROYED,
            f"市が保管していないカードは「{current.label_ja}」から「廃棄済」にできません"
            "(カードを回収してから記録してください)",
            f"cannot change a card from {current.value} to destroyed: the city does not hold it"
            " (record it once the card is in hand)",
        )


def check_transition(
    current: CardState,
    target: CardState,
    reason: RevokeReason | None = None,
    *,
    city_holds_card: bool = False,
) -> None:
    """Raise a TransitionRefused unless the spec allows `current` → `target` (with `reason` when revoking)."""
    current, target = CardState(current), CardState(target)
    if target not in allowed_targets(current):
        raise IllegalTransition(current, target)
    if target is CardState.REVOKED:
        _check_reason(current, reason)
    elif reason is not None:
        raise UnexpectedReason(current, target, RevokeReason(reason))
    if target is CardState.DESTROYED and not city_holds_card:
        raise CardNotHeld(current)


def _check_reason(current: CardState, reason: RevokeReason | None) -> None:
    if reason is None:
        raise MissingReason(current)
    reason = RevokeReason(reason)
    if reason not in allowed_reasons(current):
        raise WrongReason(current, reason)


class ResidentStatus(IntEnum):
    """住民状態 in the resident register extract."""

    RESIDENT = 1
    MOVED_OUT = 2
    DECEASED = 3
    OTHER_REMOVED = 9

    @property
    def label_ja(self) -> str:
        """The Japanese term used by the register."""
        return _RESIDENT_LABELS_JA[self]

    @property
    def label_en(self) -> str:
        """English label for messages."""
        return _RESIDENT_LABELS_EN[self]


_RESIDENT_LABELS_JA: dict[ResidentStatus, str] = {
    ResidentStatus.RESIDENT: "住民",
    ResidentStatus.MOVED_OUT: "転出",
    ResidentStatus.DECEASED: "死亡",
    ResidentStatus.OTHER_REMOVED: "その他消除",
}
_RESIDENT_LABELS_EN: dict[ResidentStatus, str] = {
    ResidentStatus.RESIDENT: "resident",
    ResidentStatus.MOVED_OUT: "moved out",
    ResidentStatus.DECEASED: "deceased",
    ResidentStatus.OTHER_REMOVED: "otherwise removed from the register",
}
_HANDOVER_ADVICE: dict[ResidentStatus, tuple[str, str]] = {
    ResidentStatus.MOVED_OUT: (
        "カードは「受取前転出」で廃止してください",
        "revoke the card as moved out before pickup",
    ),
    ResidentStatus.DECEASED: ("カードは「死亡」で廃止してください", "revoke the card for death"),
    ResidentStatus.OTHER_REMOVED: (
        "住民記録の担当に確認してください",
        "check the record with the resident register desk",
    ),
}


class HandoverBlocked(DomainError):  # noqa: N818
    """The resident register does not show the person as 住民, so the card must not be handed over."""

    def __init__(self, status: ResidentStatus) -> None:
        advice_ja, advice_en = _HANDOVER_ADVICE[status]
        super().__init__(
            f"住民記録の住民状態が「{status.label_ja}」のため交付できません。{advice_ja}",
            f"cannot hand over the card: the resident register shows the person as {status.label_en};"
            f" {advice_en}",
        )
        self.status = status


def check_handover(card_state: CardState, resident_status: ResidentStatus) -> None:
    """Raise unless a card in `card_state` may go to issued for a person with `resident_status`."""
    check_transition(card_state, CardState.ISSUED)
    status = ResidentStatus(resident_status)
    if status is not ResidentStatus.RESIDENT:
        raise HandoverBlocked(status)


class CertificateKind(StrEnum):
    """The two electronic certificates on the card."""

    USER = "user"
    SIGNATURE = "signature"

    @property
    def label_ja(self) -> str:
        """Japanese name of the certificate."""
        return _KIND_LABELS_JA[self]


_KIND_LABELS_JA: dict[CertificateKind, str] = {
    CertificateKind.USER: "利用者証明用",
    CertificateKind.SIGNATURE: "署名用",
}


class CertificateState(StrEnum):
    """State of one electronic certificate."""

    NONE = "none"
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def label_ja(self) -> str:
        """The 表示 shown on screens."""
        return _CERT_STATE_LABELS_JA[self]


_CERT_STATE_LABELS_JA: dict[CertificateState, str] = {
    CertificateState.NONE: "なし",
    CertificateState.VALID: "有効",
    CertificateState.SUSPENDED: "一時保留",
    CertificateState.REVOKED: "失効",
    CertificateState.EXPIRED: "有効期限切れ",
}


def city_holds_card(state: CardState, handed_over: bool) -> bool:
    """True while the city keeps the card: before issue, or revoked without ever being handed over."""
    state = CardState(state)
    if state in PRE_ISSUE_STATES:
        return True
    return state is CardState.REVOKED and not handed_over
