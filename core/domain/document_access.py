"""Who may see which scanned sheets, and what staff key at the indexing desk (plain rules, no database).

文書担当 and 管理者 see every kind; 窓口 sees the forms of the counter, not その他の書類 (legacy boxes hold
anything, so those sheets go to the document staff only); 管理職, 統計 and 予約担当 see no images at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from core.domain.documents import DocumentError, DocumentKind, IndexEntry
from core.domain.roles import Role

COUNTER_KINDS = frozenset(DocumentKind) - {DocumentKind.OTHER}
KINDS_BY_ROLE: dict[Role, frozenset[DocumentKind]] = {
    Role.DOCUMENTS: frozenset(DocumentKind),
    Role.ADMIN: frozenset(DocumentKind),
    Role.COUNTER: COUNTER_KINDS,
}
DOCUMENT_ROLES = frozenset(KINDS_BY_ROLE)  # the roles that may open the document pages at all
FIELD_LABELS_JA = {
    "atena_no": "宛名番号",
    "kind": "書類の種類",
    "form_date": "日付",
    "notice_no": "交付通知書番号",
}
ATENA_PATTERN = re.compile(r"\d{1,15}")
NOTICE_PATTERN = re.compile(r"[0-9A-Z-]{1,40}")
DATE_PATTERN = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")


def kinds_for(roles: Iterable[Role]) -> frozenset[DocumentKind]:
    """The kinds someone with ROLES may search and see (empty: none)."""
    allowed: frozenset[DocumentKind] = frozenset()
    for role in roles:
        allowed |= KINDS_BY_ROLE.get(role, frozenset())
    return allowed


def normalise(text: str | None) -> str:
    """TEXT with full-width digits and letters made half-width, upper case, spaces trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def parse_date(text: str | None) -> date | None:
    """`2026-12-01`, `2026/12/1`, `2026年12月1日` or `20261201` as a date; None when empty or not a date."""
    match = DATE_PATTERN.fullmatch(normalise(text))
    if match is None:
        return None
    year, month, day = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_entry(
    atena_no: str | None,
    kind: str | None,
    form_date: str | None,
    notice_no: str | None,
    *,
    entered_by: str,
    allowed: frozenset[DocumentKind],
    today: date,
) -> IndexEntry:
    """One keying at the desk as an IndexEntry, or a DocumentError naming every field to fix."""
    atena, notice, problems = normalise(atena_no), normalise(notice_no), []
    if not ATENA_PATTERN.fullmatch(atena):
        problems.append(("宛名番号は数字(15桁まで)で入れてください", "the atena number is digits"))
    chosen = next((k for k in allowed if k.value == kind), None)
    if chosen is None:
        problems.append(("書類の種類を選んでください", "choose the kind of document"))
    day = parse_date(form_date)
    if day is None:
        problems.append(("日付は 2026-12-01 の形で入れてください", "the date reads like 2026-12-01"))
    elif day > today:
        problems.append((f"日付 {day} は今日より後です", f"the date {day} is after today"))
    if notice and not NOTICE_PATTERN.fullmatch(notice):
        problems.append(("交付通知書番号は英数字とハイフンです", "the notice number is letters, digits, -"))
    if problems or chosen is None or day is None:
        raise DocumentError("。".join(ja for ja, _ in problems), "; ".join(en for _, en in problems))
    return IndexEntry(atena, chosen, day, entered_by, notice or None)


def differences_ja(fields: Iterable[str]) -> str:
    """The fields two entries disagree on, as staff read them."""
    return "、".join(FIELD_LABELS_JA.get(f, f) for f in fields if f != "entered_by")
