"""Transforms: pure, named functions from the extracted Arrow tables to the marts of core.analytics.marts.

Aggregations run in an in-memory DuckDB over the Arrow tables (no files, no extensions). Ages follow
core.domain.expiry.age_on (Feb 29 birthdays fall on Feb 28 in common years); the 有効期限通知書 month is
core.domain.expiry.expiry_notice_month (the 1st of the month three months before expiry).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from core.analytics.marts import DAYS_BANDS, EXPIRY_MONTHS, HORIZON_MONTHS, MARTS
from core.domain.cards import CardState
from core.domain.city import AGE_BANDS, DISTRICTS, UNKNOWN_AGE_BAND, UNKNOWN_DISTRICT

_UNKNOWN_NAME = UNKNOWN_DISTRICT.name  # a code that names no district

_MACROS = """
CREATE MACRO is_leap(y) AS (y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0));
CREATE MACRO birthday_md(b, y) AS
    CASE WHEN month(b) = 2 AND day(b) = 29 AND NOT is_leap(y) THEN 228 ELSE month(b) * 100 + day(b) END;
CREATE MACRO age_on(b, d) AS
    year(d) - year(b) - CASE WHEN month(d) * 100 + day(d) < birthday_md(b, year(d)) THEN 1 ELSE 0 END;
CREATE MACRO district_of(area) AS coalesce(substr(area, 1, 2), '{unknown}');
"""


def _band_case(
    expression: str, bands: tuple[tuple[int, int | None, str], ...], unknown: str
) -> tuple[str, str]:
    label = [f"WHEN {expression} IS NULL THEN '{unknown}'"]
    order = [f"WHEN {expression} IS NULL THEN {len(bands)}"]
    for i, (first, last, name) in enumerate(bands):
        test = f"{expression} >= {first}" + ("" if last is None else f" AND {expression} <= {last}")
        label.append(f"WHEN {test} THEN '{name}'")
        order.append(f"WHEN {test} THEN {i}")
    return f"CASE {' '.join(label)} END", f"CASE {' '.join(order)} END"


def run_sql(query: str, **tables: pa.Table) -> pa.Table:
    """QUERY over the Arrow TABLES in a fresh in-memory DuckDB (with the age and district macros)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(_MACROS.format(unknown=UNKNOWN_DISTRICT.code))
        for name, table in tables.items():
            con.register(name, table)
        return con.sql(query).to_arrow_table()
    finally:
        con.close()


def in_contract_order(table: pa.Table, mart: str) -> pa.Table:
    """The mart's columns in contract order (and nothing else)."""
    return table.select(list(MARTS[mart].column_names))


def districts() -> pa.Table:
    """District codes (01 片瀬 … 13 御所見, 00 不明) and names."""
    codes = [d.code for d in (*DISTRICTS, UNKNOWN_DISTRICT)]
    names = [d.name for d in (*DISTRICTS, UNKNOWN_DISTRICT)]
    return pa.table({"district_code": codes, "district_name": names})


_STATE_SINCE = """coalesce(CASE state
    WHEN 'produced' THEN issued_on WHEN 'arrived' THEN arrived_on WHEN 'preset' THEN preset_on
    WHEN 'notified' THEN notified_on WHEN 'mail_returned' THEN notice_returned_on
    WHEN 'reserved' THEN coalesce(reminded_on, notice_returned_on, notified_on)
    WHEN 'reminded' THEN reminded_on
    WHEN 'issued' THEN handed_over_on WHEN 'suspended' THEN suspended_on WHEN 'expired' THEN expires_on + 1
    WHEN 'revoked' THEN revoked_on WHEN 'destroyed' THEN destroyed_on END, issued_on)"""


def card_stock(cards: pa.Table, waiting: pa.Table, as_of: date) -> pa.Table:
    """Cards by state, office and days in the current state, with the undelivered-card counts."""
    band, band_order = _band_case("age_days", DAYS_BANDS, "0-30")
    states = pa.table(
        {
            "state": [s.value for s in CardState],
            "state_label": [s.label_ja for s in CardState],
            "state_order": list(range(len(CardState))),
        }
    )
    query = f"""
    WITH aged AS (
        SELECT c.state, coalesce(c.office, '不明') AS office, c.on_hold,
               greatest(DATE '{as_of}' - {_STATE_SINCE}, 0) AS age_days,
               coalesce(w.notice_over_90_days, false) AS over_90, coalesce(w.reminder_due, false) AS reminder,
               coalesce(w.disposal_due, false) AS disposal
        FROM cards c LEFT JOIN (
            SELECT card_id, notice_over_90_days, reminder_due, disposal_due FROM waiting
        ) w ON w.card_id = c.id
    )
    SELECT a.state, s.state_label, s.state_order, a.office,
           {band} AS days_band, {band_order} AS days_band_order,
           count(*) AS cards, count(*) FILTER (WHERE on_hold) AS on_hold,
           count(*) FILTER (WHERE over_90) AS notices_over_90_days,
           count(*) FILTER (WHERE reminder) AS reminder_due, count(*) FILTER (WHERE disposal) AS disposal_due
    FROM aged a JOIN states s USING (state)
    GROUP BY ALL ORDER BY state_order, office, days_band_order
    """
    return in_contract_order(run_sql(query, cards=cards, waiting=waiting, states=states), "card_stock")


def _horizon(as_of: date, months: int = HORIZON_MONTHS) -> tuple[str, str]:
    start = f"date_trunc('month', DATE '{as_of}')::DATE"
    return start, f"({start} + INTERVAL {months} MONTH)::DATE"


def expiries_monthly(cards: pa.Table, certificates: pa.Table, as_of: date) -> pa.Table:
    """Expiries of cards in use by the city's residents and of their valid certificates per month (10 years
    and the renewal window beyond), by district and age.

    A resident who moved out (転出) has left the city's ledger (specs/resident-extract.md B01): their card is
    renewed elsewhere. A certificate counts only when it expires before its card: one that expires with the
    card is renewed at the card's visit, not a visit of its own."""
    start, end = _horizon(as_of, EXPIRY_MONTHS)
    band, band_order = _band_case("age", AGE_BANDS, UNKNOWN_AGE_BAND)
    query = f"""
    WITH in_use AS (
        SELECT id, expires_on, birth_date, area_code FROM cards
        WHERE state IN ('issued', 'suspended') AND resident_status = 1
    ), expiring AS (
        SELECT 'card' AS kind, expires_on AS day, birth_date, area_code FROM in_use
        UNION ALL
        SELECT CASE c.kind WHEN 'user' THEN 'user_cert' ELSE 'signature_cert' END, c.expires_on,
               u.birth_date, u.area_code
        FROM certificates c JOIN in_use u ON u.id = c.card_id
        WHERE c.state IN ('valid', 'suspended') AND c.expires_on < u.expires_on
    ), aged AS (
        SELECT kind, date_trunc('month', day)::DATE AS month, district_of(area_code) AS district_code,
               CASE WHEN birth_date IS NULL OR birth_date > day THEN NULL
                    ELSE age_on(birth_date, day) END AS age
        FROM expiring WHERE day >= {start} AND day < {end}
    )
    SELECT month, kind, a.district_code, coalesce(d.district_name, '{_UNKNOWN_NAME}') AS district_name,
           {band} AS age_band, {band_order} AS age_band_order, count(*) AS expiring
    FROM aged a LEFT JOIN districts d USING (district_code)
    GROUP BY ALL ORDER BY month, kind, district_code, age_band_order
    """
    return in_contract_order(
        run_sql(query, cards=cards, certificates=certificates, districts=districts()), "expiries_monthly"
    )


def expiry_notice_waves(cards: pa.Table, stay_bound: pa.Table, as_of: date) -> pa.Table:
    """有効期限通知書 per month (expiry − 3 months) and district; stay-bound foreign residents excluded."""
    start, end = _horizon(as_of)
    query = f"""
    WITH waves AS (
        SELECT (date_trunc('month', c.expires_on) - INTERVAL 3 MONTH)::DATE AS notice_month,
               district_of(c.area_code) AS district_code, coalesce(s.stay_bound, false) AS stay_bound
        FROM cards c LEFT JOIN stay_bound s ON s.card_id = c.id
        WHERE c.state IN ('issued', 'suspended')
    )
    SELECT notice_month, w.district_code, coalesce(d.district_name, '{_UNKNOWN_NAME}') AS district_name,
           count(*) FILTER (WHERE NOT stay_bound) AS letters,
           count(*) FILTER (WHERE stay_bound) AS stay_bound_excluded, count(*) AS window_opens
    FROM waves w LEFT JOIN districts d USING (district_code)
    WHERE notice_month >= {start} AND notice_month < {end}
    GROUP BY ALL ORDER BY notice_month, district_code
    """
    return in_contract_order(
        run_sql(query, cards=cards, stay_bound=stay_bound, districts=districts()), "expiry_notice_waves"
    )


def issuance_daily(cards: pa.Table) -> pa.Table:
    """Cards produced by J-LIS (発行日) and handed over at the counter (交付日) per day, office and kind."""
    query = """
    WITH events AS (
        SELECT issued_on AS day, office, application_kind, 1 AS produced, 0 AS handed_over FROM cards
        UNION ALL
        SELECT handed_over_on, office, application_kind, 0, 1 FROM cards WHERE handed_over_on IS NOT NULL
    )
    SELECT day, coalesce(office, '不明') AS office, coalesce(application_kind, '不明') AS application_kind,
           sum(produced)::BIGINT AS produced, sum(handed_over)::BIGINT AS handed_over
    FROM events GROUP BY ALL ORDER BY day, office, application_kind
    """
    return in_contract_order(run_sql(query, cards=cards), "issuance_daily")


def handovers_daily(cards: pa.Table, as_of: date) -> pa.Table:
    """Cards handed over at the counter per day (up to AS_OF) by district, age on that day and kind."""
    band, band_order = _band_case("age", AGE_BANDS, UNKNOWN_AGE_BAND)
    query = f"""
    WITH aged AS (
        SELECT handed_over_on AS day, district_of(area_code) AS district_code,
               coalesce(application_kind, '不明') AS application_kind,
               CASE WHEN birth_date IS NULL OR birth_date > handed_over_on THEN NULL
                    ELSE age_on(birth_date, handed_over_on) END AS age
        FROM cards WHERE handed_over_on IS NOT NULL AND handed_over_on <= DATE '{as_of}'
    )
    SELECT day, a.district_code, coalesce(d.district_name, '{_UNKNOWN_NAME}') AS district_name,
           {band} AS age_band, {band_order} AS age_band_order, application_kind, count(*) AS handed_over
    FROM aged a LEFT JOIN districts d USING (district_code)
    GROUP BY ALL ORDER BY day, district_code, age_band_order, application_kind
    """
    return in_contract_order(run_sql(query, cards=cards, districts=districts()), "handovers_daily")


def renewals_monthly(cards: pa.Table) -> pa.Table:
    """Renewals applied, produced and handed over, reissues, and cards expiring, per month."""
    query = """
    WITH months AS (
        SELECT date_trunc('month', applied_on)::DATE AS month, 1 AS a, 0 AS p, 0 AS h, 0 AS r, 0 AS e
            FROM cards WHERE application_kind = '更新' AND applied_on IS NOT NULL
        UNION ALL SELECT date_trunc('month', issued_on)::DATE, 0, 1, 0, 0, 0 FROM cards
            WHERE application_kind = '更新'
        UNION ALL SELECT date_trunc('month', handed_over_on)::DATE, 0, 0, 1, 0, 0 FROM cards
            WHERE application_kind = '更新' AND handed_over_on IS NOT NULL
        UNION ALL SELECT date_trunc('month', issued_on)::DATE, 0, 0, 0, 1, 0 FROM cards
            WHERE application_kind = '再交付'
        UNION ALL SELECT date_trunc('month', expires_on)::DATE, 0, 0, 0, 0, 1 FROM cards
    )
    SELECT month, sum(a)::BIGINT AS renewals_applied, sum(p)::BIGINT AS renewals_produced,
           sum(h)::BIGINT AS renewals_handed_over, sum(r)::BIGINT AS reissues_produced,
           sum(e)::BIGINT AS cards_expiring
    FROM months GROUP BY month ORDER BY month
    """
    return in_contract_order(run_sql(query, cards=cards), "renewals_monthly")


def holding_by_district_age(residents: pa.Table, as_of: date) -> pa.Table:
    """Residents and card holders by district and current age band."""
    band, band_order = _band_case("age", AGE_BANDS, UNKNOWN_AGE_BAND)
    query = f"""
    WITH aged AS (
        SELECT district_of(area_code) AS district_code, holds_card,
               CASE WHEN birth_date IS NULL OR birth_date > DATE '{as_of}' THEN NULL
                    ELSE age_on(birth_date, DATE '{as_of}') END AS age
        FROM residents
    )
    SELECT a.district_code, coalesce(d.district_name, '{_UNKNOWN_NAME}') AS district_name,
           {band} AS age_band, {band_order} AS age_band_order, count(*) AS residents,
           count(*) FILTER (WHERE holds_card) AS holders,
           count(*) FILTER (WHERE holds_card) / count(*) AS holding_rate
    FROM aged a LEFT JOIN districts d USING (district_code)
    GROUP BY ALL ORDER BY district_code, age_band_order
    """
    return in_contract_order(
        run_sql(query, residents=residents, districts=districts()), "holding_by_district_age"
    )
