"""Dates written in documents, read as ISO "YYYY-MM-DD".

`parse_date` reads one date as people write it ("12 mars 2025", "1er avril 2026",
"05 juin, 2025", "2025-03-12", "June 5, 2025", "12/03/2025"); `publication_date` finds the
date a document was published: "Publié le …", "Date de publication : …", a news-release
dateline ("GATINEAU, le 12 mars 2025 /CNW/ –", "Québec, 3 avril 2025"), else "Mis à jour
le …" / "Dernière mise à jour : …". A month alone, a year, a range or a fiscal year is
never a date.
"""

from __future__ import annotations

import re
from datetime import date

from knowledge.folding import fold

MONTHS: dict[str, int] = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "july": 7, "august": 8, "aug": 8, "september": 9, "sep": 9,
    "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_MIN_YEAR = 1990
_MAX_YEAR = 2100

_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:er|re|e)?"
_YEAR = r"((?:19|20)\d{2})"
# On folded text (lower case, no accents).
_DAY_MONTH_YEAR = re.compile(rf"(?<!\d){_DAY}\s+{_MONTH},?\s+{_YEAR}(?!\d)")
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}(?!\d)")
_ISO = re.compile(r"(?<![\d-])((?:19|20)\d{2})-(\d{2})-(\d{2})(?![\d-])")
_NUMERIC = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d{2})(?![\d/.])")

_PUBLISHED = re.compile(
    r"\b(?:publie|publiee|date de publication|publication|diffuse|diffusee|paru|parue"
    r"|posted|published)\s*(?:le|:|on)?\s*:?\s*",
)
_UPDATED = re.compile(
    r"\b(?:mis a jour|mise a jour|derniere mise a jour|date de mise a jour|modifie|modifiee"
    r"|derniere modification|actualise|updated|last updated)\s*(?:le|:|on)?\s*:?\s*",
)
# An article's byline: "Par François Tremblay | 27 mai 2019 à 11 h 42", "By Heather
# Morrison · Townships Community Bulletin · August 20, 2025": "Par"/"By", a capitalised
# name of two words or more, a separator, and the date somewhere after it on the line.
_BYLINE = re.compile(
    r"^[ \t#*_]*(?:Par|By)\s+[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’.-]+)+\s*[|·•—–](?P<rest>.*)$",
    re.MULTILINE,
)
# "GATINEAU, le 12 mars 2025 /CNW/ –", "Québec, 3 avril 2025 –", "MONTREAL, QC, June 5,
# 2025": a place of at most five words at the start of a line, a comma, the date.
_DATELINE = re.compile(
    r"^[^\W\d_][\w'’.\- ]{0,50}?,(?:\s*(?:qc|quebec|que)\.?,)?\s*(?:le\s+)?(?=\w)",
    re.MULTILINE,
)
_DATELINE_LINES = 15
_PHRASE_REACH = 12  # how far after "Publié le" the date may start (room for a weekday)


def _iso(year: int, month: int, day: int) -> str | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The first full date written in `text`, as "YYYY-MM-DD"; None when there is none."""
    folded = fold(text)
    candidates: list[tuple[int, str | None]] = []
    for match in _DAY_MONTH_YEAR.finditer(folded):
        day, month, year = match.groups()
        candidates.append((match.start(), _iso(int(year), MONTHS[month], int(day))))
    for match in _MONTH_DAY_YEAR.finditer(folded):
        month, day, year = match.groups()
        candidates.append((match.start(), _iso(int(year), MONTHS[month], int(day))))
    for match in _ISO.finditer(folded):
        year, month, day = match.groups()
        candidates.append((match.start(), _iso(int(year), int(month), int(day))))
    for match in _NUMERIC.finditer(folded):
        day, month, year = match.groups()  # Québec writes day/month/year
        candidates.append((match.start(), _iso(int(year), int(month), int(day))))
    valid = sorted((position, iso) for position, iso in candidates if iso)
    return valid[0][1] if valid else None


def parse_timestamp(text: str | None) -> str | None:
    """A machine date ("2025-03-12T10:00:00-05:00", "D:20250312…", "20250312") as ISO."""
    if not text:
        return None
    raw = str(text).strip()
    match = re.match(r"^(?:D:)?((?:19|20)\d{2})-?(\d{2})-?(\d{2})", raw)
    if match:
        return _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return parse_date(raw)


def _date_after(folded: str, pattern: re.Pattern[str]) -> tuple[int, str] | None:
    """(position, date) of the first date written right after a phrase of `pattern`."""
    for match in pattern.finditer(folded):
        start = match.end()
        window = folded[start : start + _PHRASE_REACH + 30]
        found = parse_date(window)
        if found and _starts_near(window, found):
            return match.start(), found
    return None


def _starts_near(window: str, found: str) -> bool:
    """Whether the date found in `window` starts within `_PHRASE_REACH` characters."""
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _ISO, _NUMERIC):
        match = pattern.search(window)
        if match and match.start() <= _PHRASE_REACH:
            return True
    return False


def dateline_date(text: str) -> tuple[int, str] | None:
    """(position, date) of a news release's dateline in its first lines."""
    head = fold("\n".join(text.split("\n")[:_DATELINE_LINES]))
    for match in _DATELINE.finditer(head):
        place = head[match.start() : match.end()].split(",")[0]
        if len(place.split()) > 5:
            continue
        french = _DAY_MONTH_YEAR.match(head, match.end())
        english = _MONTH_DAY_YEAR.match(head, match.end())
        iso = None
        if french:
            day, month, year = french.groups()
            iso = _iso(int(year), MONTHS[month], int(day))
        elif english:
            month, day, year = english.groups()
            iso = _iso(int(year), MONTHS[month], int(day))
        if iso:
            return match.start(), iso
    return None


def byline_date(text: str) -> tuple[int, str] | None:
    """(position, date) of the date in an article's byline."""
    for match in _BYLINE.finditer(text):
        found = parse_date(match.group("rest"))
        if found:
            return match.start(), found
    return None


def publication_date(text: str) -> str | None:
    """When the document says it was published: "Publié le …", a dateline or a byline
    (whichever comes first), else when it says it was last updated. None when it does not
    say."""
    folded = fold(text)
    said = [
        found
        for found in (_date_after(folded, _PUBLISHED), dateline_date(text), byline_date(text))
        if found
    ]
    if said:
        return min(said)[1]
    updated = _date_after(folded, _UPDATED)
    return updated[1] if updated else None
