"""Reservation statuses: the transition table, taken from what the site, console and handover did."""

from __future__ import annotations

import itertools

import pytest

from core.domain.booking import BookingError
from core.domain.reservations import (
    OPEN_STATUSES,
    SEAT_KEEPING_STATUSES,
    ReservationStatus,
    StatusRefused,
    allowed_targets,
    can_become,
    check_movable,
    check_transition,
)

R = ReservationStatus
ALLOWED = {
    (R.BOOKED, R.CHECKED_IN),
    (R.BOOKED, R.NO_SHOW),
    (R.BOOKED, R.CANCELLED),
    (R.BOOKED, R.COMPLETED),
    (R.CHECKED_IN, R.COMPLETED),
}
REFUSED = sorted(set(itertools.product(R, R)) - ALLOWED)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transition_returns_the_target(current: R, target: R) -> None:
    assert check_transition(current.value, target) is target
    assert can_become(current, target)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_other_transition_is_refused_as_a_booking_error(current: R, target: R) -> None:
    with pytest.raises(StatusRefused) as caught:
        check_transition(current, target)
    assert isinstance(caught.value, BookingError)  # the site's handlers show it as they show any refusal
    assert caught.value.current is current
    assert caught.value.message_ja
    assert caught.value.message_en


def test_refusal_names_both_states_in_japanese_then_english() -> None:
    with pytest.raises(StatusRefused) as caught:
        check_transition("checked_in", R.CANCELLED)
    assert str(caught.value) == (
        "予約の状態「受付済」から「取消」へは変更できません(変更できる状態: 完了)"
        " / cannot change a booking from checked_in to cancelled (allowed: completed)"
    )


def test_cancelling_twice_says_it_is_already_cancelled() -> None:
    with pytest.raises(StatusRefused, match="すでに取り消されています"):
        check_transition(R.CANCELLED, R.CANCELLED)


def test_final_statuses_allow_nothing() -> None:
    for status in (R.COMPLETED, R.NO_SHOW, R.CANCELLED):
        assert allowed_targets(status) == frozenset()
    with pytest.raises(StatusRefused, match=r"なし.*none"):
        check_transition(R.NO_SHOW, R.CHECKED_IN)


def test_only_a_booked_reservation_moves_to_another_slot() -> None:
    check_movable("booked")
    with pytest.raises(StatusRefused, match="取り消されています"):
        check_movable(R.CANCELLED)
    with pytest.raises(StatusRefused, match="受付前の予約だけ変更できます"):
        check_movable(R.CHECKED_IN)


def test_open_statuses_are_those_a_handover_completes_and_only_cancelled_frees_seats() -> None:
    assert set(OPEN_STATUSES) == {s for s in R if can_become(s, R.COMPLETED)}
    assert set(SEAT_KEEPING_STATUSES) == set(R) - {R.CANCELLED}


def test_an_unknown_status_is_not_a_status() -> None:
    with pytest.raises(ValueError, match="deleted"):
        check_transition("deleted", R.BOOKED)
