"""Command APDUs for the 券面事項入力補助AP (ISO 7816-4, CLA 00) and the status words they answer with."""

from __future__ import annotations

from reader.errors import InvalidPin

# 券面事項入力補助AP (card info input support application)
CARD_INFO_AID = bytes.fromhex("D3921000310001010408")
EF_PIN = 0x0011
EF_BASIC_FOUR = 0x0002
# EF 0001 holds the 個人番号. MynaDesk never selects it: the builder below refuses to make that APDU.
EF_INDIVIDUAL_NUMBER = 0x0001
FORBIDDEN_FILES = frozenset({EF_INDIVIDUAL_NUMBER})

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # fewer bytes than asked: the end of the file was reached
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_AUTH_BLOCKED = 0x6983
SW_REFERENCE_DATA_BLOCKED = 0x6984
SW_FILE_NOT_FOUND = 0x6A82
SW_TRIES_MASK = 0xFFF0
SW_TRIES_PREFIX = 0x63C0
LOCKED_WORDS = frozenset({SW_AUTH_BLOCKED, SW_REFERENCE_DATA_BLOCKED, SW_TRIES_PREFIX})

MAX_READ = 255  # short Le; READ BINARY is done in chunks of at most this many bytes
PIN_LENGTH = 4


class ForbiddenFileError(RuntimeError):
    """A programming error: code tried to build an APDU that would select EF 0001 (the 個人番号)."""


def tries_left(status: int) -> int | None:
    """The remaining tries carried by a `63 Cx` status word, else None."""
    if status & SW_TRIES_MASK == SW_TRIES_PREFIX:
        return status & 0x000F
    return None


def select_application(aid: bytes = CARD_INFO_AID) -> bytes:
    """SELECT DF by name, no response data: `00 A4 04 0C Lc AID`."""
    return bytes([0x00, 0xA4, 0x04, 0x0C, len(aid)]) + aid


def select_file(file_id: int) -> bytes:
    """SELECT EF by identifier under the current DF: `00 A4 02 0C 02 <id>`; refuses EF 0001."""
    if file_id in FORBIDDEN_FILES:
        raise ForbiddenFileError("EF 0001 (個人番号) は選択しません / MynaDesk never selects EF 0001")
    if not 0 <= file_id <= 0xFFFF:
        raise ValueError(f"file id out of range: {file_id}")
    return bytes([0x00, 0xA4, 0x02, 0x0C, 0x02]) + file_id.to_bytes(2, "big")


def verify_probe() -> bytes:
    """VERIFY without data: asks the tries left without spending one (`00 20 00 80`)."""
    return bytes([0x00, 0x20, 0x00, 0x80])


def verify(pin: str) -> bytes:
    """VERIFY with the 4-digit PIN as ASCII: `00 20 00 80 04 <pin>`."""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise InvalidPin()
    return bytes([0x00, 0x20, 0x00, 0x80, PIN_LENGTH]) + pin.encode("ascii")


def read_binary(offset: int, length: int) -> bytes:
    """READ BINARY of the current EF: `00 B0 <offset hi> <offset lo> <Le>` (1..255 bytes, offset < 32768)."""
    if not 0 <= offset <= 0x7FFF:
        raise ValueError(f"offset out of range: {offset}")
    if not 1 <= length <= MAX_READ:
        raise ValueError(f"length out of range: {length}")
    return bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length])
