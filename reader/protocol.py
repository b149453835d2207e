"""Reading the basic 4 items (spec: mynumber-card-reader.md). Pure: talks to the card through a Transport.

Sequence: SELECT the 券面事項入力補助AP → SELECT EF 0011 → ask the tries left (refuse at 1) → VERIFY →
SELECT EF 0002 → READ BINARY the header, then the rest in chunks of at most 255 bytes.
EF 0001 is never selected.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from reader import apdu
from reader.errors import CardProtocolError, NotMyNumberCard, PinLocked, PinResetNeeded, WrongPin
from reader.tlv import MAX_HEADER, CardInfo, parse_basic_four, template_size

__all__ = ["CardInfo", "CardReader", "Transport", "read_basic_four", "read_tries_left"]

MAX_FILE = 0x7FFF


class Transport(Protocol):
    """A connection to one card: send a command APDU, get the response data and the status word."""

    def transmit(self, command: bytes) -> tuple[bytes, int]:
        """Send COMMAND; return (response data, SW1SW2)."""
        ...


class CardReader(Protocol):
    """Something that can connect to the card on a reader (PC/SC, or a software card in tests)."""

    def connect(self) -> AbstractContextManager[Transport]:
        """Connect to the card; raises NoReader or NoCard."""
        ...


def select_card_info_ap(transport: Transport) -> None:
    """SELECT the 券面事項入力補助AP; a card without it is not a My Number card."""
    _, status = transport.transmit(apdu.select_application())
    if status == apdu.SW_FILE_NOT_FOUND:
        raise NotMyNumberCard()
    if status != apdu.SW_OK:
        raise CardProtocolError("SELECT AP", status)


def _select(transport: Transport, file_id: int, step: str) -> None:
    _, status = transport.transmit(apdu.select_file(file_id))
    if status == apdu.SW_FILE_NOT_FOUND:
        raise NotMyNumberCard()
    if status != apdu.SW_OK:
        raise CardProtocolError(step, status)


def tries_left(transport: Transport) -> int:
    """Ask the PIN's remaining tries (EF 0011 must be selected) without spending one."""
    _, status = transport.transmit(apdu.verify_probe())
    if status in apdu.LOCKED_WORDS:
        raise PinLocked()
    left = apdu.tries_left(status)
    if left is None:
        raise CardProtocolError("VERIFY (残り回数 / tries)", status)
    return left


def verify_pin(transport: Transport, pin: str) -> None:
    """Check the tries, refuse with 1 left (so the card never locks here), then VERIFY."""
    command = apdu.verify(pin)  # raises InvalidPin before anything reaches the card
    left = tries_left(transport)
    if left == 1:
        raise PinResetNeeded()
    _, status = transport.transmit(command)
    del command
    if status == apdu.SW_OK:
        return
    if status in apdu.LOCKED_WORDS:
        raise PinLocked()
    remaining = apdu.tries_left(status)
    if remaining is None:
        raise CardProtocolError("VERIFY", status)
    raise WrongPin(remaining)


def read_file(transport: Transport) -> bytes:
    """READ BINARY the current EF: the header, then the rest of the FF20 template in ≤255-byte chunks."""
    header = _read_chunk(transport, 0, MAX_HEADER)
    total = template_size(header)
    if total > MAX_FILE:
        raise CardProtocolError("READ BINARY (長さ / length)", total)
    data = bytearray(header[:total])
    while len(data) < total:
        chunk = _read_chunk(transport, len(data), min(apdu.MAX_READ, total - len(data)))
        if not chunk:
            raise CardProtocolError("READ BINARY (途中終了 / short file)", apdu.SW_END_OF_FILE)
        data += chunk
    return bytes(data[:total])


def _read_chunk(transport: Transport, offset: int, length: int) -> bytes:
    data, status = transport.transmit(apdu.read_binary(offset, length))
    if status not in (apdu.SW_OK, apdu.SW_END_OF_FILE):
        raise CardProtocolError("READ BINARY", status)
    return data


def read_tries_left(reader: CardReader) -> int:
    """Connect and return the PIN's remaining tries (PinLocked when none): lets staff warn before asking."""
    with reader.connect() as transport:
        select_card_info_ap(transport)
        _select(transport, apdu.EF_PIN, "SELECT EF 0011")
        return tries_left(transport)


def read_with(transport: Transport, pin: str) -> CardInfo:
    """The full sequence on an open connection."""
    apdu.verify(pin)  # validate the PIN's form before the first APDU
    select_card_info_ap(transport)
    _select(transport, apdu.EF_PIN, "SELECT EF 0011")
    verify_pin(transport, pin)
    _select(transport, apdu.EF_BASIC_FOUR, "SELECT EF 0002")
    return parse_basic_four(read_file(transport))


def read_basic_four(reader: CardReader, pin: str) -> CardInfo:
    """Connect to the card on READER, verify PIN and return the basic 4 items."""
    with reader.connect() as transport:
        return read_with(transport, pin)
