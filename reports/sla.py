"""The monthly SLA report (サービスレベル実施状況報告) as a Japanese PDF with charts, and as XLSX with
the same figures, formulas, inputs and tables, so the city can recompute every figure."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import pandas as pd

from core.domain.booking import TOKYO
from core.domain.sla import KINDS, NOT_AVAILABLE, TARGETS, IncidentRow, PlannedRow, SlaPolicy, SlaReport
from core.services.statistics import workbook
from reports.charts import availability_chart, response_chart
from reports.pdf import render_pdf

TARGET_NAMES = {**TARGETS, "database": "データベース(全体)"}


def when(moment: datetime | None) -> str:
    """`11/10 10:05` in Japan time, `—` when unknown."""
    if moment is None:
        return "—"
    local = moment.astimezone(TOKYO)
    return f"{local.month}/{local.day} {local:%H:%M}"


def minutes(value: float | None) -> str:
    """`60`, `12.5` or `—`."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def met_text(flag: bool | None) -> str:
    """達成 / 未達成, or — without a value or a target."""
    return {True: "達成", False: "未達成", None: "—"}[flag]


def treatment(row: IncidentRow | PlannedRow, policy: SlaPolicy) -> str:
    """How a stop counts in サービス稼働率 and why (the same words in the PDF, the XLSX and the console)."""
    if isinstance(row, IncidentRow):
        return "停止時間に含む(障害)"
    if row.notice_days is None:
        return "停止時間に含む(事前の告知なし)"
    notice = f"{minutes(row.notice_days)}日前に告知"
    if row.excluded:
        return f"除外({notice}、{policy.notice_days}日以上前)"
    return f"停止時間に含む({notice}、{policy.notice_days}日未満)"


def notify_text(row: IncidentRow) -> str:
    """`20分(1時間以内)`, `75分(超過)` or `未通知`: how soon the outage was notified."""
    if row.notify_minutes is None:
        return "未通知"
    return f"{minutes(row.notify_minutes)}分({'期限内' if row.notified_in_time else '超過'})"


def title(result: SlaReport) -> str:
    """`サービスレベル実施状況報告(2026年11月分)`."""
    return f"サービスレベル実施状況報告({result.month.year}年{result.month.month}月分)"


def period(result: SlaReport) -> str:
    """`2026年11月1日 0:00 〜 2026年12月1日 0:00(日本時間)`: the part of the month that was counted."""
    start, end = result.month, result.until.astimezone(TOKYO)
    until = f"{end.year}年{end.month}月{end.day}日 {end.hour}:{end:%M}"
    return f"{start.year}年{start.month}月1日 0:00 〜 {until}(日本時間)"


def file_name(result: SlaReport, fmt: str) -> str:
    """`サービスレベル実施状況報告_2026-11.pdf`."""
    return f"サービスレベル実施状況報告_{result.month:%Y-%m}.{fmt}"


def context(result: SlaReport, printed: datetime) -> dict[str, Any]:
    """What templates/sla.html shows."""
    charts = {}
    if result.days:
        charts["availability"] = _data_uri(availability_chart(result.days, result.policy))
    if result.requests:
        charts["response"] = _data_uri(response_chart(result.requests, result.policy))
    return {
        "title_ja": title(result),
        "report": result,
        "printed": printed,
        "period": period(result),
        "charts": charts,
        "when": when,
        "minutes": minutes,
        "met": met_text,
        "treatment": treatment,
        "targets": TARGET_NAMES,
        "kinds": KINDS,
        "not_available": NOT_AVAILABLE,
    }


def render(result: SlaReport, printed: datetime) -> bytes:
    """The report as PDF bytes."""
    return render_pdf("sla", context(result, printed))


def frames(result: SlaReport) -> dict[str, pd.DataFrame]:
    """The report's tables, one sheet each, for the XLSX."""
    figures = pd.DataFrame(
        [
            {
                "指標": f.name,
                "実績(%)": None if f.value is None else round(f.value, 6),
                "目標(%)": f.target,
                "達成": met_text(f.met),
                "計算式": f.formula,
                "入力値": " / ".join(f"{k}: {v}" for k, v in f.inputs),
            }
            for f in result.figures
        ]
    )
    sheets = {"指標": figures}
    sheets["日別稼働率"] = pd.DataFrame(
        [
            {"日": d.day.isoformat(), "予約サイト(%)": d.site, "窓口コンソール(%)": d.console}
            for d in result.days
        ]
    )
    if result.requests is not None:
        sheets["日別応答"] = pd.DataFrame(
            [
                {
                    "日": r.day.isoformat(),
                    "アプリ": TARGETS.get(r.app, r.app),
                    "リクエスト数": r.requests,
                    "3秒以内": r.within_3s,
                    "合計応答時間(ミリ秒)": r.total_ms,
                    "最大応答時間(ミリ秒)": r.max_ms,
                }
                for r in result.requests
            ]
        )
    if result.incidents is not None:
        sheets["障害"] = pd.DataFrame(
            [
                {
                    "番号": r.stop.id,
                    "対象": TARGET_NAMES.get(r.stop.target, r.stop.target),
                    "開始": when(r.stop.started_at),
                    "終了": when(r.stop.ended_at),
                    "月内の停止(分)": r.minutes_in_month,
                    "検知": when(r.stop.detected_at),
                    "通知": when(r.stop.notified_at),
                    "復旧": when(r.stop.recovered_at),
                    "検知から通知(分)": r.notify_minutes,
                    "1時間以内の通知": "はい" if r.notified_in_time else "いいえ",
                    "原因": r.stop.cause or "",
                    "対策": r.stop.remedy or "",
                }
                for r in result.incidents
            ]
        )
    if result.planned is not None:
        sheets["計画停止"] = pd.DataFrame(
            [
                {
                    "番号": r.stop.id,
                    "種別": KINDS.get(r.stop.kind, r.stop.kind),
                    "対象": TARGET_NAMES.get(r.stop.target, r.stop.target),
                    "開始": when(r.stop.started_at),
                    "終了": when(r.stop.ended_at),
                    "告知": when(r.stop.announced_at),
                    "告知期間(日)": r.notice_days,
                    "月内の時間(分)": r.minutes_in_month,
                    "停止時間から除外": "はい" if r.excluded else "いいえ",
                    "扱い": treatment(r, result.policy),
                }
                for r in result.planned
            ]
        )
    if result.backups_nights is not None:
        sheets["バックアップ"] = pd.DataFrame(
            [{"夜": d.isoformat(), "正常": "はい" if ok else "いいえ"} for d, ok in result.backups_nights]
        )
    if result.drills is not None:
        sheets["復元訓練"] = pd.DataFrame(
            [
                {
                    "開始": when(d.started_at),
                    "バックアップ": d.backup_name,
                    "結果": "成功" if d.ok else "失敗",
                }
                | {"RTO(秒)": d.rto_seconds}
                for d in result.drills
            ]
        )
    if result.chain_heads is not None:
        sheets["監査ログ"] = pd.DataFrame(
            [{"日": h.day.isoformat(), "連番": h.seq, "ハッシュ": h.hash} for h in result.chain_heads]
        )
    return sheets


def xlsx(result: SlaReport) -> bytes:
    """The report as XLSX (one sheet per table, no cell a spreadsheet would run)."""
    sheets = frames(result)
    missing = [name for name in ("障害", "日別応答", "バックアップ", "監査ログ") if name not in sheets]
    note = "計測データなし / not available: " + "、".join(missing) if missing else "全データあり"
    return workbook(sheets, title(result), f"{period(result)} {note}")
