"""Boolean settings from the environment: 0/1/true/false only; a typo is refused at start, named."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from kotodx.settings import env_bool


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("TRUE", True), (" True ", True), ("0", False), ("false", False)],
)
def test_the_four_words(monkeypatch, value, expected):
    monkeypatch.setenv("KOTODX_TEST_FLAG", value)
    assert env_bool("KOTODX_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_unset_or_empty_is_the_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("KOTODX_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("KOTODX_TEST_FLAG", value)
    assert env_bool("KOTODX_TEST_FLAG", default=True) is True
    assert env_bool("KOTODX_TEST_FLAG") is False


@pytest.mark.parametrize("value", ["yes", "on", "no", "off", "ture", "2", "y"])
def test_anything_else_is_refused_with_the_name(monkeypatch, value):
    monkeypatch.setenv("KOTODX_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured) as caught:
        env_bool("KOTODX_TEST_FLAG")
    assert "KOTODX_TEST_FLAG" in str(caught.value) and "真偽値ではありません" in str(caught.value)
