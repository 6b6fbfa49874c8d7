"""Giving clean lines their Markdown structure (`#` title, `##` sections) by kind.

The kinds: a measure report sheet (form fields, sections at its upper-case titles), a
slide transcript (one section per slide), a page listing the Alliance territories (one
section per territory), or a general document (sections at its short title lines).
`detect_kind` guesses the kind; the manifest's kinds map onto these (`KIND_ALIASES`).
The rules recognise patterns (upper-case form labels, numbered slide lines,
`Region : Mandataire` lines, short title lines), never the exact text of the shipped files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from knowledge.folding import fold_key
from knowledge.form_fields import is_form_label
from knowledge.furniture import has_transcript_marker
from knowledge.line_breaks import ends_with_continuation, is_list_item
from knowledge.markdown_text import HEADING, is_heading
from knowledge.regions import REGION_GROUPS, TERRITORIES

DocumentKind = Literal["report", "slides", "regional", "general"]
DOCUMENT_KINDS: tuple[str, ...] = ("report", "slides", "regional", "general")
# The manifest's `kind` values, mapped to the structure they call for (None: detect).
KIND_ALIASES: dict[str, str | None] = {
    "rapport-mesure": "report",
    "presentation": "slides",
    "vue-ensemble": "general",
    "page-web": None,
}

_LETTER = re.compile(r"[^\W\d_]")
_YEAR_LINE = re.compile(r"(?:19|20)\d{2}(?:\s*[-–]\s*(?:(?:19|20)?\d{2}))?")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_SLIDE_LINE = re.compile(r"^(\d{1,3})\s+(\S.*)$")
_SECTION_HEADING = re.compile(r"^#{2,6}\s")
_MAX_TITLE_WORDS = 12
_MAX_TITLE_CHARS = 100


# ---------------------------------------------------------------------------------------
# Regional lines: `Region : Mandataire`
# ---------------------------------------------------------------------------------------


@cache
def _territory_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for territory in TERRITORIES:
        for name in (territory.name, *territory.aliases):
            keys.setdefault(fold_key(name), territory.name)
    for group in REGION_GROUPS:
        keys.setdefault(fold_key(group), group)
    return keys


def territory_of_label(label: str) -> str | None:
    """The canonical territory a region label names, e.g. `Nord-du-Québec / Baie-James`
    -> `Baie-James`, `Nord-du-Québec Administration régionale Kativik` -> `Kativik`.

    The whole label must be made of territory names and aliases (in any number, with
    `/` or `-` between them); the most specific one wins. None when it is not.
    """
    words = fold_key(label).split()
    if not words or len(words) > 20:
        return None
    keys = _territory_keys()
    # best[i]: a segmentation of words[:i] into known names (list of canonical names).
    best: list[list[str] | None] = [None] * (len(words) + 1)
    best[0] = []
    for end in range(1, len(words) + 1):
        for start in range(end - 1, -1, -1):
            prefix = best[start]
            key = " ".join(words[start:end])
            if prefix is not None and key in keys:
                best[end] = [*prefix, keys[key]]
                break
    names = best[len(words)]
    if not names:
        return None
    specific = list(dict.fromkeys(name for name in names if name not in REGION_GROUPS))
    if len(specific) == 1:
        return specific[0]
    groups = list(dict.fromkeys(name for name in names if name in REGION_GROUPS))
    if not specific and len(groups) == 1:
        return groups[0]
    for group, parts in REGION_GROUPS.items():
        if specific and set(specific) <= set(parts):
            return group
    return None


def region_line(line: str) -> tuple[str, str] | None:
    """(territory, mandataire) for a `Region : Mandataire` line, else None."""
    if is_heading(line) or " : " not in line:
        return None
    label, value = line.split(" : ", 1)
    territory = territory_of_label(label)
    if territory is None or not value.strip():
        return None
    return territory, value.strip()


# ---------------------------------------------------------------------------------------
# Document kinds
# ---------------------------------------------------------------------------------------


def detect_kind(text: str) -> DocumentKind:
    """Guess the kind of document from its patterns (before furniture is removed)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if has_transcript_marker(text) or _looks_like_slides(lines):
        return "slides"
    if sum(1 for line in lines if region_line(line)) >= 3:
        return "regional"
    if any("\t" in line and is_form_label(line.split("\t")[0]) for line in lines) or any(
        _is_form_field(line) for line in lines
    ):
        return "report"
    return "general"


def _is_form_field(line: str) -> bool:
    if " : " not in line:
        return False
    label, value = line.split(" : ", 1)
    return is_form_label(label) and bool(value.strip()) and not is_heading(line)


def _looks_like_slides(lines: list[str]) -> bool:
    numbers: list[int] = []
    for line in lines:
        match = _SLIDE_LINE.match(line)
        if match and (not numbers or numbers[-1] < int(match.group(1)) <= numbers[-1] + 5):
            numbers.append(int(match.group(1)))
    return len(numbers) >= 3 and len(numbers) > 0.6 * len(lines)


# ---------------------------------------------------------------------------------------
# Title lines, general documents and regional pages
# ---------------------------------------------------------------------------------------


def _is_upper_title(line: str) -> bool:
    """A short all-capitals line: `DESCRIPTION DE LA MESURE`, `AXE 3 DU PLAN D'ACTION`."""
    stripped = line.strip()
    if (
        is_heading(stripped)
        or is_list_item(stripped)
        or len(_LETTER.findall(stripped)) < 2
        or any(ch.islower() for ch in stripped)
        or len(stripped.split()) > 15
        or len(stripped) > 120
        or stripped.endswith((",", ";"))
        or _URL.search(stripped)
    ):
        return False
    return " : " not in stripped  # `LABEL : value` is a form field


def _is_mixed_title(line: str) -> bool:
    """A short title line in running case: `De la loi découle`, `Les Alliances pour…`."""
    stripped = line.strip()
    words = stripped.split()
    return bool(
        stripped
        and (stripped[0].isupper() or stripped[0].isdigit())
        and any(ch.islower() for ch in stripped)
        and len(words) <= _MAX_TITLE_WORDS
        and len(stripped) <= _MAX_TITLE_CHARS
        and not stripped.endswith((".", ",", ";", ":", "!", "?", "…"))
        and not is_heading(stripped)
        and not is_list_item(stripped)
        and " : " not in stripped
        and not _URL.search(stripped)
        and not _YEAR_LINE.fullmatch(stripped)
        and not ends_with_continuation(stripped)
    )


def _is_title_line(line: str) -> bool:
    return _is_upper_title(line) or _is_mixed_title(line)


def _neighbours_blank(lines: list[str], index: int) -> bool:
    before = index == 0 or not lines[index - 1].strip()
    after = index == len(lines) - 1 or not lines[index + 1].strip()
    return before and after


def _previous_text(lines: list[str], index: int) -> str:
    return next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")


def add_document_title(lines: list[str]) -> list[str]:
    """The first line becomes the `#` title when it reads as one (short, no final period,
    in capitals or standing alone)."""
    if any(line.startswith("# ") for line in lines):
        return lines
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        standalone = index == len(lines) - 1 or not lines[index + 1].strip()
        if _is_upper_title(line) or (standalone and _is_mixed_title(line)):
            return [*lines[:index], f"# {line.strip()}", *lines[index + 1 :]]
        return lines
    return lines


def structure_general(lines: list[str], *, running_case_titles: bool = True) -> list[str]:
    """`##` headings at capitals lines, at standalone short lines (when
    `running_case_titles`), and at a year line merged with the title under it
    (`2004-2010` + `Premier plan…` -> `## 2004-2010 : Premier plan…`)."""
    lines = add_document_title(lines)
    out: list[str] = []
    consumed: set[int] = set()
    for index, line in enumerate(lines):
        if index in consumed:
            continue
        stripped = line.strip()
        if not stripped or is_heading(stripped):
            out.append(line)
            continue
        if _YEAR_LINE.fullmatch(stripped):
            following = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
            if following is not None and _is_title_line(lines[following]):
                out.append(f"## {stripped} : {lines[following].strip()}")
                consumed.add(following)
            else:
                out.append(f"## {stripped}")
            continue
        if _is_upper_title(stripped) or (
            running_case_titles
            and _neighbours_blank(lines, index)
            and _is_mixed_title(stripped)
            and not ends_with_continuation(_previous_text(lines, index))
        ):
            out.append(f"## {stripped}")
            continue
        out.append(line)
    return out


def structure_regional(lines: list[str]) -> list[str]:
    """One `## <territory>` section per `Region : Mandataire` line, mandataire first."""
    out: list[str] = []
    for line in add_document_title(lines):
        found = region_line(line.strip())
        if found is None:
            out.append(line)
            continue
        territory, mandataire = found
        out.extend((f"## {territory}", f"Mandataire : {mandataire}"))
    return out


# ---------------------------------------------------------------------------------------
# Slide transcripts
# ---------------------------------------------------------------------------------------

_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_TRAILING_DATE = re.compile(rf"(?<!,) (\d{{1,2}}(?:er)? (?:{_MONTHS}) \d{{4}})$", re.I)


def _upper_word(word: str) -> bool:
    return not any(ch.islower() for ch in word)


def _has_letters(word: str) -> bool:
    return bool(_LETTER.search(word))


def _trim_run(run: list[str]) -> list[str]:
    while run and not _has_letters(run[-1]):
        run = run[:-1]
    while run and not _has_letters(run[0]):
        run = run[1:]
    return run


def leading_capitals(text: str) -> tuple[str, str] | None:
    """(title, rest) when `text` starts with two or more words in capitals."""
    words = text.split()
    count = 0
    while count < len(words) and _upper_word(words[count]):
        count += 1
    run = _trim_run(words[:count])
    if sum(1 for word in run if len(_LETTER.findall(word)) >= 1) < 2:
        return None
    rest_start = len(run)
    while rest_start < len(words) and rest_start < count and not _has_letters(words[rest_start]):
        rest_start += 1
    rest = " ".join(words[rest_start:])
    return " ".join(run), rest.lstrip(":;,-– ").strip()


def trailing_capitals(text: str) -> tuple[str, str] | None:
    """(title, rest) when `text` ends with two or more words in capitals."""
    words = text.split()
    count = 0
    while count < len(words) and _upper_word(words[len(words) - 1 - count]):
        count += 1
    run = words[len(words) - count :]
    while run and (not _has_letters(run[0]) or run[0].startswith("(")):
        run = run[1:]
    run = _trim_run(run)
    if len(run) < 2 or len(run) == len(words):
        return None
    rest = " ".join(words[: len(words) - len(run)])
    return " ".join(run), rest.strip()


def slide_title(text: str) -> tuple[str, str]:
    """(title, body) of one slide's text.

    The title is the leading words in capitals when there are some, else the trailing
    words in capitals (where many decks put the title placeholder), else the text up to
    the first colon, else the whole text when it is short.
    """
    text = text.strip()
    for finder in (leading_capitals, trailing_capitals):
        found = finder(text)
        if found:
            return found
    if " : " in f"{text} ":
        head, _, body = f"{text} ".partition(" : ")
        if head.strip() and len(head.split()) <= 15:
            return head.strip(), body.strip()
    if len(text.split()) <= _MAX_TITLE_WORDS:
        return text, ""
    return "", text


def deck_title(line: str) -> str:
    """A deck's title line `3e colloque … 20 mars 2014 LES ALLIANCES …` reordered as
    `LES ALLIANCES … — 3e colloque …, 20 mars 2014`."""
    line = line.strip()
    found = trailing_capitals(line) or leading_capitals(line)
    if not found or not found[1]:
        return line
    title, rest = found
    rest = _TRAILING_DATE.sub(r", \1", rest)
    return f"{title} — {rest}"


_REPEATED_PHRASE = re.compile(r"(?<!\S)([A-ZÀ-ÖØ-Þ]\S*(?: \S+){1,12}?) \1(?!\S)")


def drop_repeated_phrases(text: str) -> str:
    """`Un Groupe des partenaires Un Groupe des partenaires` (a text box exported twice)
    -> `Un Groupe des partenaires`."""
    for _ in range(len(text)):
        reduced = _REPEATED_PHRASE.sub(r"\1", text)
        if reduced == text:
            break
        text = reduced
    return text


_LEADING_COLON = re.compile(r"^[:;]+\s*")


@dataclass
class _Slide:
    number: int
    lines: list[str]


def structure_slides(lines: list[str]) -> list[str]:
    """`# deck title` then one `## Diapositive N : TITLE` section per slide.

    A slide starts at a line opening with its number; an unnumbered line between slides
    N-1 and N+1 is slide N (its number was lost); other unnumbered lines continue the
    slide before. A slide repeating the deck title is dropped.
    """
    text_lines = [line.strip() for line in lines if line.strip()]
    out: list[str] = [line for line in text_lines if line.startswith("# ")]
    text_lines = [line for line in text_lines if not line.startswith("# ")]
    title_line = ""
    if not out and text_lines and not _SLIDE_LINE.match(text_lines[0]):
        title_line = text_lines.pop(0)
        out.append(f"# {deck_title(title_line)}")
    slides: list[_Slide] = []
    numbered = [_SLIDE_LINE.match(line) for line in text_lines]
    next_numbered: list[int | None] = [None] * (len(text_lines) + 1)
    for index in range(len(text_lines) - 1, -1, -1):
        match = numbered[index]
        next_numbered[index] = int(match.group(1)) if match else next_numbered[index + 1]
    for index, line in enumerate(text_lines):
        match = numbered[index]
        previous = slides[-1].number if slides else 0
        if match and previous < int(match.group(1)) <= previous + 5:
            slides.append(_Slide(int(match.group(1)), [match.group(2)]))
            continue
        if line == title_line:
            continue
        # The next numbered line is N+1: this unnumbered one is slide N (number lost).
        if not slides or next_numbered[index + 1] == previous + 2:
            slides.append(_Slide(previous + 1, [_LEADING_COLON.sub("", line)]))
        else:
            slides[-1].lines.append(line)
    for slide in slides:
        out.extend(_slide_lines(slide))
    return out


def _slide_lines(slide: _Slide) -> list[str]:
    first, *others = [drop_repeated_phrases(line) for line in slide.lines]
    body: list[str] = []
    if others and not is_list_item(others[-1]):
        title, first_body = slide_title(first)
    else:
        title, first_body = _title_from_first_line(first, bool(others))
    if first_body:
        body.append(first_body)
    body.extend(others)
    heading = f"## Diapositive {slide.number}"
    if title:
        heading += f" : {title}"
    return [heading, *[line for line in body if line.strip()]]


def _title_from_first_line(first: str, has_more: bool) -> tuple[str, str]:
    found = leading_capitals(first)
    if found:
        return found
    if not has_more:
        return slide_title(first)
    if " : " in f"{first} ":
        head, _, body = f"{first} ".partition(" : ")
        if head.strip() and len(head.split()) <= 15:
            return head.strip(), body.strip()
    if _is_mixed_title(first.rstrip(":").strip()) or len(first.split()) <= _MAX_TITLE_WORDS:
        return first.rstrip(": ").strip(), ""
    return "", first


# ---------------------------------------------------------------------------------------
# Headings, and structure by kind
# ---------------------------------------------------------------------------------------


def normalize_headings(lines: list[str]) -> list[str]:
    """One `#` title; later `#` lines become `##`; deeper than `###` becomes `###`;
    closing `#`s and empty headings dropped."""
    out: list[str] = []
    seen_title = False
    for line in lines:
        match = HEADING.match(line)
        if not match:
            out.append(line)
            continue
        level = len(match.group(1))
        text = re.sub(r"(?:[ \t]+#+)+$", "", match.group(2)).strip()
        if not text:
            continue
        if level == 1:
            if seen_title:
                level = 2
            seen_title = True
        out.append(f"{'#' * min(level, 3)} {text}")
    return out


def resolve_kind(kind_hint: str | None, text: str) -> DocumentKind:
    """The kind to structure the text as: `kind_hint` (one of `DOCUMENT_KINDS` or a
    manifest kind from `KIND_ALIASES`), or the detected kind when it is None or
    `page-web`. An unknown hint raises ValueError."""
    if kind_hint is None:
        return detect_kind(text)
    if kind_hint in KIND_ALIASES:
        alias = KIND_ALIASES[kind_hint]
        return detect_kind(text) if alias is None else alias  # type: ignore[return-value]
    if kind_hint not in DOCUMENT_KINDS:
        raise ValueError(
            f"Unknown document kind {kind_hint!r}; expected one of {', '.join(DOCUMENT_KINDS)}"
        )
    return kind_hint  # type: ignore[return-value]


def structure(text: str, kind: DocumentKind) -> str:
    """Give the text its headings, unless it already has `##` sections (then the
    source's own structure is trusted, and cleaning stays idempotent)."""
    lines = text.split("\n")
    if any(_SECTION_HEADING.match(line) for line in lines):
        return text
    builders: dict[str, Callable[[list[str]], list[str]]] = {
        "slides": structure_slides,
        "regional": structure_regional,
        "report": lambda ls: structure_general(ls, running_case_titles=False),
        "general": structure_general,
    }
    return "\n".join(builders[kind](lines))
