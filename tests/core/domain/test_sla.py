"""The SLA figures of a constructed 2026-11, each expected value worked out by hand from the formulas.

November 2026 (JST): 30 days; the 1st is a Sunday; holidays 3 (文化の日) and 23 (勤労感謝の日).
- Site: 24 h × 30 days = 43,200 min.
- Console: weekdays 2–6, 9–13, 16–20, 24–27, 30 minus the 3rd = 19 days, plus the 2nd and 4th
  Saturdays (14, 28) = 21 days × 510 min (08:30–17:00) = 10,710 min.
The history:
  A outage database 10/31 23:30 – 11/01 00:45: 45 min in November for the site (console closed on Sunday);
    detected 23:35, notified 11/01 01:00 → 85 min, late.
  B outage site 11/10 10:00 – 11:30 (90 min); detected 10:05, notified 10:50 → 45 min, in time.
  C outage database 11/10 11:00 – 12:00, overlapping B; never notified. Site: B ∪ C = 10:00–12:00 = 120 min;
    console (open that Tuesday): 60 min.
  D planned database 11/14 (2nd Saturday) 08:00 – 10:00, announced 10/14 08:00 (31 days ahead) → excluded:
    the site's planned time loses 120 min, the console's 08:30–10:00 = 90 min.
  E planned site 11/20 22:00 – 23:00, announced 11/10 22:00 (10 days ahead) → counted: 60 min.
  F outage site 11/30 23:00 – 12/01 02:00: 60 min in November; detected 23:02, notified 23:30
    → 28 min, in time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from core.domain.booking import TOKYO
from core.domain.intervals import Interval, merge, subtract, total
from core.domain.sla import (
    Backup,
    DayRequests,
    Drill,
    ServiceHours,
    SlaInputs,
    Stop,
    report,
)

NOV = date(2026, 11, 1)
MONTH_END = datetime(2026, 12, 1, tzinfo=TOKYO)
HOURS = ServiceHours(closed_days=frozenset({date(2026, 11, 3), date(2026, 11, 23)}))


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


STOPS = (
    Stop(1, "outage", "database", at(10, 31, 23, 30), at(11, 1, 0, 45), at(10, 31, 23, 35), at(11, 1, 1, 0)),
    Stop(2, "outage", "site", at(11, 10, 10), at(11, 10, 11, 30), at(11, 10, 10, 5), at(11, 10, 10, 50)),
    Stop(3, "outage", "database", at(11, 10, 11), at(11, 10, 12), at(11, 10, 11), None),
    Stop(4, "planned", "database", at(11, 14, 8), at(11, 14, 10), announced_at=at(10, 14, 8)),
    Stop(5, "planned", "site", at(11, 20, 22), at(11, 20, 23), announced_at=at(11, 10, 22)),
    Stop(6, "outage", "site", at(11, 30, 23), at(12, 1, 2), at(11, 30, 23, 2), at(11, 30, 23, 30)),
)
REQUESTS = (
    DayRequests(date(2026, 10, 31), "site", 100, 0),  # October: not counted
    DayRequests(date(2026, 11, 2), "site", 1000, 995),
    DayRequests(date(2026, 11, 3), "site", 500, 500),
    DayRequests(date(2026, 11, 2), "console", 200, 190),
)


def nightly(day: int, good: bool = True) -> Backup:
    return Backup(f"b{day}", at(11, day, 2, 30), good)


BACKUPS = (
    Backup("oct", at(10, 31, 2, 30), True),  # October: not counted
    *(nightly(d) for d in range(1, 31) if d not in (5, 6)),
    nightly(5, good=False),  # failed; the 6th has no run at all
)


def month(until: datetime = MONTH_END) -> SlaInputs:
    return SlaInputs(
        month=NOV,
        until=until,
        hours=HOURS,
        stops=STOPS,
        requests=REQUESTS,
        backups=BACKUPS,
        drills=(Drill("b2", at(11, 2, 3), True, 412.5), Drill("oct", at(10, 31, 3), True, 400.0)),
        chain_heads=(),
    )


def test_site_availability_leaves_out_a_stop_announced_31_days_ahead_counts_one_10_days_ahead() -> None:
    figure = report(month()).figure("site")
    planned = 43_200 - 120  # D excluded
    down = 45 + 120 + 60 + 60  # A's part in November, B ∪ C, E, F's part in November
    assert figure.value == pytest.approx((planned - down) / planned * 100)
    assert figure.value == pytest.approx(99.33844, abs=1e-5)
    assert figure.met is False  # below 99.5
    assert "(43,080 − 285) ÷ 43,080 × 100" in figure.formula
    inputs = dict(figure.inputs)
    assert inputs["計画サービス時間(分)"] == "43,080"
    assert inputs["停止時間(分、重複は1回)"] == "285"
    assert inputs["除外した計画停止(分、30日以上前に告知)"] == "120"


def test_console_availability_counts_only_opening_hours() -> None:
    figure = report(month()).figure("console")
    planned = 21 * 510 - 90  # D's part inside 08:30–17:00 on the 2nd Saturday
    down = 60  # C on Tuesday the 10th; A on Sunday the 1st and E, F (site only) do not count
    assert figure.value == pytest.approx((planned - down) / planned * 100)
    assert figure.met is False  # 60 ÷ 10,620 = 0.565% down: 99.435% < 99.5%
    assert dict(figure.inputs)["サービス時間帯(分)"] == "10,710"


def test_response_share_is_within_3s_over_all_requests_of_the_month() -> None:
    figure = report(month()).figure("response")
    assert figure.value == pytest.approx((995 + 500 + 190) / (1000 + 500 + 200) * 100)
    assert figure.met is True  # 99.12% ≥ 99%
    assert "1,685 ÷ 1,700" in figure.formula


def test_incidents_show_minutes_in_the_month_and_whether_notified_within_an_hour() -> None:
    result = report(month())
    assert result.incidents is not None
    rows = {r.stop.id: r for r in result.incidents}
    assert set(rows) == {1, 2, 3, 6}
    assert (rows[1].minutes_in_month, rows[1].notify_minutes, rows[1].notified_in_time) == (45, 85, False)
    assert (rows[2].minutes_in_month, rows[2].notify_minutes, rows[2].notified_in_time) == (90, 45, True)
    assert (rows[3].notify_minutes, rows[3].notified_in_time) == (None, False)
    assert (rows[6].minutes_in_month, rows[6].notify_minutes, rows[6].notified_in_time) == (60, 28, True)
    assert result.figure("notification").value == pytest.approx(2 / 4 * 100)


def test_planned_stops_carry_their_notice_period() -> None:
    result = report(month())
    assert result.planned is not None
    rows = {r.stop.id: r for r in result.planned}
    assert (rows[4].notice_days, rows[4].excluded, rows[4].minutes_in_month) == (31, True, 120)
    assert (rows[5].notice_days, rows[5].excluded, rows[5].minutes_in_month) == (10, False, 60)


def test_backup_rate_counts_nights_with_a_good_backup() -> None:
    result = report(month())
    figure = result.figure("backup")
    assert figure.value == pytest.approx(28 / 30 * 100)
    assert dict(figure.inputs)["欠けた夜"] == "11/5, 11/6"
    assert result.drills is not None
    assert [d.rto_seconds for d in result.drills] == [412.5]


def test_daily_availability_per_service() -> None:
    days = {d.day: d for d in report(month()).days}
    assert len(days) == 30
    assert days[date(2026, 11, 10)].site == pytest.approx((1440 - 120) / 1440 * 100)
    assert days[date(2026, 11, 10)].console == pytest.approx((510 - 60) / 510 * 100)
    assert days[date(2026, 11, 14)].site == 100.0  # the excluded stop leaves the planned time, not the rate
    assert days[date(2026, 11, 14)].console == 100.0
    assert days[date(2026, 11, 15)].console is None  # Sunday: not planned to run
    assert days[date(2026, 11, 3)].console is None  # 文化の日


def test_a_running_month_counts_until_now_and_an_open_outage_until_now() -> None:
    now = at(11, 10, 12)
    still_down = Stop(7, "outage", "site", at(11, 10, 11, 30), None, at(11, 10, 11, 31))
    inputs = month(until=now)
    inputs = SlaInputs(inputs.month, now, HOURS, stops=(*STOPS, still_down))
    figure = report(inputs).figure("site")
    planned = 9 * 1440 + 12 * 60  # 1st 00:00 to 10th 12:00
    down = 45 + 120  # A's part; B ∪ C ∪ the open one = 10:00–12:00
    assert figure.value == pytest.approx((planned - down) / planned * 100)


def test_missing_measurements_are_reported_as_not_available() -> None:
    result = report(SlaInputs(NOV, MONTH_END, HOURS))
    for key in ("site", "console", "response", "notification", "backup"):
        assert result.figure(key).value is None
        assert result.figure(key).value_text.startswith("not available")
    assert result.incidents is None
    assert result.chain_heads is None


def test_intervals_merge_overlaps_once_and_subtract_holes() -> None:
    a = Interval(at(11, 1, 10), at(11, 1, 12))
    b = Interval(at(11, 1, 11), at(11, 1, 13))
    assert merge([b, a]) == [Interval(at(11, 1, 10), at(11, 1, 13))]
    assert total([a, b]) == timedelta(hours=3)
    assert subtract([Interval(at(11, 1, 9), at(11, 1, 14))], [a]) == [
        Interval(at(11, 1, 9), at(11, 1, 10)),
        Interval(at(11, 1, 12), at(11, 1, 14)),
    ]
