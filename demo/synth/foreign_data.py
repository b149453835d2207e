"""Foreign residents: nationalities (Kanagawa mix), 在留資格 by nationality, and names in three scripts.

Names are in foreign_names.py.
"""

from __future__ import annotations

from typing import NamedTuple

from demo.synth.foreign_names import NAMES
from demo.synth.sampling import NameRow


class Nation(NamedTuple):
    """A nationality with its share among foreign residents and how its households tend to look."""

    name: str
    share: float  # percent (fujisawa-facts.md: Kanagawa 2024-01-01; the "others" split is an assumption)
    young: float  # weight factor for heads under 36
    old: float  # weight factor for heads aged 60 or more
    spouse_keeps_surname: bool
    statuses: tuple[tuple[str, float], ...]  # 在留資格 of a household head
    surnames: tuple[NameRow, ...]
    male: tuple[NameRow, ...]
    female: tuple[NameRow, ...]


def _statuses(text: str) -> tuple[tuple[str, float], ...]:
    return tuple((item.split(":")[0], float(item.split(":")[1])) for item in text.split())


_WORK = "技術・人文知識・国際業務"
# (nationality, share %, factor for young heads, factor for old heads, spouse keeps own surname, 在留資格 of
# a household head with weights)
_META: tuple[tuple[str, float, float, float, bool, str], ...] = (
    ("中国", 28.7, 1, 1, True, "永住者:35 WORK:22 留学:12 定住者:6 特定技能1号:5 技能実習:4 経営・管理:4 "
                               "高度専門職1号:3 技能:4 永住者の配偶者等:5"),
    ("ベトナム", 13.1, 2.5, 0.2, True, "技能実習:30 特定技能1号:25 WORK:18 留学:15 永住者:7 定住者:5"),
    ("韓国", 10.3, 0.8, 2, True, "特別永住者:40 永住者:25 WORK:20 留学:10 経営・管理:5"),
    ("フィリピン", 9.8, 1, 0.6, False, "永住者:42 定住者:22 特定技能1号:12 技能実習:10 WORK:6 "
                                      "永住者の配偶者等:8"),
    ("ネパール", 4.6, 2, 0.1, True, "技能:30 留学:30 WORK:25 永住者:10 経営・管理:5"),
    ("ブラジル", 5, 0.8, 0.6, False, "定住者:45 永住者:48 WORK:7"),
    ("台湾", 3.4, 1, 1, True, "永住者:40 WORK:30 留学:20 高度専門職1号:5 経営・管理:5"),
    ("米国", 3.6, 1, 0.8, False, "永住者:30 WORK:40 教育:15 高度専門職1号:10 留学:5"),
    ("インドネシア", 3.6, 2.5, 0.1, True, "技能実習:30 特定技能1号:30 留学:15 WORK:15 永住者:10"),
    ("ペルー", 2.6, 0.8, 0.8, False, "定住者:45 永住者:50 永住者の配偶者等:5"),
    ("インド", 3, 1.2, 0.3, True, "WORK:45 高度専門職1号:20 技能:15 永住者:15 経営・管理:5"),
    ("タイ", 2.4, 1.2, 0.5, True, "永住者:30 技能実習:20 特定技能1号:20 WORK:15 定住者:15"),
    ("ミャンマー", 2.6, 2.5, 0.1, True, "技能実習:30 特定技能1号:30 留学:20 WORK:15 定住者:5"),
    ("スリランカ", 2.2, 1.8, 0.2, True, "留学:30 WORK:25 技能実習:20 永住者:15 定住者:10"),
    ("英国", 1.5, 1, 0.8, False, "永住者:35 WORK:35 教育:20 高度専門職1号:10"),
    ("朝鮮", 1.3, 0.3, 3, True, "特別永住者:95 永住者:5"),
    ("バングラデシュ", 1, 1.5, 0.2, True, "WORK:40 留学:30 経営・管理:15 永住者:15"),
)  # fmt: skip
NATIONS: tuple[Nation, ...] = tuple(
    Nation(name, share, young, old, keeps, _statuses(statuses.replace("WORK", _WORK)), *NAMES[name])
    for name, share, young, old, keeps, statuses in _META
)


class StayRule(NamedTuple):
    """Who may hold a 在留資格 as head of household, and its periods of stay in years (none: no expiry)."""

    min_age: int
    max_age: int
    alone_only: bool
    periods: tuple[int, ...]


STAY_RULES: dict[str, StayRule] = {
    "永住者": StayRule(0, 120, False, ()),
    "特別永住者": StayRule(0, 120, False, ()),
    _WORK: StayRule(22, 66, False, (1, 3, 5)),
    "留学": StayRule(18, 35, True, (1, 3)),
    "家族滞在": StayRule(0, 120, False, (1, 3, 5)),
    "技能実習": StayRule(18, 40, True, (1,)),
    "特定技能1号": StayRule(18, 45, True, (1,)),
    "日本人の配偶者等": StayRule(18, 80, False, (1, 3, 5)),
    "定住者": StayRule(0, 120, False, (1, 3, 5)),
    "永住者の配偶者等": StayRule(18, 80, False, (1, 3, 5)),
    "経営・管理": StayRule(25, 75, False, (1, 3, 5)),
    "技能": StayRule(22, 66, False, (1, 3, 5)),
    "高度専門職1号": StayRule(25, 66, False, (5,)),
    "教育": StayRule(22, 66, False, (1, 3, 5)),
    "特定活動": StayRule(0, 120, False, (1,)),
}
STATUSES: tuple[str, ...] = tuple(STAY_RULES)
WORK_STATUS = _WORK
# Foreign spouses of Japanese residents (mixed households): nationality weights.
SPOUSE_NATIONS = {
    "中国": 35,
    "フィリピン": 30,
    "韓国": 15,
    "タイ": 5,
    "ブラジル": 5,
    "ベトナム": 5,
    "米国": 5,
}
