"""Uncollected cards: when to send a reminder, when a card is due for 未交付廃棄 (MynaDesk rule)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

from core.domain.errors import InconsistentData
from core.domain.expiry import add_months


@dataclass(frozen=True)
class UndeliveredPolicy:
    """MynaDesk rule for uncollected cards; change the defaults here or pass another policy."""

    reminder_after_days: int = 90
    disposal_after_reminder_months: int = 3
    disposal_after_notice_months: int = 12

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value < 0:
                raise ValueError(
                    f"{field.name} は0以上にしてください / {field.name} must not be negative: {value}"
                )


DEFAULT_POLICY = UndeliveredPolicy()


def reminder_due_on(notified_on: date, policy: UndeliveredPolicy = DEFAULT_POLICY) -> date:
    """Day the reminder is due: the first notice is `reminder_after_days` old."""
    return notified_on + timedelta(days=policy.reminder_after_days)


def is_reminder_due(
    notified_on: date,
    today: date,
    *,
    reminded_on: date | None = None,
    policy: UndeliveredPolicy = DEFAULT_POLICY,
) -> bool:
    """True when no reminder was sent yet and the notice is old enough."""
    return reminded_on is None and today >= reminder_due_on(notified_on, policy)


def disposal_due_on(
    notified_on: date,
    reminded_on: date | None,
    *,
    on_hold: bool,
    policy: UndeliveredPolicy = DEFAULT_POLICY,
) -> date | None:
    """Day the card becomes due for 未交付廃棄, or None while on hold (保留) or before any reminder."""
    if reminded_on is not None and reminded_on < notified_on:
        raise InconsistentData(
            f"再通知日({reminded_on})が交付通知日({notified_on})より前です。データを確認してください",
            f"the reminder date ({reminded_on}) is before the notice date ({notified_on}); check the data",
        )
    if on_hold or reminded_on is None:
        return None
    after_reminder = add_months(reminded_on, policy.disposal_after_reminder_months)
    after_notice = add_months(notified_on, policy.disposal_after_notice_months)
    return max(after_reminder, after_notice)


def is_disposal_due(
    notified_on: date,
    reminded_on: date | None,
    today: date,
    *,
    on_hold: bool,
    policy: UndeliveredPolicy = DEFAULT_POLICY,
) -> bool:
    """True when the card is due for 未交付廃棄 on `today`."""
    due = disposal_due_on(notified_on, reminded_on, on_hold=on_hold, policy=policy)
    return due is not None and today >= due
