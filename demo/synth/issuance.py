"""When cards were made: the national issuance curve, the delays between steps, and the expiry rules.

Expiry dates come from core.domain.expiry (the one place the rules live), called once per card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from core.domain.expiry import (
    card_expiry,
    signature_certificate_expiry,
    signature_issued_by_default,
    user_certificate_expiry,
)
from demo.synth.foreign import Foreigners, long_term
from demo.synth.foreign_data import STATUSES
from demo.synth.population import Population
from demo.synth.sampling import Bools, Ints, day, from_ymd, uniform_int

FIRST_CARD_DAY = day(date(2016, 1, 12))  # counters started handing cards over
# National cumulative share of the population issued a card, at the end of each month: the facts page's
# figures, plus (assumption) points that place the spring-2020 surge, the rush to 2023-02-28 (cards made
# until about June), and the slower growth after.
CURVE: tuple[tuple[int, int, float], ...] = (
    (2015, 12, 0.0), (2016, 6, 4.5), (2016, 12, 7.6), (2017, 3, 8.4), (2017, 12, 10.2), (2018, 12, 12.2),
    (2019, 11, 14.3), (2020, 3, 15.3), (2020, 6, 18.0), (2020, 12, 22.5), (2021, 4, 28.2), (2021, 10, 38.4),
    (2022, 4, 43.3), (2022, 11, 53.9), (2023, 3, 65.0), (2023, 6, 71.0), (2023, 12, 74.0), (2025, 1, 85.8),
    (2025, 12, 89.0), (2026, 12, 91.5), (2035, 12, 99.0),
)  # fmt: skip


def _knots() -> tuple[Ints, np.ndarray]:
    months = np.array([y * 12 + m - 1 for y, m, _ in CURVE])
    values = np.array([v for _, _, v in CURVE])
    every = np.arange(months[0], months[-1] + 1)
    cumulative = np.interp(every, months, values) + np.arange(len(every)) * 1e-9  # strictly increasing
    following = every + 1
    month_end = from_ymd(following // 12, following % 12 + 1, np.ones(len(every), dtype=np.int64)) - 1
    return month_end.astype(np.int64), cumulative


_KNOT_DAYS, _KNOT_VALUES = _knots()


def sample_issue_days(rng: np.random.Generator, low: Ints, high: Ints) -> Ints:
    """Days drawn from the issuance curve between low and high (inclusive); callers ensure low <= high."""
    f_low = np.interp(low, _KNOT_DAYS, _KNOT_VALUES)
    f_high = np.interp(high + 1, _KNOT_DAYS, _KNOT_VALUES)
    u = f_low + rng.random(len(low)) * (f_high - f_low)
    days = np.floor(np.interp(u, _KNOT_VALUES, _KNOT_DAYS)).astype(np.int64)
    return np.asarray(np.clip(days, low, high), dtype=np.int64)


def application_lag(rng: np.random.Generator, issued: Ints) -> Ints:
    """Days from 申請 to J-LIS production: long in 2016 and in the 2023 rush."""
    n = len(issued)
    backlog_2016 = issued < day(date(2016, 10, 1))
    rush_2023 = (issued >= day(date(2023, 1, 1))) & (issued < day(date(2023, 7, 1)))
    return np.where(
        backlog_2016,
        uniform_int(rng, 40, 120, size=n),
        np.where(rush_2023, uniform_int(rng, 30, 75, size=n), uniform_int(rng, 18, 45, size=n)),
    )


def pickup_lag(rng: np.random.Generator, issued: Ints) -> Ints:
    """Days from J-LIS production to handover at the counter."""
    n = len(issued)
    slow = (issued < day(date(2016, 10, 1))) | (
        (issued >= day(date(2023, 1, 1))) & (issued < day(date(2023, 7, 1)))
    )
    quick = uniform_int(rng, 14, 50, size=n) + np.where(
        rng.random(n) < 0.1, uniform_int(rng, 20, 120, size=n), 0
    )
    return np.where(slow, uniform_int(rng, 20, 150, size=n), quick)


@dataclass
class Rules:
    """Per-person facts the expiry rules need, as Python objects."""

    birth: list[date]
    foreign: list[bool]
    status: list[str | None]
    stay_until: list[date | None]

    @classmethod
    def of(cls, pop: Population, foreigners: Foreigners) -> Rules:
        """Collect birth dates and the stay of 外国人住民."""
        births = [date.fromordinal(d) for d in pop.birth.tolist()]
        status = [STATUSES[s] if s >= 0 else None for s in foreigners.status.tolist()]
        until = [date.fromordinal(d) if d else None for d in foreigners.expires_on.tolist()]
        return cls(births, pop.foreign.tolist(), status, until)

    def card_expiry(self, people: Ints, issued: Ints, applied: Ints) -> Ints:
        """Computed expiry of each card (core.domain.expiry.card_expiry)."""
        out = np.empty(len(people), dtype=np.int64)
        for k, (p, d, a) in enumerate(zip(people.tolist(), issued.tolist(), applied.tolist(), strict=True)):
            out[k] = card_expiry(
                self.birth[p],
                date.fromordinal(d),
                date.fromordinal(a) if a else None,
                foreign_resident=self.foreign[p],
                residence_status=self.status[p],
                residence_expiry=self.stay_until[p],
            ).toordinal()
        return out

    def user_expiry(self, people: Ints, issued: Ints, card_expires: Ints, renewal: Bools) -> Ints:
        """利用者証明用 expiry (core.domain.expiry.user_certificate_expiry)."""
        out = np.empty(len(people), dtype=np.int64)
        rows = zip(people.tolist(), issued.tolist(), card_expires.tolist(), renewal.tolist(), strict=True)
        for k, (p, d, e, r) in enumerate(rows):
            birth = self.birth[p]
            out[k] = user_certificate_expiry(
                birth, date.fromordinal(d), date.fromordinal(e), renewal=r
            ).toordinal()
        return out

    def signature_expiry(
        self, people: Ints, issued: Ints, card_expires: Ints, user_expires: Ints, renewal: Bools
    ) -> Ints:
        """署名用 expiry, never after the 利用者証明用 (core.domain.expiry.signature_certificate_expiry)."""
        out = np.empty(len(people), dtype=np.int64)
        rows = zip(
            people.tolist(),
            issued.tolist(),
            card_expires.tolist(),
            user_expires.tolist(),
            renewal.tolist(),
            strict=True,
        )
        for k, (p, d, e, u, r) in enumerate(rows):
            out[k] = signature_certificate_expiry(
                self.birth[p], date.fromordinal(d), date.fromordinal(e), date.fromordinal(u), renewal=r
            ).toordinal()
        return out

    def signature_by_default(self, people: Ints, on: Ints) -> Bools:
        """True where a 署名用 certificate is issued by default (aged 15 or more)."""
        return np.array(
            [
                signature_issued_by_default(self.birth[p], date.fromordinal(d))
                for p, d in zip(people.tolist(), on.tolist(), strict=True)
            ],
            dtype=np.bool_,
        )


def issue_window(
    pop: Population, foreigners: Foreigners, resident_since: Ints, from_abroad: Ints, end: Ints
) -> tuple[Ints, Ints]:
    """Earliest and latest day a person's first card could have been made, before `end`."""
    low = np.maximum(pop.birth + 30, FIRST_CARD_DAY)
    low = np.where(from_abroad == 1, np.maximum(low, resident_since), low)
    bounded_stay = pop.foreign & ~long_term(foreigners.status)
    low = np.where(bounded_stay, np.maximum(low, foreigners.granted_on), low)
    high = np.where(bounded_stay, np.minimum(end - 30, foreigners.expires_on - 30), end - 30)
    return low, high
