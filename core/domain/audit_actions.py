"""The audit log's action codes as staff read them (操作); the code itself stays in the log."""

from __future__ import annotations

ACTION_LABELS_JA: dict[str, str] = {
    "login": "ログイン",
    "login_failed": "ログイン失敗",
    "logout": "ログアウト",
    "account_locked": "アカウントロック",
    "password_change": "パスワード変更",
    "access_denied": "アクセス拒否",
    "search": "検索",
    "view": "閲覧",
    "card_read": "カード読取",
    "card_handover": "カード交付",
    "card_state_change": "カード状態変更",
    "card_batch": "カード一括変更",
    "form_filled": "帳票作成",
    "form_reprinted": "帳票再印刷",
    "document_import": "書類スキャン取込",
    "document_store": "書類イメージ保存",
    "document_index": "書類の索引確定",
    "document_index_entry": "書類の索引入力",
    "document_expire": "書類の保存年限満了削除",
    "register_load": "住民記録取込",
    "ledger_migration": "台帳移行",
    "analytics_build": "分析データ作成",
    "stats_export": "統計出力",
    "audit_export": "監査ログ出力",
    "sla_export": "SLA報告出力",
    "incident_add": "障害・計画停止の登録",
    "incident_update": "障害の記録(原因・通知・対処)",
    "backup_failed": "夜間バックアップ失敗",
    "drill_failed": "復元訓練失敗",
    "copy_failed": "バックアップの複製失敗",
    "booking_rules": "予約ルール変更",
    "staff_create": "職員登録",
    "staff_roles": "職員の役割変更",
    "staff_disable": "職員の利用停止",
    "staff_enable": "職員の利用再開",
    "staff_password_reset": "職員のパスワード再設定",
    "site_create": "予約サイト: 予約",
    "site_change": "予約サイト: 予約変更",
    "site_cancel": "予約サイト: 予約取消",
    "site_view": "予約サイト: 予約確認",
    "site_slip": "予約サイト: 予約票表示",
    "site_ics": "予約サイト: カレンダー登録(.ics)",
    "site_notice_attack": "予約サイト: 交付通知書番号への連続誤入力(警告)",
}


def action_label_ja(action: str) -> str:
    """The Japanese name of ACTION; the code itself for an action this list does not know yet."""
    return ACTION_LABELS_JA.get(action, action)
