"""Booking history for the demo (`mynadesk site seed --demo-bookings`): the seeded venues' slots of the last
weeks filled with visits that came, did not come or were cancelled, and some of the coming days booked, so
that the console's overview, reservations admin and statistics show a working city, not empty charts.

Demo rows carry no personal data (name デモ予約, no phone or e-mail: the per-contact cap never counts them)
and booking numbers "D<slot>-<seat>" that the reservation site's forms never produce.

Pickup bookings (procedures that need a 交付通知書 number) still to come get the notice number of a real card
in the ledger that waits for pickup (AWAITING_PICKUP_STATES), one card each, longest-waiting card to the
nearest booking, so the counter's pickup list and handover work on them. No number is ever invented: when
no waiting card is left (none that an open booking does not already name), the remaining pickup bookings
keep an empty notice number. Past visits keep none either: a completed pickup of a card still waiting
would contradict the ledger."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.clock import day_of
from core.domain.booking import TOKYO
from core.domain.cards import AWAITING_PICKUP_STATES
from core.domain.reservations import OPEN_STATUSES, ReservationStatus
from core.services.slots import generate_slots

FILL_PAST = 0.7  # share of seats booked in past slots, on average
FILL_AHEAD = 0.35  # share of seats already booked in the coming days

_ALREADY = text("SELECT EXISTS (SELECT FROM booking.reservations WHERE booking_no LIKE 'D%')")
# One bulk statement, on purpose the only seat change outside core.services.seats: it runs once from the CLI
# before the site opens, over slots without any reservation, and counts every status but 'cancelled' as seats
# taken (SEAT_KEEPING_STATUSES); the table's CHECK (booked + held <= capacity) still guards it.
_INSERT = text(
    """
    WITH picked AS (
        SELECT s.id, s.procedure_id, s.starts_at,
               least(s.capacity - s.booked - s.held,
                     floor(s.capacity * :fill * (0.4 + 1.2 * random()))::int) AS seats
        FROM booking.slots s
        WHERE s.starts_at >= :lo AND s.starts_at < :hi AND s.procedure_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM booking.reservations r WHERE r.slot_id = s.id)
    ), seat AS (
        SELECT p.id, p.procedure_id, p.starts_at, g AS n, random() AS u,
               p.starts_at - (1 + floor(random() * 30)) * interval '1 day' AS made
        FROM picked p CROSS JOIN LATERAL generate_series(1, p.seats) AS g
    ), added AS (
        INSERT INTO booking.reservations (booking_no, secret_hash, slot_id, procedure_id, status, channel,
                                          name, language, created_at, checked_in_at, cancelled_at)
        SELECT 'D' || id || '-' || n,
               encode(sha256(convert_to('mynadesk-demo-' || id || '-' || n, 'UTF8')), 'hex'),
               id, procedure_id,
               CASE WHEN starts_at >= :now THEN 'booked'
                    WHEN u < 0.06 THEN 'cancelled' WHEN u < 0.14 THEN 'no_show' ELSE 'completed' END,
               CASE WHEN u > 0.97 THEN 'phone' ELSE 'web' END, 'デモ予約',
               CASE WHEN u > 0.9 THEN 'en' ELSE 'ja' END, made,
               CASE WHEN starts_at < :now AND u >= 0.14 THEN starts_at + interval '3 minutes' END,
               CASE WHEN starts_at < :now AND u < 0.06 THEN made + interval '2 days' END
        FROM seat
        RETURNING slot_id, status
    ), taken AS (
        SELECT slot_id, count(*) FILTER (WHERE status <> 'cancelled') AS seats, count(*) AS made
        FROM added GROUP BY slot_id
    ), counted AS (
        UPDATE booking.slots s SET booked = s.booked + t.seats FROM taken t WHERE s.id = t.slot_id
        RETURNING t.made
    )
    SELECT coalesce(sum(made), 0) FROM counted
    """
)

# Coming demo pickups, nearest first, paired by rank with waiting cards that no open booking names yet.
_NOTICES = text(
    """
    WITH wanted AS (
        SELECT r.id, row_number() OVER (ORDER BY s.starts_at, r.booking_no) AS rank
        FROM booking.reservations r
        JOIN booking.slots s ON s.id = r.slot_id
        JOIN booking.procedures p ON p.id = r.procedure_id
        WHERE r.booking_no LIKE 'D%' AND r.notice_no IS NULL AND p.needs_notice_no AND r.status = :booked
    ), waiting AS (
        SELECT c.notice_no, row_number() OVER (ORDER BY c.notified_on NULLS LAST, c.id) AS rank
        FROM cards.cards c
        WHERE c.state = ANY(:states) AND c.notice_no IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM booking.reservations r
                          WHERE r.notice_no = c.notice_no AND r.status = ANY(:open))
    )
    UPDATE booking.reservations r SET notice_no = waiting.notice_no
    FROM wanted JOIN waiting USING (rank)
    WHERE r.id = wanted.id
    """
)


def give_notice_numbers(session: Session) -> int:
    """Give coming demo pickup bookings without a notice number the numbers of waiting cards no open booking
    names yet, one card each; return how many got one (the rest stay empty: no card is left for them)."""
    result = session.execute(
        _NOTICES,
        {
            "booked": ReservationStatus.BOOKED.value,
            "states": sorted(s.value for s in AWAITING_PICKUP_STATES),
            "open": [s.value for s in OPEN_STATUSES],
        },
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def seed_demo_bookings(session: Session, now: datetime, days_back: int = 90, days_ahead: int = 14) -> int:
    """Fill the demo's slots from DAYS_BACK days before NOW up to DAYS_AHEAD days on, once: nothing when demo
    bookings exist already; slots with a real reservation are left alone; visits before NOW are over (came,
    missed or cancelled), the later ones booked, their pickups with the notice numbers of waiting cards
    (`give_notice_numbers`). Return how many were made."""
    if session.execute(_ALREADY).scalar():
        return 0
    today = day_of(now)
    generate_slots(session, today - timedelta(days=days_back), today - timedelta(days=1))
    start = datetime.combine(today - timedelta(days=days_back), time(0), TOKYO)
    made = 0
    for lo, hi, fill in (
        (start, now, FILL_PAST),
        (now, datetime.combine(today + timedelta(days=days_ahead + 1), time(0), TOKYO), FILL_AHEAD),
    ):
        made += int(session.execute(_INSERT, {"lo": lo, "hi": hi, "fill": fill, "now": now}).scalar_one())
    give_notice_numbers(session)
    return made
