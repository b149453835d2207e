"""Residents and their households: the age pyramid, household shapes, relations and sexes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from demo.synth import templates as tp
from demo.synth.sampling import Bools, Floats, Ints, add_years, day, exact_counts, mixture, uniform_int

CITY_RESIDENTS = 443_283
CITY_HOUSEHOLDS = 205_914
SHARE_65_PLUS = 0.2475
MALE, FEMALE = 1, 2

# Residents per single year of age, Japanese-shaped (second baby boom around 52, first around 77-79;
# about 3,000 births a year per 443k). Only the shape matters: the 65+ share is calibrated below.
_PYRAMID = (
    (0, 3000), (3, 3200), (6, 3500), (10, 3800), (15, 3950), (19, 4100), (21, 4700), (24, 4600),
    (28, 4500), (33, 4900), (38, 5400), (43, 6100), (49, 7200), (53, 7400), (56, 6800), (60, 5700),
    (64, 5000), (68, 4900), (72, 5300), (77, 5700), (79, 5300), (82, 4300), (86, 3000), (90, 1700),
    (94, 700), (98, 220), (101, 60), (105, 8), (108, 0),
)  # fmt: skip
MAX_AGE = 107


@dataclass
class Population:
    """Everyone in the extract, one entry per person, grouped by household (head first)."""

    hh: Ints  # household index
    order: Ints  # place in the household, 0 = head
    role: Ints  # index into templates.RELATIONS
    sex: Ints  # 1 male, 2 female
    birth: Ints  # day ordinal
    status: Ints  # 住民状態: 1 resident, 2 moved out, 3 deceased, 9 removed otherwise
    removed_on: Ints  # day of removal, 0 for residents
    foreign: Bools
    hh_template: Ints  # index into templates.TEMPLATES, -1 for households of removed people only
    hh_count: int

    @property
    def size(self) -> int:
        """Number of people (residents and removed)."""
        return len(self.hh)

    def age_on(self, on: int) -> Ints:
        """Completed years on day `on` (approximate at leap days, which is fine for shaping data)."""
        return np.floor((on - self.birth) / 365.2425).astype(np.int64)


def age_targets(n: int) -> Ints:
    """Exactly `n` ages, sorted, following the pyramid with 24.75% aged 65 or more."""
    ages = np.arange(MAX_AGE + 1)
    weights = np.interp(ages, [a for a, _ in _PYRAMID], [w for _, w in _PYRAMID])
    old = ages >= 65
    weights[old] *= SHARE_65_PLUS / weights[old].sum()
    weights[~old] *= (1 - SHARE_65_PLUS) / weights[~old].sum()
    old_count = round(n * SHARE_65_PLUS)
    young_counts = exact_counts(n - old_count, weights[~old])
    old_counts = exact_counts(old_count, weights[old])
    return np.repeat(ages, np.concatenate([young_counts, old_counts])).astype(np.int64)


def household_sizes(n_people: int, n_households: int) -> dict[int, int]:
    """Households per size: the size mix, then singles and couples traded so the people add up exactly."""
    sizes = sorted(tp.SIZE_SHARES)
    counts = dict(
        zip(sizes, exact_counts(n_households, [tp.SIZE_SHARES[s] for s in sizes]).tolist(), strict=True)
    )
    gap = n_people - sum(size * count for size, count in counts.items())
    shift = max(min(gap, counts[1]), -counts[2])  # one single becoming a couple adds one person
    counts[1] -= shift
    counts[2] += shift
    gap -= shift
    counts[1] += gap  # only at tiny scales: fix any rest with people living alone
    return counts


def build_residents(rng: np.random.Generator, n_people: int, n_households: int, as_of: date) -> Population:
    """Residents in households whose ages follow the pyramid exactly."""
    blocks: list[tuple[int, Floats, Ints, Ints]] = []
    for size, count in household_sizes(n_people, n_households).items():
        shapes = [(i, t) for i, t in enumerate(tp.TEMPLATES) if t.size == size]
        split = exact_counts(count, [t.weight for _, t in shapes])
        for (index, template), k in zip(shapes, split.tolist(), strict=True):
            if k:
                ages, roles, sexes = _draw(rng, template, k)
                blocks.append((index, ages, roles, sexes))
    hh_template, desired, role, sex, order, hh = [], [], [], [], [], []
    next_hh = 0
    for index, ages, roles, sexes in blocks:
        k, size = ages.shape
        hh_template.append(np.full(k, index, dtype=np.int64))
        hh.append(np.repeat(np.arange(next_hh, next_hh + k), size))
        order.append(np.tile(np.arange(size), k))
        desired.append(ages.ravel())
        role.append(roles.ravel())
        sex.append(sexes.ravel())
        next_hh += k
    birth = _births(rng, _calibrate(rng, np.concatenate(desired), n_people), as_of)
    n = len(birth)
    return Population(
        hh=np.concatenate(hh),
        order=np.concatenate(order),
        role=np.concatenate(role),
        sex=np.concatenate(sex),
        birth=birth,
        status=np.ones(n, dtype=np.int64),
        removed_on=np.zeros(n, dtype=np.int64),
        foreign=np.zeros(n, dtype=np.bool_),
        hh_template=np.concatenate(hh_template),
        hh_count=next_hh,
    )


def _calibrate(rng: np.random.Generator, desired: Floats, n_people: int) -> Ints:
    """Give the youngest desired age the youngest real age, and so on: the pyramid holds exactly and
    every household keeps the order of its members' ages."""
    jitter = rng.random(len(desired)) * 1e-6
    ranks = np.argsort(desired + jitter, kind="stable")
    ages = np.empty(len(desired), dtype=np.int64)
    ages[ranks] = age_targets(n_people)
    return ages


def _births(rng: np.random.Generator, ages: Ints, as_of: date) -> Ints:
    """A birth day for each age on `as_of`, uniform within the year of age, never on or after `as_of`."""
    today = np.full(len(ages), day(as_of), dtype=np.int64)
    latest = np.minimum(add_years(today, -ages), day(as_of) - 1)
    earliest = add_years(today, -(ages + 1)) + 1
    return uniform_int(rng, earliest, latest)


def _draw(rng: np.random.Generator, template: tp.Template, k: int) -> tuple[Floats, Ints, Ints]:
    """Desired ages, relations and sexes of `k` households of one template, shape (k, size)."""
    size = template.size
    ages = np.zeros((k, size))
    roles = np.zeros((k, size), dtype=np.int64)
    sexes = np.zeros((k, size), dtype=np.int64)
    ages[:, 0] = mixture(rng, k, template.head_ages)
    female_share = template.head_female
    if female_share < 0:  # living alone: young men, old women
        head_age = ages[:, 0]
        female_share_by_age = np.where(head_age < 35, 0.42, np.where(head_age < 65, 0.40, 0.66))
        sexes[:, 0] = np.where(rng.random(k) < female_share_by_age, FEMALE, MALE)
    else:
        sexes[:, 0] = np.where(rng.random(k) < female_share, FEMALE, MALE)
    for col, member in enumerate(template.members, start=1):
        base = ages[:, member.of]
        offset = member.low + rng.random(k) * (member.high - member.low)
        ages[:, col], roles[:, col], sexes[:, col] = _member(
            rng, member, base, offset, sexes[:, 0], ages[:, 0]
        )
    young = ages < 0
    ages[young] = rng.random(int(young.sum())) * 1.5  # a planned child not yet born: a baby instead
    return np.minimum(ages, MAX_AGE - 0.5), roles, sexes


def _member(
    rng: np.random.Generator,
    member: tp.Member,
    base: Floats,
    offset: Floats,
    head_sex: Ints,
    head_age: Floats,
) -> tuple[Floats, Ints, Ints]:
    k = len(base)
    coin = rng.random(k)
    if member.kind == "spouse":  # offsets are the wife's age relative to the husband's
        male_head = head_sex == MALE
        return (
            np.where(male_head, base + offset, base - offset),
            np.where(male_head, tp.WIFE, tp.HUSBAND),
            np.where(male_head, FEMALE, MALE),
        )
    if member.kind in ("child", "son", "grandchild"):
        role = tp.GRANDCHILD if member.kind == "grandchild" else tp.CHILD
        sex = np.full(k, MALE) if member.kind == "son" else np.where(coin < 0.51, MALE, FEMALE)
        return base + offset, np.full(k, role), sex
    if member.kind in ("parent", "father", "mother"):
        mother = np.full(k, member.kind == "mother") if member.kind != "parent" else coin < 0.78
        return base + offset, np.where(mother, tp.MOTHER, tp.FATHER), np.where(mother, FEMALE, MALE)
    if member.kind == "child_wife":
        return base + offset, np.full(k, tp.CHILD_WIFE), np.full(k, FEMALE)
    return _other(rng, base, offset, head_age)


def _other(
    rng: np.random.Generator, base: Floats, offset: Floats, head_age: Floats
) -> tuple[Floats, Ints, Ints]:
    """A sibling (60%), a lodger (同居人, 30%) or another relative (縁故者, 10%)."""
    k = len(base)
    kind, female = rng.random(k), rng.random(k) < 0.5
    age = base + offset
    older = age > head_age
    sibling = np.where(
        older,
        np.where(female, tp.ELDER_SISTER, tp.ELDER_BROTHER),
        np.where(female, tp.YOUNGER_SISTER, tp.YOUNGER_BROTHER),
    )
    role = np.where(kind < 0.6, sibling, np.where(kind < 0.9, tp.LODGER, tp.KIN))
    return age, role, np.where(female, FEMALE, MALE)


def unknown_birth_parts(rng: np.random.Generator, pop: Population, as_of: date) -> Ints:
    """不詳 births for a handful, mostly elderly 外国人住民: 1 = day unknown, 2 = month and day unknown."""
    age = pop.age_on(day(as_of))
    total = max(2, round(pop.size * 0.00006))
    elderly_foreign = np.flatnonzero(pop.foreign & (age >= 60))
    very_old = np.flatnonzero(~pop.foreign & (age >= 90))
    k_foreign = min(len(elderly_foreign), max(1, round(total * 0.8)))
    k_japanese = min(len(very_old), total - k_foreign)
    chosen = np.concatenate(
        [
            rng.choice(elderly_foreign, size=k_foreign, replace=False),
            rng.choice(very_old, size=k_japanese, replace=False),
        ]
    )
    parts = np.zeros(pop.size, dtype=np.int64)
    parts[chosen] = np.where(rng.random(len(chosen)) < 0.5, 1, 2)
    return parts
