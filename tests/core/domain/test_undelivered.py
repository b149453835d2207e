from __future__ import annotations

from datetime import date

import pytest

from core.domain.errors import InconsistentData
from core.domain.undelivered import (
    DEFAULT_POLICY,
    UndeliveredPolicy,
    disposal_due_on,
    is_disposal_due,
    is_reminder_due,
    reminder_due_on,
)

D = date.fromisoformat


def test_default_policy_is_the_mynadesk_rule() -> None:
    assert UndeliveredPolicy(90, 3, 12) == DEFAULT_POLICY


def test_reminder_is_due_when_the_notice_is_90_days_old() -> None:
    assert reminder_due_on(D("2025-01-10")) == D("2025-04-10")
    assert not is_reminder_due(D("2025-01-10"), D("2025-04-09"))
    assert is_reminder_due(D("2025-01-10"), D("2025-04-10"))


def test_reminder_is_not_due_again_once_sent() -> None:
    assert not is_reminder_due(D("2025-01-10"), D("2025-06-01"), reminded_on=D("2025-04-10"))


def test_reminder_follows_a_custom_policy() -> None:
    policy = UndeliveredPolicy(reminder_after_days=60)
    assert reminder_due_on(D("2025-01-10"), policy) == D("2025-03-11")


def test_disposal_waits_for_twelve_months_after_the_notice() -> None:
    # reminder +3 months = 2025-07-10, notice +12 months = 2026-01-10: the later wins
    assert disposal_due_on(D("2025-01-10"), D("2025-04-10"), on_hold=False) == D("2026-01-10")


def test_disposal_waits_for_three_months_after_a_late_reminder() -> None:
    assert disposal_due_on(D("2025-01-10"), D("2025-12-01"), on_hold=False) == D("2026-03-01")


def test_disposal_month_arithmetic_clamps_to_month_end() -> None:
    assert disposal_due_on(D("2024-02-29"), D("2024-05-29"), on_hold=False) == D("2025-02-28")
    assert disposal_due_on(D("2024-01-05"), D("2024-11-30"), on_hold=False) == D("2025-02-28")


def test_no_disposal_without_a_reminder() -> None:
    assert disposal_due_on(D("2023-01-10"), None, on_hold=False) is None
    assert not is_disposal_due(D("2023-01-10"), None, D("2026-01-01"), on_hold=False)


def test_hold_stops_disposal() -> None:
    assert disposal_due_on(D("2023-01-10"), D("2023-04-10"), on_hold=True) is None
    assert not is_disposal_due(D("2023-01-10"), D("2023-04-10"), D("2026-01-01"), on_hold=True)


@pytest.mark.parametrize(
    ("today", "due"), [("2026-01-09", False), ("2026-01-10", True), ("2027-01-01", True)]
)
def test_disposal_is_due_from_the_due_date_on(today: str, due: bool) -> None:
    assert is_disposal_due(D("2025-01-10"), D("2025-04-10"), D(today), on_hold=False) is due


def test_disposal_follows_a_custom_policy() -> None:
    policy = UndeliveredPolicy(disposal_after_reminder_months=6, disposal_after_notice_months=6)
    assert disposal_due_on(D("2025-01-10"), D("2025-04-10"), on_hold=False, policy=policy) == D("2025-10-10")


def test_reminder_before_the_notice_is_a_data_problem() -> None:
    with pytest.raises(InconsistentData, match="再通知日"):
        disposal_due_on(D("2025-01-10"), D("2025-01-09"), on_hold=False)


def test_policy_refuses_negative_periods() -> None:
    with pytest.raises(ValueError, match="reminder_after_days"):
        UndeliveredPolicy(reminder_after_days=-1)
