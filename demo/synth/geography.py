"""A table of the 町丁 of Fujisawa's 13 districts (core.domain.city) and the addresses, postal codes and 方書
of households.

Town names are real Fujisawa place names grouped by district; postal codes and the 6-digit 町丁コード
(district 2 digits + town 2 digits + 丁目 2 digits, 00 without 丁目) are plausible, not authoritative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from core.domain.city import DISTRICTS
from demo.synth.sampling import Bools, Ints, exact_counts

PREFIX = "神奈川県藤沢市"


class Town(NamedTuple):
    """A 町 (or 大字) and its 丁目 count; `jukyo`: 住居表示 (…丁目N番N号), else 地番 (…N番地)."""

    district: int
    name: str
    chome: int
    jukyo: bool
    postal: str
    weight: float


_J, _C = True, False
_TOWN_ROWS: tuple[tuple[str, str, int, bool, str, float], ...] = (
    ("片瀬", "片瀬海岸", 3, _J, "251-0035", 3.0), ("片瀬", "片瀬", 0, _C, "251-0032", 3.0),
    ("片瀬", "片瀬山", 5, _J, "251-0033", 2.0), ("片瀬", "片瀬目白山", 0, _C, "251-0034", 0.8),
    ("片瀬", "江の島", 2, _C, "251-0036", 0.3),
    ("鵠沼", "鵠沼海岸", 7, _J, "251-0037", 6.0), ("鵠沼", "鵠沼松が岡", 5, _J, "251-0038", 3.0),
    ("鵠沼", "鵠沼桜が岡", 4, _J, "251-0027", 3.0), ("鵠沼", "鵠沼藤が谷", 4, _J, "251-0031", 2.0),
    ("鵠沼", "鵠沼橘", 2, _J, "251-0024", 1.5), ("鵠沼", "鵠沼石上", 3, _J, "251-0025", 2.0),
    ("鵠沼", "鵠沼神明", 5, _J, "251-0021", 2.5), ("鵠沼", "本鵠沼", 5, _J, "251-0028", 3.0),
    ("鵠沼", "鵠沼花沢町", 0, _J, "251-0029", 1.0), ("鵠沼", "鵠沼東", 0, _J, "251-0026", 1.0),
    ("鵠沼", "鵠沼", 0, _C, "251-0022", 1.5),
    ("辻堂", "辻堂元町", 6, _J, "251-0043", 4.0), ("辻堂", "辻堂東海岸", 4, _J, "251-0045", 3.0),
    ("辻堂", "辻堂西海岸", 3, _J, "251-0046", 3.0), ("辻堂", "辻堂太平台", 2, _J, "251-0044", 1.5),
    ("辻堂", "辻堂神台", 2, _J, "251-0041", 2.5), ("辻堂", "辻堂新町", 4, _J, "251-0042", 2.5),
    ("辻堂", "辻堂", 0, _C, "251-0047", 2.0),
    ("村岡", "村岡東", 4, _J, "251-0002", 3.0), ("村岡", "弥勒寺", 4, _J, "251-0001", 2.0),
    ("村岡", "渡内", 5, _J, "251-0004", 2.0), ("村岡", "柄沢", 2, _J, "251-0003", 1.5),
    ("村岡", "川名", 2, _J, "251-0015", 1.5), ("村岡", "宮前", 0, _C, "251-0006", 1.5),
    ("村岡", "高谷", 0, _C, "251-0005", 1.0), ("村岡", "小塚", 0, _C, "251-0007", 1.0),
    ("藤沢", "藤沢", 5, _J, "251-0052", 4.0), ("藤沢", "本町", 4, _J, "251-0053", 3.0),
    ("藤沢", "朝日町", 0, _J, "251-0054", 1.2), ("藤沢", "南藤沢", 0, _J, "251-0055", 0.8),
    ("藤沢", "藤が岡", 3, _J, "251-0011", 2.0), ("藤沢", "白旗", 4, _J, "251-0014", 2.0),
    ("藤沢", "西富", 0, _C, "251-0012", 1.5),
    ("明治", "羽鳥", 5, _J, "251-0056", 4.0), ("明治", "城南", 5, _J, "251-0057", 2.5),
    ("明治", "大鋸", 3, _J, "251-0013", 2.5),
    ("善行", "善行", 7, _J, "251-0871", 4.0), ("善行", "善行坂", 2, _J, "251-0872", 1.5),
    ("善行", "善行団地", 0, _C, "251-0873", 1.5), ("善行", "立石", 3, _J, "251-0874", 1.5),
    ("善行", "大越", 0, _C, "251-0875", 0.8),
    ("湘南大庭", "大庭", 0, _C, "251-0861", 6.0), ("湘南大庭", "稲荷", 0, _C, "251-0862", 1.5),
    ("湘南大庭", "小糸", 0, _C, "251-0863", 0.8),
    ("六会", "亀井野", 4, _J, "252-0813", 4.0), ("六会", "石川", 6, _J, "252-0815", 3.0),
    ("六会", "西俣野", 0, _C, "252-0814", 0.8), ("六会", "円行", 2, _J, "252-0806", 1.0),
    ("湘南台", "湘南台", 7, _C, "252-0804", 7.0), ("湘南台", "下土棚", 0, _C, "252-0803", 1.2),
    ("湘南台", "桐原町", 0, _C, "252-0811", 0.3),
    ("遠藤", "遠藤", 0, _C, "252-0816", 1.0),
    ("長後", "長後", 0, _C, "252-0802", 5.0), ("長後", "高倉", 0, _C, "252-0801", 3.0),
    ("長後", "下土棚", 0, _C, "252-0803", 1.0),
    ("御所見", "用田", 0, _C, "252-0817", 2.0), ("御所見", "打戻", 0, _C, "252-0818", 1.0),
    ("御所見", "宮原", 0, _C, "252-0819", 1.0), ("御所見", "獺郷", 0, _C, "252-0821", 0.8),
    ("御所見", "葛原", 0, _C, "252-0822", 1.0), ("御所見", "菖蒲沢", 0, _C, "252-0823", 0.8),
)  # fmt: skip
_DISTRICT_INDEX = {d.name: i for i, d in enumerate(DISTRICTS)}
TOWNS: tuple[Town, ...] = tuple(Town(_DISTRICT_INDEX[row[0]], *row[1:]) for row in _TOWN_ROWS)
# Number of each town within its district (the middle two digits of the 町丁コード).
_TOWN_NUMBER = tuple(
    1 + sum(1 for other in TOWNS[:i] if other.district == t.district) for i, t in enumerate(TOWNS)
)
# Offices where cards are handed over: the north goes to 湘南台, the rest to the city hall (本庁).
NORTH_DISTRICTS = frozenset(_DISTRICT_INDEX[d] for d in ("六会", "湘南台", "遠藤", "長後", "御所見"))

_BUILDING_HEAD = (
    "パーク",
    "グラン",
    "ライオンズ",
    "サン",
    "メゾン",
    "コーポ",
    "エステート",
    "シティ",
    "ルミエール",
    "アルカディア",
)
_BUILDING_TAIL = (
    "ハイツ",
    "マンション",
    "コート",
    "レジデンス",
    "ヒルズ",
    "テラス",
    "荘",
    "ハウス",
    "パレス",
    "タワー",
)
_ROMAN = ("", "", "", "II", "III")


@dataclass
class Addresses:
    """Per household: district, 町丁コード, postal code, address and 方書 (empty for a house)."""

    district: Ints
    town: Ints
    area_code: list[str]
    postal: list[str]
    address: list[str]
    extra: list[str]


def assign(rng: np.random.Generator, resident_count: Ints, apartment: Bools) -> Addresses:
    """Place households so the districts' residents follow the city's figures (within one household)."""
    n = len(resident_count)
    district = np.empty(n, dtype=np.int64)
    order = rng.permutation(n)
    living = order[resident_count[order] > 0]
    gone = order[resident_count[order] == 0]
    shares = [d.population for d in DISTRICTS]
    district[living] = _cut(
        np.cumsum(resident_count[living]), exact_counts(int(resident_count.sum()), shares)
    )
    district[gone] = rng.choice(len(DISTRICTS), size=len(gone), p=np.array(shares) / sum(shares))
    town = np.empty(n, dtype=np.int64)
    for d in range(len(DISTRICTS)):
        members = np.flatnonzero(district == d)
        towns = [i for i, t in enumerate(TOWNS) if t.district == d]
        cum = np.cumsum(np.maximum(resident_count[members], 1))
        quota = exact_counts(int(cum[-1]) if len(cum) else 0, [TOWNS[i].weight for i in towns])
        town[members] = np.array(towns)[_cut(cum, quota)] if len(members) else 0
    chome = _chome(rng, town)
    house = _house_numbers(rng, town, chome)
    extra = [""] * n
    for t in range(len(TOWNS)):
        _apartments(rng, np.flatnonzero((town == t) & apartment), t, chome, house, extra)
    codes, postal, address = [], [], []
    for t, c, h in zip(town.tolist(), chome.tolist(), house, strict=True):
        info = TOWNS[t]
        codes.append(f"{DISTRICTS[info.district].code}{_TOWN_NUMBER[t]:02d}{c:02d}")
        postal.append(info.postal)
        address.append(f"{PREFIX}{info.name}{f'{c}丁目' if c else ''}{h}")
    return Addresses(district, town, codes, postal, address, extra)


def _cut(cumulative: Ints, quotas: Ints) -> Ints:
    """Group of each item when items are cut in order at the cumulative quotas."""
    bounds = np.cumsum(quotas)[:-1]
    midpoints = cumulative - 0.5
    return np.searchsorted(bounds, midpoints, side="right").astype(np.int64)


def _chome(rng: np.random.Generator, town: Ints) -> Ints:
    counts = np.array([t.chome for t in TOWNS])[town]
    return np.where(
        counts > 0, 1 + np.floor(rng.random(len(town)) * np.maximum(counts, 1)).astype(np.int64), 0
    )


def _house_numbers(rng: np.random.Generator, town: Ints, chome: Ints) -> list[str]:
    """`N番N号` in 住居表示 areas; `N番地` or `N番地のN` in 地番 areas (larger numbers in an 大字)."""
    n = len(town)
    jukyo = np.array([t.jukyo for t in TOWNS])[town]
    ban = np.where(
        jukyo, rng.integers(1, 31, n), np.where(chome > 0, rng.integers(1, 41, n), rng.integers(1, 4200, n))
    )
    go = rng.integers(1, 26, n)
    sub = np.where(rng.random(n) < 0.55, rng.integers(1, 30, n), 0)
    return [
        f"{b}番{g}号" if j else (f"{b}番地の{s}" if s else f"{b}番地")
        for j, b, g, s in zip(jukyo.tolist(), ban.tolist(), go.tolist(), sub.tolist(), strict=True)
    ]


def _apartments(
    rng: np.random.Generator, households: Ints, town: int, chome: Ints, house: list[str], extra: list[str]
) -> None:
    """Households in flats share a building (one address) and get a room of their own."""
    if not len(households):
        return
    buildings = max(1, len(households) // 14)
    name_parts = rng.integers(0, 10, size=(buildings, 3))
    floors = rng.integers(2, 12, size=buildings)
    building_house = rng.integers(0, len(households), size=buildings)
    place = _building_place(TOWNS[town])
    choice = rng.integers(0, buildings, size=len(households))
    rank = np.zeros(len(households), dtype=np.int64)
    seen: dict[int, int] = {}
    for i, b in enumerate(choice.tolist()):
        rank[i] = seen.get(b, 0)
        seen[b] = rank[i] + 1
    anchor = households[building_house]
    for i, (hh, b) in enumerate(zip(households.tolist(), choice.tolist(), strict=True)):
        head, tail, roman = name_parts[b]
        per_floor = max(4, (seen[b] + floors[b] - 1) // floors[b])
        room = (rank[i] // per_floor + 1) * 100 + rank[i] % per_floor + 1
        chome[hh] = chome[anchor[b]]
        house[hh] = house[anchor[b]]
        if town == _DANCHI:
            extra[hh] = f"{b + 1}号棟{room}号室"
        else:
            name = f"{_BUILDING_HEAD[head]}{place}{_BUILDING_TAIL[tail]}{_ROMAN[roman % 5]}"
            extra[hh] = f"{name} {room}号室" if roman % 2 else f"{name}{room}"


def _building_place(town: Town) -> str:
    """The place word in building names: a short town name as it is, else the district's name."""
    short = len(town.name) <= 3 and not any(kana in town.name for kana in "のがケ")
    return town.name if short else DISTRICTS[town.district].name


_DANCHI = next(i for i, t in enumerate(TOWNS) if t.name == "善行団地")
