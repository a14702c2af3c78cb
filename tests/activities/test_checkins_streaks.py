"""Streak arithmetic (federation/activities/checkin_streaks.py): examples, and properties over random series."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from federation.activities.checkin_streaks import (
    day_start, local_day, month_weeks, next_run_day, previous_run_day, runs_on, shift_month, streaks, window_end,
)

TUESDAY = date(2026, 12, 1)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def days_of(weekdays: str, start: date, count: int) -> list[date]:
    return [start + timedelta(days=n) for n in range(count) if runs_on(weekdays, start + timedelta(days=n))]


def test_a_tuesday_thursday_streak_is_not_broken_by_wednesday() -> None:
    run = days_of("13", TUESDAY, 15)  # Tue 1, Thu 3, Tue 8, Thu 10, Tue 15
    assert run == [date(2026, 12, d) for d in (1, 3, 8, 10, 15)]
    result = streaks(run, run)
    assert (result.current, result.longest, result.total) == (5, 5, 5)
    missed_one = [d for d in run if d != date(2026, 12, 8)]
    result = streaks(run, missed_one)
    assert (result.current, result.longest, result.total) == (2, 2, 4)


def test_an_open_day_not_checked_in_yet_does_not_break_the_current_streak() -> None:
    run = days_of("0123456", TUESDAY, 4)
    checked = run[:3]
    assert streaks(run, checked, open_day=run[-1]).current == 3
    assert streaks(run, checked).current == 0  # once the day closed, it is missed
    assert streaks(run, checked, open_day=run[1]).current == 0  # only the latest day can be open


def test_a_paused_week_has_no_run_days_and_breaks_nothing() -> None:
    run = [TUESDAY, TUESDAY + timedelta(days=1), TUESDAY + timedelta(days=9)]  # a pause in between
    assert streaks(run, run).current == 3


def test_calendar_helpers() -> None:
    assert next_run_day("13", TUESDAY) == date(2026, 12, 3)
    assert previous_run_day("13", TUESDAY) == date(2026, 11, 26)
    assert next_run_day("", TUESDAY) is None
    weeks = month_weeks(2026, 12)
    assert weeks[0][:1] == [None] and weeks[0][1] == TUESDAY and all(len(week) == 7 for week in weeks)
    assert shift_month(2026, 12, 1) == (2027, 1) and shift_month(2026, 1, -1) == (2025, 12)
    # Midnight in Amsterdam is 23:00 UTC the evening before (in winter).
    assert day_start(TUESDAY, AMSTERDAM) == datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)
    assert local_day(datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc), AMSTERDAM) == TUESDAY
    # Tuesday's check-ins stay open until Thursday starts; a daily series' until the next midnight.
    assert window_end(TUESDAY, "13", AMSTERDAM) == datetime(2026, 12, 2, 23, 0, tzinfo=timezone.utc)
    assert window_end(TUESDAY, "0123456", AMSTERDAM) == datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc)


weekday_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda s: "".join(str(d) for d in sorted(s)))


@settings(max_examples=200, deadline=None)
@given(weekdays=weekday_sets, length=st.integers(0, 60), data=st.data())
def test_streak_properties(weekdays: str, length: int, data: st.DataObject) -> None:
    every_day = [TUESDAY + timedelta(days=n) for n in range(length)]
    run = [day for day in every_day if runs_on(weekdays, day)]
    checked = data.draw(st.sets(st.sampled_from(run)) if run else st.just(set()))
    open_day = data.draw(st.sampled_from([None, run[-1]]) if run else st.just(None))
    result = streaks(run, checked, open_day)
    assert 0 <= result.current <= result.longest <= result.total == len(checked)
    # Non-run days never break a streak: the current streak is the number of trailing run days checked in on
    # (an open day not yet checked aside), however many days the series does not run lie between them.
    counted = run[:-1] if open_day is not None and open_day not in checked else run
    trailing = 0
    for day in reversed(counted):
        if day not in checked:
            break
        trailing += 1
    assert result.current == trailing
    if run:
        full = streaks(run, run, open_day)
        assert full.current == full.longest == full.total == len(run)
    # A check-in recorded on a day the series did not run (its days changed since) adds to the total only.
    non_run = [day for day in every_day if not runs_on(weekdays, day)]
    extra = data.draw(st.sets(st.sampled_from(non_run)) if non_run else st.just(set()))
    widened = streaks(run, checked | extra, open_day)
    assert (widened.current, widened.longest, widened.total) == (result.current, result.longest,
                                                                 result.total + len(extra))


@settings(max_examples=100, deadline=None)
@given(weekdays=weekday_sets, offset=st.integers(0, 400))
def test_next_and_previous_run_days_are_run_days(weekdays: str, offset: int) -> None:
    day = TUESDAY + timedelta(days=offset)
    following, preceding = next_run_day(weekdays, day), previous_run_day(weekdays, day)
    assert following is not None and preceding is not None
    assert runs_on(weekdays, following) and runs_on(weekdays, preceding)
    assert preceding < day < following
    assert not any(runs_on(weekdays, day + timedelta(days=n)) for n in range(1, (following - day).days))
