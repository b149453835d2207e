"""A virtual card process for the real PC/SC stack: a software card speaking vpcd's TCP framing.

vpcd (vsmartcard-vpcd, loaded by pcscd) listens on 127.0.0.1:35963; the card connects to it. Every message
is a 2-byte big-endian length and a payload: a 1-byte payload is a control code (0 power off, 1 power on,
2 reset, 4 send ATR), a longer one is a command APDU, answered with response data + SW.

Run: `python -m reader.vpcd_card --config card.json` (keys of SoftCardConfig; `info` as the 4 items' JSON).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from reader.errors import CardRemoved
from reader.softcard import SoftCard, SoftCardConfig
from reader.tlv import CardInfo

VPCD_PORT = 35963
ATR = bytes.fromhex("3BE000FF8131FE4514")  # the contact ATR seen on real My Number cards
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


def config_from_json(raw: dict[str, Any]) -> SoftCardConfig:
    """A SoftCardConfig from JSON: `info` {name, address, birth_date, sex}, `filler_hex`, and plain fields."""
    values = dict(raw)
    info = values.pop("info", None)
    if info is not None:
        values["info"] = CardInfo(
            info["name"], info["address"], date.fromisoformat(info["birth_date"]), info["sex"]
        )
    if "filler_hex" in values:
        values["filler"] = bytes.fromhex(values.pop("filler_hex"))
    return SoftCardConfig(**values)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        if hasattr(socket, "TCP_QUICKACK"):  # Linux resets it after each ACK: set it before every recv
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("vpcd closed the connection")
        data += chunk
    return bytes(data)


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(2, "big") + payload)


def answer(card: SoftCard, payload: bytes) -> bytes | None:
    """What the card sends back for one vpcd message (None: nothing to send)."""
    if len(payload) == 1:
        if payload[0] in (POWER_OFF, POWER_ON, RESET):
            card.reset()
            return None
        if payload[0] == GET_ATR:
            return ATR
        return None
    data, status = card.transmit(payload)
    return data + status.to_bytes(2, "big")


def connect(host: str, port: int, timeout: float) -> socket.socket:
    """Connect to vpcd, retrying until `timeout` seconds (pcscd may still be starting)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=2)
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
            continue
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def serve(card: SoftCard, host: str = "127.0.0.1", port: int = VPCD_PORT, timeout: float = 30.0) -> None:
    """Be the card until vpcd hangs up."""
    with connect(host, port, timeout) as sock:
        while True:
            try:
                size = int.from_bytes(_recv_exact(sock, 2), "big")
                payload = _recv_exact(sock, size)
            except ConnectionError:
                return
            try:
                reply = answer(card, payload)
            except CardRemoved:  # the software card was "pulled out": hang up, as a removed card does
                return
            if reply is not None:
                _send(sock, reply)


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m reader.vpcd_card [--config FILE] [--host H] [--port P]`."""
    parser = argparse.ArgumentParser(description="virtual My Number card for vpcd")
    parser.add_argument("--config", type=Path, help="JSON with SoftCardConfig fields")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=VPCD_PORT)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    config = SoftCardConfig()
    if args.config:
        config = config_from_json(json.loads(args.config.read_text(encoding="utf-8")))
    print("virtual card: connecting to vpcd", flush=True)
    serve(SoftCard(config), args.host, args.port, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
