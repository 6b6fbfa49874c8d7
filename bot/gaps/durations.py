"""Durations as people type them: `7d`, `24h`, `2w`, in French `7j`, `2sem`, or in words
(`7 jours`, `2 weeks`). What `alliances gaps --since` and `lacunes depuis:…` accept.

    parse_duration("7j")          → timedelta(days=7)
    format_duration(timedelta(days=14), "fr") → "14 jours"

Digits are ASCII only ("²" or "٣" are not numbers here); a duration is at least one hour
and at most `MAX_DAYS` days. `DurationError` (a ValueError) says what is wrong, in French,
or in English through `.text("en")`.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.bilingual import say as _say
from knowledge.folding import fold

MAX_DAYS = 366
EXAMPLES_FR = "`7j`, `24h`, `2sem`"
EXAMPLES_EN = "`7d`, `24h`, `2w`"

_HOURS = 1
_DAYS = 24
_WEEKS = 7 * 24
# Unit words (accents and case folded) → hours.
_UNITS = {
    "h": _HOURS, "hr": _HOURS, "hrs": _HOURS, "heure": _HOURS, "heures": _HOURS,
    "hour": _HOURS, "hours": _HOURS,
    "d": _DAYS, "j": _DAYS, "jour": _DAYS, "jours": _DAYS, "day": _DAYS, "days": _DAYS,
    "w": _WEEKS, "wk": _WEEKS, "sem": _WEEKS, "semaine": _WEEKS, "semaines": _WEEKS,
    "week": _WEEKS, "weeks": _WEEKS,
}  # fmt: skip
_DURATION = re.compile(r"\s*([0-9]{1,6})\s*([^\W\d_]{1,12})\s*")


class DurationError(ValueError):
    """A duration that cannot be read; str() is the French message."""

    def __init__(self, typed: str, reason: str = "unreadable"):
        self.typed = typed
        self.reason = reason  # "unreadable" | "zero" | "too_long"
        super().__init__(self.text("fr"))

    def text(self, language: str = "fr") -> str:
        shown = self.typed.strip()[:40]
        if self.reason == "zero":
            return _say(
                language,
                f"La durée « {shown} » est nulle : donnez au moins une heure ({EXAMPLES_FR}).",
                f"The duration “{shown}” is zero: give at least one hour ({EXAMPLES_EN}).",
            )
        if self.reason == "too_long":
            return _say(
                language,
                f"La durée « {shown} » dépasse {MAX_DAYS} jours.",
                f"The duration “{shown}” is longer than {MAX_DAYS} days.",
            )
        return _say(
            language,
            f"Durée illisible : « {shown} ». Exemples : {EXAMPLES_FR} (j : jours, h : heures, "
            "sem : semaines).",
            f"Unreadable duration: “{shown}”. Examples: {EXAMPLES_EN} (d: days, h: hours, "
            "w: weeks).",
        )


def parse_duration(text: str) -> timedelta:
    """A typed duration (`7d`, `24h`, `2w`, `7j`, `2sem`, `7 jours`, `2 weeks`) as a
    timedelta; DurationError otherwise."""
    if not isinstance(text, str) or len(text) > 40:
        raise DurationError(str(text)[:40])
    match = _DURATION.fullmatch(text)
    unit = fold(match.group(2)) if match else ""
    if match is None or unit not in _UNITS:
        raise DurationError(text)
    hours = int(match.group(1)) * _UNITS[unit]
    if hours == 0:
        raise DurationError(text, "zero")
    if hours > MAX_DAYS * 24:
        raise DurationError(text, "too_long")
    return timedelta(hours=hours)


def format_duration(duration: timedelta, language: str = "fr") -> str:
    """`7 jours`, `2 semaines`, `36 heures` (`7 days`… in English): the largest whole unit."""
    hours = int(duration.total_seconds() // 3600)
    if hours % _WEEKS == 0 and hours >= 2 * _WEEKS:
        count, fr, en = hours // _WEEKS, "semaine", "week"
    elif hours % _DAYS == 0:
        count, fr, en = hours // _DAYS, "jour", "day"
    else:
        count, fr, en = hours, "heure", "hour"
    plural = "s" if count > 1 else ""
    return _say(language, f"{count} {fr}{plural}", f"{count} {en}{'s' if count != 1 else ''}")


def compact_duration(duration: timedelta, language: str = "fr") -> str:
    """The short form that `parse_duration` reads back: `7j`/`7d`, `36h`, `2sem`/`2w`."""
    hours = int(duration.total_seconds() // 3600)
    if hours % _WEEKS == 0:
        return f"{hours // _WEEKS}{_say(language, 'sem', 'w')}"
    if hours % _DAYS == 0:
        return f"{hours // _DAYS}{_say(language, 'j', 'd')}"
    return f"{hours}h"
