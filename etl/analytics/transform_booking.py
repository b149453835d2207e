"""Transforms of the booking schema: slot capacity vs bookings, and bookings / no-shows per day."""

from __future__ import annotations

import pyarrow as pa

from etl.analytics.transform import in_contract_order, run_sql

_NAMES = """
LEFT JOIN venues v ON v.id = x.venue_id LEFT JOIN procedures p ON p.id = x.procedure_id
"""
_NAME_COLUMNS = """x.venue_id, v.code AS venue_code, v.name_ja AS venue_name,
       x.procedure_id, p.code AS procedure_code, p.name_ja AS procedure_name"""


def slot_capacity(slots: pa.Table, venues: pa.Table, procedures: pa.Table) -> pa.Table:
    """Slots, capacity, booked, held and free seats per day, venue and procedure."""
    query = f"""
    WITH x AS (
        SELECT day, venue_id, procedure_id, count(*) AS slots, sum(capacity)::BIGINT AS capacity,
               sum(booked)::BIGINT AS booked, sum(held)::BIGINT AS held
        FROM slots GROUP BY ALL
    )
    SELECT x.day, {_NAME_COLUMNS}, x.slots, x.capacity, x.booked, x.held,
           x.capacity - x.booked - x.held AS free,
           CASE WHEN x.capacity > 0 THEN (x.booked + x.held) / x.capacity END AS utilisation
    FROM x {_NAMES} ORDER BY x.day, x.venue_id, x.procedure_id
    """
    return in_contract_order(
        run_sql(query, slots=slots, venues=venues, procedures=procedures), "slot_capacity"
    )


def bookings_daily(reservations: pa.Table, venues: pa.Table, procedures: pa.Table) -> pa.Table:
    """Reservations per slot day, venue and procedure, by status and channel, with the no-show rate."""
    query = f"""
    WITH x AS (
        SELECT day, venue_id, procedure_id, count(*) AS reservations, sum(party_size)::BIGINT AS people,
               count(*) FILTER (WHERE status = 'booked') AS booked,
               count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
               count(*) FILTER (WHERE status = 'checked_in') AS checked_in,
               count(*) FILTER (WHERE status = 'completed') AS completed,
               count(*) FILTER (WHERE status = 'no_show') AS no_show,
               count(*) FILTER (WHERE channel = 'web') AS web,
               count(*) FILTER (WHERE channel = 'counter') AS counter,
               count(*) FILTER (WHERE channel = 'phone') AS phone
        FROM reservations GROUP BY ALL
    )
    SELECT x.day, {_NAME_COLUMNS}, x.reservations, x.people, x.booked, x.cancelled, x.checked_in,
           x.completed, x.no_show, x.web, x.counter, x.phone,
           CASE WHEN x.checked_in + x.completed + x.no_show > 0
                THEN x.no_show / (x.checked_in + x.completed + x.no_show) END AS no_show_rate
    FROM x {_NAMES} ORDER BY x.day, x.venue_id, x.procedure_id
    """
    return in_contract_order(
        run_sql(query, reservations=reservations, venues=venues, procedures=procedures), "bookings_daily"
    )
