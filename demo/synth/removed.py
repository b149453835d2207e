"""People removed from the register in the last 400 days: moved out, died, or removed ex officio.

The full extract keeps them (spec: resident-extract.md). Some left a household that is still here (a widow's
husband, an old mother, a grown child who moved to Tokyo); others left with their whole household.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from demo.synth import templates as tp
from demo.synth.population import FEMALE, MALE, Population
from demo.synth.sampling import Bools, Ints, day, mixture, uniform_int

WINDOW_DAYS = 400
# Removals a year in a city of 443,283 (assumption from national rates): 転出 ~18,000, 死亡 ~4,500.
ANNUAL_REMOVALS = {"B01": 16_900, "B02": 1_100, "B03": 4_500, "B04": 150}
STATUS_OF = {"B01": 2, "B02": 2, "B03": 3, "B04": 9}
REASONS: tuple[str, ...] = ("", "B01", "B02", "B03", "B04")  # index stored in Removed.reason

_DEATH_AGES = ((0.03, 20, 60), (0.12, 60, 75), (0.35, 75, 88), (0.50, 88, 103))
_MOVER_AGES = ((0.75, 18, 35), (0.15, 35, 60), (0.10, 60, 90))
_NO_PARENT = ("alone", "couple", "couple_child", "couple_2children", "couple_3children")


@dataclass
class _Batch:
    hh: list[Ints]
    order: list[Ints]
    role: list[Ints]
    sex: list[Ints]
    age: list[Ints]
    reason: list[Ints]
    on: list[Ints]
    foreign: list[Bools]

    def add(
        self, hh: Ints, order: Ints, role: Ints, sex: Ints, age: Ints, reason: int, on: Ints, foreign: Bools
    ) -> None:
        n = len(hh)
        self.hh.append(hh)
        self.order.append(order)
        self.role.append(role)
        self.sex.append(sex)
        self.age.append(age)
        self.reason.append(np.full(n, reason, dtype=np.int64))
        self.on.append(on)
        self.foreign.append(foreign)


@dataclass
class Removed:
    """Per person: index into REASONS (0 for residents)."""

    reason: Ints


def add_removed(
    rng: np.random.Generator, pop: Population, scale: float, as_of: date
) -> tuple[Population, Removed]:
    """The population with the removed people added, still grouped by household."""
    counts = {code: round(rate * WINDOW_DAYS / 365 * scale) for code, rate in ANNUAL_REMOVALS.items()}
    today = day(as_of)
    batch = _Batch([], [], [], [], [], [], [], [])
    ages = pop.age_on(today)
    heads = np.flatnonzero(pop.order == 0)
    head_age = ages[heads]
    sizes = np.bincount(pop.hh, minlength=pop.hh_count)
    taken = np.zeros(pop.hh_count, dtype=np.bool_)
    next_hh = [pop.hh_count]

    def pick(mask: Bools, k: int) -> Ints:
        candidates = heads[mask & ~taken[pop.hh[heads]]]
        chosen = rng.choice(candidates, size=min(k, len(candidates)), replace=False) if k else candidates[:0]
        taken[pop.hh[chosen]] = True
        return np.sort(chosen)

    def dates(n: int) -> Ints:
        return uniform_int(rng, today - WINDOW_DAYS, today - 1, size=n)

    shape = pop.hh_template[pop.hh[heads]]
    alone = shape == tp.template_index("alone")
    # Deaths: a spouse of someone now living alone, a parent of a middle-aged head, or a person living alone.
    deaths = counts["B03"]
    widowed = pick(alone & (head_age >= 70), round(deaths * 0.45))
    n = len(widowed)
    dead_male = pop.sex[widowed] == FEMALE
    gap = uniform_int(rng, 0, 5, size=n)
    batch.add(
        pop.hh[widowed],
        sizes[pop.hh[widowed]],
        np.where(dead_male, tp.HEAD, tp.WIFE),  # a husband who died was the 世帯主; the widow took over
        np.where(dead_male, MALE, FEMALE),
        ages[widowed] + np.where(dead_male, gap, -gap),
        3,
        dates(n),
        np.zeros(n, dtype=np.bool_),
    )
    no_parent = np.isin(shape, [tp.template_index(n) for n in _NO_PARENT])
    with_parent = pick(no_parent & (head_age >= 50) & (head_age <= 72), round(deaths * 0.25))
    n = len(with_parent)
    mother = rng.random(n) < 0.75
    batch.add(
        pop.hh[with_parent],
        sizes[pop.hh[with_parent]],
        np.where(mother, tp.MOTHER, tp.FATHER),
        np.where(mother, FEMALE, MALE),
        np.maximum(ages[with_parent] + uniform_int(rng, 25, 35, size=n), 75),
        3,
        dates(n),
        np.zeros(n, dtype=np.bool_),
    )
    _alone(rng, batch, next_hh, deaths - len(widowed) - len(with_parent), _DEATH_AGES, 3, dates, 0.0)
    # Moves out of the country's other cities: grown children leaving home, and whole households.
    movers = counts["B01"]
    child_left = pick((head_age >= 45) & (head_age <= 68) & (sizes[pop.hh[heads]] >= 2), round(movers * 0.25))
    n = len(child_left)
    batch.add(
        pop.hh[child_left],
        sizes[pop.hh[child_left]],
        np.full(n, tp.CHILD),
        np.where(rng.random(n) < 0.5, MALE, FEMALE),
        np.maximum(ages[child_left] - uniform_int(rng, 24, 32, size=n), 18),
        1,
        dates(n),
        np.zeros(n, dtype=np.bool_),
    )
    _families(rng, batch, next_hh, movers - n, dates)
    _alone(rng, batch, next_hh, counts["B02"], ((0.8, 20, 40), (0.2, 40, 75)), 2, dates, 0.6)
    _alone(rng, batch, next_hh, counts["B04"], ((0.6, 20, 50), (0.4, 50, 85)), 4, dates, 0.3)
    return _merge(rng, pop, batch, next_hh[0])


def _alone(
    rng: np.random.Generator,
    batch: _Batch,
    next_hh: list[int],
    n: int,
    ages: tuple[tuple[float, float, float], ...],
    reason: int,
    dates: Callable[[int], Ints],
    foreign_share: float,
) -> None:
    if n <= 0:
        return
    hh = np.arange(next_hh[0], next_hh[0] + n)
    next_hh[0] += n
    batch.add(
        hh,
        np.zeros(n, dtype=np.int64),
        np.full(n, tp.HEAD),
        np.where(rng.random(n) < 0.5, MALE, FEMALE),
        mixture(rng, n, ages).astype(np.int64),
        reason,
        dates(n),
        rng.random(n) < foreign_share,
    )


def _families(
    rng: np.random.Generator, batch: _Batch, next_hh: list[int], people: int, dates: Callable[[int], Ints]
) -> None:
    """Whole households moving out: mostly young people alone, some young families."""
    shapes = np.array([1, 2, 3, 4])
    draws = rng.choice(shapes, size=max(people, 1), p=[0.62, 0.2, 0.11, 0.07])
    kept = draws[np.cumsum(draws) <= people]
    kept = np.concatenate([kept, np.ones(people - int(kept.sum()), dtype=np.int64)]).astype(np.int64)
    for size in shapes.tolist():
        k = int((kept == size).sum())
        if not k:
            continue
        hh = np.arange(next_hh[0], next_hh[0] + k)
        next_hh[0] += k
        head = mixture(rng, k, _MOVER_AGES if size == 1 else ((1.0, 26, 42),)).astype(np.int64)
        head_male = (rng.random(k) < 0.55) if size == 1 else np.ones(k, dtype=np.bool_)
        on = dates(k)
        ages, roles, sexes = [head], [np.full(k, tp.HEAD)], [np.where(head_male, MALE, FEMALE)]
        if size >= 2:
            ages.append(head - uniform_int(rng, 0, 4, size=k))
            roles.append(np.full(k, tp.WIFE))
            sexes.append(np.full(k, FEMALE))
        for c in range(size - 2):
            ages.append(np.maximum(ages[1] - uniform_int(rng, 27, 36, size=k) - 3 * c, 0))
            roles.append(np.full(k, tp.CHILD))
            sexes.append(np.where(rng.random(k) < 0.5, MALE, FEMALE))
        for j in range(size):
            batch.add(hh, np.full(k, j), roles[j], sexes[j], ages[j], 1, on, np.zeros(k, dtype=np.bool_))


def _merge(
    rng: np.random.Generator, pop: Population, batch: _Batch, hh_count: int
) -> tuple[Population, Removed]:
    age = np.concatenate(batch.age)
    on = np.concatenate(batch.on)
    # Born `age` years before the removal day, uniform within that year of age, never after the removal.
    birth = np.minimum(on - np.floor((age + rng.random(len(age))) * 365.2425).astype(np.int64), on - 1)
    reason = np.concatenate([np.zeros(pop.size, dtype=np.int64), *batch.reason])
    status_of_reason = np.array([1, 2, 2, 3, 9])
    hh = np.concatenate([pop.hh, *batch.hh])
    order = np.concatenate([pop.order, *batch.order])
    sort = np.lexsort((order, hh))
    template = np.concatenate([pop.hh_template, np.full(hh_count - pop.hh_count, -1, dtype=np.int64)])
    merged = Population(
        hh=hh[sort],
        order=order[sort],
        role=np.concatenate([pop.role, *batch.role])[sort],
        sex=np.concatenate([pop.sex, *batch.sex])[sort],
        birth=np.concatenate([pop.birth, birth])[sort],
        status=status_of_reason[reason][sort],
        removed_on=np.concatenate([pop.removed_on, on])[sort],
        foreign=np.concatenate([pop.foreign, *batch.foreign])[sort],
        hh_template=template,
        hh_count=hh_count,
    )
    return merged, Removed(reason=reason[sort])
