"""Several hours in one readable schedule: "0 h, 10 h et 11 h" is three hours, not 0 h 10.

In French a list of hours reads "0 h, 10 h et 11 h"; the parser drops the commas, and used to
take the 10 after "0 h" for its minutes, then stumble on the lone "h".
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digests.schedule import Schedule, parse_schedule


@pytest.mark.parametrize(
    ("typed", "minute", "hours"),
    [
        ("chaque jour à 0 h, 10 h et 11 h", 0, (0, 10, 11)),
        ("chaque jour 0 h 10 h et 11 h", 0, (0, 10, 11)),
        ("chaque jour à 0 h 10, 10 h 10 et 11 h 10", 10, (0, 10, 11)),
        ("lundi 9 h 30", 30, (9,)),
        ("lundi 9h30", 30, (9,)),
        ("chaque jour 9 heures 30", 30, (9,)),
        ("chaque jour 9 h 30 et 10 h 30", 30, (9, 10)),
        ("le 1er et le 15 de chaque mois à 0 h, 10 h et 11 h", 0, (0, 10, 11)),
    ],
)
def test_hours_and_minutes_are_told_apart(typed: str, minute: int, hours: tuple[int, ...]) -> None:
    schedule = parse_schedule(typed)
    assert (schedule.minute, schedule.hours) == (minute, hours)


def test_the_reported_schedule_reads_back() -> None:
    schedule = Schedule(minute=0, hours=(0, 10, 11))
    assert schedule.describe("fr") == "chaque jour à 0 h, 10 h et 11 h"
    assert parse_schedule(schedule.describe("fr")) == schedule


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 59),
    st.sets(st.integers(0, 23), min_size=1, max_size=24),
    st.one_of(st.none(), st.sets(st.integers(0, 6), min_size=1, max_size=6)),
    st.sampled_from(["fr", "en"]),
)
def test_any_hours_read_back(
    minute: int, hours: set[int], weekdays: set[int] | None, language: str
) -> None:
    schedule = Schedule.make(minute, hours, weekdays=weekdays)
    assert parse_schedule(schedule.describe(language)) == schedule
