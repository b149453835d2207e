"""Card-reading errors, worded for counter staff: Japanese first, English beside it.

Each error has a stable `code` (for the agent's JSON and the console) and the CLI's exit code.
"""

from __future__ import annotations

from typing import ClassVar

from core.domain.errors import DomainError

EXIT_WRONG_PIN = 3
EXIT_LOCKED = 4
EXIT_NO_CARD = 5
EXIT_NOT_MYNUMBER = 6
EXIT_OTHER = 1


class ReaderError(DomainError):
    """Reading the card failed; `code` names the reason for programs, the messages for people."""

    code: ClassVar[str] = "reader_error"
    exit_code: ClassVar[int] = EXIT_OTHER


class NoReader(ReaderError):  # noqa: N818 - named for the situation staff see
    """No PC/SC reader is connected (or the PC/SC service is not running)."""

    code = "no_reader"
    exit_code = EXIT_NO_CARD

    def __init__(self, detail_ja: str = "", detail_en: str = "") -> None:
        super().__init__(
            "カードリーダーが見つかりません。USB の接続を確認してください" + detail_ja,
            "no card reader found; check the USB connection" + detail_en,
        )


class NoCard(ReaderError):  # noqa: N818
    """A reader is there but no card sits on it."""

    code = "no_card"
    exit_code = EXIT_NO_CARD

    def __init__(self) -> None:
        super().__init__(
            "カードが置かれていません。カードをリーダーに置いてから、もう一度読み取ってください",
            "no card on the reader; place the card on the reader and read again",
        )


class CardRemoved(ReaderError):  # noqa: N818
    """The card left the reader while it was being read."""

    code = "card_removed"
    exit_code = EXIT_NO_CARD

    def __init__(self) -> None:
        super().__init__(
            "読取中にカードが外されました。カードを置いたまま、もう一度読み取ってください",
            "the card was removed during the read; leave it on the reader and read again",
        )


class NotMyNumberCard(ReaderError):  # noqa: N818
    """The card on the reader has no 券面事項入力補助AP."""

    code = "not_mynumber_card"
    exit_code = EXIT_NOT_MYNUMBER

    def __init__(self) -> None:
        super().__init__(
            "マイナンバーカードではありません。置かれたカードを確認してください",
            "this is not a My Number card; check the card on the reader",
        )


class InvalidPin(ReaderError):  # noqa: N818
    """The PIN typed is not 4 digits (nothing was sent to the card)."""

    code = "invalid_pin"
    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            "暗証番号は数字4桁です。入力し直してください(カードには送っていません)",
            "the PIN is 4 digits; type it again (nothing was sent to the card)",
        )


class WrongPin(ReaderError):  # noqa: N818
    """The card refused the PIN; `tries_left` more attempts remain."""

    code = "wrong_pin"
    exit_code = EXIT_WRONG_PIN

    def __init__(self, tries_left: int) -> None:
        advice_ja = "" if tries_left > 1 else "次に間違えるとロックされるため、読取はできません。"
        super().__init__(
            f"暗証番号が違います(残り {tries_left} 回)。{advice_ja}ご本人に確認してください",
            f"wrong PIN ({tries_left} tries left); ask the resident to check it",
        )
        self.tries_left = tries_left


class PinLocked(ReaderError):  # noqa: N818
    """The card's PIN is locked: only a 暗証番号再設定 at the counter unlocks it."""

    code = "pin_locked"
    exit_code = EXIT_LOCKED
    tries_left = 0

    def __init__(self) -> None:
        super().__init__(
            "暗証番号がロックされています。暗証番号再設定の手続をご案内ください",
            "the PIN is locked; the resident needs a PIN reset (暗証番号再設定)",
        )


class PinResetNeeded(ReaderError):  # noqa: N818
    """Only one try is left: MynaDesk refuses to send the PIN so the card never locks at our counter."""

    code = "pin_reset_needed"
    exit_code = EXIT_LOCKED
    tries_left = 1

    def __init__(self) -> None:
        super().__init__(
            "暗証番号の残り回数が1回のため、読み取りを中止しました(カードのロックを防ぐため)。"
            "暗証番号再設定の手続をご案内ください",
            "only 1 PIN try left: reading stopped so the card does not lock; the resident needs a PIN reset"
            " (暗証番号再設定)",
        )


class CardProtocolError(ReaderError):
    """The card answered in a way the protocol does not allow (a damaged or unknown card)."""

    code = "card_error"

    def __init__(self, step: str, status: int) -> None:
        super().__init__(
            f"カードが想定外の応答をしました({step}: {status:04X})。"
            "カードを置き直してもう一度読み取ってください",
            f"the card gave an unexpected answer ({step}: {status:04X}); replace the card and read again",
        )
        self.status = status


class CardDataError(ReaderError):
    """EF 0002 did not hold the basic 4 items in the expected form."""

    code = "card_data_error"

    def __init__(self, reason_ja: str, reason_en: str) -> None:
        super().__init__(
            f"カードの記録を読み取れませんでした: {reason_ja}",
            f"could not parse the card's data: {reason_en}",
        )
