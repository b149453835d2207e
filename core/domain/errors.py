"""Errors raised by the domain rules: Japanese first, English beside it."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; carries the message in Japanese and English."""

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(message_ja, message_en)
        self.message_ja = message_ja
        self.message_en = message_en

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en}"


class InconsistentData(DomainError):  # noqa: N818 - named for what happened, like the other domain errors
    """Input dates or codes contradict each other: a data problem to fix at the source."""
