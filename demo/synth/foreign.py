"""外国人住民: which households, their nationality, 在留資格, period of stay and 通称."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from demo.synth import foreign_data as fd
from demo.synth import templates as tp
from demo.synth.population import Population
from demo.synth.sampling import Bools, Floats, Ints, add_years, day, uniform_int

FOREIGN_SHARE = 0.02  # of residents (fujisawa-facts.md, assumption)
MIXED_SHARE = 0.0014  # of residents: foreign wives of Japanese heads (part of the 2%)
_NATION_INDEX = {n.name: i for i, n in enumerate(fd.NATIONS)}
_STATUS_INDEX = {s: i for i, s in enumerate(fd.STATUSES)}
_LONG_TERM = (_STATUS_INDEX["永住者"], _STATUS_INDEX["特別永住者"])
_FAMILY_OF_WORKERS = frozenset(
    _STATUS_INDEX[s] for s in (fd.WORK_STATUS, "経営・管理", "技能", "高度専門職1号", "教育")
)


@dataclass
class Foreigners:
    """Per person (-1 / 0 for Japanese residents)."""

    nation: Ints  # index into foreign_data.NATIONS
    status: Ints  # index into foreign_data.STATUSES
    granted_on: Ints  # start of the current period of stay (0: none)
    expires_on: Ints  # 在留期間満了日 (0: none, 永住者 / 特別永住者)
    common_name: Bools  # has a 通称
    mixed: Bools  # foreign spouse in a Japanese household


def assign(rng: np.random.Generator, pop: Population, as_of: date) -> Foreigners:
    """Mark about 2% of residents as foreign and give each their stay; updates pop.foreign."""
    today = day(as_of)
    age = pop.age_on(today)
    heads = np.flatnonzero(pop.order == 0)
    residents_in = np.bincount(pop.hh, weights=(pop.status == 1), minlength=pop.hh_count).astype(np.float64)
    n_residents = int((pop.status == 1).sum())
    head_age = np.zeros(pop.hh_count)
    head_age[pop.hh[heads]] = age[heads]
    chosen_hh = _households(
        rng, pop, head_age, residents_in, round(n_residents * (FOREIGN_SHARE - MIXED_SHARE))
    )
    already = np.zeros(pop.hh_count, dtype=np.bool_)
    already[pop.hh[pop.foreign]] = True  # removed people the removal stage made foreign
    chosen_hh |= already | (
        (pop.hh_template[np.arange(pop.hh_count)] < 0) & (rng.random(pop.hh_count) < 0.03)
    )
    foreign = chosen_hh[pop.hh]
    mixed = _mixed_spouses(rng, pop, ~foreign & (age >= 22) & (age <= 65), round(n_residents * MIXED_SHARE))
    pop.foreign = foreign | mixed

    n = pop.size
    nation = np.full(n, -1, dtype=np.int64)
    hh_nation = _nations(rng, head_age)
    nation[foreign] = hh_nation[pop.hh[foreign]]
    spouse_weights = np.array([fd.SPOUSE_NATIONS.get(x.name, 0) for x in fd.NATIONS], dtype=np.float64)
    nation[mixed] = rng.choice(
        len(fd.NATIONS), size=int(mixed.sum()), p=spouse_weights / spouse_weights.sum()
    )
    status = _statuses(rng, pop, nation, foreign, mixed, age)
    granted, expires = _stays(rng, pop, status, today)
    common = _common_names(rng, pop, nation, status, mixed)
    return Foreigners(nation, status, granted, expires, common, mixed)


def _households(
    rng: np.random.Generator, pop: Population, head_age: Floats, residents_in: Floats, target: int
) -> Bools:
    """Households of foreigners, weighted towards young people living alone and young families."""
    template = pop.hh_template
    alone, couple = template == tp.template_index("alone"), template == tp.template_index("couple")
    family = np.isin(
        template, [tp.template_index(t) for t in ("couple_child", "couple_2children", "parent_child")]
    )
    weight = np.where(
        alone,
        np.where((head_age >= 20) & (head_age < 40), 8.0, 1.0),
        np.where(
            couple,
            np.where(head_age < 45, 3.0, 0.4),
            np.where(family, np.where(head_age < 50, 2.5, 0.5), 0.15),
        ),
    )
    weight[(template < 0) | (residents_in == 0)] = 0.0
    keys = np.full(len(weight), np.inf)
    live = weight > 0
    keys[live] = rng.random(int(live.sum())) / weight[live]
    order = np.argsort(keys, kind="stable")
    taken = order[np.cumsum(residents_in[order]) <= target]
    chosen = np.zeros(len(weight), dtype=np.bool_)
    chosen[taken] = True
    return chosen


def _mixed_spouses(rng: np.random.Generator, pop: Population, eligible: Bools, k: int) -> Bools:
    """Foreign wives of Japanese heads, among the wives in `eligible` households and ages."""
    wives = np.flatnonzero((pop.role == tp.WIFE) & (pop.status == 1) & eligible)
    chosen = rng.choice(wives, size=min(k, len(wives)), replace=False)
    mask = np.zeros(pop.size, dtype=np.bool_)
    mask[chosen] = True
    return mask


def _nations(rng: np.random.Generator, head_age: Floats) -> Ints:
    """A nationality per household: the Kanagawa mix, leaning by the head's age."""
    base = np.array([x.share for x in fd.NATIONS])
    young = np.array([x.young for x in fd.NATIONS])
    old = np.array([x.old for x in fd.NATIONS])
    factor = np.where(head_age[:, None] < 36, young, np.where(head_age[:, None] >= 60, old, 1.0))
    weights = base * factor
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    draw = rng.random(len(head_age))[:, None]
    return np.asarray(np.minimum((draw > cumulative).sum(axis=1), len(fd.NATIONS) - 1), dtype=np.int64)


def _statuses(
    rng: np.random.Generator,
    pop: Population,
    nation: Ints,
    foreign: Bools,
    mixed: Bools,
    age: Ints,
) -> Ints:
    status = np.full(pop.size, -1, dtype=np.int64)
    heads = np.flatnonzero(foreign & (pop.order == 0))
    for index, info in enumerate(fd.NATIONS):
        group = heads[nation[heads] == index]
        names = [s for s, _ in info.statuses]
        weights = np.array([w for _, w in info.statuses])
        picked = np.array([_STATUS_INDEX[s] for s in names])[
            rng.choice(len(names), size=len(group), p=weights / weights.sum())
        ]
        status[group] = picked
    rules = [fd.STAY_RULES[s] for s in fd.STATUSES]
    min_age = np.array([r.min_age for r in rules])[status[heads]]
    max_age = np.array([r.max_age for r in rules])[status[heads]]
    alone_only = np.array([r.alone_only for r in rules])[status[heads]]
    family_size = np.bincount(pop.hh, minlength=pop.hh_count)[pop.hh[heads]]
    invalid = (age[heads] < min_age) | (age[heads] > max_age) | (alone_only & (family_size > 1))
    fallback = np.where(age[heads] >= 30, _STATUS_INDEX["永住者"], _STATUS_INDEX["定住者"])
    status[heads] = np.where(invalid, fallback, status[heads])
    head_status = np.full(pop.hh_count, -1, dtype=np.int64)
    head_status[pop.hh[heads]] = status[heads]
    members = np.flatnonzero(foreign & (pop.order > 0))
    status[members] = _member_status(rng, head_status[pop.hh[members]], pop.role[members])
    status[mixed] = np.where(
        rng.random(int(mixed.sum())) < 0.65, _STATUS_INDEX["日本人の配偶者等"], _STATUS_INDEX["永住者"]
    )
    return status


def _member_status(rng: np.random.Generator, head: Ints, role: Ints) -> Ints:
    s = _STATUS_INDEX
    coin = rng.random(len(head))
    spouse, child, parent = (
        np.isin(role, tp.SPOUSES),
        np.isin(role, (tp.CHILD, tp.GRANDCHILD)),
        np.isin(role, (tp.MOTHER, tp.FATHER)),
    )
    permanent_family = np.where(
        spouse,
        np.where(coin < 0.6, s["永住者"], s["永住者の配偶者等"]),
        np.where(
            child,
            np.where(coin < 0.5, s["永住者"], s["定住者"]),
            np.where(parent, s["特定活動"], s["永住者"]),
        ),
    )
    worker_family = np.where(spouse | child, s["家族滞在"], np.where(parent, s["特定活動"], head))
    is_worker = np.isin(head, list(_FAMILY_OF_WORKERS))
    return np.where(head == s["永住者"], permanent_family, np.where(is_worker, worker_family, head))


def _stays(rng: np.random.Generator, pop: Population, status: Ints, today: int) -> tuple[Ints, Ints]:
    """Start and end of the current period of stay; family members (家族滞在) share the head's."""
    n = pop.size
    periods = np.zeros(n, dtype=np.int64)
    for index, name in enumerate(fd.STATUSES):
        choices = fd.STAY_RULES[name].periods
        members = np.flatnonzero(status == index)
        if choices and len(members):
            weights = np.array([{1: 0.3, 3: 0.4, 5: 0.3}[p] for p in choices])
            periods[members] = rng.choice(choices, size=len(members), p=weights / weights.sum())
    reference = np.where(pop.status == 1, today, pop.removed_on)
    earliest = add_years(reference, -np.maximum(periods, 1)) + 1
    granted = uniform_int(rng, earliest, reference - 1)
    heads = np.flatnonzero(pop.order == 0)
    head_of = np.full(pop.hh_count, -1, dtype=np.int64)
    head_of[pop.hh[heads]] = heads
    family = (status == _STATUS_INDEX["家族滞在"]) & (periods[head_of[pop.hh]] > 0)
    periods = np.where(family, periods[head_of[pop.hh]], periods)
    granted = np.where(family, granted[head_of[pop.hh]], granted)
    expires = add_years(granted, periods)
    overstay = (pop.status == 9) & (periods > 0)  # removed ex officio after the stay ran out
    expires = np.where(overstay, pop.removed_on - uniform_int(rng, 30, 200, size=n), expires)
    granted = np.where(overstay, add_years(expires, -periods), granted)
    has_period = (status >= 0) & (periods > 0)
    return np.where(has_period, granted, 0), np.where(has_period, expires, 0)


def _common_names(
    rng: np.random.Generator, pop: Population, nation: Ints, status: Ints, mixed: Bools
) -> Bools:
    """通称: most 特別永住者 families, a few East Asian 永住者, half the foreign wives of Japanese heads."""
    east_asian = np.isin(nation, [_NATION_INDEX[x] for x in ("中国", "韓国", "台湾", "朝鮮")])
    household_coin = rng.random(pop.hh_count)[pop.hh]
    special = (status == _STATUS_INDEX["特別永住者"]) & (household_coin < 0.6)
    permanent = (status == _STATUS_INDEX["永住者"]) & east_asian & (household_coin < 0.08)
    return np.asarray(special | permanent | (mixed & (rng.random(pop.size) < 0.5)), dtype=np.bool_)


def long_term(status: Ints) -> Bools:
    """True for 永住者 and 特別永住者 (no period of stay)."""
    return np.isin(status, _LONG_TERM)
