"""The card protocol against the software card: tries, refusal at 1 try, locks, BER, filler, 外字, removal."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest

from reader import apdu
from reader.errors import (
    CardRemoved,
    InvalidPin,
    NoCard,
    NotMyNumberCard,
    PinLocked,
    PinResetNeeded,
    WrongPin,
)
from reader.protocol import read_basic_four, read_tries_left
from reader.softcard import SAMPLE_INFO, SoftCard, SoftCardConfig
from reader.tlv import CardInfo

VERIFY_WITH_PIN = bytes([0x00, 0x20, 0x00, 0x80, 0x04])


def _card(**config: object) -> SoftCard:
    return SoftCard(SoftCardConfig(**config))  # type: ignore[arg-type]


def _pin_commands(card: SoftCard) -> list[bytes]:
    return [c for c in card.commands if c.startswith(VERIFY_WITH_PIN)]


def test_reads_the_basic_four_items_with_the_right_pin() -> None:
    card = _card()
    info = read_basic_four(card, "1234")
    assert info == SAMPLE_INFO
    assert info.as_json() == {
        "name": "藤沢\u3000花子",
        "address": "神奈川県藤沢市朝日町１番地１",
        "birth_date": "1985-04-12",
        "sex": "2",
    }


def test_follows_the_command_sequence_of_the_spec() -> None:
    card = _card()
    read_basic_four(card, "1234")
    assert card.commands[:5] == [
        bytes.fromhex("00A4040C0AD3921000310001010408"),
        bytes.fromhex("00A4020C020011"),
        bytes.fromhex("00200080"),
        bytes.fromhex("0020008004") + b"1234",
        bytes.fromhex("00A4020C020002"),
    ]
    assert all(c[1] == 0xB0 and c[4] <= 255 for c in card.commands[5:])


def test_wrong_pin_counts_the_tries_down() -> None:
    card = _card()
    with pytest.raises(WrongPin) as first:
        read_basic_four(card, "0000")
    assert first.value.tries_left == 2
    assert "残り 2 回" in first.value.message_ja
    with pytest.raises(WrongPin) as second:
        read_basic_four(card, "0000")
    assert second.value.tries_left == 1
    assert card.tries == 1


def test_refuses_to_send_the_pin_with_one_try_left() -> None:
    card = _card(tries=1)
    with pytest.raises(PinResetNeeded) as refused:
        read_basic_four(card, "1234")  # even the right PIN is not sent
    assert "暗証番号再設定" in refused.value.message_ja
    assert _pin_commands(card) == []
    assert card.tries == 1


def test_after_two_wrong_pins_the_next_read_is_refused_and_the_card_never_locks() -> None:
    card = _card()
    for _ in range(2):
        with pytest.raises(WrongPin):
            read_basic_four(card, "9999")
    for _ in range(3):
        with pytest.raises(PinResetNeeded):
            read_basic_four(card, "9999")
    assert card.tries == 1
    assert len(_pin_commands(card)) == 2


def test_a_right_pin_restores_the_tries() -> None:
    card = _card()
    with pytest.raises(WrongPin):
        read_basic_four(card, "1111")
    read_basic_four(card, "1234")
    assert read_tries_left(card) == 3


@pytest.mark.parametrize("locked_word", [0x6984, 0x6983, 0x63C0])
def test_a_locked_card_is_reported_as_locked(locked_word: int) -> None:
    card = _card(tries=0, locked_word=locked_word)
    with pytest.raises(PinLocked) as locked:
        read_basic_four(card, "1234")
    assert "ロック" in locked.value.message_ja
    assert _pin_commands(card) == []


def test_tries_left_can_be_asked_without_spending_one() -> None:
    card = _card(tries=2)
    assert read_tries_left(card) == 2
    assert read_tries_left(card) == 2
    assert _pin_commands(card) == []


@pytest.mark.parametrize("pin", ["123", "12345", "abcd", "１２３４", ""])
def test_a_malformed_pin_is_refused_before_anything_reaches_the_card(pin: str) -> None:
    card = _card()
    with pytest.raises(InvalidPin):
        read_basic_four(card, pin)
    assert card.commands == []
    assert card.tries == 3


def test_long_form_lengths_and_a_three_byte_address_length() -> None:
    long_address = (
        "神奈川県藤沢市鵠沼海岸七丁目１０番１５号　" + "湘南パークサイドレジデンス" * 12 + "１２０４号室"
    )
    info = CardInfo("湘南\u3000太郎", long_address, date(1970, 1, 31), "1")
    card = _card(info=info, long_form=True, address_length_bytes=2)
    ef = card.files[apdu.EF_BASIC_FOUR]
    assert ef[2] == 0x82  # the outer template uses `82 xx xx`
    assert len(long_address.encode()) > 255
    assert read_basic_four(card, "1234") == info
    reads = [c for c in card.commands if c[1] == 0xB0]
    assert len(reads) >= 3  # the header, then chunks of at most 255 bytes
    assert all(1 <= c[4] <= 255 for c in reads)


@pytest.mark.parametrize("filler", [b"", b"\xff" * 300, b"\x00" * 17])
def test_filler_after_the_template_is_ignored(filler: bytes) -> None:
    card = _card(filler=filler)
    assert read_basic_four(card, "1234") == SAMPLE_INFO


def test_sex_nine_is_returned_as_the_iso_code() -> None:
    info = CardInfo("山田\u3000光", "神奈川県藤沢市辻堂元町二丁目３番４号", date(2001, 2, 28), "9")
    read = read_basic_four(_card(info=info), "1234")
    assert read.sex == "9"
    assert read.sex_label == "適用不能"


def test_a_name_with_gaiji_is_kept_exactly() -> None:
    name = "\U00020bb7田\u3000\ue0a1子"  # 𠮷 (4-byte UTF-8) and a private-use 外字
    info = CardInfo(name, "神奈川県藤沢市本町１－２－３", date(1990, 12, 1), "2")
    read = read_basic_four(_card(info=info), "1234")
    assert read.name == name
    assert read.has_gaiji


def test_removal_mid_read_is_reported_as_card_removed() -> None:
    card = _card(remove_after=6)  # gone after the header read
    with pytest.raises(CardRemoved) as removed:
        read_basic_four(card, "1234")
    assert "外されました" in removed.value.message_ja


def test_no_card_on_the_reader() -> None:
    card = _card()
    card.present = False
    with pytest.raises(NoCard):
        read_basic_four(card, "1234")


def test_another_card_is_not_a_my_number_card() -> None:
    card = _card(is_mynumber=False)
    with pytest.raises(NotMyNumberCard):
        read_basic_four(card, "1234")
    assert _pin_commands(card) == []


def test_ef_0001_is_never_selected() -> None:
    cards = [_card(), _card(tries=1), _card(tries=0)]
    for card in cards:
        with contextlib.suppress(PinLocked, PinResetNeeded):
            read_basic_four(card, "1234")
        read_tries_left(_card())
        assert bytes([0x00, 0x01]) not in card.selected_files()
    assert cards[0].selected_files() == [b"\x00\x11", b"\x00\x02"]


def test_the_apdu_builder_refuses_to_select_ef_0001() -> None:
    with pytest.raises(apdu.ForbiddenFileError):
        apdu.select_file(0x0001)


def test_the_software_card_would_serve_ef_0001_so_the_guard_test_can_fail() -> None:
    card = _card()
    read_basic_four(card, "1234")
    _, status = card.transmit(bytes.fromhex("00A4020C020001"))  # sent raw, as a regression would
    assert status == apdu.SW_OK
    assert bytes([0x00, 0x01]) in card.selected_files()


def test_the_offsets_in_df21_point_at_the_items() -> None:
    ef = SoftCard().files[apdu.EF_BASIC_FOUR]
    offsets = [int.from_bytes(ef[6 + 2 * i : 8 + 2 * i], "big") for i in range(4)]
    assert [ef[o : o + 2] for o in offsets] == [b"\xdf\x22", b"\xdf\x23", b"\xdf\x24", b"\xdf\x25"]
