"""Digest schedules: what people type ("lundi 9h", "every monday 9am", "0 9 * * 1") and when
that fires, in Québec time.

    schedule = parse_schedule("tous les vendredis à 16 h")
    schedule.describe()            # "chaque vendredi à 16 h"
    schedule.to_cron()             # "0 16 * * 5"  (standard cron: 0 or 7 = Sunday)
    schedule.trigger()             # an APScheduler CronTrigger in America/Toronto
    schedule.next_fire(now)        # the first fire time strictly after `now`
    schedule.previous_fire(now)    # the last fire time at or before `now`

Readable schedules, French or English (accents, case and plurals do not matter):
- a day or several: "lundi 9h", "le lundi à 9 h", "lundi et jeudi 9h", "du mardi au jeudi 8h",
  "every monday 9am", "mondays and thursdays at 9:30";
- every day: "chaque jour 8h30", "tous les jours à 8 h 30", "quotidien 8h", "daily 8:30am";
- working days: "en semaine 7h45", "jours ouvrables 7h45", "weekdays 7:45am";
- the weekend: "la fin de semaine 10h", "week-end 10h", "weekends at 10am";
- a day of the month: "le 1er de chaque mois à 9h", "le 1er et le 15 du mois 9h",
  "on the 1st of every month at 9am";
- several times of day with the same minutes: "chaque jour 9h et 17h".
Times: "9h", "9 h 30", "09:30", "16 h", "9 heures", "midi", "minuit", "9am", "4:30pm", "noon".

Cron syntax, for those who want it: five fields, minute hour day-of-month month
day-of-week, with lists, ranges, steps and names ("0 9 * * 1", "30 7 * * mon-fri",
"0 9,17 1,15 * *"). The minute is one number (a digest goes out at most once an hour), and
the day of the month and the day of the week cannot both be restricted (cron would then
fire on either, which nobody means).

Anything else raises `ScheduleError`, a ValueError whose message is a French sentence saying
what is wrong, with examples (`.english` for English replies).

Fire times are computed here, day by day in Québec time (`next_fire`, `previous_fire`): of
the two occurrences of a local time repeated in autumn only the first counts, and a time
skipped in spring (2:30) fires at the same instant APScheduler gives it (3:30). The running
scheduler's jobs use `trigger()`, an APScheduler CronTrigger built with named weekdays
(APScheduler 3 numbers weekdays from Monday: `CronTrigger.from_crontab("0 9 * * 1")` would
fire on Tuesdays). APScheduler 3's CronTrigger also skips a midnight fire right after the
spring change (0 h on 11 March 2024 → 18 March); the scheduler's minute-by-minute catch-up
(bot/digests/scheduler.py), which uses the computation here, sends it anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from rapidfuzz import fuzz, process

from knowledge.folding import fold

TIME_ZONE = ZoneInfo("America/Toronto")  # Québec time

DAY_NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
DAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # also APScheduler's names
_CRON_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

EXAMPLES_FR = (
    "« lundi 9h », « chaque jour 8h30 », « tous les vendredis à 16 h », « en semaine 7h45 », "
    "« le 1er de chaque mois à 9h », ou la syntaxe cron « 0 9 * * 1 » (minute heure "
    "jour-du-mois mois jour-de-la-semaine : ici chaque lundi à 9 h)"
)
EXAMPLES_EN = (
    "“every monday 9am”, “daily 8:30am”, “every friday at 4pm”, “weekdays 7:45am”, "
    "“on the 1st of every month at 9am”, or cron syntax “0 9 * * 1” (minute hour "
    "day-of-month month day-of-week: here every Monday at 9am)"
)
# How far fire times are searched (four years and a bit: a 29 February fires).
_SEARCH_DAYS = 4 * 366 + 2


class ScheduleError(ValueError):
    """A schedule that cannot be read. str() is French, `.english` English; both end with
    examples of schedules that work."""

    def __init__(self, reason_fr: str, reason_en: str):
        self.reason = reason_fr
        self.reason_english = reason_en
        self.english = f"{reason_en} Examples: {EXAMPLES_EN}."
        super().__init__(f"{reason_fr} Exemples : {EXAMPLES_FR}.")

    def text(self, language: str = "fr") -> str:
        return self.english if language == "en" else str(self)


@dataclass(frozen=True)
class Schedule:
    """When a digest goes out, in Québec time. `weekdays`: 0 = Monday … 6 = Sunday, None for
    every day; `monthdays` (1-31) and `months` (1-12): None for all. Tuples are sorted and
    never name every value (that is None)."""

    minute: int
    hours: tuple[int, ...]
    weekdays: tuple[int, ...] | None = None
    monthdays: tuple[int, ...] | None = None
    months: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.minute <= 59:
            raise ValueError(f"minute out of range: {self.minute}")
        if not self.hours or any(not 0 <= hour <= 23 for hour in self.hours):
            raise ValueError(f"hours out of range: {self.hours}")
        for name, values, low, high in (
            ("weekdays", self.weekdays, 0, 6),
            ("monthdays", self.monthdays, 1, 31),
            ("months", self.months, 1, 12),
        ):
            if values is not None and (not values or any(not low <= v <= high for v in values)):
                raise ValueError(f"{name} out of range: {values}")
        if self.weekdays is not None and self.monthdays is not None:
            raise ValueError("weekdays and monthdays cannot both be restricted")

    @classmethod
    def make(
        cls,
        minute: int,
        hours: set[int] | tuple[int, ...],
        weekdays: set[int] | tuple[int, ...] | None = None,
        monthdays: set[int] | tuple[int, ...] | None = None,
        months: set[int] | tuple[int, ...] | None = None,
    ) -> Schedule:
        """A schedule in canonical form (sorted, "all values" as None)."""

        def canonical(values: set[int] | tuple[int, ...] | None, size: int) -> tuple | None:
            if values is None:
                return None
            unique = tuple(sorted(set(values)))
            return None if len(unique) == size else unique

        return cls(
            minute,
            tuple(sorted(set(hours))),
            canonical(weekdays, 7),
            canonical(monthdays, 31),
            canonical(months, 12),
        )

    # --- text ---------------------------------------------------------------------------

    def to_cron(self) -> str:
        """Standard five-field cron (day of week 0 = Sunday), with ranges where they fit."""
        weekdays = None
        if self.weekdays is not None:
            weekdays = tuple(sorted((day + 1) % 7 for day in self.weekdays))
        return " ".join(
            (
                str(self.minute),
                _cron_list(self.hours),
                _cron_list(self.monthdays) if self.monthdays else "*",
                _cron_list(self.months) if self.months else "*",
                _cron_list(weekdays) if weekdays is not None else "*",
            )
        )

    def describe(self, language: str = "fr") -> str:
        """How people say it: "chaque lundi à 9 h", "every Monday at 9am". Readable
        schedules read back to the same schedule (`parse_schedule(s.describe()) == s`);
        with months restricted (cron only), the cron text is quoted."""
        english = language == "en"
        if self.months is not None:
            cron = self.to_cron()
            return (
                f"on the cron schedule “{cron}”" if english else f"selon l'horaire cron « {cron} »"
            )
        times = _join(
            [
                _time_en(hour, self.minute) if english else _time_fr(hour, self.minute)
                for hour in self.hours
            ],
            "and" if english else "et",
        )
        if self.monthdays is not None:
            if english:
                days = _join([_ordinal_en(day) for day in self.monthdays], "and")
                return f"on the {days} of every month at {times}"
            days = _join([_ordinal_fr(day) for day in self.monthdays], "et le")
            return f"le {days} de chaque mois à {times}"
        if english:
            if self.weekdays is None:
                when = "every day"
            elif self.weekdays == (0, 1, 2, 3, 4):
                when = "weekdays"
            elif self.weekdays == (5, 6):
                when = "weekends"
            else:
                when = "every " + _join([DAY_NAMES_EN[day] for day in self.weekdays], "and")
            return f"{when} at {times}"
        if self.weekdays is None:
            when = "chaque jour"
        elif self.weekdays == (0, 1, 2, 3, 4):
            when = "en semaine"
        elif self.weekdays == (5, 6):
            when = "la fin de semaine"
        else:
            when = "chaque " + _join([DAY_NAMES_FR[day] for day in self.weekdays], "et")
        return f"{when} à {times}"

    # --- time -----------------------------------------------------------------------------

    def trigger(self, time_zone: ZoneInfo = TIME_ZONE) -> CronTrigger:
        """The APScheduler trigger (named weekdays: see the module's docstring)."""
        return CronTrigger(
            minute=str(self.minute),
            hour=",".join(str(hour) for hour in self.hours),
            day=",".join(str(day) for day in self.monthdays) if self.monthdays else "*",
            month=",".join(str(month) for month in self.months) if self.months else "*",
            day_of_week=(
                ",".join(_CRON_DAYS[day] for day in self.weekdays)
                if self.weekdays is not None
                else "*"
            ),
            timezone=time_zone,
        )

    def matches_day(self, day: date) -> bool:
        """Whether the schedule fires on this (local) calendar day."""
        return (
            (self.months is None or day.month in self.months)
            and (self.monthdays is None or day.day in self.monthdays)
            and (self.weekdays is None or day.weekday() in self.weekdays)
        )

    def _fires_on(self, day: date, time_zone: ZoneInfo) -> list[datetime]:
        """The day's fire times, earliest first. A local time that happens twice (autumn)
        is its first occurrence (fold 0); one that does not exist (spring) is read with the
        offset before the change (2:30 → 3:30), as APScheduler does."""
        if not self.matches_day(day):
            return []
        return [
            datetime(day.year, day.month, day.day, hour, self.minute, tzinfo=time_zone)
            for hour in self.hours
        ]

    def next_fire(self, after: datetime, time_zone: ZoneInfo = TIME_ZONE) -> datetime | None:
        """The first fire time strictly after `after` (an aware datetime), in `time_zone`;
        None when the schedule never fires (31 February)."""
        after_utc = after.astimezone(UTC)
        day = after.astimezone(time_zone).date() - timedelta(days=1)  # DST: a day of margin
        for _ in range(_SEARCH_DAYS):
            for fire in self._fires_on(day, time_zone):
                if fire.astimezone(UTC) > after_utc:
                    return fire
            day += timedelta(days=1)
        return None

    def previous_fire(self, at: datetime, time_zone: ZoneInfo = TIME_ZONE) -> datetime | None:
        """The last fire time at or before `at`; None when there is none in four years."""
        at_utc = at.astimezone(UTC)
        day = at.astimezone(time_zone).date() + timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            for fire in reversed(self._fires_on(day, time_zone)):
                if fire.astimezone(UTC) <= at_utc:
                    return fire
            day -= timedelta(days=1)
        return None

    def period_ending(self, fire: datetime, time_zone: ZoneInfo = TIME_ZONE) -> datetime:
        """The start of the period a fire time closes: the fire before it (a week before,
        for a weekly schedule)."""
        earlier = self.previous_fire(fire - timedelta(seconds=1), time_zone)
        return earlier if earlier is not None else fire - timedelta(days=7)


# --- parsing ----------------------------------------------------------------------------


def parse_schedule(text: str) -> Schedule:
    """The schedule a person typed (readable French or English, or cron). Raises
    ScheduleError with a French explanation and examples."""
    typed = " ".join((text or "").split())
    if not typed:
        raise ScheduleError("L'horaire est vide.", "The schedule is empty.")
    schedule = _parse_cron(typed) if _looks_like_cron(typed) else _parse_readable(typed)
    if schedule.next_fire(datetime(2024, 1, 1, tzinfo=UTC)) is None:
        raise ScheduleError(
            f"L'horaire « {typed} » ne tombe jamais (jour qui n'existe pas dans ces mois).",
            f"The schedule “{typed}” never happens (that day does not exist in those months).",
        )
    return schedule


def is_english_schedule(text: str) -> bool:
    """Whether a schedule is written in English (for the language of replies)."""
    words = set(re.findall(r"[a-z]+", fold(text)))
    return bool(words & _ENGLISH_WORDS)


_ENGLISH_WORDS = {
    "every",
    "each",
    "daily",
    "weekly",
    "monthly",
    "weekday",
    "weekdays",
    "weekend",
    "weekends",
    "am",
    "pm",
    "noon",
    "midnight",
    "at",
    "on",
    "the",
    "of",
    "month",
    "and",
    "day",
    "days",
    "first",
    "st",
    "nd",
    "rd",
    "th",
    *(name.lower() for name in DAY_NAMES_EN),
    *(name.lower() + "s" for name in DAY_NAMES_EN),
}


# readable ---------------------------------------------------------------------------------

_DAY_WORDS: dict[str, int] = {}
for _index, (_fr, _en) in enumerate(zip(DAY_NAMES_FR, DAY_NAMES_EN, strict=True)):
    for _word in (_fr, _fr + "s", _fr[:3], _en.lower(), _en.lower() + "s", _en.lower()[:3]):
        _DAY_WORDS[_word] = _index
_DAY_WORDS.update({"tues": 1, "thur": 3, "thurs": 3})

_FILLERS = {
    "chaque",
    "tous",
    "toutes",
    "tout",
    "les",
    "le",
    "la",
    "l",
    "a",
    "at",
    "on",
    "every",
    "each",
    "et",
    "and",
    "de",
    "du",
    "des",
    "d",
    "en",
    "the",
    "of",
    "s",
    "heure",
    "heures",
    "from",
    "in",
    "pour",
    "par",
}
_RANGE_WORDS = {"au", "a", "to", "through", "thru", "-", "until", "till"}
_ORDINAL = re.compile(r"^(\d{1,2})(?:er|re|e|eme|st|nd|rd|th)?$")

# Phrases rewritten to markers before reading words (on folded text).
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), marker)
    for pattern, marker in (
        (r"\bfins?\s+de\s+semaines?\b|\bweek\s*-?\s*ends?\b", " @wkend "),
        (
            r"\bjours?\s+(?:ouvrables?|ouvres?|de\s+(?:la\s+)?semaine)\b|\ben\s+semaine\b"
            r"|\bweek\s*-?\s*days?\b|\b(?:business|working)\s+days?\b",
            " @wkdays ",
        ),
        (
            r"\bchaque\s+jour\b|\btous\s+les\s+jours\b|\bquotidien\w*\b|\bdaily\b"
            r"|\bevery\s*day\b|\beach\s+day\b|\bjours?\b|\bdays?\b",
            " @daily ",
        ),
        (
            r"\bchaque\s+semaine\b|\btoutes\s+les\s+semaines\b|\bhebdomadaire\w*\b"
            r"|\bweekly\b|\bevery\s+week\b|\bsemaines?\b|\bweeks?\b",
            " @wkly ",
        ),
        (
            r"\bchaque\s+mois\b|\btous\s+les\s+mois\b|\bmensuel\w*\b|\bmonthly\b"
            r"|\bevery\s+month\b|\bmois\b|\bmonths?\b",
            " @mthly ",
        ),
        (r"\bpremier\b|\bfirst\b", " 1er "),
    )
)
_TIMES: tuple[re.Pattern[str], ...] = (
    # 4:30pm, 16:30, 9.30am
    re.compile(r"(?<![\d:.])(\d{1,2})[:.](\d{2})\s*(a\.?m\.?|p\.?m\.?)?(?![\d])"),
    # 9h, 9 h 30, 16h00, 9 heures; in "0 h 10 h" (a list of hours, its commas already gone)
    # the 10 is the next hour, not minutes: minutes are never followed by "h"
    re.compile(
        r"(?<![\d:.])(\d{1,2})\s*(?:h|heures?)"
        r"(?:\s*(\d{2})(?!\d|\s*(?:h|heures?)(?!\w)))?(?![\w])"
    ),
    # 9am, 4 pm
    re.compile(r"(?<![\d:.])(\d{1,2})\s*(a\.?m\.?|p\.?m\.?)(?![\w])"),
)
_NAMED_TIMES = {"midi": 12, "noon": 12, "minuit": 0, "midnight": 0}
_BARE_HOUR = re.compile(r"\b(?:a|at)\s+(\d{1,2})(?![\d:.\w])")


def _parse_readable(typed: str) -> Schedule:
    text = fold(typed)
    text = re.sub(r"[,;/+]", " ", text)
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " - ", text)  # lun-ven, monday-friday
    times, text = _extract_times(text, typed)
    for pattern, marker in _PHRASES:
        text = pattern.sub(marker, text)
    if not times:
        bare = list(_BARE_HOUR.finditer(text))
        if bare:
            times = [_checked_time(int(bare[-1].group(1)), 0, None, typed)]
            text = _BARE_HOUR.sub(" ", text)
    words = text.split()
    markers = {word for word in words if word.startswith("@")}
    weekdays: set[int] = set()
    monthdays: set[int] = set()
    previous_day: int | None = None
    pending_range = False
    for position, word in enumerate(words):
        if word.startswith("@"):
            continue
        if word in _DAY_WORDS:
            day = _DAY_WORDS[word]
            if pending_range and previous_day is not None:
                weekdays.update(_day_range(previous_day, day))
            weekdays.add(day)
            previous_day, pending_range = day, False
            continue
        following = words[position + 1] if position + 1 < len(words) else ""
        if word in _RANGE_WORDS and previous_day is not None:
            if following in _DAY_WORDS:
                pending_range = True  # "du lundi au vendredi", "mon-fri", "monday to friday"
                continue
            if word != "a":  # "à" is also the "at" of "lundi à 9h"
                pending_range = True
                break
        ordinal = _ORDINAL.match(word)
        if ordinal:
            day_number = int(ordinal.group(1))
            if "@mthly" not in markers:
                raise ScheduleError(
                    f"Je ne comprends pas « {word} » dans « {typed} » : pour un jour du mois, "
                    "écrivez par exemple « le 15 de chaque mois à 9h » ; pour l'heure, « 9h ».",
                    f"I do not understand “{word}” in “{typed}”: for a day of the month, write "
                    "e.g. “on the 15th of every month at 9am”; for a time, “9am”.",
                )
            if not 1 <= day_number <= 31:
                raise ScheduleError(
                    f"Jour du mois impossible : « {word} » (de 1 à 31).",
                    f"Impossible day of the month: “{word}” (1 to 31).",
                )
            monthdays.add(day_number)
            continue
        if word in _FILLERS or word in _RANGE_WORDS:
            continue
        raise _unknown_word(word, typed)
    if pending_range:
        raise ScheduleError(
            f"Intervalle de jours incomplet dans « {typed} » (ex. « du lundi au vendredi 9h »).",
            f"Incomplete range of days in “{typed}” (e.g. “monday to friday 9am”).",
        )
    if "@wkdays" in markers:
        weekdays.update(range(5))
    if "@wkend" in markers:
        weekdays.update((5, 6))
    every_day = "@daily" in markers
    if not times:
        raise ScheduleError(
            f"Il manque l'heure dans « {typed} » (ex. « lundi 9h », « lundi à 9 h 30 »).",
            f"The time is missing in “{typed}” (e.g. “monday 9am”, “monday at 9:30am”).",
        )
    minutes = {minute for _, minute in times}
    if len(minutes) > 1:
        raise ScheduleError(
            f"Les heures de « {typed} » n'ont pas les mêmes minutes : un horaire peut donner "
            "plusieurs heures si leurs minutes sont égales (ex. « chaque jour 9h et 17h »).",
            f"The times in “{typed}” do not share their minutes: a schedule may give several "
            "times when their minutes are equal (e.g. “every day at 9am and 5pm”).",
        )
    hours = {hour for hour, _ in times}
    minute = minutes.pop()
    if monthdays:
        if weekdays:
            raise ScheduleError(
                f"« {typed} » donne à la fois un jour de la semaine et un jour du mois : "
                "choisissez l'un ou l'autre.",
                f"“{typed}” gives both a day of the week and a day of the month: choose one.",
            )
        return Schedule.make(minute, hours, monthdays=monthdays)
    if "@mthly" in markers:
        raise ScheduleError(
            f"Il manque le jour du mois dans « {typed} » (ex. « le 1er de chaque mois à 9h »).",
            f"The day of the month is missing in “{typed}” (e.g. “on the 1st of every month "
            "at 9am”).",
        )
    if weekdays:
        return Schedule.make(minute, hours, weekdays=weekdays)
    if every_day:
        return Schedule.make(minute, hours)
    raise ScheduleError(
        f"Il manque le jour dans « {typed} » : un jour (« lundi 9h »), « chaque jour », "
        "« en semaine » ou « la fin de semaine ».",
        f"The day is missing in “{typed}”: a day (“monday 9am”), “every day”, “weekdays” "
        "or “weekends”.",
    )


def _extract_times(text: str, typed: str) -> tuple[list[tuple[int, int]], str]:
    """The times of day in a folded text (in order) and the text without them."""
    found: list[tuple[int, tuple[int, int]]] = []
    for pattern, kind in zip(_TIMES, ("colon", "h", "ampm"), strict=True):
        for match in pattern.finditer(text):
            hour = int(match.group(1))
            if kind == "colon":
                minute, suffix = int(match.group(2)), match.group(3)
            elif kind == "h":
                minute, suffix = int(match.group(2) or 0), None
            else:
                minute, suffix = 0, match.group(2)
            found.append((match.start(), _checked_time(hour, minute, suffix, typed)))
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    for word, hour in _NAMED_TIMES.items():
        for match in re.finditer(rf"\b{word}\b", text):
            found.append((match.start(), (hour, 0)))
        text = re.sub(rf"\b{word}\b", " ", text)
    found.sort()
    return [time for _, time in found], text


def _checked_time(hour: int, minute: int, suffix: str | None, typed: str) -> tuple[int, int]:
    if suffix:
        if not 1 <= hour <= 12:
            raise ScheduleError(
                f"Heure impossible dans « {typed} » : {hour} {suffix} (de 1 à 12 avec am/pm).",
                f"Impossible time in “{typed}”: {hour} {suffix} (1 to 12 with am/pm).",
            )
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        raise ScheduleError(
            f"Heure impossible dans « {typed} » : {hour} h {minute:02d} (de 0 h à 23 h 59).",
            f"Impossible time in “{typed}”: {hour}:{minute:02d} (0:00 to 23:59).",
        )
    return hour, minute


def _day_range(first: int, last: int) -> list[int]:
    """Days from `first` to `last` included, wrapping past Sunday (samedi au lundi)."""
    days = [first]
    while days[-1] != last:
        days.append((days[-1] + 1) % 7)
    return days


def _unknown_word(word: str, typed: str) -> ScheduleError:
    candidates = [*DAY_NAMES_FR, *(name.lower() for name in DAY_NAMES_EN), "semaine", "jour"]
    best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=70)
    hint_fr = f" Vouliez-vous dire « {best[0]} » ?" if best else ""
    hint_en = f" Did you mean “{best[0]}”?" if best else ""
    return ScheduleError(
        f"Je ne comprends pas « {word} » dans l'horaire « {typed} ».{hint_fr}",
        f"I do not understand “{word}” in the schedule “{typed}”.{hint_en}",
    )


# cron -------------------------------------------------------------------------------------

_CRON_FIELD = re.compile(r"^[\d*/,\-]+$")
_CRON_NAMED = re.compile(r"^[\w*/,\-]+$")


def _looks_like_cron(typed: str) -> bool:
    """Two numeric fields first, then cron-like fields: "0 9 * * 1", "30 7 * * mon-fri"."""
    fields = typed.split()
    return (
        len(fields) >= 2
        and all(_CRON_FIELD.match(field) for field in fields[:2])
        and all(_CRON_NAMED.match(field) for field in fields)
        and (len(fields) >= 5 or any("*" in field for field in fields))
    )


def _parse_cron(typed: str) -> Schedule:
    fields = typed.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"Une expression cron a cinq champs (minute heure jour-du-mois mois "
            f"jour-de-la-semaine) ; « {typed} » en a {len(fields)}.",
            f"A cron expression has five fields (minute hour day-of-month month day-of-week); "
            f"“{typed}” has {len(fields)}.",
        )
    minute_field, hour_field, monthday_field, month_field, weekday_field = fields
    minutes = _cron_values(minute_field, 0, 59, "minute", typed)
    if minutes is None or len(minutes) != 1:
        raise ScheduleError(
            f"Dans « {typed} », la minute doit être un seul nombre (ex. « 0 9 * * 1 ») : un "
            "résumé part au plus une fois par heure.",
            f"In “{typed}”, the minute must be a single number (e.g. “0 9 * * 1”): a digest "
            "goes out at most once an hour.",
        )
    hours = _cron_values(hour_field, 0, 23, "heure", typed)
    monthdays = _cron_values(monthday_field, 1, 31, "jour du mois", typed)
    months = _cron_values(month_field, 1, 12, "mois", typed, names=_CRON_MONTHS, first=1)
    weekdays_sunday_first = _cron_values(
        weekday_field, 0, 7, "jour de la semaine", typed, names=_CRON_DAYS_SUNDAY, first=0
    )
    weekdays = None
    if weekdays_sunday_first is not None:
        weekdays = {(day - 1) % 7 for day in weekdays_sunday_first}
    if monthdays is not None and weekdays is not None and len(weekdays) < 7:
        raise ScheduleError(
            f"« {typed} » restreint à la fois le jour du mois et le jour de la semaine : cron "
            "enverrait alors l'un OU l'autre jour. Mettez « * » dans l'un des deux champs.",
            f"“{typed}” restricts both the day of the month and the day of the week: cron "
            "would then fire on either. Put “*” in one of the two fields.",
        )
    return Schedule.make(
        minutes.pop(),
        hours if hours is not None else set(range(24)),
        weekdays=weekdays,
        monthdays=monthdays,
        months=months,
    )


_CRON_DAYS_SUNDAY = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_values(
    field: str,
    low: int,
    high: int,
    label: str,
    typed: str,
    *,
    names: tuple[str, ...] = (),
    first: int = 0,
) -> set[int] | None:
    """The values of one cron field; None for "*" (every value)."""
    if field in ("*", "?"):
        return None

    def number(token: str) -> int:
        token = token.lower()
        if token.isdecimal():
            value = int(token)
        elif token[:3] in names and len(token) >= 3:
            value = names.index(token[:3]) + first
        else:
            raise _cron_error(f"« {token} » n'est pas une valeur du champ {label}", typed)
        if not low <= value <= high:
            raise _cron_error(
                f"{value} est hors limites pour le champ {label} ({low}-{high})", typed
            )
        return value

    values: set[int] = set()
    for part in field.split(","):
        if not part or part.startswith("/"):
            raise _cron_error(f"« {part} » est incomplet dans le champ {label}", typed)
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdecimal() or int(step_text) == 0:
                raise _cron_error(f"pas invalide « /{step_text} » dans le champ {label}", typed)
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start_text, _, end_text = base.partition("-")
            start, end = number(start_text), number(end_text)
            if end < start:
                raise _cron_error(f"intervalle à l'envers « {base} » dans le champ {label}", typed)
        else:
            start = number(base)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return values


def _cron_error(detail: str, typed: str) -> ScheduleError:
    return ScheduleError(
        f"Syntaxe cron invalide dans « {typed} » : {detail}.",
        f"Invalid cron syntax in “{typed}”: {detail}.",
    )


# --- formatting -----------------------------------------------------------------------------


def _cron_list(values: tuple[int, ...] | None) -> str:
    """`1,2,3,5` as `1-3,5` (runs of three or more)."""
    assert values is not None
    parts: list[str] = []
    run: list[int] = []
    for value in [*values, None]:
        if value is not None and run and value == run[-1] + 1:
            run.append(value)
            continue
        if run:
            if len(run) >= 3:
                parts.append(f"{run[0]}-{run[-1]}")
            else:
                parts.extend(str(item) for item in run)
        run = [value] if value is not None else []
    return ",".join(parts)


def _join(items: list[str], conjunction: str) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def _time_fr(hour: int, minute: int) -> str:
    return f"{hour} h" + (f" {minute:02d}" if minute else "")


def _time_en(hour: int, minute: int) -> str:
    twelve = hour % 12 or 12
    suffix = "am" if hour < 12 else "pm"
    return f"{twelve}" + (f":{minute:02d}" if minute else "") + suffix


def _ordinal_fr(day: int) -> str:
    return "1er" if day == 1 else str(day)


def _ordinal_en(day: int) -> str:
    teen = 10 <= day % 100 <= 20
    suffix = "th" if teen else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def format_fire_time(moment: datetime, language: str = "fr") -> str:
    """`lundi 9 juin 2025 à 9 h` / `Monday, June 9, 2025 at 9am` (Québec time)."""
    from knowledge.projects import format_date

    local = moment.astimezone(TIME_ZONE)
    if language == "en":
        return (
            f"{DAY_NAMES_EN[local.weekday()]}, {format_date(local.date(), 'en')} at "
            f"{_time_en(local.hour, local.minute)}"
        )
    return (
        f"{DAY_NAMES_FR[local.weekday()]} {format_date(local.date())} à "
        f"{_time_fr(local.hour, local.minute)}"
    )


__all__ = [
    "TIME_ZONE",
    "Schedule",
    "ScheduleError",
    "format_fire_time",
    "is_english_schedule",
    "parse_schedule",
]
