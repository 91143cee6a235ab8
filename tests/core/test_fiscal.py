import datetime as dt

import pytest

from kotodx.core.fiscal import FiscalYear, WarekiError, format_both, format_wareki, parse_date


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (dt.date(2024, 4, 1), "令和6年4月1日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
    ],
)
def test_format_wareki(d, text):
    assert format_wareki(d) == text


def test_format_both_shows_both_calendars():
    assert format_both(dt.date(2024, 4, 1)) == "2024年4月1日（令和6年4月1日）"


def test_fiscal_year_2024_is_reiwa_6():
    fy = FiscalYear(2024)
    assert fy.label == "令和6年度"
    assert fy.label_en == "FY2024"
    assert (fy.start, fy.end) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    assert dt.date(2025, 3, 31) in fy and dt.date(2025, 4, 1) not in fy


@pytest.mark.parametrize(
    ("d", "year"),
    [
        (dt.date(2024, 4, 1), 2024),
        (dt.date(2025, 3, 31), 2024),
        (dt.date(2024, 3, 31), 2023),
    ],
)
def test_fiscal_year_of_date(d, year):
    assert FiscalYear.of(d) == FiscalYear(year)


def test_fiscal_year_labels_across_era_changes():
    assert FiscalYear(2019).label == "令和元年度"  # as the government named FY2019
    assert FiscalYear(2018).label == "平成30年度"
    assert FiscalYear(1988).label == "昭和63年度"
    assert FiscalYear(1989).label == "平成元年度"
    assert FiscalYear(2020).label == "令和2年度"


@pytest.mark.parametrize(
    "text", ["2024", "2024年度", "FY2024", "fy2024", "令和6年度", "R6", "Ｒ６", "令和６年度"]
)
def test_fiscal_year_parse(text):
    assert FiscalYear.parse(text) == FiscalYear(2024)


def test_fiscal_year_parse_gannen_and_old_name():
    assert FiscalYear.parse("令和元年度") == FiscalYear(2019)
    assert FiscalYear.parse("平成31年度") == FiscalYear(2019)


@pytest.mark.parametrize("text", ["", "来年度", "令和0年度", "2024-25"])
def test_fiscal_year_parse_rejects(text):
    with pytest.raises(WarekiError):
        FiscalYear.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "2024-04-01",
        "2024/4/1",
        "2024.4.1",
        "2024年4月1日",
        "２０２４年４月１日",
        "令和6年4月1日",
        "令和６年４月１日",
        "R6.4.1",
        "r06/04/01",
        "R6-4-1",
        "令 和 6 年 4 月 1 日",
    ],
)
def test_parse_date_forms(text):
    assert parse_date(text) == dt.date(2024, 4, 1)


def test_parse_date_gannen():
    assert parse_date("令和元年5月1日") == dt.date(2019, 5, 1)
    assert parse_date("H31.4.30") == dt.date(2019, 4, 30)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("令和元年4月30日", "令和は"),  # before Reiwa began
        ("平成31年5月1日", "すでに令和"),  # after Heisei ended
        ("2024-02-30", "存在しない"),
        ("令和6年13月1日", "存在しない"),
        ("あした", "読めません"),
        ("", "入力されていません"),
    ],
)
def test_parse_date_errors_say_what_is_wrong(text, words):
    with pytest.raises(WarekiError, match=words):
        parse_date(text)
