from __future__ import annotations

import pytest

from core.domain.cards import (
    PRE_ISSUE_STATES,
    CardNotHeld,
    CardState,
    CertificateKind,
    CertificateState,
    HandoverBlocked,
    IllegalTransition,
    MissingReason,
    ResidentStatus,
    RevokeReason,
    TransitionRefused,
    UnexpectedReason,
    WrongReason,
    allowed_reasons,
    allowed_targets,
    check_handover,
    check_transition,
    city_holds_card,
)
from core.domain.errors import DomainError

S = CardState
R = RevokeReason

# Written out from the spec's prose, independently of the table in cards.py.
SPEC_MOVES = [
    (S.PRODUCED, S.ARRIVED),
    (S.ARRIVED, S.PRESET),
    (S.PRESET, S.NOTIFIED),
    (S.NOTIFIED, S.RESERVED),
    (S.RESERVED, S.ISSUED),
    (S.RESERVED, S.NOTIFIED),
    (S.NOTIFIED, S.MAIL_RETURNED),
    (S.MAIL_RETURNED, S.NOTIFIED),
    (S.NOTIFIED, S.REMINDED),
    (S.MAIL_RETURNED, S.REMINDED),
    (S.RESERVED, S.REMINDED),
    (S.REMINDED, S.RESERVED),
    (S.REMINDED, S.ISSUED),
    (S.ISSUED, S.SUSPENDED),
    (S.SUSPENDED, S.ISSUED),
    (S.ISSUED, S.EXPIRED),
]
PRE_ISSUE_REASONS = {R.UNCOLLECTED, R.MOVED_OUT_BEFORE_PICKUP, R.DEATH, R.STAY_ENDED, R.APPLICATION_WITHDRAWN}
IN_USE_REASONS = {R.SURRENDERED, R.DEATH, R.MOVED_ABROAD, R.REMOVED_EX_OFFICIO, R.REISSUED, R.RENEWED}
SPEC_REVOCATIONS = (
    [(state, reason) for state in PRE_ISSUE_STATES for reason in PRE_ISSUE_REASONS]
    + [(state, reason) for state in (S.ISSUED, S.EXPIRED) for reason in IN_USE_REASONS]
    + [(S.SUSPENDED, R.LOST)]
)


def _ids(pairs: list[tuple[CardState, CardState]]) -> list[str]:
    return [f"{a}->{b}" for a, b in pairs]


def test_state_values_and_labels_follow_the_spec() -> None:
    assert [s.value for s in S] == [
        "produced",
        "arrived",
        "preset",
        "notified",
        "mail_returned",
        "reserved",
        "reminded",
        "issued",
        "suspended",
        "expired",
        "revoked",
        "destroyed",
    ]
    assert [s.label_ja for s in S] == [
        "発行済(J-LIS)",
        "到着・検品済",
        "交付前設定済",
        "交付通知済",
        "通知書返戻",
        "受取予約済",
        "再通知済",
        "交付済(運用中)",
        "一時停止",
        "有効期限切れ",
        "廃止",
        "廃棄済",
    ]


def test_pre_issue_states_are_those_before_handover() -> None:
    assert {
        S.PRODUCED,
        S.ARRIVED,
        S.PRESET,
        S.NOTIFIED,
        S.MAIL_RETURNED,
        S.RESERVED,
        S.REMINDED,
    } == PRE_ISSUE_STATES


def test_revoke_reasons_are_the_japanese_terms_with_english_labels() -> None:
    assert {r.value for r in R} == {
        "未交付廃棄",
        "受取前転出",
        "死亡",
        "在留期間満了",
        "申請取下げ",
        "返納",
        "国外転出",
        "職権消除",
        "再交付",
        "更新",
        "紛失",
    }
    assert all(r.label_en.isascii() and r.label_en for r in R)


@pytest.mark.parametrize(("current", "target"), SPEC_MOVES, ids=_ids(SPEC_MOVES))
def test_spec_transition_is_accepted(current: CardState, target: CardState) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "reason"), SPEC_REVOCATIONS, ids=[f"{s}-{r}" for s, r in SPEC_REVOCATIONS]
)
def test_spec_revocation_is_accepted(current: CardState, reason: RevokeReason) -> None:
    check_transition(current, S.REVOKED, reason)


def test_revoked_card_the_city_holds_can_be_destroyed() -> None:
    check_transition(S.REVOKED, S.DESTROYED, city_holds_card=True)


def test_allowed_targets_are_exactly_the_spec_transitions() -> None:
    spec = set(SPEC_MOVES)
    spec |= {(state, S.REVOKED) for state, _ in SPEC_REVOCATIONS}
    spec.add((S.REVOKED, S.DESTROYED))
    table = {(state, target) for state in S for target in allowed_targets(state)}
    assert table == spec


def test_issued_is_reachable_only_from_reserved_reminded_and_suspended() -> None:
    assert {s for s in S if S.ISSUED in allowed_targets(s)} == {S.RESERVED, S.REMINDED, S.SUSPENDED}


ILLEGAL_SAMPLE = [
    (S.ISSUED, S.ARRIVED),
    (S.NOTIFIED, S.ISSUED),
    (S.PRODUCED, S.NOTIFIED),
    (S.MAIL_RETURNED, S.RESERVED),
    (S.REMINDED, S.NOTIFIED),
    (S.EXPIRED, S.ISSUED),
    (S.SUSPENDED, S.EXPIRED),
    (S.DESTROYED, S.REVOKED),
    (S.ISSUED, S.ISSUED),
    (S.PRODUCED, S.DESTROYED),
]


@pytest.mark.parametrize(("current", "target"), ILLEGAL_SAMPLE, ids=_ids(ILLEGAL_SAMPLE))
def test_illegal_transition_is_refused_naming_both_states(current: CardState, target: CardState) -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition(current, target)
    error = caught.value
    assert (error.current, error.target) == (current, target)
    assert f"「{current.label_ja}」から「{target.label_ja}」" in error.message_ja
    assert f"from {current.value} to {target.value}" in error.message_en


def test_illegal_transition_message_is_japanese_then_english() -> None:
    with pytest.raises(DomainError) as caught:
        check_transition(S.ISSUED, S.ARRIVED)
    assert str(caught.value) == (
        "状態「交付済(運用中)」から「到着・検品済」へは変更できません"
        "(変更できる状態: 一時停止、有効期限切れ、廃止)"
        " / cannot change a card from issued to arrived (allowed: suspended, expired, revoked)"
    )


def test_destroyed_card_message_says_nothing_follows() -> None:
    with pytest.raises(IllegalTransition, match=r"変更できる状態: なし.*allowed: none"):
        check_transition(S.DESTROYED, S.ISSUED)


@pytest.mark.parametrize("state", [*PRE_ISSUE_STATES, S.ISSUED, S.EXPIRED, S.SUSPENDED])
def test_revocation_without_reason_is_refused(state: CardState) -> None:
    with pytest.raises(MissingReason, match="理由を選んでください"):
        check_transition(state, S.REVOKED)


WRONG_REASONS = [
    (S.NOTIFIED, R.SURRENDERED),
    (S.RESERVED, R.LOST),
    (S.PRODUCED, R.RENEWED),
    (S.ISSUED, R.UNCOLLECTED),
    (S.ISSUED, R.MOVED_OUT_BEFORE_PICKUP),
    (S.ISSUED, R.LOST),
    (S.EXPIRED, R.STAY_ENDED),
    (S.SUSPENDED, R.DEATH),
    (S.SUSPENDED, R.SURRENDERED),
]


@pytest.mark.parametrize(("state", "reason"), WRONG_REASONS, ids=[f"{s}-{r}" for s, r in WRONG_REASONS])
def test_revocation_with_a_reason_not_allowed_from_the_state_is_refused(
    state: CardState, reason: RevokeReason
) -> None:
    with pytest.raises(WrongReason) as caught:
        check_transition(state, S.REVOKED, reason)
    assert f"理由「{reason.value}」では廃止できません" in caught.value.message_ja
    assert reason.label_en in caught.value.message_en


def test_reason_on_a_change_that_is_not_a_revocation_is_refused() -> None:
    with pytest.raises(UnexpectedReason, match="廃止のときだけ"):
        check_transition(S.RESERVED, S.ISSUED, R.DEATH)


def test_revocation_reason_may_be_given_as_its_japanese_text() -> None:
    check_transition(S.ISSUED, S.REVOKED, RevokeReason("返納"))
    with pytest.raises(WrongReason):
        check_transition(S.ISSUED, S.REVOKED, RevokeReason("紛失"))


def test_destroyed_only_when_the_city_holds_the_card() -> None:
    with pytest.raises(CardNotHeld, match="市が保管していない") as caught:
        check_transition(S.REVOKED, S.DESTROYED)
    assert isinstance(caught.value, TransitionRefused)
    with pytest.raises(CardNotHeld):
        check_transition(S.REVOKED, S.DESTROYED, city_holds_card=False)


def test_allowed_reasons_per_state() -> None:
    assert allowed_reasons(S.PRESET) == PRE_ISSUE_REASONS
    assert allowed_reasons(S.EXPIRED) == IN_USE_REASONS
    assert allowed_reasons(S.SUSPENDED) == {R.LOST}
    assert allowed_reasons(S.REVOKED) == frozenset()


@pytest.mark.parametrize("state", [S.RESERVED, S.REMINDED])
def test_handover_to_a_resident_is_allowed(state: CardState) -> None:
    check_handover(state, ResidentStatus.RESIDENT)


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (ResidentStatus.MOVED_OUT, "転出"),
        (ResidentStatus.DECEASED, "死亡"),
        (ResidentStatus.OTHER_REMOVED, "その他消除"),
    ],
)
def test_handover_blocked_unless_the_register_shows_a_resident(status: ResidentStatus, label: str) -> None:
    with pytest.raises(HandoverBlocked) as caught:
        check_handover(S.RESERVED, status)
    assert caught.value.status is status
    assert f"住民状態が「{label}」のため交付できません" in caught.value.message_ja
    assert status.label_en in caught.value.message_en


def test_moved_out_person_is_told_to_revoke_as_moved_out_before_pickup() -> None:
    with pytest.raises(HandoverBlocked, match="受取前転出"):
        check_handover(S.REMINDED, ResidentStatus.MOVED_OUT)


def test_handover_refuses_a_card_not_ready_for_issue() -> None:
    with pytest.raises(IllegalTransition):
        check_handover(S.NOTIFIED, ResidentStatus.RESIDENT)


def test_handover_accepts_the_register_code_as_an_int() -> None:
    with pytest.raises(HandoverBlocked):
        check_handover(S.RESERVED, ResidentStatus(3))


def test_resident_status_codes_and_labels() -> None:
    assert [(s.value, s.label_ja) for s in ResidentStatus] == [
        (1, "住民"),
        (2, "転出"),
        (3, "死亡"),
        (9, "その他消除"),
    ]


def test_certificate_kinds_and_states_have_japanese_labels() -> None:
    assert [(k.value, k.label_ja) for k in CertificateKind] == [
        ("user", "利用者証明用"),
        ("signature", "署名用"),
    ]
    assert [s.value for s in CertificateState] == ["none", "valid", "suspended", "revoked", "expired"]
    assert all(s.label_ja for s in CertificateState)


@pytest.mark.parametrize(
    ("state", "handed_over", "held"),
    [
        (CardState.PRESET, False, True),
        (CardState.REMINDED, False, True),
        (CardState.ISSUED, True, False),
        (CardState.SUSPENDED, True, False),
        (CardState.EXPIRED, True, False),
        (CardState.REVOKED, True, False),
        (CardState.REVOKED, False, True),
        (CardState.DESTROYED, False, False),
    ],
)
def test_the_city_holds_a_card_only_before_issue_or_revoked_uncollected(
    state: CardState, handed_over: bool, held: bool
) -> None:
    assert city_holds_card(state, handed_over) is held
