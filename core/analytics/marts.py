"""The analytic layer's contract: which marts exist, their grain and columns, and where the files live.

`mynadesk etl analytics` (etl/analytics/) builds every mart below from PostgreSQL into Parquet files and one
DuckDB file, in a fresh build directory, then swaps the `current` symlink to it atomically:

    <data dir>/analytics/
        current -> builds/<UTC stamp>/      (os.replace of a symlink: readers see the old or the new build)
        builds/<UTC stamp>/mynadesk.duckdb  (a table per mart; duckdb.connect(..., read_only=True))
        builds/<UTC stamp>/marts/<name>.parquet

Readers (the console) go through `core.analytics.queries`. Dates are JST calendar days; counts are integers.
A card's expiry is the one printed on it, else the one core.domain.expiry.card_expiry computes.
Personal data stays out: marts hold counts; `waiting_cards` lists card ids (no names, no 宛名番号).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.domain.expiry import RENEWAL_WINDOW_MONTHS
from core.paths import DataLayout

BUILDS_DIR = "builds"
CURRENT_LINK = "current"
DUCKDB_FILE = "mynadesk.duckdb"
PARQUET_DIR = "marts"
KEEP_BUILDS = 3  # older builds are removed after a swap (a reader holding one keeps its open file)
HORIZON_MONTHS = 120  # expiry forecasts: this month and the next 119
# Expiries are kept RENEWAL_WINDOW_MONTHS (core.domain.expiry) further: a renewal window opening in the last
# forecast month belongs to an expiry up to three months later, and its demand falls inside the horizon.
EXPIRY_MONTHS = HORIZON_MONTHS + RENEWAL_WINDOW_MONTHS

# Days since a card entered its current state.
DAYS_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 30, "0-30"),
    (31, 60, "31-60"),
    (61, 90, "61-90"),
    (91, 180, "91-180"),
    (181, 365, "181-365"),
    (366, None, "366+"),
)


@dataclass(frozen=True)
class Column:
    """One column of a mart."""

    name: str
    type: str  # DuckDB type
    description: str


@dataclass(frozen=True)
class Mart:
    """A table of the analytic layer: its name, what one row is, and its columns."""

    name: str
    grain: str
    description: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, description: str) -> Column:
    return Column(name, type_, description)


_DISTRICT = (_c("district_code", "VARCHAR", "地区 01 片瀬 … 13 御所見 (area_code の先頭2桁), 00 不明"),
             _c("district_name", "VARCHAR", "地区名"))  # fmt: skip
_VENUE_PROCEDURE = (
    _c("venue_id", "INTEGER", "booking.venues.id"),
    _c("venue_code", "VARCHAR", "会場コード"),
    _c("venue_name", "VARCHAR", "会場名"),
    _c("procedure_id", "INTEGER", "booking.procedures.id"),
    _c("procedure_code", "VARCHAR", "手続コード"),
    _c("procedure_name", "VARCHAR", "手続名"),
)

MARTS: dict[str, Mart] = {
    m.name: m
    for m in (
        Mart("districts", "one row per district", "地区コードと地区名 / district codes and names",
             _DISTRICT),
        Mart(
            "card_stock",
            "state × office × days_band",
            "カード在庫: 状態・窓口・経過日数別 / cards by state, office and days in that state",
            (
                _c("state", "VARCHAR", "CardState の値"),
                _c("state_label", "VARCHAR", "状態の表示 (発行済(J-LIS) …)"),
                _c("state_order", "INTEGER", "CardState の順"),
                _c("office", "VARCHAR", "交付窓口 本庁 / 湘南台 / 不明"),
                _c("days_band", "VARCHAR", "現在の状態になってからの日数帯 (DAYS_BANDS)"),
                _c("days_band_order", "INTEGER", "日数帯の順"),
                _c("cards", "BIGINT", "枚数"),
                _c("on_hold", "BIGINT", "保留中の枚数"),
                _c("notices_over_90_days", "BIGINT", "交付通知から90日以上たった未交付カード"),
                _c("reminder_due", "BIGINT", "再通知が必要なカード (core.domain.undelivered)"),
                _c("disposal_due", "BIGINT", "未交付廃棄の対象 (core.domain.undelivered)"),
            ),
        ),
        Mart(
            "waiting_cards",
            "one row per card in a pre-issue state",
            "交付前のカード一覧と催告・廃棄期限 / every waiting card with its reminder and disposal dates",
            (
                _c("card_id", "BIGINT", "cards.cards.id"),
                _c("legacy_id", "VARCHAR", "既存システムのカード管理番号"),
                _c("state", "VARCHAR", "CardState の値"),
                _c("office", "VARCHAR", "交付窓口"),
                _c("storage_box", "VARCHAR", "保管箱"),
                _c("arrived_on", "DATE", "到着日"),
                _c("notified_on", "DATE", "交付通知日"),
                _c("reminded_on", "DATE", "再通知日"),
                _c("days_waiting", "INTEGER", "到着 (なければ発行) からの日数"),
                _c("days_since_notice", "INTEGER", "交付通知からの日数"),
                _c("notice_over_90_days", "BOOLEAN", "通知から90日以上"),
                _c("reminder_due_on", "DATE", "再通知の期日"),
                _c("reminder_due", "BOOLEAN", "再通知が必要"),
                _c("disposal_due_on", "DATE", "未交付廃棄の期日 (保留中・再通知前は NULL)"),
                _c("disposal_due", "BOOLEAN", "未交付廃棄の対象"),
                _c("on_hold", "BOOLEAN", "保留"),
            ),
        ),
        Mart(
            "expiries_monthly",
            "month × kind × district × age_band",
            "有効期限の到来: 今後10年と3か月の月別 / expiries per month, 10 years + 3 months",
            (
                _c("month", "DATE", "月初日"),
                _c("kind", "VARCHAR", "card / user_cert (利用者証明用) / signature_cert (署名用)"),
                *_DISTRICT,
                _c("age_band", "VARCHAR", "有効期限日の年齢の年齢帯 (core.domain.city.AGE_BANDS, 不詳)"),
                _c("age_band_order", "INTEGER", "年齢帯の順"),
                _c("expiring", "BIGINT", "期限を迎える枚数 (使用中のカード・有効な証明書)"),
            ),
        ),
        Mart(
            "expiry_notice_waves",
            "notice_month × district",
            "有効期限通知書の発送見込み (期限の3か月前) / J-LIS expiry notice waves at expiry − 3 months",
            (
                _c("notice_month", "DATE", "通知月の月初日 (core.domain.expiry.expiry_notice_month)"),
                *_DISTRICT,
                _c("letters", "BIGINT", "通知書が送られるカード"),
                _c("stay_bound_excluded", "BIGINT", "在留期間で期限が決まる外国人住民 (通知なし)"),
                _c("window_opens", "BIGINT", "更新受付が始まるカード (窓口の需要)"),
            ),
        ),
        Mart(
            "slot_capacity",
            "day × venue × procedure",
            "予約枠と予約数 / slot capacity vs bookings",
            (
                _c("day", "DATE", "日"),
                *_VENUE_PROCEDURE,
                _c("slots", "BIGINT", "枠数"),
                _c("capacity", "BIGINT", "定員"),
                _c("booked", "BIGINT", "予約済"),
                _c("held", "BIGINT", "仮押さえ"),
                _c("free", "BIGINT", "空き"),
                _c("utilisation", "DOUBLE", "(booked + held) / capacity, 定員0なら NULL"),
            ),
        ),
        Mart(
            "bookings_daily",
            "day × venue × procedure",
            "予約・来庁・無断キャンセル / bookings, visits and no-shows",
            (
                _c("day", "DATE", "予約日 (枠の日)"),
                *_VENUE_PROCEDURE,
                _c("reservations", "BIGINT", "予約件数"),
                _c("people", "BIGINT", "人数 (party_size の合計)"),
                _c("booked", "BIGINT", "予約中"),
                _c("cancelled", "BIGINT", "取消"),
                _c("checked_in", "BIGINT", "受付済"),
                _c("completed", "BIGINT", "完了"),
                _c("no_show", "BIGINT", "無断キャンセル"),
                _c("web", "BIGINT", "ウェブ予約"),
                _c("counter", "BIGINT", "窓口予約"),
                _c("phone", "BIGINT", "電話予約"),
                _c("no_show_rate", "DOUBLE", "no_show / (checked_in + completed + no_show)"),
            ),
        ),
        Mart(
            "issuance_daily",
            "day × office × application_kind",
            "カードの発行 (J-LIS) と交付 (窓口) の日別件数 / cards produced and handed over per day",
            (
                _c("day", "DATE", "日"),
                _c("office", "VARCHAR", "交付窓口 (不明)"),
                _c("application_kind", "VARCHAR", "申請区分 新規 / 更新 / 再交付 (不明)"),
                _c("produced", "BIGINT", "発行日がこの日のカード"),
                _c("handed_over", "BIGINT", "交付日がこの日のカード"),
            ),
        ),
        Mart(
            "handovers_daily",
            "day × district × age_band × application_kind",
            "窓口での交付: 日・地区・年齢帯・申請区分別 / handovers per day by district, age and kind",
            (
                _c("day", "DATE", "交付日"),
                *_DISTRICT,
                _c("age_band", "VARCHAR", "交付日の年齢の年齢帯 (core.domain.city.AGE_BANDS, 不詳)"),
                _c("age_band_order", "INTEGER", "年齢帯の順"),
                _c("application_kind", "VARCHAR", "申請区分 新規 / 更新 / 再交付 (不明)"),
                _c("handed_over", "BIGINT", "交付した枚数"),
            ),
        ),
        Mart(
            "renewals_monthly",
            "month",
            "更新・再交付の月別件数と期限到来 / renewals per month",
            (
                _c("month", "DATE", "月初日"),
                _c("renewals_applied", "BIGINT", "更新の申請 (申請日)"),
                _c("renewals_produced", "BIGINT", "更新カードの発行 (発行日)"),
                _c("renewals_handed_over", "BIGINT", "更新カードの交付 (交付日)"),
                _c("reissues_produced", "BIGINT", "再交付カードの発行"),
                _c("cards_expiring", "BIGINT", "有効期限がこの月のカード (状態を問わない)"),
            ),
        ),
        Mart(
            "holding_by_district_age",
            "district × age_band",
            "住民のカード保有: 地区・年齢帯別 / card holding by district and current age",
            (
                *_DISTRICT,
                _c("age_band", "VARCHAR", "基準日の年齢の年齢帯"),
                _c("age_band_order", "INTEGER", "年齢帯の順"),
                _c("residents", "BIGINT", "住民 (住民状態 1)"),
                _c("holders", "BIGINT", "使用中のカード (交付済・一時停止) を持つ住民"),
                _c("holding_rate", "DOUBLE", "holders / residents"),
            ),
        ),
        Mart(
            "build_info",
            "one row",
            "このビルドの情報 / about this build",
            (
                _c("built_at", "TIMESTAMP WITH TIME ZONE", "作成日時"),
                _c("as_of", "DATE", "基準日"),
                _c("cards", "BIGINT", "カード件数"),
                _c("certificates", "BIGINT", "電子証明書件数"),
                _c("residents", "BIGINT", "住民記録件数"),
                _c("reservations", "BIGINT", "予約件数"),
                _c("seconds", "DOUBLE", "作成にかかった秒数"),
            ),
        ),
    )
}  # fmt: skip


def analytics_root(data_dir: Path) -> Path:
    """`<data dir>/analytics` (core.paths names it)."""
    return DataLayout(data_dir).analytics


def current_duckdb(data_dir: Path) -> Path:
    """The DuckDB file of the current build (through the `current` symlink)."""
    return analytics_root(data_dir) / CURRENT_LINK / DUCKDB_FILE
