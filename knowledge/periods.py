"""Periods a document is about: plan and agreement spans ("2024-2029", "2019-2023") and
fiscal years ("2024-2025", written "2024-25" too).

A span is two years, the second later than the first and at most ten years after it; so
a date ("2021-09", "2021-09-15") or a typo ("2021-2109") is never a period.
"""

from __future__ import annotations

import re
from collections import Counter

from knowledge.folding import normalize_punctuation

MAX_SPAN_YEARS = 10
_MIN_YEAR = 1900
_MAX_YEAR = 2100

# "2024-2029", "2024–29", "2024/2025", "2019 à 2023" (with a word in between, the end year
# must have four digits: "2024 à 25 organismes" is not a span).
_SPAN = re.compile(
    r"(?<![\d/.,-])((?:19|20)\d{2})"
    r"(?:\s?[-/]\s?((?:19|20)?\d{2})|\s(?:à|au|a|to)\s((?:19|20)\d{2}))"
    r"(?!\d)(?![-/.]\d)",
    re.IGNORECASE,
)


def span(start: str | int, end: str | int) -> str | None:
    """ "2024", "25" → "2024-2025"; None when it is not a valid span."""
    first = int(start)
    end_text = str(end)
    last = int(end_text) if len(end_text) == 4 else (first // 100) * 100 + int(end_text)
    if len(end_text) == 2 and last <= first:
        last += 100  # "1999-00"
    if not (_MIN_YEAR <= first < last <= _MAX_YEAR) or last - first > MAX_SPAN_YEARS:
        return None
    return f"{first}-{last}"


def parse_period(text: str) -> str | None:
    """The period a person typed ("2024-29", "2024 – 2029", "2024 à 2029"), normalised to
    "2024-2029"; None when the whole text is not one valid span."""
    cleaned = normalize_punctuation(text).strip()
    match = _SPAN.fullmatch(cleaned)
    if match is None:
        return None
    return span(match.group(1), match.group(2) or match.group(3))


def find_periods(text: str) -> list[tuple[int, str]]:
    """(position, "YYYY-YYYY") of every valid span in the text, in order."""
    found: list[tuple[int, str]] = []
    for match in _SPAN.finditer(normalize_punctuation(text)):
        period = span(match.group(1), match.group(2) or match.group(3))
        if period:
            found.append((match.start(), period))
    return found


def rank_periods(text: str, title: str = "", *, title_weight: int = 3) -> list[str]:
    """The periods of a document, the most salient first: counted over the text, a mention
    in the title worth `title_weight`, ties broken by first appearance."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for position, period in find_periods(title):
        counts[period] += title_weight
        first_seen.setdefault(period, -1_000_000 + position)
    for position, period in find_periods(text):
        counts[period] += 1
        first_seen.setdefault(period, position)
    return sorted(counts, key=lambda period: (-counts[period], first_seen[period]))
