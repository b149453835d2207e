"""The site's date formats and its rule for △ (few left), without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.domain.booking import TOKYO, Mark, day_mark, is_few_left, mark_for
from core.domain.dates import day_text, deadline_text, month_text, short_day_text, when_text


def test_dates_are_written_the_way_residents_read_them() -> None:
    visit = date(2026, 12, 7)
    assert day_text(visit) == "2026年12月7日(月)"
    assert day_text(visit, "en") == "Mon 7 Dec 2026"
    assert short_day_text(visit) == "12月7日(月)"
    assert month_text(visit) == "2026年12月"
    assert month_text(visit, "en") == "December 2026"


def test_deadlines_drop_the_seconds_and_show_japans_time() -> None:
    deadline = datetime(2026, 12, 6, 23, 59, 59, tzinfo=TOKYO)
    assert deadline_text(deadline) == "12月6日(日) 23:59"
    assert deadline_text(deadline, "en") == "Sun 6 Dec 23:59"
    in_utc = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # already the 7th in Japan
    assert when_text(in_utc) == "2026年12月7日(月) 08:30"
    assert when_text(in_utc, "en") == "Mon 7 Dec 2026, 08:30"


def test_a_time_is_few_left_at_thirty_percent_or_one_seat() -> None:
    assert not is_few_left(4, 10, 0.3)
    assert is_few_left(3, 10, 0.3)
    assert is_few_left(1, 3, 0.3)  # one seat of three is △, not ○
    assert is_few_left(1, 1, 0.3)  # a one-seat counter's time holds one person only
    assert not is_few_left(0, 3, 0.3)
    assert mark_for(2, 3) is Mark.FREE
    assert mark_for(1, 3) is Mark.FEW
    assert mark_for(0, 3) is Mark.FULL


def test_a_day_whose_every_free_time_has_one_seat_left_is_few_not_free() -> None:
    every_time_one_of_three = [(1, 3)] * 34  # 34 of 102 seats free: 33 %, more than 30 %
    assert mark_for(34, 102) is Mark.FREE  # what the calendar showed when it added the seats up
    assert day_mark(every_time_one_of_three) is Mark.FEW
    assert day_mark([(3, 3)] * 20 + [(1, 3)] * 14) is Mark.FREE
    assert day_mark([(0, 3)] * 33 + [(3, 3)]) is Mark.FEW  # 3 of 102 seats
    assert day_mark([(0, 3)] * 34) is Mark.FULL
    assert day_mark([]) is Mark.NONE
