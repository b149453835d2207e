"""The expiry marts agree with core.domain.expiry on a random dataset (ages, Feb 29, notice months)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pyarrow as pa

from core.analytics.marts import EXPIRY_MONTHS
from core.domain.city import AGE_BANDS
from core.domain.expiry import add_months, age_on, card_expiry, expiry_notice_month
from etl.analytics import rules, transform
from etl.analytics.extract import CARDS_SCHEMA, CERTIFICATES_SCHEMA

AS_OF = date(2026, 11, 26)


def _cards(n: int) -> pa.Table:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        birth = date(2000, 2, 29) if i % 10 == 0 else date(1930, 1, 1) + timedelta(days=rng.randrange(33_000))
        expires = AS_OF.replace(day=1) + timedelta(days=rng.randrange(3_700))
        if i % 13 == 0:
            expires = date(2027, 2, 28)  # a Feb 29 birthday in a common year
        row = dict.fromkeys(CARDS_SCHEMA.names)
        row.update(
            id=i + 1,
            state=rng.choice(["issued", "issued", "suspended", "notified"]),
            issued_on=expires - timedelta(days=3_000),
            expires_on=expires,
            birth_date=birth,
            area_code=f"{rng.randrange(1, 14):02d}0100",
            resident_kind=1,
            resident_status=1,
        )
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=CARDS_SCHEMA)


def _band(age: int) -> str:
    """The marts' age band of AGE, looked up in Python (the marts compute it in SQL)."""
    return next(b.label for b in AGE_BANDS if age >= b.first and (b.last is None or age <= b.last))


def test_monthly_card_expiries_equal_the_domain_rules() -> None:
    cards = _cards(600)
    mart = transform.expiries_monthly(cards, CERTIFICATES_SCHEMA.empty_table(), AS_OF)
    got: Counter[tuple[date, str, str]] = Counter()
    for r in mart.to_pylist():
        got[(r["month"], r["district_code"], r["age_band"])] += r["expiring"]
    expected: Counter[tuple[date, str, str]] = Counter()
    # this month and the next 122: ten years, and the renewal window beyond them
    horizon_end = add_months(AS_OF.replace(day=1), EXPIRY_MONTHS)
    for c in cards.to_pylist():
        if c["state"] not in ("issued", "suspended") or c["expires_on"] >= horizon_end:
            continue
        band = _band(age_on(c["birth_date"], c["expires_on"]))
        expected[(c["expires_on"].replace(day=1), c["area_code"][:2], band)] += 1
    assert got == expected
    assert sum(expected.values()) > 300


def test_notice_waves_equal_the_domain_notice_month() -> None:
    cards = _cards(600)
    waves = transform.expiry_notice_waves(cards, rules.stay_bound_cards(cards), AS_OF)
    got = Counter({(r["notice_month"], r["district_code"]): r["letters"] for r in waves.to_pylist()})
    expected: Counter[tuple[date, str]] = Counter()
    horizon_end = date(AS_OF.year + 10, AS_OF.month, 1)
    for c in cards.to_pylist():
        month = expiry_notice_month(c["expires_on"])
        if c["state"] in ("issued", "suspended") and AS_OF.replace(day=1) <= month < horizon_end:
            expected[(month, c["area_code"][:2])] += 1
    assert +got == +expected


def test_a_foreign_resident_card_capped_by_the_stay_is_stay_bound_but_a_permanent_resident_is_not() -> None:
    base = dict.fromkeys(CARDS_SCHEMA.names)
    base.update(
        state="issued",
        birth_date=date(1990, 1, 15),
        issued_on=date(2024, 6, 1),
        resident_kind=2,
        resident_status=1,
    )
    capped = base | {"id": 1, "expires_on": date(2027, 4, 30), "residence_status": "技術・人文知識・国際業務"}
    permanent = base | {"id": 2, "expires_on": date(2034, 1, 15), "residence_status": "永住者"}
    by_age = base | {"id": 3, "expires_on": date(2034, 1, 15), "residence_status": "家族滞在"}
    table = pa.Table.from_pylist([capped, permanent, by_age], schema=CARDS_SCHEMA)
    flags = {r["card_id"]: r["stay_bound"] for r in rules.stay_bound_cards(table).to_pylist()}
    assert flags == {1: True, 3: False}


def test_cards_without_a_printed_expiry_get_the_expiry_the_domain_rules_compute() -> None:
    base = dict.fromkeys(CARDS_SCHEMA.names)
    printed = {**base, "id": 1, "state": "issued", "issued_on": date(2020, 5, 15), "resident_kind": 1,
               "resident_status": 1, "expires_on": date(2030, 1, 1),
               "birth_date": date(1980, 3, 3)}  # fmt: skip
    missing = {**printed, "id": 2, "expires_on": None}
    no_birth = {**missing, "id": 3, "birth_date": None}
    cards = rules.with_expiry(pa.Table.from_pylist([printed, missing, no_birth], schema=CARDS_SCHEMA))
    assert cards.column("expires_on").to_pylist() == [
        date(2030, 1, 1),
        card_expiry(date(1980, 3, 3), date(2020, 5, 15)),
        None,
    ]
    assert card_expiry(date(1980, 3, 3), date(2020, 5, 15)) == date(2030, 3, 3)
    months = transform.expiries_monthly(cards, pa.Table.from_pylist([], schema=CERTIFICATES_SCHEMA), AS_OF)
    assert sorted(months.column("month").to_pylist()) == [date(2030, 1, 1), date(2030, 3, 1)]
