"""End to end through the real PC/SC stack: pcscd + vpcd, a virtual card process, `mynadesk reader read`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.pcsc_stack import ROOT, VIRTUAL_READER, pcscd_running, require_stack, virtual_card

pytestmark = pytest.mark.pcsc

CARD = {
    "name": "辻堂\u3000\U00020bb7太郎",
    "address": "神奈川県藤沢市辻堂神台一丁目３番３９号　" + "テラスモール湘南レジデンス" * 8 + "１２０４号室",
    "birth_date": "1962-02-28",
    "sex": "1",
}


@pytest.fixture(scope="module")
def stack() -> Iterator[None]:
    require_stack()
    with pcscd_running():
        yield


def _read(pin: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "mynadesk", "reader", "read", "--pin-stdin", *extra],
        input=pin + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def _card(**config: Any) -> dict[str, Any]:
    return {"info": CARD, "long_form": True, **config}


@pytest.mark.usefixtures("stack")
def test_reader_read_json_returns_the_four_items_through_pcscd() -> None:
    with virtual_card(_card()):
        result = _read("1234", "--json", "--reader", VIRTUAL_READER)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == CARD


@pytest.mark.usefixtures("stack")
def test_reader_read_shows_a_table_for_staff() -> None:
    with virtual_card(_card()):
        result = _read("1234")
    assert result.returncode == 0, result.stderr
    assert "辻堂" in result.stdout
    assert "1962-02-28" in result.stdout
    assert "男" in result.stdout


@pytest.mark.usefixtures("stack")
def test_wrong_pin_exits_3_and_says_how_many_tries_are_left() -> None:
    with virtual_card(_card()):
        result = _read("9999", "--json")
    assert result.returncode == 3
    assert "残り 2 回" in result.stderr
    assert result.stdout == ""


@pytest.mark.usefixtures("stack")
def test_one_try_left_exits_4_without_sending_the_pin() -> None:
    with virtual_card(_card(tries=1)):
        result = _read("1234", "--json")
    assert result.returncode == 4
    assert "暗証番号再設定" in result.stderr


@pytest.mark.usefixtures("stack")
def test_locked_card_exits_4() -> None:
    with virtual_card(_card(tries=0)):
        result = _read("1234", "--json")
    assert result.returncode == 4
    assert "ロック" in result.stderr


@pytest.mark.usefixtures("stack")
def test_no_card_on_the_reader_exits_5() -> None:
    result = _read("1234", "--json", "--reader", VIRTUAL_READER)
    assert result.returncode == 5
    assert "カードが置かれていません" in result.stderr


@pytest.mark.usefixtures("stack")
def test_unknown_reader_name_exits_5_and_lists_the_readers() -> None:
    result = _read("1234", "--json", "--reader", "Sony RC-S380")
    assert result.returncode == 5
    assert VIRTUAL_READER in result.stderr


@pytest.mark.usefixtures("stack")
def test_card_pulled_out_mid_read_exits_5() -> None:
    with virtual_card(_card(remove_after=6)):
        result = _read("1234", "--json", "--reader", VIRTUAL_READER)
    assert result.returncode == 5
    assert "外されました" in result.stderr
