"""Reading the structure of clean text: sections, `LABEL : value` fields, year lines, lists.

Clean text is what `knowledge.loaders.load_document` produces (docs/TEAM-CONTRACTS.md):
a `#` title, `##` sections, one paragraph or field per line. Sections are named exactly as
`retrieval.chunking` names its chunks (the heading, or the title for the lines before the
first heading), so a catalog fact cites the same section as the passage it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.folding import fold_key

_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_FIELD = re.compile(r"^(?P<label>[^\W\d_][^:]{0,79}?)\s*:\s*(?P<value>.*)$")
_MAX_LABEL_WORDS = 8
_YEAR_VALUE = re.compile(
    r"(?P<start>(?:19|20)\d{2})\s*[-\u2013\u2014/]\s*(?P<end>(?:19|20)?\d{2})\s*:\s*"
)
_BULLET = re.compile(r"^[-\u2022*\u25aa\u25cf\u2013]\s+(?P<text>\S.*)$")
# "1. Texte", "1.Texte", "2) Texte": a number then a letter (so "3.1 Soutenir" is no item).
_NUMBERED_LINE = re.compile(r"^(?P<number>\d{1,2})\s?[.)]\s*(?P<text>[^\W\d_].*)$")
_NUMBERED_INLINE = re.compile(r"(?:(?<=\s)|^)(?P<number>\d{1,2})\s?[.)]\s*(?=[^\W\d_])")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[«\"(]?[A-ZÀ-ÖØ-Ý])")
_MIN_LIST_ITEMS = 2


@dataclass(frozen=True)
class Section:
    """A heading and the non-empty lines under it; `level` 1 is the part before any `##`."""

    heading: str
    level: int
    lines: tuple[str, ...]

    @property
    def key(self) -> str:
        """The heading folded for comparisons ("COÛT DE LA MESURE" -> "cout de la mesure")."""
        return fold_key(self.heading)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class CleanDocument:
    title: str
    sections: tuple[Section, ...]

    @property
    def preamble(self) -> Section:
        return self.sections[0]


def parse_clean_text(text: str, fallback_title: str) -> CleanDocument:
    """The title (first `#` heading, else `fallback_title`) and the sections in order."""
    title = ""
    headings: list[tuple[str, int]] = [("", 1)]
    bodies: list[list[str]] = [[]]
    for raw in text.splitlines():
        heading = _HEADING.match(raw)
        if heading and len(heading.group(1)) == 1 and not title:
            title = heading.group(2).strip()
            continue
        if heading:
            headings.append((heading.group(2).strip(), len(heading.group(1))))
            bodies.append([])
            continue
        if raw.strip():
            bodies[-1].append(raw.strip())
    title = title or fallback_title
    sections = [
        Section(heading or title, level, tuple(lines))
        for (heading, level), lines in zip(headings, bodies, strict=True)
        if lines or heading
    ]
    if not sections or sections[0].level != 1:
        sections.insert(0, Section(title, 1, ()))
    return CleanDocument(title, tuple(sections))


def parse_field(line: str) -> tuple[str, str] | None:
    """(label key, value) for a `LABEL : value` line; None for ordinary prose or URLs."""
    match = _FIELD.match(line)
    if match is None:
        return None
    label = match.group("label").strip()
    if len(label.split()) > _MAX_LABEL_WORDS or fold_key(label).endswith(("http", "https")):
        return None
    return fold_key(label), match.group("value").strip()


def parse_fields(lines: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Every `LABEL : value` line of a section, by folded label (first one wins)."""
    found: dict[str, str] = {}
    for line in lines:
        parsed = parse_field(line)
        if parsed and parsed[0] not in found:
            found[parsed[0]] = parsed[1]
    return found


def year_range(start: str, end: str) -> str | None:
    """ "2010", "11" -> "2010-2011"; "1999", "00" -> "1999-2000"; None when end <= start."""
    first = int(start)
    last = int(end)
    if len(end) == 2:
        last = first // 100 * 100 + last
        if last <= first:
            last += 100
    return f"{first}-{last}" if last > first else None


def year_values(text: str) -> list[tuple[str, str]]:
    """("2010-2011", "13,7 M$") for each `YYYY-YYYY : value`, one per line or run together."""
    matches = list(_YEAR_VALUE.finditer(text))
    values: list[tuple[str, str]] = []
    for position, match in enumerate(matches):
        years = year_range(match.group("start"), match.group("end"))
        value_end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
        if years:
            values.append((years, text[match.end() : value_end].strip()))
    return values


def is_year_line(line: str) -> bool:
    match = _YEAR_VALUE.match(line)
    return match is not None


def bullet_items(lines: tuple[str, ...] | list[str]) -> list[str]:
    """The texts of the `- item` lines."""
    items: list[str] = []
    for line in lines:
        match = _BULLET.match(line)
        if match:
            items.append(match.group("text").strip())
    return items


def numbered_item(line: str) -> tuple[int, str] | None:
    match = _NUMBERED_LINE.match(line)
    if match is None:
        return None
    return int(match.group("number")), match.group("text").strip()


def numbered_items(lines: tuple[str, ...] | list[str]) -> list[tuple[int, str]]:
    """A list numbered 1, 2, 3…: one item per line, else run together on one line."""
    items: list[tuple[int, str]] = []
    for line in lines:
        item = numbered_item(line)
        if item and item[0] == len(items) + 1:
            items.append(item)
    if len(items) >= _MIN_LIST_ITEMS:
        return items
    for line in lines:
        inline = split_inline_numbered(line)
        if len(inline) >= _MIN_LIST_ITEMS:
            return inline
    return items


def split_inline_numbered(text: str) -> list[tuple[int, str]]:
    """ "… 1.Revoir … 2.Valoriser …" -> [(1, "Revoir …"), (2, "Valoriser …")].

    Only a run numbered 1, 2, 3… in order counts, so stray numbers do not split text.
    """
    starts: list[re.Match[str]] = []
    for match in _NUMBERED_INLINE.finditer(text):
        if int(match.group("number")) == len(starts) + 1:
            starts.append(match)
    items: list[tuple[int, str]] = []
    for position, match in enumerate(starts):
        end = starts[position + 1].start() if position + 1 < len(starts) else len(text)
        items.append((int(match.group("number")), text[match.end() : end].strip()))
    return items


def sentences(line: str) -> list[str]:
    """A paragraph cut into sentences (at . ! ? ; before a capital)."""
    return [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
