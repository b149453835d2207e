"""異動: how each person came to the register, their latest change, 届出日, 処理日時 and stable numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from core.domain.register import MoveReason
from demo.synth import templates as tp
from demo.synth.foreign import Foreigners
from demo.synth.population import Population
from demo.synth.removed import REASONS, Removed
from demo.synth.sampling import Ints, add_years, day, to_weekday, uniform_int

CODES: tuple[MoveReason, ...] = tuple(MoveReason)
_I = {reason.value: i for i, reason in enumerate(CODES)}
FOREIGN_REGISTRATION_DAY = day(date(2012, 7, 9))  # 外国人住民 entered the 住民基本台帳 ex officio on this day
MIGRATION_DAY = day(date(2003, 3, 24))  # records older than this were loaded into today's system that night
_OFFICIAL = (_I["A04"], _I["B04"], _I["C05"])  # 職権: no 届出
_YEAR = 365.2425


@dataclass
class Moves:
    """Per person, day ordinals (0 = none) and indexes into CODES."""

    reason: Ints
    on: Ints
    notified: Ints
    processed_on: Ints
    processed_second: Ints  # seconds after midnight
    resident_since: Ints  # day of the A event: when the person joined this city's register
    came_from_abroad: Ints  # 1 when that A event was A02
    identity_change_on: Ints  # latest 転居 or 氏名変更 (revokes the 署名用 certificate), 0 = none
    atena_no: Ints
    household_no: Ints  # per household


def assign(
    rng: np.random.Generator, pop: Population, removed: Removed, foreigners: Foreigners, as_of: date
) -> Moves:
    """Every person's latest 異動 and its dates."""
    today = day(as_of)
    yesterday = today - 1
    moved_in, native, abroad = _household_arrivals(rng, pop, foreigners, today)
    base_on, base = _joined(rng, pop, foreigners, moved_in, native, abroad, yesterday)
    on, reason = base_on.copy(), base.copy()
    resident = pop.status == 1
    hh_c01 = _last_event(rng, moved_in, 0.035, today)
    hh_c03 = _last_event(rng, moved_in, 0.008, today)
    c01 = np.where(resident & (hh_c01[pop.hh] > base_on), hh_c01[pop.hh], 0)
    wife = (pop.role == tp.WIFE) & (pop.age_on(today) < 45)
    c02 = np.where(resident, _last_event(rng, base_on, np.where(wife, 0.02, 0.002), today), 0)
    c03 = np.where(resident & (hh_c03[pop.hh] > base_on), hh_c03[pop.hh], 0)
    c03 = np.maximum(c03, _head_changes(rng, pop, yesterday))
    renewed = (foreigners.granted_on > base_on + 30) & resident & (rng.random(pop.size) < 0.95)
    c04 = np.where(renewed, foreigners.granted_on, 0)
    c05 = np.where(resident, _last_event(rng, base_on, np.full(pop.size, 0.001), today), 0)
    for code, when in (("C01", c01), ("C02", c02), ("C03", c03), ("C04", c04), ("C05", c05)):
        later = when > on
        on = np.where(later, when, on)
        reason = np.where(later, _I[code], reason)
    gone = ~resident
    removal_codes = np.array([0, *(_I[c] for c in REASONS[1:])])
    reason = np.where(gone, removal_codes[removed.reason], reason)
    on = np.where(gone, pop.removed_on, on)
    notified = _notified(rng, reason, on, yesterday)
    processed_on = np.where(notified > 0, notified, on)
    second = uniform_int(rng, 8 * 3600 + 1800, 17 * 3600 + 900, size=pop.size)
    batch = np.isin(reason, _OFFICIAL) | (processed_on < MIGRATION_DAY)
    second = np.where(batch, uniform_int(rng, 3600, 5 * 3600, size=pop.size), second)
    processed_on = np.maximum(processed_on, MIGRATION_DAY)
    return Moves(
        reason=reason,
        on=on,
        notified=notified,
        processed_on=processed_on,
        processed_second=second,
        resident_since=base_on,
        came_from_abroad=(base == _I["A02"]).astype(np.int64),
        identity_change_on=np.maximum(c01, c02),
        atena_no=_numbers(rng, base_on, 10_000_000, 8),
        household_no=_numbers(rng, moved_in, 100, 4),
    )


def _household_arrivals(
    rng: np.random.Generator, pop: Population, foreigners: Foreigners, today: int
) -> tuple[Ints, Ints, Ints]:
    """Day each household moved in, whether its head was born here, whether it came from abroad."""
    heads = np.flatnonzero(pop.order == 0)
    head_birth = np.zeros(pop.hh_count, dtype=np.int64)
    head_birth[pop.hh[heads]] = pop.birth[heads]
    head_age = (today - head_birth) / _YEAR
    mean_years = np.select(
        [head_age < 30, head_age < 40, head_age < 50, head_age < 65], [5.0, 8.0, 11.0, 18.0], 28.0
    )
    foreign = np.zeros(pop.hh_count, dtype=np.bool_)
    foreign[pop.hh[pop.foreign & ~foreigners.mixed]] = True
    mean_years = np.where(foreign, 4.0, mean_years)
    years_ago = rng.exponential(mean_years)
    adult = head_birth + (18 * _YEAR)
    moved_in = np.maximum(today - 1 - np.floor(years_ago * _YEAR).astype(np.int64), adult.astype(np.int64))
    moved_in = np.minimum(moved_in, today - 1)
    first_grant = np.full(pop.hh_count, today, dtype=np.int64)
    granted = foreigners.granted_on > 0
    np.minimum.at(first_grant, pop.hh[granted], foreigners.granted_on[granted])
    moved_in = np.where(foreign, np.minimum(moved_in, first_grant), moved_in)
    # Removed households left on their removal day: they must have arrived before it.
    left = np.full(pop.hh_count, today, dtype=np.int64)
    np.minimum.at(left, pop.hh[pop.status != 1], pop.removed_on[pop.status != 1])
    moved_in = np.minimum(moved_in, left - 30)
    native = (~foreign & (rng.random(pop.hh_count) < 0.2) & (head_age >= 25)).astype(np.int64)
    moved_in = np.where(native == 1, head_birth, moved_in)
    abroad = np.where(foreign, rng.random(pop.hh_count) < 0.65, rng.random(pop.hh_count) < 0.03).astype(
        np.int64
    )
    return moved_in, native, abroad


def _joined(
    rng: np.random.Generator,
    pop: Population,
    foreigners: Foreigners,
    moved_in: Ints,
    native: Ints,
    abroad: Ints,
    yesterday: int,
) -> tuple[Ints, Ints]:
    """The A event of each person: born here (A03), moved in (A01 / A02) or entered ex officio (A04)."""
    n = pop.size
    household_day = moved_in[pop.hh]
    born_here = pop.birth >= household_day
    came = np.where(abroad[pop.hh] == 1, _I["A02"], _I["A01"])
    on = np.where(born_here, pop.birth, household_day)
    reason = np.where(born_here, _I["A03"], came)
    # In a household whose head was born here, older members came later (a spouse) or earlier (parents).
    older = (native[pop.hh] == 1) & ~born_here
    spouse = np.isin(pop.role, tp.SPOUSES)
    married = np.minimum(
        household_day + np.floor(uniform_int(rng, 24, 32, size=n) * _YEAR).astype(np.int64), yesterday
    )
    before = np.maximum(
        household_day - np.floor(uniform_int(rng, 1, 10, size=n) * _YEAR).astype(np.int64),
        add_years(pop.birth, 18),
    )
    on = np.where(older, np.where(spouse, married, np.minimum(before, household_day)), on)
    since = np.maximum(household_day, pop.birth)
    joined_late = foreigners.mixed & (rng.random(n) < 0.5)
    on = np.where(joined_late, uniform_int(rng, since, yesterday), on)
    reason = np.where(foreigners.mixed, _I["A02"], reason)
    official = rng.random(n) < 0.002
    on = np.where(official, uniform_int(rng, since, yesterday), on)
    reason = np.where(official, _I["A04"], reason)
    before_registration = pop.foreign & (on < FOREIGN_REGISTRATION_DAY)
    on = np.where(before_registration, FOREIGN_REGISTRATION_DAY, on)
    reason = np.where(before_registration, _I["A04"], reason)
    # Nobody joins after leaving: removed people joined at least a month before their removal.
    gone = pop.status != 1
    on = np.where(gone, np.minimum(on, np.maximum(pop.removed_on - 30, pop.birth)), on)
    return np.minimum(np.maximum(on, pop.birth), yesterday), reason


def _last_event(rng: np.random.Generator, since: Ints, rate_per_year: Ints | float, today: int) -> Ints:
    """Day of the latest event of a Poisson process with the given yearly rate, or 0 if none since `since`."""
    years = rng.exponential(1.0 / np.asarray(rate_per_year, dtype=np.float64), size=len(since))
    when = today - 1 - np.floor(years * _YEAR).astype(np.int64)
    return np.where(when > since, when, 0)


def _head_changes(rng: np.random.Generator, pop: Population, yesterday: int) -> Ints:
    """A widow becomes 世帯主 when her husband, the head, dies: 世帯変更 a few days after the death."""
    died_heads = np.flatnonzero((pop.status == 3) & (pop.role == tp.HEAD) & (pop.order > 0))
    change = np.zeros(pop.size, dtype=np.int64)
    survivors = np.flatnonzero(pop.order == 0)
    survivor_of = np.full(pop.hh_count, -1, dtype=np.int64)
    survivor_of[pop.hh[survivors]] = survivors
    who = survivor_of[pop.hh[died_heads]]
    change[who] = np.minimum(pop.removed_on[died_heads] + uniform_int(rng, 3, 14, size=len(who)), yesterday)
    return change


def _notified(rng: np.random.Generator, reason: Ints, on: Ints, yesterday: int) -> Ints:
    """届出日: after a move-in or birth, before a move-out; none for 職権; missing on some old records."""
    n = len(on)
    after = on + uniform_int(rng, 0, 14, size=n)
    before = on - uniform_int(rng, 0, 14, size=n)
    death = on + uniform_int(rng, 0, 7, size=n)
    stay = on + uniform_int(rng, 0, 3, size=n)
    out = np.isin(reason, (_I["B01"], _I["B02"]))
    when = np.where(
        out, before, np.where(reason == _I["B03"], death, np.where(reason == _I["C04"], stay, after))
    )
    when = np.maximum(to_weekday(np.minimum(when, yesterday), yesterday), np.where(out, 0, on))
    when = np.minimum(when, yesterday)
    missing = np.isin(reason, _OFFICIAL) | ((on < day(date(1990, 1, 1))) & (rng.random(n) < 0.4))
    return np.where(missing, 0, when)


def _numbers(rng: np.random.Generator, created: Ints, start: int, max_gap: int) -> Ints:
    """Stable numbers handed out in order of creation, with the gaps a long-lived system leaves."""
    order = np.lexsort((rng.random(len(created)), created))
    numbers = np.empty(len(created), dtype=np.int64)
    numbers[order] = start + np.cumsum(uniform_int(rng, 1, max_gap, size=len(created)))
    return numbers
