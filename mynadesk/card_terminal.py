"""Reading a card at a terminal's command line: the PIN prompt, the PC/SC read, text fit for a terminal.

Shared by `mynadesk reader …` and `mynadesk forms render --from-card`.
"""

from __future__ import annotations

import sys
import unicodedata

import typer

from reader.tlv import CardInfo


def read_pin(from_stdin: bool) -> str:
    """The PIN from stdin, or typed without echo."""
    if from_stdin:
        return sys.stdin.readline().strip()
    return str(typer.prompt("暗証番号(4桁) / PIN (4 digits)", hide_input=True))


def read_card(reader_name: str | None, pin: str, wait: float) -> CardInfo:
    """Read the card on the named (or first) PC/SC reader."""
    from reader.pcsc import PcscReader
    from reader.protocol import read_basic_four

    return read_basic_four(PcscReader(reader_name, wait_seconds=wait), pin)


def shown(text: str) -> str:
    """TEXT for a terminal: a private-use 外字 (invisible there) is shown as 〓."""
    return "".join("〓" if unicodedata.category(ch) == "Co" else ch for ch in text)
