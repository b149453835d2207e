"""Capacity against demand: when a month counts as short of counter capacity."""

from __future__ import annotations

# A month is short when its expected visits exceed capacity by at least half a visit: the gap then shows as
# at least 1 (whole visits), so a table of shortfalls never lists "0".
SHORTFALL_MIN_VISITS = 0.5
