"""Digest schedules: readable French and English, cron, fire times in Québec time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digests.schedule import (
    TIME_ZONE,
    Schedule,
    ScheduleError,
    format_fire_time,
    is_english_schedule,
    parse_schedule,
)

MONDAY_9 = Schedule.make(0, {9}, weekdays={0})


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lundi 9h", MONDAY_9),
        ("Lundi à 9 h", MONDAY_9),
        ("le lundi à 9h00", MONDAY_9),
        ("tous les lundis à 9 heures", MONDAY_9),
        ("every monday 9am", MONDAY_9),
        ("Mondays at 9:00", MONDAY_9),
        ("0 9 * * 1", MONDAY_9),
        ("0 9 * * mon", MONDAY_9),
        ("lundi a 9", MONDAY_9),
        ("chaque jour 8h30", Schedule.make(30, {8})),
        ("tous les jours à 8 h 30", Schedule.make(30, {8})),
        ("quotidien 8:30", Schedule.make(30, {8})),
        ("daily 8:30am", Schedule.make(30, {8})),
        ("tous les vendredis à 16 h", Schedule.make(0, {16}, weekdays={4})),
        ("every friday at 4pm", Schedule.make(0, {16}, weekdays={4})),
        ("en semaine 7h45", Schedule.make(45, {7}, weekdays={0, 1, 2, 3, 4})),
        ("du lundi au vendredi 7h45", Schedule.make(45, {7}, weekdays={0, 1, 2, 3, 4})),
        ("jours ouvrables 7 h 45", Schedule.make(45, {7}, weekdays={0, 1, 2, 3, 4})),
        ("lun-ven 7:45", Schedule.make(45, {7}, weekdays={0, 1, 2, 3, 4})),
        ("weekdays 7:45am", Schedule.make(45, {7}, weekdays={0, 1, 2, 3, 4})),
        ("30 7 * * 1-5", Schedule.make(30, {7}, weekdays={0, 1, 2, 3, 4})),
        ("la fin de semaine 10h", Schedule.make(0, {10}, weekdays={5, 6})),
        ("week-end 10h", Schedule.make(0, {10}, weekdays={5, 6})),
        ("weekends at 10am", Schedule.make(0, {10}, weekdays={5, 6})),
        ("0 10 * * 6,0", Schedule.make(0, {10}, weekdays={5, 6})),
        ("0 10 * * 6,7", Schedule.make(0, {10}, weekdays={5, 6})),
        ("lundi et jeudi à 9h", Schedule.make(0, {9}, weekdays={0, 3})),
        ("chaque jour 9h et 17h", Schedule.make(0, {9, 17})),
        ("lundi midi", Schedule.make(0, {12}, weekdays={0})),
        ("every sunday at noon", Schedule.make(0, {12}, weekdays={6})),
        ("samedi au lundi 10h", Schedule.make(0, {10}, weekdays={5, 6, 0})),
        ("le 1er de chaque mois à 9h", Schedule.make(0, {9}, monthdays={1})),
        ("le premier du mois 9h", Schedule.make(0, {9}, monthdays={1})),
        ("on the 1st of every month at 9am", Schedule.make(0, {9}, monthdays={1})),
        ("0 9 1,15 * *", Schedule.make(0, {9}, monthdays={1, 15})),
        ("0 9 * 1,7 *", Schedule.make(0, {9}, months={1, 7})),
        ("0 */6 * * *", Schedule.make(0, {0, 6, 12, 18})),
    ],
)
def test_readable_and_cron_schedules(typed: str, expected: Schedule) -> None:
    assert parse_schedule(typed) == expected


def test_cron_monday_is_monday_not_apscheduler_tuesday() -> None:
    # APScheduler 3's from_crontab numbers weekdays from Monday: "1" would be Tuesday.
    fire = parse_schedule("0 9 * * 1").next_fire(datetime(2025, 6, 1, tzinfo=TIME_ZONE))
    assert fire == datetime(2025, 6, 2, 9, 0, tzinfo=TIME_ZONE)
    assert fire.weekday() == 0


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "vide"),
        ("lundi", "Il manque l'heure"),
        ("9h", "Il manque le jour"),
        ("chaque semaine 9h", "Il manque le jour"),
        ("lundo 9h", "Vouliez-vous dire « lundi »"),
        ("25h lundi", "Heure impossible"),
        ("lundi 9h70", "Heure impossible"),
        ("lundi 9h 7", "Je ne comprends pas « 7 »"),
        ("13pm monday", "Heure impossible"),
        ("lundi 9h et 17h30", "mêmes minutes"),
        ("0 9 * *", "cinq champs"),
        ("* 9 * * 1", "la minute doit être un seul nombre"),
        ("0 9 1 * 1", "à la fois le jour du mois et le jour de la semaine"),
        ("0 25 * * *", "hors limites"),
        ("0 9 31 2 *", "ne tombe jamais"),
        ("le 15 à 9h", "jour du mois"),
        ("du lundi au 9h", "Intervalle"),
        ("lundi 9h quelquefois", "« quelquefois »"),
    ],
)
def test_bad_schedules_get_a_clear_french_message_with_examples(typed: str, says: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(typed)
    message = str(caught.value)
    assert says in message
    assert "Exemples : « lundi 9h », « chaque jour 8h30 »" in message
    assert "« 0 9 * * 1 »" in message
    assert "Examples:" in caught.value.english and "every monday 9am" in caught.value.english


def test_descriptions() -> None:
    assert MONDAY_9.describe() == "chaque lundi à 9 h"
    assert MONDAY_9.describe("en") == "every Monday at 9am"
    assert parse_schedule("en semaine 7h45").describe() == "en semaine à 7 h 45"
    assert parse_schedule("0 9 * 1,7 *").describe() == "selon l'horaire cron « 0 9 * 1,7 * »"
    assert parse_schedule("0 9 1 * *").describe("en") == "on the 1st of every month at 9am"
    assert MONDAY_9.to_cron() == "0 9 * * 1"
    assert parse_schedule("en semaine 7h45").to_cron() == "45 7 * * 1-5"
    assert is_english_schedule("every monday 9am") and not is_english_schedule("lundi 9h")
    fire = datetime(2025, 6, 9, 13, 0, tzinfo=UTC)
    assert format_fire_time(fire) == "lundi 9 juin 2025 à 9 h"
    assert format_fire_time(fire, "en") == "Monday, June 9, 2025 at 9am"


def test_previous_fire_and_period() -> None:
    at = datetime(2025, 6, 9, 9, 0, tzinfo=TIME_ZONE)
    assert MONDAY_9.previous_fire(at) == at  # at or before
    assert MONDAY_9.previous_fire(at - timedelta(seconds=1)) == at - timedelta(days=7)
    assert MONDAY_9.period_ending(at) == at - timedelta(days=7)
    assert MONDAY_9.next_fire(at) == at + timedelta(days=7)  # strictly after


def test_daylight_saving_changes() -> None:
    # Spring: 2:30 does not exist on 9 March 2025; the fire is still once that day.
    spring = parse_schedule("chaque jour 2h30")
    fires = _fires(spring, datetime(2025, 3, 8, 12, tzinfo=TIME_ZONE), 3)
    assert [fire.astimezone(TIME_ZONE).day for fire in fires] == [9, 10, 11]
    # Autumn: 1:30 happens twice on 2 November 2025; only the first counts.
    autumn = parse_schedule("chaque jour 1h30")
    fires = _fires(autumn, datetime(2025, 11, 1, 12, tzinfo=TIME_ZONE), 3)
    assert [fire.astimezone(TIME_ZONE).day for fire in fires] == [2, 3, 4]
    assert fires[0].utcoffset() == timedelta(hours=-4)
    # Monday 9:00 stays 9:00 local across the change (13:00 then 14:00 UTC).
    before = MONDAY_9.next_fire(datetime(2025, 10, 22, tzinfo=TIME_ZONE))
    after = MONDAY_9.next_fire(before)
    assert (before.astimezone(UTC).hour, after.astimezone(UTC).hour) == (13, 14)


def test_a_midnight_fire_after_the_spring_change_is_not_skipped() -> None:
    # APScheduler 3's CronTrigger jumps from 5 to 18 March 2024 here; the catch-up does not.
    monday_midnight = parse_schedule("lundi 0h")
    fire = monday_midnight.next_fire(datetime(2024, 3, 5, tzinfo=TIME_ZONE))
    assert fire == datetime(2024, 3, 11, 0, 0, tzinfo=TIME_ZONE)
    first_of_month = parse_schedule("le 1er de chaque mois à 0h")
    fire = first_of_month.next_fire(datetime(2024, 3, 2, tzinfo=UTC))
    assert fire == datetime(2024, 4, 1, 0, 0, tzinfo=TIME_ZONE)


def _fires(schedule: Schedule, start: datetime, count: int) -> list[datetime]:
    fires, moment = [], start
    for _ in range(count):
        moment = schedule.next_fire(moment)
        fires.append(moment)
    return fires


# --- properties --------------------------------------------------------------------------

hours = st.sets(st.integers(0, 23), min_size=1, max_size=3)
minutes = st.integers(0, 59)
weekdays = st.one_of(st.none(), st.sets(st.integers(0, 6), min_size=1, max_size=6))
monthdays = st.sets(st.integers(1, 28), min_size=1, max_size=3)


@st.composite
def readable_schedules(draw: st.DrawFn) -> Schedule:
    minute, chosen_hours = draw(minutes), draw(hours)
    if draw(st.booleans()):
        return Schedule.make(minute, chosen_hours, monthdays=draw(monthdays))
    return Schedule.make(minute, chosen_hours, weekdays=draw(weekdays))


@st.composite
def any_schedules(draw: st.DrawFn) -> Schedule:
    schedule = draw(readable_schedules())
    months = draw(st.one_of(st.none(), st.sets(st.integers(1, 12), min_size=1, max_size=11)))
    return Schedule.make(
        schedule.minute, schedule.hours, schedule.weekdays, schedule.monthdays, months
    )


moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@given(readable_schedules(), st.sampled_from(["fr", "en"]))
def test_a_description_reads_back_to_its_schedule(schedule: Schedule, language: str) -> None:
    assert parse_schedule(schedule.describe(language)) == schedule


@given(any_schedules())
def test_cron_reads_back_to_its_schedule(schedule: Schedule) -> None:
    assert parse_schedule(schedule.to_cron()) == schedule


@settings(max_examples=60, deadline=None)
@given(readable_schedules(), moments)
def test_fire_times_match_the_schedule_and_none_is_skipped(
    schedule: Schedule, moment: datetime
) -> None:
    following = schedule.next_fire(moment)
    assert following is not None and following > moment
    local = following.astimezone(TIME_ZONE)
    if local.dst() == (local + timedelta(hours=3)).dst():  # not on a DST change night
        assert (local.minute, local.hour in schedule.hours) == (schedule.minute, True)
    if schedule.weekdays is not None:
        assert local.weekday() in schedule.weekdays
    if schedule.monthdays is not None:
        assert local.day in schedule.monthdays
    previous = schedule.previous_fire(following - timedelta(seconds=1))
    assert previous is not None and previous <= moment  # nothing in between
    assert schedule.previous_fire(following) == following
    assert schedule.period_ending(following) == previous


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_anything_typed_is_a_schedule_or_a_schedule_error(text: str) -> None:
    try:
        schedule = parse_schedule(text)
    except ScheduleError as error:
        assert str(error).endswith(".") and "Exemples" in str(error)
    else:
        assert schedule.hours and 0 <= schedule.minute <= 59
