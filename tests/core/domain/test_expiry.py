from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from core.domain.errors import DomainError, InconsistentData
from core.domain.expiry import (
    LONG_TERM_RESIDENCE_STATUSES,
    add_months,
    age_on,
    age_threshold,
    birthday_in_year,
    card_expiry,
    effective_card_expiry,
    expiry_notice_month,
    expiry_notice_sent,
    expiry_set_by_stay,
    in_renewal_window,
    is_long_term_resident,
    is_valid_on,
    nth_birthday_after,
    renewal_window_opens,
    signature_certificate_expiry,
    signature_issued_by_default,
    user_certificate_expiry,
)

D = date.fromisoformat


@dataclass(frozen=True)
class Example:
    """One row of the spec's worked-examples table."""

    born: str
    applied: str | None
    issued: str
    card: str
    user_cert: str
    signature: bool = True
    foreign: bool = False
    status: str | None = None
    stay_to: str | None = None


SPEC_EXAMPLES = {
    "adult_2020": Example("1985-10-10", None, "2020-05-15", "2029-10-10", "2024-10-10"),
    "issued_on_the_birthday": Example("1980-06-01", None, "2016-06-01", "2026-06-01", "2021-06-01"),
    "issued_day_before_birthday": Example("1980-06-01", None, "2016-05-31", "2025-06-01", "2020-06-01"),
    "age_12_no_signature": Example(
        "2010-03-03", None, "2023-01-20", "2027-03-03", "2027-03-03", signature=False
    ),
    "age_18_applied_before_reform": Example(
        "2003-08-15", "2021-12-01", "2022-01-10", "2026-08-15", "2026-08-15"
    ),
    "age_18_after_reform": Example("2003-08-15", "2022-05-01", "2022-06-10", "2031-08-15", "2026-08-15"),
    "age_16_feb_29": Example("2000-02-29", None, "2016-03-01", "2021-02-28", "2021-02-28"),
    "foreign_stay_to_2027": Example(
        "1990-01-15",
        None,
        "2024-06-01",
        "2027-04-30",
        "2027-04-30",
        foreign=True,
        status="技術・人文知識・国際業務",
        stay_to="2027-04-30",
    ),
    "permanent_resident": Example(
        "1990-01-15", None, "2024-06-01", "2034-01-15", "2029-01-15", foreign=True, status="永住者"
    ),
}


def _card_expiry(ex: Example) -> date:
    return card_expiry(
        D(ex.born),
        D(ex.issued),
        D(ex.applied) if ex.applied else None,
        foreign_resident=ex.foreign,
        residence_status=ex.status,
        residence_expiry=D(ex.stay_to) if ex.stay_to else None,
    )


@pytest.mark.parametrize("ex", SPEC_EXAMPLES.values(), ids=SPEC_EXAMPLES.keys())
def test_card_expiry_matches_spec_worked_example(ex: Example) -> None:
    assert _card_expiry(ex) == D(ex.card)


@pytest.mark.parametrize("ex", SPEC_EXAMPLES.values(), ids=SPEC_EXAMPLES.keys())
def test_user_certificate_expiry_matches_spec_worked_example(ex: Example) -> None:
    assert user_certificate_expiry(D(ex.born), D(ex.issued), _card_expiry(ex)) == D(ex.user_cert)


@pytest.mark.parametrize("ex", SPEC_EXAMPLES.values(), ids=SPEC_EXAMPLES.keys())
def test_signature_certificate_issued_by_default_only_from_age_15(ex: Example) -> None:
    assert signature_issued_by_default(D(ex.born), D(ex.issued)) is ex.signature


@pytest.mark.parametrize("ex", SPEC_EXAMPLES.values(), ids=SPEC_EXAMPLES.keys())
def test_signature_certificate_in_examples_runs_with_user_certificate(ex: Example) -> None:
    card = _card_expiry(ex)
    user = user_certificate_expiry(D(ex.born), D(ex.issued), card)
    assert signature_certificate_expiry(D(ex.born), D(ex.issued), card, user) == D(ex.user_cert)


def test_card_issued_day_before_birthday_loses_almost_a_year() -> None:
    on_birthday = card_expiry(D("1980-06-01"), D("2016-06-01"))
    day_before = card_expiry(D("1980-06-01"), D("2016-05-31"))
    assert (on_birthday - day_before).days == 365


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2023, "2023-02-28"), (2024, "2024-02-29"), (2100, "2100-02-28"), (2000, "2000-02-29")],
)
def test_feb_29_birthday_falls_on_feb_28_in_common_years(year: int, expected: str) -> None:
    assert birthday_in_year(D("2000-02-29"), year) == D(expected)


def test_ordinary_birthday_is_the_same_day_every_year() -> None:
    assert birthday_in_year(D("1985-10-10"), 2031) == D("2031-10-10")


@pytest.mark.parametrize(
    ("day", "age"),
    [
        ("2016-02-27", 15),
        ("2016-02-28", 15),
        ("2016-02-29", 16),
        ("2017-02-27", 16),
        ("2017-02-28", 17),
        ("2017-03-01", 17),
    ],
)
def test_feb_29_holder_ages_on_feb_28_in_common_years(day: str, age: int) -> None:
    assert age_on(D("2000-02-29"), D(day)) == age


@pytest.mark.parametrize(("day", "age"), [("2021-08-14", 17), ("2021-08-15", 18), ("2003-08-15", 0)])
def test_age_counts_the_birthday_itself(day: str, age: int) -> None:
    assert age_on(D("2003-08-15"), D(day)) == age


def test_nth_birthday_after_skips_a_birthday_on_the_day_itself() -> None:
    assert nth_birthday_after(D("1980-06-01"), D("2016-06-01"), 1) == D("2017-06-01")
    assert nth_birthday_after(D("1980-06-01"), D("2016-05-31"), 1) == D("2016-06-01")


def test_nth_birthday_after_the_birth_date_is_the_first_birthday() -> None:
    assert nth_birthday_after(D("2024-04-01"), D("2024-04-01"), 5) == D("2029-04-01")


def test_nth_birthday_refuses_n_below_one() -> None:
    with pytest.raises(ValueError, match="n must be at least 1"):
        nth_birthday_after(D("1980-06-01"), D("2016-06-01"), 0)


def test_age_on_a_day_before_birth_is_a_data_problem() -> None:
    with pytest.raises(InconsistentData, match="生年月日"):
        age_on(D("2000-01-01"), D("1999-12-31"))


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        ("2024-02-28", "2033-02-28"),  # leap year, day before the Feb 29 birthday: loses almost a year
        ("2024-02-29", "2034-02-28"),  # leap year, on the birthday
        ("2024-03-01", "2034-02-28"),
        ("2023-02-27", "2032-02-29"),  # common year, day before the Feb 28 birthday: loses almost a year
        ("2023-02-28", "2033-02-28"),  # common year, on the (Feb 28) birthday: exactly 10 years
        ("2023-03-01", "2033-02-28"),
    ],
)
def test_feb_29_adult_card_counts_feb_28_as_the_birthday_in_common_years(issued: str, expected: str) -> None:
    assert card_expiry(D("1996-02-29"), D(issued)) == D(expected)


def test_feb_29_minor_card_ending_in_a_leap_year_ends_on_feb_29() -> None:
    assert card_expiry(D("2012-02-29"), D("2023-02-28")) == D("2028-02-29")


@pytest.mark.parametrize(
    ("issued", "expected"),
    [("2022-08-15", "2032-08-15"), ("2022-08-14", "2026-08-15")],
    ids=["on_18th_birthday_is_adult", "day_before_18th_birthday_is_minor"],
)
def test_threshold_18_applies_from_the_18th_birthday(issued: str, expected: str) -> None:
    assert card_expiry(D("2004-08-15"), D(issued), D("2022-05-01")) == D(expected)


@pytest.mark.parametrize(
    ("issued", "expected"),
    [("2021-08-15", "2031-08-15"), ("2021-08-14", "2025-08-15")],
    ids=["on_20th_birthday_is_adult", "day_before_20th_birthday_is_minor"],
)
def test_threshold_20_applies_from_the_20th_birthday(issued: str, expected: str) -> None:
    assert card_expiry(D("2001-08-15"), D(issued)) == D(expected)


@pytest.mark.parametrize(
    ("applied", "issued", "threshold"),
    [
        (None, "2022-03-31", 20),
        (None, "2022-04-01", 18),
        ("2022-03-31", "2022-04-20", 20),
        ("2022-04-01", "2022-04-20", 18),
    ],
)
def test_age_threshold_uses_application_date_or_else_issue_date(
    applied: str | None, issued: str, threshold: int
) -> None:
    assert age_threshold(D(applied) if applied else None, D(issued)) == threshold


def test_unknown_application_date_uses_issue_date_for_the_2022_cutoff() -> None:
    born = D("2003-08-15")
    assert card_expiry(born, D("2022-03-31")) == D("2026-08-15")  # 18, but issued before: threshold 20
    assert card_expiry(born, D("2022-04-01")) == D("2031-08-15")  # 18, issued from 2022-04: threshold 18


def test_foreign_resident_card_ends_with_a_stay_shorter_than_the_birthday_rule() -> None:
    got = card_expiry(
        D("1990-01-15"),
        D("2024-06-01"),
        foreign_resident=True,
        residence_status="留学",
        residence_expiry=D("2025-03-31"),
    )
    assert got == D("2025-03-31")


def test_foreign_resident_card_keeps_birthday_rule_when_stay_is_longer() -> None:
    got = card_expiry(
        D("2015-01-15"),
        D("2024-06-01"),
        foreign_resident=True,
        residence_status="家族滞在",
        residence_expiry=D("2029-06-01"),
    )
    assert got == D("2029-01-15")


def test_foreign_resident_stay_ending_on_the_issue_date_gives_a_one_day_card() -> None:
    got = card_expiry(
        D("1990-01-15"),
        D("2024-06-01"),
        foreign_resident=True,
        residence_status="留学",
        residence_expiry=D("2024-06-01"),
    )
    assert got == D("2024-06-01")


@pytest.mark.parametrize("status", [*sorted(LONG_TERM_RESIDENCE_STATUSES), "高度専門職２号", " 永住者 "])
def test_long_term_residents_are_not_limited_by_a_stay_date(status: str) -> None:
    got = card_expiry(
        D("1990-01-15"),
        D("2024-06-01"),
        foreign_resident=True,
        residence_status=status,
        residence_expiry=D("2025-01-01"),
    )
    assert got == D("2034-01-15")
    assert is_long_term_resident(status)


@pytest.mark.parametrize("status", ["技術・人文知識・国際業務", None, ""])
def test_foreign_resident_without_stay_end_date_is_a_data_problem(status: str | None) -> None:
    with pytest.raises(InconsistentData, match="在留期間満了日がありません"):
        card_expiry(D("1990-01-15"), D("2024-06-01"), foreign_resident=True, residence_status=status)


def test_stay_ending_before_the_issue_date_is_a_data_problem() -> None:
    with pytest.raises(InconsistentData, match="before the issue date"):
        card_expiry(
            D("1990-01-15"),
            D("2024-06-01"),
            foreign_resident=True,
            residence_status="留学",
            residence_expiry=D("2024-05-31"),
        )


def test_japanese_resident_with_residence_data_is_a_data_problem() -> None:
    with pytest.raises(InconsistentData, match="在留資格"):
        card_expiry(
            D("1990-01-15"), D("2024-06-01"), residence_status="留学", residence_expiry=D("2025-01-01")
        )


def test_issue_before_birth_is_a_data_problem() -> None:
    with pytest.raises(DomainError, match="発行日"):
        card_expiry(D("2024-06-02"), D("2024-06-01"))


def test_application_after_issue_is_a_data_problem() -> None:
    with pytest.raises(InconsistentData, match="申請日") as caught:
        card_expiry(D("1990-01-15"), D("2024-06-01"), D("2024-06-02"))
    assert " / the application date" in str(caught.value)


def test_expiry_set_by_stay_only_when_the_stay_caps_the_card() -> None:
    born, issued = D("1990-01-15"), D("2024-06-01")
    assert expiry_set_by_stay(
        born, issued, foreign_resident=True, residence_status="留学", residence_expiry=D("2027-04-30")
    )
    assert not expiry_set_by_stay(
        born, issued, foreign_resident=True, residence_status="留学", residence_expiry=D("2035-01-01")
    )
    assert not expiry_set_by_stay(born, issued, foreign_resident=True, residence_status="永住者")
    assert not expiry_set_by_stay(born, issued)


def test_printed_expiry_wins_over_the_computed_one() -> None:
    assert effective_card_expiry(D("2030-01-01"), D("2029-10-10")) == D("2030-01-01")
    assert effective_card_expiry(None, D("2029-10-10")) == D("2029-10-10")


def test_card_is_valid_through_its_expiry_date() -> None:
    assert is_valid_on(D("2029-10-10"), D("2029-10-10"))
    assert not is_valid_on(D("2029-10-10"), D("2029-10-11"))


def test_user_certificate_renewed_in_window_runs_to_the_6th_birthday() -> None:
    born, issued, card = D("1985-10-10"), D("2024-08-01"), D("2034-10-10")
    assert user_certificate_expiry(born, issued, card) == D("2028-10-10")
    assert user_certificate_expiry(born, issued, card, renewal=True) == D("2029-10-10")
    assert user_certificate_expiry(born, issued, D("2029-01-31"), renewal=True) == D("2029-01-31")


def test_user_certificate_never_outlives_the_card() -> None:
    assert user_certificate_expiry(D("1985-10-10"), D("2026-01-10"), D("2029-10-10")) == D("2029-10-10")


def test_certificate_issued_after_card_expiry_is_a_data_problem() -> None:
    with pytest.raises(InconsistentData, match="電子証明書の発行日"):
        user_certificate_expiry(D("1985-10-10"), D("2029-10-11"), D("2029-10-10"))


def test_signature_certificate_never_outlives_the_user_certificate() -> None:
    born, issued, card = D("1985-10-10"), D("2024-08-01"), D("2034-10-10")
    assert signature_certificate_expiry(born, issued, card, D("2026-01-31")) == D("2026-01-31")
    assert signature_certificate_expiry(born, issued, card, D("2031-10-10"), renewal=True) == D("2029-10-10")


@pytest.mark.parametrize(("on", "issued"), [("2025-03-02", False), ("2025-03-03", True)])
def test_signature_certificate_issued_by_default_from_the_15th_birthday(on: str, issued: bool) -> None:
    assert signature_issued_by_default(D("2010-03-03"), D(on)) is issued


@pytest.mark.parametrize(
    ("expires", "opens"),
    [
        ("2029-10-10", "2029-07-10"),
        ("2027-05-31", "2027-02-28"),
        ("2028-05-31", "2028-02-29"),
        ("2027-07-31", "2027-04-30"),
        ("2027-02-28", "2026-11-28"),
        ("2028-02-29", "2027-11-29"),
        ("2027-01-15", "2026-10-15"),
    ],
)
def test_renewal_window_opens_three_months_before_or_at_month_end(expires: str, opens: str) -> None:
    assert renewal_window_opens(D(expires)) == D(opens)


@pytest.mark.parametrize(
    ("today", "inside"),
    [
        ("2027-02-27", False),
        ("2027-02-28", True),
        ("2027-05-31", True),
        ("2027-06-01", True),
        ("2030-01-01", True),
    ],
)
def test_renewal_window_stays_open_after_expiry(today: str, inside: bool) -> None:
    assert in_renewal_window(D("2027-05-31"), D(today)) is inside


@pytest.mark.parametrize(
    ("expires", "month"),
    [("2029-10-10", "2029-07-01"), ("2027-05-31", "2027-02-01"), ("2027-02-15", "2026-11-01")],
)
def test_expiry_notice_forecast_falls_in_the_month_three_months_before(expires: str, month: str) -> None:
    assert expiry_notice_month(D(expires)) == D(month)


@pytest.mark.parametrize(
    ("foreign", "status", "ends_with_stay", "sent"),
    [
        (False, None, False, True),
        (True, "技術・人文知識・国際業務", True, False),
        (True, "技術・人文知識・国際業務", False, True),
        (True, "永住者", False, True),
    ],
)
def test_no_expiry_notice_for_foreign_resident_whose_card_ends_with_the_stay(
    foreign: bool, status: str | None, ends_with_stay: bool, sent: bool
) -> None:
    assert (
        expiry_notice_sent(
            foreign_resident=foreign, residence_status=status, card_ends_with_stay=ends_with_stay
        )
        is sent
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-11-30", 3, "2025-02-28"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2024-12-15", 1, "2025-01-15"),
        ("2025-01-15", -1, "2024-12-15"),
        ("2024-02-29", 12, "2025-02-28"),
    ],
)
def test_add_months_clamps_to_the_last_day_of_the_month(day: str, months: int, expected: str) -> None:
    assert add_months(D(day), months) == D(expected)
