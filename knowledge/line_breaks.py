"""Where lines break: hard-wrapped lines glued back, packed lines split.

Conversions wrap sentences at the page width (a line ending on `de`, `pour`, `l'`… goes
on on the next one, and so does a figure cut between its digit groups, `4 215` + `300 $`:
`join_continuation_lines`) and pack several fields or items on one
line (`2004-2005 : 2005-2006 : …`: `split_year_fields`; `1.Revoir … 2.Valoriser …`:
`split_numbered_items`). `drop_blank_lines` removes blank lines but keeps one where two
lines it separates would otherwise be glued.
"""

from __future__ import annotations

import re
from itertools import pairwise

from knowledge.markdown_text import is_heading

_YEAR_FIELD = re.compile(r"(?<!\S)(?:19|20)\d{2}-(?:(?:19|20)?\d{2})\s*:")


def split_year_fields(text: str) -> str:
    """`2004-2005 : 2005-2006 : … 2010-2011 : s. o.` on one line becomes one line per year."""
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        matches = [] if is_heading(stripped) else list(_YEAR_FIELD.finditer(stripped))
        if len(matches) < 2 or matches[0].start() != 0:
            out.append(line)
            continue
        bounds = [m.start() for m in matches] + [len(stripped)]
        out.extend(stripped[a:b].strip() for a, b in pairwise(bounds))
    return "\n".join(out)


_ITEM_MARKER = re.compile(r"(?:(?<=\s)|^)(\d{1,2})\. ?(?=[^\W\d_])")


def split_numbered_items(text: str) -> str:
    """`… 1.Revoir … 2.Valoriser …` on one line: one `N. item` line each.

    Only a run numbered 1, 2, 3… in order on the same line counts, so `1.1` or a lone
    `2.` in a sentence stays put.
    """
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(_split_items(line))
    return "\n".join(out)


def _split_items(line: str) -> list[str]:
    if is_heading(line):
        return [line]
    markers = list(_ITEM_MARKER.finditer(line))
    sequence: list[re.Match[str]] = []
    for match in markers:
        if int(match.group(1)) == len(sequence) + 1:
            sequence.append(match)
    if len(sequence) < 2:
        return [line]
    head = line[: sequence[0].start()].strip()
    pieces = [head] if head else []
    bounds = [m.start() for m in sequence] + [len(line)]
    for match, end in zip(sequence, bounds[1:], strict=False):
        body = line[match.end() : end].strip()
        pieces.append(f"{match.group(1)}. {body}")
    return pieces


# Words a line cannot end on unless the sentence goes on on the next line.
CONTINUATION_WORDS = frozenset(
    {
        "à", "au", "aux", "de", "du", "des", "la", "le", "les", "pour", "par", "sur",
        "dans", "avec", "sans", "et", "ou", "en", "entre", "contre", "chez", "vers",
        "selon", "un", "une", "que", "qui", "dont", "son", "sa", "ses", "leur", "leurs",
        "ce", "cette", "ces", "notre", "nos", "votre", "vos",
    }
)  # fmt: skip
_LIST_ITEM = re.compile(
    r"^(?:[-–•*]\s|\d{1,3}[.)]\s|\d{1,3}(?:\.\d{1,3})+\s|[A-Z]{1,3} ?\d{1,3}(?:\.\d+)* ?[-–:])"
)
_FIELD = re.compile(r"^[^:]{1,120} : ")


def _last_word(line: str) -> str:
    words = line.split()
    return words[-1].lower() if words else ""


_ELIDED_END = re.compile(r"(?:^|[\s(«])(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]$", re.I)


def ends_with_continuation(line: str) -> bool:
    """Whether the line ends on a word (`de`, `pour`) or elision (`l'`) that the next
    line must complete."""
    return _last_word(line) in CONTINUATION_WORDS or bool(_ELIDED_END.search(line.rstrip()))


def is_list_item(line: str) -> bool:
    """Whether the line opens with a list marker: `- `, `1. `, `2) `, `3.1 `, `M 11 -`."""
    return bool(_LIST_ITEM.match(line))


def _is_plain(line: str) -> bool:
    """A line of running text: not blank, a heading, a list item, a field or a year field."""
    return bool(
        line.strip()
        and not is_heading(line)
        and not is_list_item(line)
        and not _FIELD.match(line)
        and not _YEAR_FIELD.match(line)
    )


# A figure cut by a line break: the first line ends on a digit group ("… est de 4 215"),
# the next one goes on with groups of three ("300 $ pour …").
_GROUP_SPACE = "[ \u00a0\u202f]"
_NUMBER_AT_END = re.compile(rf"(?:^|(?<=[\s(«$]))\d{{1,3}}(?:{_GROUP_SPACE}\d{{3}})*$")
_SEVERAL_GROUPS_AT_END = re.compile(rf"\d{{1,3}}(?:{_GROUP_SPACE}\d{{3}})+$")
_GROUPS_AT_START = re.compile(rf"^(\d{{3}}(?:{_GROUP_SPACE}\d{{3}})*)(?!\d)")
_AMOUNT_SIGN = re.compile(rf"^{_GROUP_SPACE}?(?:\$|%|M\$|k\$)|^,\d")


def continues_number(previous: str, line: str) -> bool:
    """Whether `line` goes on with the figure `previous` ends on: `… 4 215` + `300 $`,
    `… de 4` + `215 300 $ pour`, `… 4 215` + `300 personnes`, `… 1` + `000 personnes`.

    A lone small number followed by a single group and a word (`le 12` + `300 projets`)
    is not joined: the two may be separate figures.
    """
    previous = previous.rstrip()
    if is_heading(previous) or not _NUMBER_AT_END.search(previous):
        return False
    start = _GROUPS_AT_START.match(line.lstrip())
    if start is None:
        return False
    after = line.lstrip()[start.end() :]
    if after[:1].isalnum() or (after[:1] == "." and after[1:2].isdigit()):
        return False  # "300e", "300.5": not a thousands group
    groups = start.group(1)
    return bool(
        _AMOUNT_SIGN.match(after)
        or _SEVERAL_GROUPS_AT_END.search(previous)
        or len(groups) > 3
        or groups.startswith("0")
    )


def _would_join(previous: str, line: str) -> bool:
    if continues_number(previous, line):
        return True
    return (
        bool(previous.strip())
        and not is_heading(previous)
        and ends_with_continuation(previous)
        and _is_plain(line)
    )


def join_continuation_lines(text: str) -> str:
    """A line ending on `pour`, `de`, `la`… is glued to the plain line right under it."""
    out: list[str] = []
    for line in text.split("\n"):
        if out and _would_join(out[-1], line):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


def drop_blank_lines(text: str) -> str:
    """Blank lines go, except one where dropping it would let two lines be glued later."""
    lines = text.split("\n")
    following = [""] * (len(lines) + 1)
    for index in range(len(lines) - 1, -1, -1):
        following[index] = lines[index] if lines[index].strip() else following[index + 1]
    out: list[str] = []
    for index, line in enumerate(lines):
        if line.strip():
            out.append(line)
            continue
        after = following[index + 1]
        if out and out[-1].strip() and after and _would_join(out[-1], after):
            out.append("")
    return "\n".join(out)
