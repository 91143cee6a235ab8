"""When a scheduled robot runs next: a cron expression in Japan time, skipping 祝日 (the ``holidays``
package's Japanese calendar) and the ward's year-end closure (12/29–1/3) when the robot asks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
from croniter import CroniterBadCronError, croniter

JST = ZoneInfo("Asia/Tokyo")


def check_cron(expr: str) -> str:
    """The expression if croniter reads it (5 fields), else ValueError in Japanese."""
    expr = " ".join(expr.split())
    if len(expr.split()) != 5:
        raise ValueError("cron は「分 時 日 月 曜日」の5つの欄で書いてください（例: 0 2 * * *）。")
    try:
        croniter(expr)
    except (CroniterBadCronError, ValueError, KeyError) as exc:
        raise ValueError(f"cron「{expr}」を読めません（{exc}）。") from None
    return expr


def is_closed(day: dt.date) -> bool:
    """A 祝日 or the year-end closure."""
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return True
    return day in holidays.country_holidays("JP", years=day.year)


def next_run(expr: str, after: dt.datetime, *, skip_holidays: bool) -> dt.datetime:
    it = croniter(expr, after.astimezone(JST))
    for _ in range(1000):
        candidate: dt.datetime = it.get_next(dt.datetime)
        if not (skip_holidays and is_closed(candidate.date())):
            return candidate
    raise ValueError("次の実行日が見つかりません。")
