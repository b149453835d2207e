"""The PC/SC transport (pcscd through pyscard). This is the only module that imports pyscard."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from smartcard.CardConnection import CardConnection
from smartcard.Exceptions import CardConnectionException, NoCardException, SmartcardException
from smartcard.pcsc.PCSCExceptions import BaseSCardException
from smartcard.scard import (
    SCARD_E_NO_SMARTCARD,
    SCARD_S_SUCCESS,
    SCARD_W_REMOVED_CARD,
    SCARD_W_RESET_CARD,
    SCARD_W_UNPOWERED_CARD,
    SCardStatus,
)
from smartcard.System import readers as list_pcsc_readers

from reader.errors import CardRemoved, NoCard, NoReader, ReaderError

_REMOVED = {SCARD_W_REMOVED_CARD, SCARD_E_NO_SMARTCARD, SCARD_W_RESET_CARD, SCARD_W_UNPOWERED_CARD}
POLL_SECONDS = 0.2
REMOVAL_GRACE_SECONDS = 1.0


def _hresult(error: SmartcardException) -> int:
    value = int(getattr(error, "hresult", -1))
    return value + 0x100000000 if value < 0 else value


def reader_names() -> list[str]:
    """Names of the PC/SC readers connected now (NoReader when pcscd is not reachable)."""
    return [str(r) for r in list_pcsc_readers_checked()]


class PcscTransport:
    """One open connection to a card through pcscd."""

    def __init__(self, connection: CardConnection) -> None:
        self._connection = connection

    def transmit(self, command: bytes) -> tuple[bytes, int]:
        """Send one APDU; a card that left the reader becomes CardRemoved."""
        try:
            data, sw1, sw2 = self._connection.transmit(list(command))
        except CardConnectionException as error:
            if _hresult(error) in _REMOVED or not self._card_still_there():
                raise CardRemoved() from error
            raise ReaderError(
                "カードとの通信に失敗しました。カードを置き直してもう一度読み取ってください",
                f"communication with the card failed ({error}); replace the card and read again",
            ) from error
        return bytes(data), (sw1 << 8) | sw2

    def _card_still_there(self) -> bool:
        """After a failed command: is the card still on the reader? (Drivers may notice removal late.)"""
        handle = getattr(getattr(self._connection, "component", self._connection), "hcard", None)
        if handle is None:
            return True
        deadline = time.monotonic() + REMOVAL_GRACE_SECONDS
        while True:
            status = SCardStatus(handle)[0]
            if status != SCARD_S_SUCCESS:
                return False
            if time.monotonic() >= deadline:
                return True
            time.sleep(0.05)


@dataclass
class PcscReader:
    """A CardReader on PC/SC: the reader whose name contains `name` (else the first holding a card).

    `wait_seconds` is how long `connect` waits for a card to be placed before it says there is none.
    """

    name: str | None = None
    wait_seconds: float = 0.0

    def _pick(self) -> list[Any]:
        found = list_pcsc_readers_checked()
        if not found:
            raise NoReader()
        if self.name is None:
            return found
        matching = [r for r in found if self.name in str(r)]
        if not matching:
            names = ", ".join(str(r) for r in found)
            raise NoReader(
                f"(「{self.name}」に一致するリーダーがありません。接続中: {names})",
                f" (no reader matches '{self.name}'; connected: {names})",
            )
        return matching

    def _connect_any(self) -> CardConnection:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            for candidate in self._pick():
                connection = candidate.createConnection()
                try:
                    connection.connect()
                except (NoCardException, CardConnectionException):
                    continue
                return connection
            if time.monotonic() >= deadline:
                raise NoCard()
            time.sleep(POLL_SECONDS)

    @contextmanager
    def connect(self) -> Iterator[PcscTransport]:
        """Connect to the card; the card is powered down afterwards (its PIN state is gone)."""
        connection = self._connect_any()
        try:
            yield PcscTransport(connection)
        finally:
            with suppress(SmartcardException):  # the card was pulled out: nothing left to close
                connection.disconnect()
            connection.release()


def list_pcsc_readers_checked() -> list[Any]:
    """pyscard's reader objects (NoReader when pcscd is not reachable)."""
    try:
        return list(list_pcsc_readers())
    except (SmartcardException, BaseSCardException) as error:
        raise NoReader(
            "(PC/SC サービス pcscd に接続できません)", f" (cannot reach the PC/SC service pcscd: {error})"
        ) from error
