"""Audit actions are shown to staff by their Japanese names."""

from __future__ import annotations

from core.domain.audit_actions import action_label_ja


def test_known_actions_have_japanese_names_and_unknown_ones_keep_their_code() -> None:
    assert action_label_ja("card_handover") == "カード交付"
    assert action_label_ja("card_read") == "カード読取"
    assert action_label_ja("something_new") == "something_new"
