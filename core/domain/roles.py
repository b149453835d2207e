"""Staff roles of the console; the server checks them on every page and callback."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role a staff member can hold."""

    ADMIN = "admin"
    MANAGER = "manager"
    COUNTER = "counter"
    ANALYST = "analyst"
    BOOKING = "booking"
    DOCUMENTS = "documents"

    @property
    def label_ja(self) -> str:
        """The role's name on screens."""
        return _LABELS_JA[self]


_LABELS_JA = {
    Role.ADMIN: "管理者",
    Role.MANAGER: "管理職",
    Role.COUNTER: "窓口",
    Role.ANALYST: "統計",
    Role.BOOKING: "予約担当",
    Role.DOCUMENTS: "文書担当",
}
