"""The real PC/SC stack for tests and benchmarks: pcscd with vsmartcard-vpcd, and a virtual card process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from reader.vpcd_card import VPCD_PORT

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
VIRTUAL_READER = "Virtual PCD 00 00"
ROOT = Path(__file__).resolve().parent.parent


def pcscd_binary() -> str | None:
    """Path of pcscd, if installed."""
    return shutil.which("pcscd") or next((p for p in ("/usr/sbin/pcscd",) if Path(p).exists()), None)


def missing_reason() -> str | None:
    """Why the stack cannot run here, or None when it can."""
    if pcscd_binary() is None:
        return "pcscd がありません / pcscd is not installed (Debian: pcscd)"
    if not VPCD_DRIVER.exists():
        return "vpcd がありません / vsmartcard-vpcd is not installed"
    return None


def require_stack() -> None:
    """Fail when the stack is missing where it must exist (root or CI); skip with the reason elsewhere."""
    reason = missing_reason()
    if reason is None:
        return
    if os.geteuid() == 0 or os.environ.get("CI"):
        pytest.fail(f"{reason}: run `bash scripts/debian-packages.sh test`")
    pytest.skip(f"{reason} (not root: cannot install it here)")


def pcscd_is_running() -> bool:
    """True when a pcscd answers on its socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(PCSCD_SOCKET))
        except OSError:
            return False
    return True


def _wait(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _vpcd_port_free() -> bool:
    """True when pcscd's vpcd driver could bind its port now.

    A pcscd stopped a moment ago (the previous pytest session, as in `make test-dates`) leaves the port in
    TIME_WAIT for up to a minute, and vpcd binds without SO_REUSEADDR: the new pcscd then logs "Address
    already in use" and never shows the reader. Binding the same way (any TIME_WAIT socket on the port
    refuses it, whichever address) tells whether that would happen.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", VPCD_PORT))
        except OSError:
            return False
    return True


def _virtual_readers() -> bool:
    from reader.errors import ReaderError
    from reader.pcsc import reader_names

    try:
        return VIRTUAL_READER in reader_names()
    except ReaderError:
        return False


@contextmanager
def pcscd_running() -> Iterator[None]:
    """A pcscd with vpcd: the one already running, else our own (`pcscd --foreground`), stopped afterwards."""
    if pcscd_is_running():
        _wait(_virtual_readers, 10, "vpcd readers")
        yield
        return
    binary = pcscd_binary()
    assert binary is not None
    _wait(_vpcd_port_free, 120, f"port {VPCD_PORT} to be free (a pcscd stopped just before)")
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        process = subprocess.Popen([binary, "--foreground"], stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                _wait(_virtual_readers, 15, "pcscd and its vpcd readers")
            except TimeoutError as error:
                log.seek(0)
                raise TimeoutError(f"{error}; pcscd said: {log.read()[-2000:]}") from error
            yield
        finally:
            process.terminate()
            process.wait(timeout=10)


def _card_present() -> bool:
    from reader.errors import ReaderError
    from reader.pcsc import PcscReader

    try:
        with PcscReader(VIRTUAL_READER).connect():
            return True
    except ReaderError:
        return False


@contextmanager
def virtual_card(
    config: dict[str, Any] | None = None, port: int = VPCD_PORT
) -> Iterator[subprocess.Popen[bytes]]:
    """A virtual card process (reader.vpcd_card) on vpcd's port, until the block ends."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(config or {}, handle, ensure_ascii=False)
    command = [sys.executable, "-m", "reader.vpcd_card", "--config", handle.name, "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            _wait(lambda: _card_present() or process.poll() is not None, 15, "the virtual card")
        except TimeoutError as error:
            holders = subprocess.run(["ss", "-tanp"], capture_output=True, text=True, check=False).stdout
            vpcd = "\n".join(line for line in holders.splitlines() if str(port) in line)
            raise TimeoutError(f"{error}; connections on {port}:\n{vpcd}") from error
        if process.poll() is not None:
            raise RuntimeError(
                f"virtual card exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
        Path(handle.name).unlink(missing_ok=True)
