"""Time spans and measure numbers as text writes them, for questions and quotes alike.

A span is a year ("2014": 2014-2014), a period ("2024-2029", "2019 à 2023") or a fiscal
year ("2010-2011", "2010-11"). A question's spans constrain the evidence: a quote about
2019-2023 does not answer a question about 2024-2029, one about 2014 answers a question
about the PSIS 2010-2015.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.folding import fold

_RANGE = re.compile(
    r"(?<![\d,.])((?:19|20)\d{2})\s*(?:-|/|–|—|à|a|au|to)\s*((?:19|20)?\d{2})(?!\d|[,.]\d)"
)
# A comma or point closes a year ("en 2025.") unless a digit follows ("2 025,50 $").
_YEAR = re.compile(r"(?<![\d,.$])((?:19|20)\d{2})(?!\d|[,.]\d|\s*\$)")
_MEASURE = re.compile(
    r"\b(?:mesures?|measures?|mes\.)\s*:?\s*(?:n[o°º]?\.?\s*|numero\s*|number\s*|#\s*)?"
    r"(\d{1,2}(?:[.,]\d{1,2})?)(?![\d])"
    r"|(?<![\w$,.])m\s?(\d{1,2})(?![\d.,]|\s*\$|\s*%)\b",
    re.IGNORECASE,
)
MAX_SPAN_YEARS = 10  # a longer "period" is two unrelated years


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        """Whether the two share a year; two periods that only touch (« 2009-2010 » and
        « 2010-2011 », fiscal years) do not."""
        if self.start < self.end and other.start < other.end and (
            self.end == other.start or other.end == self.start
        ):
            return False
        return self.start <= other.end and other.start <= self.end

    def label(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"


def _range(first: str, second: str) -> Span | None:
    start = int(first)
    end = int(second) if len(second) == 4 else (start // 100) * 100 + int(second)
    if len(second) == 2 and end < start:  # "1999-00": the next century
        end += 100
    if end <= start or end - start > MAX_SPAN_YEARS:
        return None
    return Span(start, end)


def spans_in(text: str) -> list[Span]:
    """Every year and valid period the text names, in order, without repeats."""
    folded = fold(text)
    found: list[tuple[int, Span]] = []
    covered: list[tuple[int, int]] = []
    for match in _RANGE.finditer(folded):
        span = _range(match.group(1), match.group(2))
        if span is not None:
            found.append((match.start(), span))
            covered.append(match.span())
    for match in _YEAR.finditer(folded):
        if any(start <= match.start() < end for start, end in covered):
            continue
        year = int(match.group(1))
        found.append((match.start(), Span(year, year)))
    found.sort()
    return list(dict.fromkeys(span for _, span in found))


def row_period(line: str) -> Span | None:
    """The period a line is labelled with, as a table row is (« 2010-2011 : 13,7 M$ »)."""
    label, colon, _ = line.partition(":")
    match = _RANGE.fullmatch(fold(label).strip()) if colon else None
    return _range(match.group(1), match.group(2)) if match else None


def years_in(text: str) -> list[int]:
    return [span.start for span in spans_in(text) if span.start == span.end]


def measure_numbers(text: str) -> list[str]:
    """Measure numbers named in the text ("mesure 1.1" -> "1.1", "M 11" -> "11")."""
    numbers = [
        (a or b).replace(",", ".") for a, b in _MEASURE.findall(fold(text)) if (a or b)
    ]
    return list(dict.fromkeys(numbers))
