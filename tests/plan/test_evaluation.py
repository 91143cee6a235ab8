from decimal import Decimal as D

import pytest

from kotodx.plan import evaluation as ev


@pytest.mark.parametrize(
    ("actual", "target", "direction", "percent", "grade"),
    [
        (D(100), D(100), "increase", D("100.0"), "A"),
        (D(80), D(100), "increase", D("80.0"), "B"),
        (D("79.9"), D(100), "increase", D("79.9"), "C"),
        (D(50), D(100), "increase", D("50.0"), "C"),
        (D(49), D(100), "increase", D("49.0"), "D"),
        (D(5), D(4), "decrease", D("80.0"), "B"),  # fewer is better: 4 ÷ 5
        (D(2), D(4), "decrease", D("200.0"), "A"),
        (D(0), D(3), "decrease", D("100.0"), "A"),  # no incidents at all meets the aim
        (D(3), D(0), "decrease", D("0.0"), "D"),  # target zero, three happened
        (D(5), D(0), "increase", None, "−"),  # ratio to a zero target means nothing
        (None, D(10), "increase", None, "−"),
        (D(10), None, "increase", None, "−"),
    ],
)
def test_achievement_and_grade(actual, target, direction, percent, grade):
    assert ev.achievement(actual, target, direction) == percent
    assert ev.grade(ev.achievement(actual, target, direction)) == grade


def test_mean_ignores_unmeasurable():
    assert ev.mean([D(100), None, D(50)]) == D("75.0")
    assert ev.mean([None]) is None


def test_roll_up():
    r = ev.roll_up(["A", "A", "B", "D", "−"])
    assert r.counts == {"A": 2, "B": 1, "C": 0, "D": 1, "−": 1}
    assert r.grade == "B"  # (4+4+3+1)/4 = 3.0
    assert ev.roll_up(["−"]).grade == "−"
    assert ev.roll_up(["A", "A", "A", "B"]).grade == "A"
