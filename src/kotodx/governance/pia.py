"""The threshold assessment (しきい値判断) of 特定個人情報保護評価指針 第5の2, as one pure function.

N persons in the file, H staff handling it, A a serious incident (重大事故) in the past year:
  N < 1,000                 → 評価不要 (none)
  1,000 ≤ N < 10,000        → 基礎項目評価
  10,000 ≤ N < 100,000      → 基礎＋重点 if H ≥ 500 or A, else 基礎
  100,000 ≤ N < 300,000     → 基礎＋全項目 if H ≥ 500 or A, else 基礎＋重点
  N ≥ 300,000               → 基礎＋全項目
"""

from __future__ import annotations

NONE, BASIC, FOCUSED, FULL = "none", "basic", "basic+focused", "basic+full"

NAMES = {
    NONE: "評価不要",
    BASIC: "基礎項目評価",
    FOCUSED: "基礎項目評価＋重点項目評価",
    FULL: "基礎項目評価＋全項目評価",
}


def level(persons: int, handlers: int, incident: bool) -> str:
    if isinstance(persons, bool) or isinstance(handlers, bool):
        raise TypeError("人数は整数で指定してください。")
    if persons < 0 or handlers < 0:
        raise ValueError("人数は0以上で指定してください。")
    heavy = handlers >= 500 or incident
    if persons < 1_000:
        return NONE
    if persons < 10_000:
        return BASIC
    if persons < 100_000:
        return FOCUSED if heavy else BASIC
    if persons < 300_000:
        return FULL if heavy else FOCUSED
    return FULL
