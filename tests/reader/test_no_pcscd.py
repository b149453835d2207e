"""Without a running pcscd the CLI says so (exit 5) instead of failing with a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.pcsc_stack import ROOT, pcscd_is_running


def test_no_pcsc_service_is_reported_as_no_reader() -> None:
    if pcscd_is_running():
        pytest.skip("a pcscd runs on this machine: the no-service case cannot be produced here")
    result = subprocess.run(
        [sys.executable, "-m", "mynadesk", "reader", "read", "--pin-stdin", "--json"],
        input="1234\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 5
    assert "カードリーダーが見つかりません" in result.stderr
    assert "pcscd" in result.stderr
    assert "Traceback" not in result.stderr
