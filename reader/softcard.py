"""A software My Number card: answers the 券面事項入力補助AP's APDUs like a real card (tests, demos).

It records every command it receives (`commands`), so tests can prove EF 0001 is never selected. It holds an
EF 0001 of its own (a dummy number) precisely so that selecting it would succeed and be seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from reader import apdu
from reader.errors import CardRemoved, NoCard
from reader.tlv import CardInfo, encode_basic_four

SAMPLE_INFO = CardInfo(
    name="藤沢\u3000花子", address="神奈川県藤沢市朝日町１番地１", birth_date=date(1985, 4, 12), sex="2"
)
MAX_TRIES = 3
SW_WRONG_LENGTH = 0x6700
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CONDITIONS = 0x6985


@dataclass
class SoftCardConfig:
    """What the software card holds and how it behaves."""

    info: CardInfo = SAMPLE_INFO
    pin: str = "1234"
    tries: int = MAX_TRIES
    filler: bytes = b"\xff" * 64
    long_form: bool = False
    address_length_bytes: int = 0
    locked_word: int = apdu.SW_REFERENCE_DATA_BLOCKED
    remove_after: int | None = None  # the card is pulled out after this many commands
    is_mynumber: bool = True
    ef0002: bytes | None = None  # raw file contents, overriding `info`


@dataclass
class SoftCard:
    """The card's state machine. `transmit` answers one command APDU with (data, SW)."""

    config: SoftCardConfig = field(default_factory=SoftCardConfig)
    commands: list[bytes] = field(default_factory=list)
    tries: int = MAX_TRIES
    present: bool = True
    _df: bool = False
    _ef: int | None = None
    _verified: bool = False

    def __post_init__(self) -> None:
        self.tries = self.config.tries
        self.files = {
            apdu.EF_BASIC_FOUR: self.config.ef0002
            or encode_basic_four(
                self.config.info,
                long_form=self.config.long_form,
                filler=self.config.filler,
                address_length_bytes=self.config.address_length_bytes,
            ),
            apdu.EF_INDIVIDUAL_NUMBER: b"\x04\x0c123456789018",  # never to be read by MynaDesk
            0x0003: b"\x30\x00",
            0x0005: b"\x00",
        }

    def reset(self) -> None:
        """Power cycle: the selection and the security state are lost, the tries are kept."""
        self._df = False
        self._ef = None
        self._verified = False

    @contextmanager
    def connect(self) -> Iterator[SoftCard]:
        """CardReader protocol: connect to this card (NoCard when it is not present)."""
        if not self.present:
            raise NoCard()
        self.reset()
        yield self

    def selected_files(self) -> list[bytes]:
        """The file ids of every SELECT EF received, as 2-byte strings."""
        return [c[5:7] for c in self.commands if c[:4] == bytes([0x00, 0xA4, 0x02, 0x0C])]

    def transmit(self, command: bytes) -> tuple[bytes, int]:
        """Transport protocol: answer one command APDU."""
        self.commands.append(bytes(command))
        if self.config.remove_after is not None and len(self.commands) > self.config.remove_after:
            self.present = False
        if not self.present:
            raise CardRemoved()
        if len(command) < 4 or command[0] != 0x00:
            return b"", SW_INS_NOT_SUPPORTED
        handler = {0xA4: self._select, 0x20: self._verify, 0xB0: self._read}.get(command[1])
        if handler is None:
            return b"", SW_INS_NOT_SUPPORTED
        return handler(command)

    def _select(self, command: bytes) -> tuple[bytes, int]:
        p1, lc = command[2], command[4] if len(command) > 4 else 0
        body = command[5 : 5 + lc]
        if p1 == 0x04:
            if self.config.is_mynumber and body == apdu.CARD_INFO_AID:
                self._df, self._ef, self._verified = True, None, False
                return b"", apdu.SW_OK
            return b"", apdu.SW_FILE_NOT_FOUND
        if p1 == 0x02 and len(body) == 2 and self._df:
            file_id = int.from_bytes(body, "big")
            if file_id == apdu.EF_PIN or file_id in self.files:
                self._ef = file_id
                return b"", apdu.SW_OK
        return b"", apdu.SW_FILE_NOT_FOUND

    def _verify(self, command: bytes) -> tuple[bytes, int]:
        if self._ef != apdu.EF_PIN:
            return b"", SW_CONDITIONS
        if self.tries == 0:
            return b"", self.config.locked_word
        if len(command) == 4:
            return b"", apdu.SW_TRIES_PREFIX | self.tries
        if command[4:5] != b"\x04" or len(command) != 9:
            return b"", SW_WRONG_LENGTH
        if command[5:9] == self.config.pin.encode("ascii"):
            self.tries = MAX_TRIES
            self._verified = True
            return b"", apdu.SW_OK
        self.tries -= 1
        return b"", apdu.SW_TRIES_PREFIX | self.tries

    def _read(self, command: bytes) -> tuple[bytes, int]:
        if self._ef is None or self._ef == apdu.EF_PIN:
            return b"", SW_CONDITIONS
        if not self._verified:
            return b"", apdu.SW_SECURITY_NOT_SATISFIED
        content = self.files[self._ef]
        offset = (command[2] << 8) | command[3]
        length = command[4] if len(command) > 4 and command[4] else 256
        if offset >= len(content):
            return b"", SW_WRONG_P1P2
        data = content[offset : offset + length]
        return data, apdu.SW_OK if len(data) == length else apdu.SW_END_OF_FILE
