"""Card items vs the register record: width, spaces, 丁目/番地 forms, 外字 and old kanji forms."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.identity import Match, PersonFace, compare_identity, normalise_address, normalise_name

BIRTH = date(1985, 4, 12)


def _register(**changes: object) -> PersonFace:
    values: dict[str, object] = {
        "name": "藤沢\u3000花子",
        "address": "神奈川県藤沢市朝日町1番地1",
        "birth_date": BIRTH,
        "sex": "2",
    }
    values.update(changes)
    return PersonFace(**values)  # type: ignore[arg-type]


def _card(**changes: object) -> PersonFace:
    values: dict[str, object] = {
        "name": "藤沢　花子",
        "address": "神奈川県藤沢市朝日町１番地１",
        "birth_date": BIRTH,
        "sex": "2",
    }
    values.update(changes)
    return PersonFace(**values)  # type: ignore[arg-type]


def _match(comparison: object, field: str) -> Match:
    return next(f.match for f in comparison.fields if f.field == field)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("card", "register"),
    [
        ("神奈川県藤沢市朝日町１番地１", "神奈川県藤沢市朝日町1番地1"),
        ("神奈川県藤沢市辻堂神台一丁目３番３９号", "神奈川県藤沢市辻堂神台1-3-39"),
        ("神奈川県藤沢市鵠沼海岸七丁目１０－１５", "神奈川県藤沢市鵠沼海岸7丁目10番15号"),
        ("神奈川県藤沢市本町二丁目１番地の２", "神奈川県 藤沢市 本町2-1-2"),
        ("神奈川県藤沢市湘南台十二丁目３ー４", "神奈川県藤沢市湘南台12－3－4"),
    ],
)
def test_address_forms_compare_equal(card: str, register: str) -> None:
    assert normalise_address(card) == normalise_address(register)


def test_place_names_with_numerals_are_not_turned_into_digits() -> None:
    assert normalise_address("神奈川県藤沢市六会日大前１番") == "神奈川県藤沢市六会日大前1"
    assert normalise_address("神奈川県藤沢市遠藤四ツ谷") == "神奈川県藤沢市遠藤四ツ谷"


def test_names_ignore_width_and_spaces() -> None:
    assert normalise_name("ﾌｼﾞｻﾜ　ﾊﾅｺ") == normalise_name("フジサワ ハナコ")
    assert normalise_name("藤沢　花子") == normalise_name("藤沢 花子")


def test_the_same_person_compares_same_everywhere() -> None:
    result = compare_identity(_card(), _register())
    assert result.differences == ()
    assert not result.face_change_needed
    assert result.same_person_likely


def test_a_moved_address_asks_for_a_face_change() -> None:
    result = compare_identity(_card(), _register(address="神奈川県藤沢市辻堂元町2丁目3番4号"))
    assert _match(result, "address") is Match.DIFFERENT
    assert result.face_change_needed
    assert result.same_person_likely
    assert [f.field for f in result.differences] == ["address"]


def test_a_register_address_with_its_building_matches_the_card_with_or_without_it() -> None:
    register = _register(address_extra="湘南ハイツ１０１")
    assert _match(
        compare_identity(_card(address="神奈川県藤沢市朝日町１番地１湘南ハイツ101"), register), "address"
    ) is (Match.SAME)
    assert _match(compare_identity(_card(), register), "address") is Match.SAME


def test_gaiji_is_never_same_but_asks_for_a_check_against_the_card_face() -> None:
    result = compare_identity(_card(name="\ue0a1田　花子"), _register(name="吉田　花子"))
    assert _match(result, "name") is Match.CHECK_GAIJI
    assert not result.face_change_needed


def test_old_kanji_forms_are_flagged_for_a_check() -> None:
    result = compare_identity(_card(name="髙橋　一郎"), _register(name="高橋　一郎"))
    assert _match(result, "name") is Match.CHECK_VARIANT
    assert not result.face_change_needed


def test_a_changed_name_asks_for_a_face_change() -> None:
    result = compare_identity(_card(name="鈴木　花子"), _register(name="藤沢　花子"))
    assert _match(result, "name") is Match.DIFFERENT
    assert result.face_change_needed


def test_a_different_birth_date_or_sex_means_maybe_another_person() -> None:
    assert not compare_identity(_card(birth_date=date(1985, 4, 13)), _register()).same_person_likely
    assert not compare_identity(_card(sex="1"), _register()).same_person_likely


def test_sex_is_shown_as_男_or_女_not_as_its_code() -> None:
    result = compare_identity(_card(sex="1"), _register())
    sex = next(f for f in result.fields if f.field == "sex")
    assert (sex.card, sex.register, sex.match) == ("男", "女", Match.DIFFERENT)
    same = next(f for f in compare_identity(_card(), _register()).fields if f.field == "sex")
    assert (same.card, same.register, same.match) == ("女", "女", Match.SAME)


def test_an_unknown_register_birth_date_is_unknown_not_different() -> None:
    result = compare_identity(_card(), _register(birth_date=None))
    assert _match(result, "birth_date") is Match.UNKNOWN
    assert result.same_person_likely
    assert Match.UNKNOWN.label_ja == "住民記録に値なし"


def test_require_same_person_refuses_a_different_birth_date_and_names_it() -> None:
    from core.domain.identity import NotThisPerson, require_same_person

    assert require_same_person(_card(), _register()).same_person_likely
    with pytest.raises(NotThisPerson) as refused:
        require_same_person(_card(sex="1"), _register())
    assert "性別(カード 男 / 住民記録 女)" in refused.value.message_ja
    assert "sex" in refused.value.message_en
