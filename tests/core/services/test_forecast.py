"""Demand from expiries: the renewal window, take-up and arrival weights, the gap in counter-hours."""

from __future__ import annotations

from datetime import date

from core.services import forecast
from core.services.forecast import DemandModel, Expiry


def test_demand_spreads_from_the_window_opening_and_closes_the_gap_in_hours() -> None:
    wave = [Expiry("card", date(2027, 6, 1), notice=True, count=100)]
    model = DemandModel(take_up=0.8, arrival_weights=(1, 1), minutes_per_visit=15)
    result = forecast.build_forecast(wave, date(2027, 1, 1), 12, model, 30)
    demand = {row.month: row.demand for row in result.rows if row.demand}
    assert demand == {date(2027, 3, 1): 40.0, date(2027, 4, 1): 40.0}
    march = next(r for r in result.rows if r.month == date(2027, 3, 1))
    assert march.gap == 10.0
    assert result.extra_hours(march) == 2.5
    assert next(r for r in result.rows if r.month == date(2027, 3, 1)).notices == 100


def test_arrival_weights_put_the_early_share_first() -> None:
    weights = forecast.arrival_weights(0.5, 3)
    assert weights == (0.5, 0.25, 0.125)
