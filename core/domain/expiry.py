"""Expiry of the card and its certificates, the renewal window and expiry notices (spec: card-lifecycle.md).

Dates are inclusive: a card or certificate is valid through its expiry date itself.
"""

from __future__ import annotations

import calendar
import unicodedata
from datetime import date

from core.domain.errors import InconsistentData

# --- Law and J-LIS practice ------------------------------------------------------------------------------
ADULT_AGE = 18
ADULT_AGE_BEFORE_REFORM = 20
AGE_REFORM_DATE = date(2022, 4, 1)  # applications before this day use the age of 20
CARD_BIRTHDAYS_ADULT = 10
CARD_BIRTHDAYS_MINOR = 5
CERTIFICATE_BIRTHDAYS = 5
CERTIFICATE_BIRTHDAYS_ON_RENEWAL = 6  # renewal inside the window (Fujisawa city guidance)
SIGNATURE_MIN_AGE = 15  # 署名用 is not issued by default to younger people
RENEWAL_WINDOW_MONTHS = 3
EXPIRY_NOTICE_MONTHS_BEFORE = 3  # forecast the J-LIS 有効期限通知書 wave at expiry − 3 months
LONG_TERM_RESIDENCE_STATUSES = frozenset({"永住者", "特別永住者", "高度専門職2号"})

# --- MynaDesk rules ---------------------------------------------------------------------------------------
# A Feb 29 birthday falls on this (month, day) in common years (民法143条: a period ending on a day the month
# lacks ends on the month's last day).
LEAP_DAY_BIRTHDAY_IN_COMMON_YEARS = (2, 28)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; a day the target month lacks becomes that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def birthday_in_year(birth: date, year: int) -> date:
    """The birthday in `year`; Feb 29 births fall on Feb 28 in common years (MynaDesk rule)."""
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
        month, day = LEAP_DAY_BIRTHDAY_IN_COMMON_YEARS
        return date(year, month, day)
    return date(year, birth.month, birth.day)


def _require_born_by(birth: date, day: date, what_ja: str, what_en: str) -> None:
    if day < birth:
        raise InconsistentData(
            f"{what_ja}({day})が生年月日({birth})より前です。データを確認してください",
            f"{what_en} ({day}) is before the birth date ({birth}); check the data",
        )


def age_on(birth: date, day: date) -> int:
    """Completed years on `day`: birthdays on or before `day` count (Feb 29 rule included)."""
    _require_born_by(birth, day, "基準日", "the day")
    years = day.year - birth.year
    return years if birthday_in_year(birth, day.year) <= day else years - 1


def nth_birthday_after(birth: date, day: date, n: int) -> date:
    """The `n`-th birthday strictly after `day` (a birthday falling on `day` itself does not count)."""
    if n < 1:
        raise ValueError(f"n は1以上です / n must be at least 1, got {n}")
    _require_born_by(birth, day, "基準日", "the day")
    first_year = day.year if birthday_in_year(birth, day.year) > day else day.year + 1
    return birthday_in_year(birth, first_year + n - 1)


def age_threshold(applied_on: date | None, issued_on: date) -> int:
    """Age from which a card runs 10 years: 20 if applied (if unknown: issued) before 2022-04-01, else 18."""
    reference = applied_on if applied_on is not None else issued_on
    return ADULT_AGE_BEFORE_REFORM if reference < AGE_REFORM_DATE else ADULT_AGE


def is_long_term_resident(residence_status: str | None) -> bool:
    """True for 在留資格 whose holders' cards are not limited by a period of stay (永住者 etc.)."""
    if residence_status is None:
        return False
    return unicodedata.normalize("NFKC", residence_status).strip() in LONG_TERM_RESIDENCE_STATUSES


def card_expiry_by_age(birth: date, issued_on: date, applied_on: date | None = None) -> date:
    """The birthday rule alone: 10th birthday after the 発行日 at or over the age threshold, else the 5th."""
    _check_card_dates(birth, issued_on, applied_on)
    adult = age_on(birth, issued_on) >= age_threshold(applied_on, issued_on)
    return nth_birthday_after(birth, issued_on, CARD_BIRTHDAYS_ADULT if adult else CARD_BIRTHDAYS_MINOR)


def _check_card_dates(birth: date, issued_on: date, applied_on: date | None) -> None:
    _require_born_by(birth, issued_on, "発行日", "the issue date")
    if applied_on is None:
        return
    _require_born_by(birth, applied_on, "申請日", "the application date")
    if applied_on > issued_on:
        raise InconsistentData(
            f"申請日({applied_on})が発行日({issued_on})より後です。データを確認してください",
            f"the application date ({applied_on}) is after the issue date ({issued_on}); check the data",
        )


def stay_limit(
    issued_on: date,
    *,
    foreign_resident: bool,
    residence_status: str | None,
    residence_expiry: date | None,
) -> date | None:
    """The 在留期間満了日 that caps the card, or None when the stay does not limit it."""
    if not foreign_resident:
        if residence_status or residence_expiry is not None:
            raise InconsistentData(
                "日本人住民に在留資格・在留期間満了日が入っています。住民種別を確認してください",
                "a Japanese resident has a residence status or period of stay; check the resident kind",
            )
        return None
    if is_long_term_resident(residence_status):
        return None
    if residence_expiry is None:
        raise InconsistentData(
            f"在留資格「{residence_status or '未設定'}」の外国人住民に在留期間満了日がありません。"
            "住民記録を確認してください",
            f"foreign resident with residence status '{residence_status or 'unset'}' has no period-of-stay"
            " end date; check the resident record",
        )
    if residence_expiry < issued_on:
        raise InconsistentData(
            f"在留期間満了日({residence_expiry})が発行日({issued_on})より前です。住民記録を確認してください",
            f"the period of stay ends ({residence_expiry}) before the issue date ({issued_on});"
            " check the resident record",
        )
    return residence_expiry


def card_expiry(
    birth: date,
    issued_on: date,
    applied_on: date | None = None,
    *,
    foreign_resident: bool = False,
    residence_status: str | None = None,
    residence_expiry: date | None = None,
) -> date:
    """Computed last valid day of a card J-LIS made on `issued_on` (the printed expiry, if known, wins)."""
    by_age = card_expiry_by_age(birth, issued_on, applied_on)
    limit = stay_limit(
        issued_on,
        foreign_resident=foreign_resident,
        residence_status=residence_status,
        residence_expiry=residence_expiry,
    )
    return by_age if limit is None else min(by_age, limit)


def expiry_set_by_stay(
    birth: date,
    issued_on: date,
    applied_on: date | None = None,
    *,
    foreign_resident: bool = False,
    residence_status: str | None = None,
    residence_expiry: date | None = None,
) -> bool:
    """True when the card ends with the holder's period of stay (on or before the birthday rule's date)."""
    limit = stay_limit(
        issued_on,
        foreign_resident=foreign_resident,
        residence_status=residence_status,
        residence_expiry=residence_expiry,
    )
    return limit is not None and limit <= card_expiry_by_age(birth, issued_on, applied_on)


def effective_card_expiry(printed_on_card: date | None, computed: date) -> date:
    """The expiry to use: the date printed on the card when the ledger holds it, else the computed one."""
    return printed_on_card if printed_on_card is not None else computed


def is_valid_on(expires_on: date, day: date) -> bool:
    """True while `day` is on or before the expiry date (valid through the expiry date itself)."""
    return day <= expires_on


def _check_certificate_dates(cert_issued_on: date, card_expires_on: date) -> None:
    if cert_issued_on > card_expires_on:
        raise InconsistentData(
            f"電子証明書の発行日({cert_issued_on})がカードの有効期限({card_expires_on})より後です",
            f"the certificate issue date ({cert_issued_on}) is after the card's expiry ({card_expires_on})",
        )


def user_certificate_expiry(
    birth: date, cert_issued_on: date, card_expires_on: date, *, renewal: bool = False
) -> date:
    """利用者証明用: the 5th birthday after issue (6th on renewal inside the window), capped by the card."""
    _check_certificate_dates(cert_issued_on, card_expires_on)
    birthdays = CERTIFICATE_BIRTHDAYS_ON_RENEWAL if renewal else CERTIFICATE_BIRTHDAYS
    return min(nth_birthday_after(birth, cert_issued_on, birthdays), card_expires_on)


def signature_certificate_expiry(
    birth: date,
    cert_issued_on: date,
    card_expires_on: date,
    user_cert_expires_on: date,
    *,
    renewal: bool = False,
) -> date:
    """署名用: the same rule as 利用者証明用, and never later than the 利用者証明用 certificate."""
    own = user_certificate_expiry(birth, cert_issued_on, card_expires_on, renewal=renewal)
    return min(own, user_cert_expires_on)


def signature_issued_by_default(birth: date, on: date) -> bool:
    """True when a 署名用 certificate is issued by default: the person is 15 or older on `on`."""
    return age_on(birth, on) >= SIGNATURE_MIN_AGE


def renewal_window_opens(expires_on: date) -> date:
    """First day renewal is possible: 3 months before expiry (same day, else that month's last day)."""
    return add_months(expires_on, -RENEWAL_WINDOW_MONTHS)


def in_renewal_window(expires_on: date, today: date) -> bool:
    """True from the window's opening onward, including after expiry."""
    return today >= renewal_window_opens(expires_on)


def expiry_notice_month(expires_on: date) -> date:
    """First day of the month in which to forecast the J-LIS 有効期限通知書 (expiry − 3 months)."""
    return add_months(expires_on, -EXPIRY_NOTICE_MONTHS_BEFORE).replace(day=1)


def expiry_notice_sent(
    *, foreign_resident: bool, residence_status: str | None, card_ends_with_stay: bool
) -> bool:
    """False only for a 外国人住民 (not long-term) whose card ends with the period of stay."""
    stay_bound = foreign_resident and not is_long_term_resident(residence_status)
    return not (stay_bound and card_ends_with_stay)
