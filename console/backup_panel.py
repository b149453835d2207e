"""The backups' state on the console: for the 管理者 on the top page, for the 管理職 on the overview. The last
good backup, the last restore drill with its measured RTO, and an alert when the newest backup or drill
failed (core.ops.records.summary; `mynadesk ops run` writes them every night)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from console import components as c
from console import context, ids
from core.ops import records


def _size(size: int | None) -> str:
    return f"{size / 1024**3:.1f} GiB" if size else "—"


def backup_panel() -> dbc.Alert:
    """One box: danger when the newest backup or drill failed, warning when there is no good backup yet."""
    with context.unit_of_work() as s:
        state = records.summary(s)
    lines: list[str] = []
    backup, drill, failed = state.last_backup, state.last_drill, state.failed_since_good
    if backup is not None:
        size = _size(backup.size_bytes)
        lines.append(f"最後の正常なバックアップ: {c.fmt(backup.finished_at)}({backup.name}、{size})")
    else:
        lines.append(
            "正常なバックアップがまだありません。`mynadesk backup run` または夜間ジョブを確認してください"
        )
    if drill is not None:
        result = "成功" if drill.ok else f"失敗: {drill.message or '詳細は backup list'}"
        rto = f"、RTO {drill.rto_seconds:.1f} 秒" if drill.rto_seconds is not None else ""
        lines.append(f"最後の復元訓練: {c.fmt(drill.started_at)} {result}{rto}")
    else:
        lines.append("復元訓練の記録がありません")
    if failed is not None:
        lines.append(f"バックアップ失敗: {c.fmt(failed.started_at)} {failed.message or failed.name}")
    if state.failed_copy is not None:
        lines.append(f"外部媒体への複製失敗: {c.fmt(state.failed_copy.at)} {state.failed_copy.message}")
    colour = "danger" if state.alert else ("warning" if backup is None else "light")
    title = "バックアップ・復元訓練" + ("(要対応)" if state.alert else "")
    return dbc.Alert(
        [html.H2(title, className="h6"), *[html.Div(line) for line in lines]],
        color=colour,
        id=ids.BACKUP_PANEL,
    )
