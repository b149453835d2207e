"""Fujisawa's reference data: its 13 districts (地区) and the age bands that figures are grouped by.

Every grouping reads these: the analytic marts (core.analytics.marts, built by etl/analytics), the forecast
(core.services.forecast) and its page, the ledger search's narrowing, and the synthetic-data generator.

A resident's district is the first two digits of the 6-digit 町丁コード (`area_code`): 01 片瀬 … 13 御所見;
anything else (or none) is UNKNOWN_DISTRICT. Populations are the city's statistics page on 2025-05-01.
"""

from __future__ import annotations

from typing import NamedTuple


class District(NamedTuple):
    """A 地区: its code (the 町丁コード's first two digits), its name and its residents on 2025-05-01."""

    code: str
    name: str
    population: int


class AgeBand(NamedTuple):
    """Ages FIRST to LAST inclusive (LAST None: no upper end), shown as LABEL."""

    first: int
    last: int | None
    label: str


_POPULATIONS = (
    ("片瀬", 20_073), ("鵠沼", 60_461), ("辻堂", 44_975), ("村岡", 31_755), ("藤沢", 48_695),
    ("明治", 32_596), ("善行", 41_571), ("湘南大庭", 31_564), ("六会", 36_481), ("湘南台", 33_465),
    ("遠藤", 12_013), ("長後", 33_574), ("御所見", 18_060),
)  # fmt: skip
DISTRICTS: tuple[District, ...] = tuple(
    District(f"{i:02d}", name, population) for i, (name, population) in enumerate(_POPULATIONS, 1)
)
UNKNOWN_DISTRICT = District("00", "不明", 0)
# Every district a figure can be grouped by, in code order, the unknown last.
DISTRICT_LABELS: tuple[str, ...] = (*(d.name for d in DISTRICTS), UNKNOWN_DISTRICT.name)

# The age on the day that matters (expiry day, handover day, as-of day) in the marts and the forecast:
# 署名用 certificates start at 15, 10-year cards at 18 (20).
AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand(0, 14, "0-14"),
    AgeBand(15, 19, "15-19"),
    AgeBand(20, 29, "20-29"),
    AgeBand(30, 39, "30-39"),
    AgeBand(40, 49, "40-49"),
    AgeBand(50, 59, "50-59"),
    AgeBand(60, 69, "60-69"),
    AgeBand(70, 79, "70-79"),
    AgeBand(80, None, "80+"),
)
UNKNOWN_AGE_BAND = "不詳"  # no birth date (or one after the day)
AGE_BAND_LABELS: tuple[str, ...] = (*(b.label for b in AGE_BANDS), UNKNOWN_AGE_BAND)

# The ledger search's 年齢 narrowing, by the age today: minors (5-year cards) first, then the marts' decades.
SEARCH_AGE_BANDS: tuple[AgeBand, ...] = (AgeBand(0, 17, "0-17"), AgeBand(18, 29, "18-29"), *AGE_BANDS[3:])
