"""AWS schedule expressions (`cron(...)`, `rate(...)`) and the longest gap between two consecutive runs.

AWS cron has six fields: minutes, hours, day-of-month, month, day-of-week (1 = SUN ... 7 = SAT), year,
with `, - * / ?`, `L` and `W` in day-of-month, `L` and `#` in day-of-week, and month/day names.
Gaps are measured on the schedule's own clock (daylight-saving shifts of a schedule time zone are ignored).
A schedule restricted to some years stops for good and has no repeating interval (None).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

MINUTES_PER_DAY = 24 * 60
# two 28-year calendar cycles: every combination of weekday, month length and leap day occurs twice,
# so every gap of a repeating schedule occurs inside the window (2100 is not in it)
WINDOW = (date(2024, 1, 1), date(2079, 12, 31))
MONTHS = {name: i for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
NAMES: dict[str, dict[str, int]] = {"": {}, "month": MONTHS, "weekday": WEEKDAYS}
RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)", re.IGNORECASE)
CRON = re.compile(r"cron\((.*)\)", re.IGNORECASE | re.DOTALL)
UNIT_MINUTES = {"minute": 1, "hour": 60, "day": MINUTES_PER_DAY}


class ScheduleError(ValueError):
    """An expression that is not a valid AWS schedule expression."""


@dataclass(frozen=True)
class Cron:
    times: tuple[int, ...]  # minutes after midnight, sorted
    dom: tuple[str, ...]  # day-of-month parts, "*" for any
    months: frozenset[int]
    dow: tuple[str, ...]  # day-of-week parts, "*" for any
    every_year: bool

    def runs_on(self, day: date) -> bool:
        return (day.month in self.months and any(_dom_part(p, day) for p in self.dom)
                and any(_dow_part(p, day) for p in self.dow))


def _hours(minutes: float) -> float:
    hours = minutes / 60
    return int(hours) if hours.is_integer() else round(hours, 3)


# ---------------------------------------------------------------- parsing


def _number(token: str, lo: int, hi: int, names: str = "") -> int:
    key = token.upper()
    if key in NAMES[names]:
        return NAMES[names][key]
    if not token.isdigit():
        raise ScheduleError(f"bad value {token!r}")
    value = int(token)
    if not lo <= value <= hi:
        raise ScheduleError(f"value {value} outside {lo}-{hi}")
    return value


@cache
def _field(text: str, lo: int, hi: int, names: str = "") -> frozenset[int]:
    """A numeric field: lists of `*`, `?`, `n`, `a-b`, `a/step`, `*/step`, `a-b/step` (ranges may wrap)."""
    out: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text, 1, hi) if step_text else 1
        if base in ("*", "?"):
            start, end = lo, hi
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = _number(a, lo, hi, names), _number(b, lo, hi, names)
        else:
            start = _number(base, lo, hi, names)
            end = hi if step_text else start
        span = list(range(start, end + 1)) if start <= end else [*range(start, hi + 1), *range(lo, end + 1)]
        out.update(span[::step])
    return frozenset(out)


def _day_parts(text: str, pattern: str) -> tuple[str, ...]:
    """Day-of-month / day-of-week: `*`/`?` -> ("*",); special forms kept as text, checked by `pattern`."""
    if text in ("*", "?"):
        return ("*",)
    parts = tuple(text.upper().split(","))
    for part in parts:
        if not re.fullmatch(pattern, part):
            raise ScheduleError(f"bad day field {text!r}")
    return parts


DOM_PART = r"L|LW|\d{1,2}W|(\d{1,2}(-\d{1,2})?|\*)(/\d{1,2})?"
DOW_PART = r"L|[1-7A-Z]{1,3}L|[1-7A-Z]{1,3}#[1-5]|([1-7A-Z]{1,3}(-[1-7A-Z]{1,3})?|\*)(/\d)?"


@cache
def parse_cron(body: str) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleError(f"cron needs 6 fields, got {len(fields)}: {body!r}")
    minute, hour, dom, month, dow, year = fields
    times = sorted(h * 60 + m for h in _field(hour, 0, 23) for m in _field(minute, 0, 59))
    cron = Cron(tuple(times), _day_parts(dom, DOM_PART), _field(month, 1, 12, "month"),
                _day_parts(dow, DOW_PART), year in ("*", "?"))
    for part in cron.dom:  # validate numbers early, with a clear error
        if part not in ("*", "L", "LW") and not part.endswith("W"):
            _field(part, 1, 31)
    for part in cron.dow:
        if part != "*" and not part.endswith("L") and "#" not in part:
            _field(part, 1, 7, "weekday")
    return cron


def _dom_part(part: str, day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if part == "*":
        return True
    if part == "L":
        return day.day == last
    if part.endswith("W"):  # nearest weekday (Mon-Fri) to the given day, within the month
        target = last if part == "LW" else min(int(part[:-1]), last)
        wanted = date(day.year, day.month, target)
        if wanted.weekday() == 5:
            wanted = wanted - timedelta(days=1) if target > 1 else wanted + timedelta(days=2)
        elif wanted.weekday() == 6:
            wanted = wanted + timedelta(days=1) if target < last else wanted - timedelta(days=2)
        return day == wanted
    return day.day in _field(part, 1, 31)


def _aws_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1  # Monday 0 -> 2, Sunday 6 -> 1


def _dow_part(part: str, day: date) -> bool:
    if part == "*":
        return True
    weekday = _aws_weekday(day)
    if part == "L":  # last day of the week: Saturday
        return weekday == 7
    if part.endswith("L"):  # the last such weekday of the month
        return weekday == _number(part[:-1], 1, 7, "weekday") and day.day + 7 > calendar.monthrange(
            day.year, day.month)[1]
    if "#" in part:  # the n-th such weekday of the month
        name, nth = part.split("#")
        return weekday == _number(name, 1, 7, "weekday") and (day.day - 1) // 7 + 1 == int(nth)
    return weekday in _field(part, 1, 7, "weekday")


# ---------------------------------------------------------------- intervals


def _kind(expression: str) -> Cron | int | None:
    """A Cron, a rate in minutes, or None for a one-time `at(...)` expression."""
    text = expression.strip()
    if text.lower().startswith("at("):
        return None
    rate = RATE.fullmatch(text)
    if rate:
        value = int(rate.group(1))
        if value == 0:
            raise ScheduleError(f"rate of zero: {expression!r}")
        return value * UNIT_MINUTES[rate.group(2).lower().rstrip("s")]
    cron = CRON.fullmatch(text)
    if cron:
        return parse_cron(" ".join(cron.group(1).split()))
    raise ScheduleError(f"not a cron(), rate() or at() expression: {expression!r}")


@cache
def interval_hours(expression: str) -> float | None:
    """The longest time, in hours, between two consecutive runs of a schedule expression.

    `cron(0 5 ? * * *)` -> 24, `cron(0 5 ? * MON *)` -> 168, `rate(12 hours)` -> 12; None when the
    schedule does not repeat indefinitely (`at(...)`, a year-restricted cron). Raises ScheduleError.
    """
    return merged_interval_hours((expression,))


def merged_interval_hours(expressions: Sequence[str]) -> float | None:
    """The longest time between two consecutive runs of several schedules taken together.

    Crons are merged exactly. A rate's phase is not known, so with a rate the answer is the smallest
    single interval: an upper bound of the merged gap. None when no schedule repeats indefinitely.
    """
    crons: list[Cron] = []
    singles: list[int] = []
    for expression in expressions:
        kind = _kind(expression)
        if isinstance(kind, int):
            singles.append(kind)
        elif isinstance(kind, Cron) and kind.every_year:
            crons.append(kind)
    if singles:
        cron_gaps = [g for g in (_merged_cron_gap((c,)) for c in crons) if g is not None]
        return _hours(min(singles + cron_gaps))
    gap = _merged_cron_gap(tuple(crons)) if crons else None
    return None if gap is None else _hours(gap)


def _merged_cron_gap(crons: tuple[Cron, ...]) -> int | None:
    """Longest gap in minutes between consecutive runs of the union of crons, over the window."""
    previous: int | None = None  # absolute minute of the last run seen
    longest = 0
    day, end = WINDOW
    days: dict[tuple[bool, ...], tuple[int, int, int]] = {}  # which crons run -> (first, last, longest inside)
    while day <= end:
        key = tuple(c.runs_on(day) for c in crons)
        if any(key):
            if key not in days:
                times = sorted({t for c, on in zip(crons, key, strict=True) if on for t in c.times})
                inside = max((b - a for a, b in zip(times, times[1:], strict=False)), default=0)
                days[key] = (times[0], times[-1], inside)
            first, last, inside = days[key]
            base = day.toordinal() * MINUTES_PER_DAY
            longest = max(longest, inside, 0 if previous is None else base + first - previous)
            previous = base + last
        day += timedelta(days=1)
    return longest or None
