"""The card ledger export of the city's current system (data/README.md): columns, codes and formats."""

from __future__ import annotations

from core.domain.cards import CardState, CertificateState, RevokeReason

# Column name → 項目 (Japanese label used in error messages), in file order.
COLUMN_LABELS_JA: dict[str, str] = {
    "card_id": "カード管理番号",
    "atena_no": "宛名番号",
    "juminhyo_code": "住民票コード",
    "application_kind": "申請区分",
    "source": "交付区分",
    "state": "状態",
    "revoke_reason": "廃止理由",
    "applied_on": "申請日",
    "issued_on": "発行日",
    "expires_on": "有効期限",
    "arrived_on": "到着日",
    "preset_on": "交付前設定日",
    "notice_no": "交付通知書番号",
    "notified_on": "交付通知日",
    "notice_returned_on": "返戻日",
    "reminded_on": "再通知日",
    "reserved_for": "予約来庁日",
    "handed_over_on": "交付日",
    "suspended_on": "一時停止日",
    "revoked_on": "廃止日",
    "destroyed_on": "廃棄日",
    "office": "交付窓口",
    "storage_box": "保管箱",
    "storage_slot": "位置",
    "hold": "保留",
    "hold_reason": "保留理由",
    "user_cert_state": "利用者証明用 状態",
    "user_cert_issued_on": "利用者証明用 発行日",
    "user_cert_expires_on": "利用者証明用 有効期限",
    "sign_cert_state": "署名用 状態",
    "sign_cert_issued_on": "署名用 発行日",
    "sign_cert_expires_on": "署名用 有効期限",
    "updated_at": "更新日時",
}
COLUMNS: tuple[str, ...] = tuple(COLUMN_LABELS_JA)
DATE_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c.endswith("_on") or c == "reserved_for")
REQUIRED_COLUMNS: tuple[str, ...] = (
    "card_id",
    "atena_no",
    "juminhyo_code",
    "application_kind",
    "source",
    "state",
    "issued_on",
    "expires_on",
    "hold",
    "user_cert_state",
    "sign_cert_state",
    "updated_at",
)
# Dates of one card run in this order where present (applied ≤ issued ≤ arrived ≤ preset ≤ notified ≤ handed).
DATE_ORDER: tuple[str, ...] = (
    "applied_on",
    "issued_on",
    "arrived_on",
    "preset_on",
    "notified_on",
    "handed_over_on",
)

APPLICATION_KINDS: frozenset[str] = frozenset({"新規", "更新", "再交付"})
SOURCES: frozenset[str] = frozenset({"交付", "転入継続"})
OFFICES: frozenset[str] = frozenset({"本庁", "湘南台"})
HOLD_REASONS: frozenset[str] = frozenset({"入院", "施設入所", "海外渡航", "本人申出"})
STATES: frozenset[str] = frozenset(s.value for s in CardState)
REVOKE_REASONS: frozenset[str] = frozenset(r.value for r in RevokeReason)
CERTIFICATE_STATES: frozenset[str] = frozenset(s.value for s in CertificateState)
STATES_WITH_REASON: frozenset[str] = frozenset({CardState.REVOKED.value, CardState.DESTROYED.value})

# Patterns every value of a column must match (an empty value is checked by REQUIRED_COLUMNS).
PATTERNS: dict[str, str] = {
    "card_id": r"[0-9]{10}",
    "atena_no": r"[0-9]{1,15}",
    "juminhyo_code": r"[0-9]{11}",
    # <year letter A=2016…><month 1-9, X Y Z><office H/S>-<6-digit serial>
    "notice_no": r"[A-Z][1-9XYZ][HS]-[0-9]{6}",
    "storage_box": r"[BH]-[0-9]{4}-[0-9]{4}",
    "storage_slot": r"(?:[1-9][0-9]?|100)",
    "hold": r"[01]",
    "updated_at": r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}",
}
PATTERN_HINTS: dict[str, tuple[str, str]] = {
    "card_id": ("10桁の数字", "10 digits"),
    "atena_no": ("数字(15桁まで)", "digits (up to 15)"),
    "juminhyo_code": ("11桁の数字", "11 digits"),
    "notice_no": (
        "「年月窓口-連番6桁」(例 K3H-000123)",
        "'<year><month><office>-<6 digits>' (e.g. K3H-000123)",
    ),
    "storage_box": ("「B-2026-0142」の形", "like B-2026-0142"),
    "storage_slot": ("1〜100", "1 to 100"),
    "hold": ("0 または 1", "0 or 1"),
    "updated_at": ("YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD HH:MM:SS"),
}
CODE_SETS: dict[str, frozenset[str]] = {
    "application_kind": APPLICATION_KINDS,
    "source": SOURCES,
    "state": STATES,
    "revoke_reason": REVOKE_REASONS,
    "office": OFFICES,
    "hold_reason": HOLD_REASONS,
    "user_cert_state": CERTIFICATE_STATES,
    "sign_cert_state": CERTIFICATE_STATES,
}
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
