"""BER-TLV of EF 0002 (the basic 4 items): parse what the card holds, and encode it for software cards."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from reader.errors import CardDataError

TEMPLATE_TAG = 0xFF20
OFFSETS_TAG = 0xDF21
NAME_TAG = 0xDF22
ADDRESS_TAG = 0xDF23
BIRTH_TAG = 0xDF24
SEX_TAG = 0xDF25
SEX_CODES = {"0": "不明", "1": "男", "2": "女", "9": "適用不能"}  # ISO 5218
PADDING = frozenset({0x00, 0xFF})
MAX_HEADER = 6  # 2-byte tag + up to 4 length bytes


@dataclass(frozen=True)
class CardInfo:
    """The basic 4 items printed on the card's face, as the chip holds them."""

    name: str
    address: str
    birth_date: date
    sex: str  # ISO 5218 code: "1" male, "2" female, "9" not applicable

    @property
    def sex_label(self) -> str:
        """性別 as printed on the card."""
        return SEX_CODES.get(self.sex, self.sex)

    @property
    def has_gaiji(self) -> bool:
        """True when name or address hold a private-use character (外字)."""
        return any(unicodedata.category(ch) == "Co" for ch in self.name + self.address)

    def as_json(self) -> dict[str, str]:
        """The 4 items as the CLI and the agent return them."""
        return {
            "name": self.name,
            "address": self.address,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
        }


def _fail(reason_ja: str, reason_en: str) -> CardDataError:
    return CardDataError(reason_ja, reason_en)


def read_tag(data: bytes, pos: int) -> tuple[int, int]:
    """The tag at `pos` (multi-byte tags included) and the position after it."""
    if pos >= len(data):
        raise _fail("タグが途中で切れています", "truncated tag")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise _fail("タグが途中で切れています", "truncated tag")
            byte = data[pos]
            tag = (tag << 8) | byte
            pos += 1
            if not byte & 0x80:
                break
    return tag, pos


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """A BER length at `pos` (short form, or long form 81..84) and the position after it."""
    if pos >= len(data):
        raise _fail("長さが途中で切れています", "truncated length")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 4 or pos + 1 + count > len(data):
        raise _fail(f"長さの形式が不正です({first:02X})", f"bad BER length form {first:02X}")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def template_size(header: bytes) -> int:
    """Total bytes of the FF20 template (header + content) from the first bytes of EF 0002."""
    tag, pos = read_tag(header, 0)
    if tag != TEMPLATE_TAG:
        raise _fail(
            f"先頭のタグが FF20 ではありません({tag:X})", f"the file does not start with FF20 ({tag:X})"
        )
    length, pos = read_length(header, pos)
    return pos + length


def iter_tlv(content: bytes) -> dict[int, bytes]:
    """The TLVs inside a template, by tag; 00/FF bytes between them are padding."""
    items: dict[int, bytes] = {}
    pos = 0
    while pos < len(content):
        if content[pos] in PADDING:
            pos += 1
            continue
        tag, pos = read_tag(content, pos)
        length, pos = read_length(content, pos)
        if pos + length > len(content):
            raise _fail(f"項目 {tag:X} が途中で切れています", f"item {tag:X} is truncated")
        items[tag] = content[pos : pos + length]
        pos += length
    return items


def _text(items: dict[int, bytes], tag: int, what_ja: str, what_en: str) -> str:
    raw = items.get(tag)
    if raw is None:
        raise _fail(f"{what_ja}がありません", f"no {what_en}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _fail(f"{what_ja}の文字コードが不正です", f"{what_en} is not UTF-8") from error


def _birth_date(raw: str) -> date:
    try:
        if len(raw) != 8 or not raw.isdigit():
            raise ValueError(raw)
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError as error:
        raise _fail(f"生年月日が不正です({raw!r})", f"bad birth date {raw!r}") from error


def parse_basic_four(data: bytes) -> CardInfo:
    """Parse EF 0002: the FF20 template with DF22 name, DF23 address, DF24 birth date, DF25 sex."""
    tag, pos = read_tag(data, 0)
    if tag != TEMPLATE_TAG:
        raise _fail(
            f"先頭のタグが FF20 ではありません({tag:X})", f"the file does not start with FF20 ({tag:X})"
        )
    length, pos = read_length(data, pos)
    if pos + length > len(data):
        raise _fail("記録が途中で切れています", "the template is truncated")
    items = iter_tlv(data[pos : pos + length])
    sex = _text(items, SEX_TAG, "性別", "sex")
    if sex not in SEX_CODES:
        raise _fail(f"性別コードが不正です({sex!r})", f"bad sex code {sex!r}")
    return CardInfo(
        name=_text(items, NAME_TAG, "氏名", "name"),
        address=_text(items, ADDRESS_TAG, "住所", "address"),
        birth_date=_birth_date(_text(items, BIRTH_TAG, "生年月日", "birth date")),
        sex=sex,
    )


def encode_length(length: int, *, long_form: bool = False) -> bytes:
    """A BER length, in the shortest form unless `long_form` forces at least 81 xx."""
    if length < 0x80 and not long_form:
        return bytes([length])
    size = max(1, (length.bit_length() + 7) // 8)
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def encode_tlv(tag: int, value: bytes, *, long_form: bool = False) -> bytes:
    """One TLV with a 2-byte tag."""
    return tag.to_bytes(2, "big") + encode_length(len(value), long_form=long_form) + value


def encode_basic_four(
    info: CardInfo, *, long_form: bool = False, filler: bytes = b"", address_length_bytes: int = 0
) -> bytes:
    """EF 0002 as a card holds it (for software cards): DF21 offsets, the 4 items, then `filler`."""
    name = info.name.encode("utf-8")
    address = info.address.encode("utf-8")
    birth = info.birth_date.strftime("%Y%m%d").encode("ascii")
    sex = info.sex.encode("ascii")
    address_tlv = encode_tlv(ADDRESS_TAG, address, long_form=long_form)
    if address_length_bytes:  # force e.g. `82 00 2A`: a valid, if unusual, long-form length
        address_tlv = (
            ADDRESS_TAG.to_bytes(2, "big")
            + bytes([0x80 | address_length_bytes])
            + len(address).to_bytes(address_length_bytes, "big")
            + address
        )
    tlvs = [
        encode_tlv(NAME_TAG, name, long_form=long_form),
        address_tlv,
        encode_tlv(BIRTH_TAG, birth),
        encode_tlv(SEX_TAG, sex),
    ]
    content_length = 3 + 8 + sum(len(t) for t in tlvs)
    outer_header = TEMPLATE_TAG.to_bytes(2, "big") + encode_length(content_length, long_form=long_form)
    offsets, position = [], len(outer_header) + 3 + 8
    for item in tlvs:
        offsets.append(position)
        position += len(item)
    offsets_tlv = encode_tlv(OFFSETS_TAG, b"".join(o.to_bytes(2, "big") for o in offsets))
    return outer_header + offsets_tlv + b"".join(tlvs) + filler
