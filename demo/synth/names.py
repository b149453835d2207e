"""氏名, 氏名カナ, 氏名(英字), 通称: a household shares a surname; given names follow the generation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.domain.register import NAME_SEPARATOR
from demo.synth import foreign_data as fd
from demo.synth import names_data as nd
from demo.synth import templates as tp
from demo.synth.foreign import Foreigners
from demo.synth.population import FEMALE, Population
from demo.synth.sampling import Bools, Ints, NameRow, to_ymd

GAIJI_HOUSEHOLD_SHARE = 0.0002
GAIJI_GIVEN_SHARE = 0.0001
_KANJI_NATIONS = frozenset({"中国", "韓国", "台湾", "朝鮮"})
_SEP = NAME_SEPARATOR


@dataclass
class Names:
    """Per person strings (empty where the column does not apply)."""

    name: list[str]
    kana: list[str]
    alpha: list[str]
    common: list[str]


def assign(rng: np.random.Generator, pop: Population, foreigners: Foreigners) -> Names:
    """Names for everyone: Japanese households share a surname; lodgers and foreign spouses keep their own."""
    n = pop.size
    generation = np.searchsorted(nd.GENERATION_STARTS, to_ymd(pop.birth)[0], side="right")
    female = pop.sex == FEMALE
    given = _given(rng, generation, female)
    surname = _pick(rng, nd.SURNAMES, pop.hh_count)[pop.hh]
    own = np.isin(pop.role, (tp.LODGER, tp.KIN))
    surname = np.where(own, _pick(rng, nd.SURNAMES, n), surname)
    japanese_rows = [*nd.SURNAMES]
    japanese_household = np.ones(pop.hh_count, dtype=np.bool_)
    japanese_household[pop.hh[pop.foreign]] = False
    gaiji_households = _few(rng, japanese_household, GAIJI_HOUSEHOLD_SHARE)
    gaiji_surname = len(japanese_rows) + _pick(rng, nd.GAIJI_SURNAMES, pop.hh_count)
    surname = np.where(gaiji_households[pop.hh] & ~own, gaiji_surname[pop.hh], surname)
    japanese_rows += nd.GAIJI_SURNAMES
    names: list[str] = []
    kana: list[str] = []
    male_rows, female_rows = nd.GIVEN_MALE, nd.GIVEN_FEMALE
    gaiji_given = _few(rng, ~pop.foreign & (generation >= 1), GAIJI_GIVEN_SHARE)
    for i, (s, g, gen, f, special) in enumerate(
        zip(
            surname.tolist(),
            given.tolist(),
            generation.tolist(),
            female.tolist(),
            gaiji_given.tolist(),
            strict=True,
        )
    ):
        sur = japanese_rows[s]
        first = (
            (nd.GAIJI_GIVEN_FEMALE if f else nd.GAIJI_GIVEN_MALE)[i % 2]
            if special
            else (female_rows if f else male_rows)[gen][g]
        )
        names.append(f"{sur[0]}{_SEP}{first[0]}")
        kana.append(f"{sur[1]}{_SEP}{first[1]}")
    alpha = [""] * n
    common = [""] * n
    _foreign(rng, pop, foreigners, surname, japanese_rows, generation, given, names, kana, alpha, common)
    return Names(names, kana, alpha, common)


def _given(rng: np.random.Generator, generation: Ints, female: Bools) -> Ints:
    index = np.zeros(len(generation), dtype=np.int64)
    for gen in range(len(nd.GIVEN_MALE)):
        for is_female, table in ((False, nd.GIVEN_MALE[gen]), (True, nd.GIVEN_FEMALE[gen])):
            members = np.flatnonzero((generation == gen) & (female == is_female))
            index[members] = rng.integers(0, len(table), size=len(members))
    return index


def _pick(rng: np.random.Generator, rows: tuple[NameRow, ...], k: int) -> Ints:
    weights = np.array([row[3] for row in rows])
    return rng.choice(len(rows), size=k, p=weights / weights.sum()).astype(np.int64)


def _few(rng: np.random.Generator, candidates: Bools, share: float) -> Bools:
    """Exactly max(1, share * n) of the candidates, so even a small sample shows the case."""
    mask = np.zeros(len(candidates), dtype=np.bool_)
    pool = np.flatnonzero(candidates)
    if len(pool):
        mask[rng.choice(pool, size=min(len(pool), max(1, round(share * len(candidates)))), replace=False)] = (
            True
        )
    return mask


def _foreign(
    rng: np.random.Generator,
    pop: Population,
    foreigners: Foreigners,
    surname: Ints,
    japanese_rows: list[NameRow],
    generation: Ints,
    given: Ints,
    names: list[str],
    kana: list[str],
    alpha: list[str],
    common: list[str],
) -> None:
    """Registered names of 外国人住民 (kanji or katakana, and Latin letters), and their 通称."""
    foreign = np.flatnonzero(pop.foreign)
    household_draw = rng.random(pop.hh_count)
    own_draw, given_draw = rng.random(pop.size), rng.random(pop.size)
    tsusho = _pick(rng, nd.TSUSHO_SURNAMES, pop.hh_count)
    for i in foreign.tolist():
        nation = fd.NATIONS[int(foreigners.nation[i])]
        keeps_own = foreigners.mixed[i] or (pop.role[i] in tp.SPOUSES and nation.spouse_keeps_surname)
        sur = _weighted_row(nation.surnames, own_draw[i] if keeps_own else household_draw[pop.hh[i]])
        first_rows = nation.female if pop.sex[i] == FEMALE else nation.male
        first = first_rows[int(given_draw[i] * len(first_rows))]
        written = 0 if nation.name in _KANJI_NATIONS else 1
        names[i] = f"{sur[written]}{_SEP}{first[written]}"
        kana[i] = f"{sur[1]}{_SEP}{first[1]}"
        alpha[i] = f"{sur[2]} {first[2]}"
        if foreigners.common_name[i]:
            common[i] = _common_name(
                pop, foreigners, i, surname, japanese_rows, tsusho, generation, given, first
            )


def _common_name(
    pop: Population,
    foreigners: Foreigners,
    i: int,
    surname: Ints,
    japanese_rows: list[NameRow],
    tsusho: Ints,
    generation: Ints,
    given: Ints,
    first: NameRow,
) -> str:
    """A Japanese-style 通称: the husband's surname for a foreign wife, else a family 通称 surname."""
    if foreigners.mixed[i]:
        return f"{japanese_rows[int(surname[i])][0]}{_SEP}{first[1]}"
    table = nd.GIVEN_FEMALE if pop.sex[i] == FEMALE else nd.GIVEN_MALE
    own = table[int(generation[i])][int(given[i])]
    return f"{nd.TSUSHO_SURNAMES[int(tsusho[pop.hh[i]])][0]}{_SEP}{own[0]}"


def _weighted_row(rows: tuple[NameRow, ...], draw: float) -> NameRow:
    total = sum(row[3] for row in rows)
    running = 0.0
    for row in rows:
        running += row[3] / total
        if draw < running:
            return row
    return rows[-1]
