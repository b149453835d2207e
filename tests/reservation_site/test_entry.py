"""Birth dates and kana as residents type them; errors in the page's language only (real app, PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from reservation_site.form_errors import message
from tests.reservation_site import flow

ENGLISH_LEFTOVERS = ("The request was not valid", "This is required", "Field ", "Not a valid", 'class="en"')
JAPANESE_ERRORS = ("入力してください", "確かめてください", "ありません", "合いません", "日付です")


def _hold(client: FlaskClient, world: Engine, party: int = 1, english: bool = False) -> None:
    if english:
        client.get("/?lang=en")
    slot_id, day = flow.first_slot(world, free=party)
    assert flow.hold(client, slot_id, day, party=party).status_code == 302


def _errors_part(body: str) -> str:
    """The error summary and the messages under the fields (not hints or examples)."""
    found = re.findall(r'<div class="error-summary".*?</div>|<p class="error"[^>]*>.*?</p>', body, re.S)
    return "\n".join(found)


@pytest.mark.parametrize(
    "typed", ["昭和60年4月1日", "S60.4.1", "Ｓ６０．４．１", "１９８５年４月１日", "19850401", "1985/4/1"]
)
def test_birth_dates_typed_as_people_write_them_are_accepted(
    client: FlaskClient, world: Engine, typed: str
) -> None:
    _hold(client, world)
    assert flow.details(client, birth_date=typed).status_code == 302


def test_hiragana_furigana_becomes_katakana(client: FlaskClient, world: Engine) -> None:
    _hold(client, world)
    assert flow.details(client, name_kana="ふじさわ\u3000\u3000たろう").status_code == 302
    assert "フジサワ\u3000タロウ" in client.get("/confirm").get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-12-02", "今日より後の日付です"),  # the site's clock says 2026-12-01
        ("1899-12-31", "1900年1月1日以降の日付を入力してください"),
        ("2023年2月29日", "その日付はありません"),
        ("平成31年5月1日", "元号と年が合いません"),
        ("yesterday", "19641101 のように数字8桁で入力してください"),
    ],
)
def test_refused_birth_dates_say_what_to_fix_and_keep_what_was_typed(
    client: FlaskClient, world: Engine, typed: str, message: str
) -> None:
    _hold(client, world)
    page = flow.details(client, birth_date=typed)
    body = page.get_data(as_text=True)
    assert page.status_code == 400
    assert f"生年月日: {message}" in body  # the summary names the field
    assert f'value="{typed}"' in body
    assert 'aria-describedby="birth_date-hint birth_date-error"' in body


def test_the_birth_date_can_be_typed_on_a_numeric_keypad(client: FlaskClient, world: Engine) -> None:
    _hold(client, world)
    body = client.get("/details").get_data(as_text=True)
    field = re.search(r"<input[^>]*id=\"birth_date\"[^>]*>", body)
    assert field is not None
    assert 'inputmode="numeric"' in field[0]
    assert 'aria-describedby="birth_date-hint"' in field[0]
    assert "数字8桁で入力できます(例: 19641101)" in body


@pytest.mark.parametrize(
    "typed", ["1" * 10_000, "1985\x0004\x0001", "\x1b[31m1985-04-01", "1985-04-01\u202e"]
)
def test_hostile_birth_dates_are_refused_cleanly(client: FlaskClient, world: Engine, typed: str) -> None:
    _hold(client, world)
    page = flow.details(client, birth_date=typed)
    assert page.status_code == 400
    control = any(ord(ch) < 0x20 for ch in typed)  # said so first (issue 13, finding 16)
    advice = "入力できない文字(制御文字)" if control else "19641101 のように数字8桁で入力してください"
    assert f"生年月日: {advice}" in page.get_data(as_text=True)
    lookup = client.get("/lookup")
    refused = client.post(
        "/lookup", data={"csrf_token": flow.csrf(lookup), "booking_no": "ABCD-EFGH", "birth_date": typed}
    )
    assert refused.status_code == 400


def test_japanese_pages_show_japanese_errors_only_for_family_members_too(
    client: FlaskClient, world: Engine
) -> None:
    notice = flow.notice(client, [flow.FAMILY[0], ("", "平成31年5月1日")])
    notice_errors = _errors_part(notice.get_data(as_text=True))
    assert notice.status_code == 400
    assert "2人目 交付通知書の番号: 入力してください" in notice_errors
    assert "2人目 生年月日: 元号と年が合いません" in notice_errors
    assert 'href="#members-0-birth_date"' in notice_errors
    _hold(client, world, party=2)
    page = flow.details(client, name="あ" * 101, **{"members-0-name": ""})
    body = page.get_data(as_text=True)
    errors = _errors_part(body)
    assert page.status_code == 400
    assert "氏名: 100文字以内で入力してください" in errors
    assert "2人目 氏名: 入力してください" in errors
    for shown in (re.sub(r"<[^>]+>", "", errors), re.sub(r"<[^>]+>", "", notice_errors)):
        assert "members" not in shown
        assert not re.search(r"[A-Za-z]", shown)  # not a word of English in what the errors say
    for english in ENGLISH_LEFTOVERS:
        assert english not in body


def test_english_pages_show_english_errors_only(client: FlaskClient, world: Engine) -> None:
    client.get("/?lang=en")
    notice = flow.notice(client, [flow.FAMILY[0], ("", "1" * 500)])
    notice_errors = _errors_part(notice.get_data(as_text=True))
    assert "Person 2 Number on the pickup notice (交付通知書): This is required" in notice_errors
    assert "Person 2 Date of birth: Enter your date of birth as 8 digits" in notice_errors
    _hold(client, world, party=2, english=True)
    page = flow.details(client, birth_date="2023年2月29日", name_kana="fujisawa", **{"members-0-name": ""})
    body = page.get_data(as_text=True)
    errors = _errors_part(body)
    assert page.status_code == 400
    assert '<html lang="en">' in body
    assert "Date of birth: There is no such day" in errors
    assert "Person 2 Name: This is required" in errors
    for japanese in JAPANESE_ERRORS:
        assert japanese not in body + notice_errors


def test_a_librarys_own_english_message_becomes_advice_in_the_pages_language(app: Flask) -> None:
    with app.test_request_context("/"):
        assert message("Not a valid integer value.", "party_size") == "人数を選んでください"
        assert message("Field cannot be longer than 20 characters.") == "入力内容を確かめてください"
        assert message({"notice_no": ["required"]}) == "入力内容を確かめてください"
        assert message("too_long:20") == "20文字以内で入力してください"
    with app.test_request_context("/?lang=en"):
        assert message("Invalid Choice: could not coerce.", "slot_id") == "Please choose a time"
        assert message("required") == "This is required"


def test_control_characters_in_a_name_never_reach_the_database(client: FlaskClient, world: Engine) -> None:
    _hold(client, world)
    refused = flow.details(client, name="藤沢\x00太郎", phone="0466-25-1111\x07")
    assert refused.status_code == 400  # refused with what was typed kept (issue 13, finding 16)
    assert "氏名: 入力できない文字(制御文字)が含まれています" in refused.get_data(as_text=True)
    assert client.get("/confirm").status_code == 400  # nothing kept to book
    assert flow.details(client, name="藤沢 太郎", phone="0466-25-1111").status_code == 302
    assert flow.confirm(client).status_code == 302
