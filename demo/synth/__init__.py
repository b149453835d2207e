"""Realistic synthetic input files for Fujisawa: the resident register extract and the card ledger export.

`generate(out_dir, scale=1.0, seed=42, as_of=...)` writes `resident_<YYYYMMDD>_full.csv` (spec:
resident-extract.md) and `cards_<YYYYMMDD>.csv` (columns: data/README.md), each with its `.end` flag.
The same seed, scale and day give byte-identical files.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.domain.cards import CardState
from core.domain.register import COLUMNS, ExtractKind, end_file_name, extract_file_name, has_gaiji
from demo.synth import cards as card_stage
from demo.synth import certificates, foreign, geography, ids, ledger, moves, names, population, removed
from demo.synth import templates as tp
from demo.synth.chains import Context
from demo.synth.dates import DateText
from demo.synth.files import LEDGER_COLUMNS, Register, ledger_columns, register_columns
from demo.synth.issuance import Rules
from demo.synth.sampling import day
from demo.synth.writer import write_csv

__all__ = ["GenerateSummary", "cards_file_name", "generate"]

ProgressCallback = Callable[[str, int, int], None]
_STAGES = (
    "住民・世帯",
    "消除者",
    "外国人住民",
    "異動",
    "氏名・住所",
    "カード台帳",
    "電子証明書",
    "書き出し準備",
)
_TASK = "生成 / generating"
ENCODINGS = ("cp932", "utf-8")


@dataclass(frozen=True)
class GenerateSummary:
    """What was written, with the headline counts."""

    files: list[Path]
    residents: int
    removed: int
    households: int
    foreign_residents: int
    cards_total: int
    cards_held: int
    cards_by_state: dict[str, int]
    seconds: float
    as_of: date
    seed: int
    scale: float
    encoding: str
    register_rows: int
    gaiji_people: int = 0
    removed_by_reason: dict[str, int] = field(default_factory=dict)


def cards_file_name(as_of: date) -> str:
    """`cards_<YYYYMMDD>.csv`."""
    return f"cards_{as_of:%Y%m%d}.csv"


def generate(
    out_dir: Path,
    *,
    scale: float = 1.0,
    seed: int = 42,
    as_of: date,
    encoding: str = "cp932",
    progress: ProgressCallback | None = None,
) -> GenerateSummary:
    """Write the full resident extract and the card ledger for a city of `scale` × Fujisawa as of `as_of`."""
    if scale <= 0:
        raise ValueError(f"scale は正の数です / scale must be positive: {scale}")
    if encoding not in ENCODINGS:
        raise ValueError(f"文字コードは cp932 か utf-8 です / encoding must be cp932 or utf-8: {encoding}")
    started = time.perf_counter()
    city = _build(scale, seed, as_of, progress or (lambda _task, _done, _total: None))
    out_dir.mkdir(parents=True, exist_ok=True)
    register_path = out_dir / extract_file_name(as_of, ExtractKind.FULL)
    cards_path = out_dir / cards_file_name(as_of)
    rows, _ = write_csv(
        register_path,
        COLUMNS,
        city.register_text,
        encoding=encoding,
        task="住民票 / register",
        progress=progress,
    )
    write_csv(
        cards_path,
        LEDGER_COLUMNS,
        city.ledger_text,
        encoding=encoding,
        task="カード台帳 / card ledger",
        progress=progress,
    )
    files = [register_path, cards_path]
    return _summary(city, [f for path in files for f in (path, path.with_name(end_file_name(path.name)))],
                    rows, time.perf_counter() - started, as_of, seed, scale, encoding)  # fmt: skip


@dataclass
class _City:
    pop: population.Population
    gone: removed.Removed
    person_names: names.Names
    cards: ledger.CardBatch
    register_text: list[list[str]]
    ledger_text: list[list[str]]


def _build(scale: float, seed: int, as_of: date, report: ProgressCallback) -> _City:
    """Every stage in order, each with its own random stream so a change in one leaves the others alone."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, day(as_of)]).spawn(12)]
    done = iter(range(len(_STAGES) + 1))

    def advance() -> None:
        report(_TASK, next(done), len(_STAGES))

    advance()
    households = round(population.CITY_HOUSEHOLDS * scale)
    pop = population.build_residents(streams[0], round(population.CITY_RESIDENTS * scale), households, as_of)
    advance()
    pop, gone = removed.add_removed(streams[1], pop, scale, as_of)
    advance()
    foreigners = foreign.assign(streams[2], pop, as_of)
    unknown_birth = population.unknown_birth_parts(streams[2], pop, as_of)
    advance()
    mv = moves.assign(streams[3], pop, gone, foreigners, as_of)
    advance()
    person_names = names.assign(streams[4], pop, foreigners)
    addresses = geography.assign(streams[5], _residents_in(pop), _apartment(streams[5], pop, day(as_of)))
    advance()
    bounded = pop.foreign & ~foreign.long_term(foreigners.status)
    stay_until = np.where(bounded, foreigners.expires_on, 0)
    ctx = Context(Rules.of(pop, foreigners), pop.birth, stay_until, day(as_of))
    cards, left_with_card = card_stage.build(streams[6], pop, gone, foreigners, mv, ctx, unknown_birth, scale)
    advance()
    certs = certificates.build(streams[7], ctx, cards, mv.identity_change_on, mv.resident_since)
    north = np.isin(addresses.district, list(geography.NORTH_DISTRICTS))[pop.hh].astype(np.int64)
    finish = ledger.finish(streams[8], cards, north)
    card_status, card_changed_on = ledger.holding(cards, pop.size, left_with_card, day(as_of))
    advance()
    codes = ids.juminhyo_codes(streams[9], pop.size)
    reg = Register(
        pop, foreigners, mv, person_names, addresses, codes, unknown_birth, card_status, card_changed_on
    )
    text = DateText()
    _, register_text = register_columns(streams[10], reg, text)
    ledger_text = ledger_columns(streams[11], cards, certs, finish, reg, text)
    advance()
    return _City(pop, gone, person_names, cards, register_text, ledger_text)


def _residents_in(pop: population.Population) -> npt.NDArray[np.int64]:
    return np.bincount(pop.hh, weights=(pop.status == 1), minlength=pop.hh_count).astype(np.int64)


def _summary(
    city: _City,
    files: list[Path],
    rows: int,
    seconds: float,
    as_of: date,
    seed: int,
    scale: float,
    encoding: str,
) -> GenerateSummary:
    by_state = Counter(ledger.STATES[s].value for s in city.cards.state.tolist())
    pop, resident = city.pop, city.pop.status == 1
    return GenerateSummary(
        files=files,
        residents=int(resident.sum()),
        removed=int((~resident).sum()),
        households=int((_residents_in(pop) > 0).sum()),
        foreign_residents=int((resident & pop.foreign).sum()),
        cards_total=len(city.cards),
        cards_held=by_state.get(CardState.ISSUED.value, 0),
        cards_by_state={state.value: by_state.get(state.value, 0) for state in CardState},
        seconds=round(seconds, 2),
        as_of=as_of,
        seed=seed,
        scale=scale,
        encoding=encoding,
        register_rows=rows,
        gaiji_people=sum(1 for name in city.person_names.name if has_gaiji(name)),
        removed_by_reason={
            code: int((city.gone.reason == i).sum()) for i, code in enumerate(removed.REASONS) if code
        },
    )


def _apartment(rng: np.random.Generator, pop: population.Population, today: int) -> npt.NDArray[np.bool_]:
    """Households living in flats: most people alone, a third of families, few old couples."""
    heads = np.flatnonzero(pop.order == 0)
    template = pop.hh_template
    head_age = np.zeros(pop.hh_count)
    head_age[pop.hh[heads]] = pop.age_on(today)[heads]
    alone = template == tp.template_index("alone")
    couple = template == tp.template_index("couple")
    share = np.where(alone | (template < 0), 0.72, np.where(couple, np.where(head_age < 40, 0.6, 0.2), 0.35))
    foreign_hh = np.zeros(pop.hh_count, dtype=np.bool_)
    foreign_hh[pop.hh[pop.foreign]] = True
    share = np.where(foreign_hh, 0.85, share)
    return rng.random(pop.hh_count) < share
