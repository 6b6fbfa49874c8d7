"""Citation markers in an answer's text ("[2]", "[1, 3]", "[2-4]"): reading them, renumbering
them, and cutting the answer into claims (sentences or list items) that each know the
passages they rest on.

A claim without a marker of its own borrows the citations of the nearest claim that has
some: first the next one in the same paragraph ("X. Y [1]."), then the previous one in it,
then the next and the previous anywhere. Lead-in lines ending with ":" ("D'après les
documents :") are not claims.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_RANGE = 12  # "[1-40]" is not a citation of forty passages
_GROUP = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:[,;]|-|–|\bet\b|\band\b)\s*\d{1,3})*)\s*\]")
# What models write instead of "[2]": "[Passage 2]", "[source 2, 3]", "[passages 1 et 2]".
_LOOSE = re.compile(
    r"\[\s*(?:passages?|sources?|docs?|documents?|extraits?|excerpts?)\s*(?:n°|no\.?|#)?\s*"
    r"(\d{1,3}(?:\s*(?:[,;]|-|–|\bet\b|\band\b)\s*\d{1,3})*)\s*\]",
    re.IGNORECASE,
)
# Markers after the sentence's full stop belong to that sentence: "… 2010. [1]" -> "… 2010 [1]."
_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[[^\[\]]{1,40}\])+)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[«\"(\[]?[A-ZÀ-ÖØ-Þ0-9])")
_LIST_MARK = re.compile(r"^\s*(?:[-•*]|\d{1,2}[.)])\s+")


def normalize_markers(text: str) -> str:
    """Loose markers ("[Passage 2]") as plain ones ("[2]"), and markers placed after a
    sentence's full stop moved before it."""
    text = _LOOSE.sub(lambda m: f"[{m.group(1)}]", text)
    return _AFTER_STOP.sub(lambda m: f"{m.group(2).rstrip()}{m.group(1)}", text)


def group_numbers(group: str) -> list[int]:
    """The passage numbers one marker names: "1, 3" -> [1, 3]; "2-4" -> [2, 3, 4]."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:[,;]|\bet\b|\band\b)\s*", group):
        bounds = [int(n) for n in re.split(r"\s*[-–]\s*", part) if n.strip().isdecimal()]
        if len(bounds) == 2 and 0 < bounds[1] - bounds[0] <= MAX_RANGE:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


def cited_numbers(text: str) -> list[int]:
    """Every passage number cited in the text, in order of first citation."""
    found: list[int] = []
    for match in _GROUP.finditer(text):
        for number in group_numbers(match.group(1)):
            if number not in found:
                found.append(number)
    return found


def strip_markers(text: str) -> str:
    """The text without its citation markers."""
    return re.sub(r"[ \t]*" + _GROUP.pattern, "", text).strip()


def renumber(text: str, mapping: Mapping[int, int]) -> str:
    """Markers rewritten through `mapping` (old number -> new); unknown numbers dropped."""

    def rewrite(match: re.Match[str]) -> str:
        numbers = list(
            dict.fromkeys(mapping[n] for n in group_numbers(match.group(1)) if n in mapping)
        )
        return "".join(f"[{n}]" for n in numbers)

    return _GROUP.sub(rewrite, text)


@dataclass(frozen=True)
class Claim:
    """One sentence or list item of an answer. `text` has no markers; `citations` are its
    own (`own`) or borrowed from its neighbours."""

    text: str
    citations: tuple[int, ...]
    own: bool
    paragraph: int
    first_word_start: int  # offset in `text` of its first word (sentence-initial capital)


def claims(answer: str) -> list[Claim]:
    """The answer's claims, in order (lead-in lines ending with ":" left out)."""
    raw: list[tuple[str, list[int], int]] = []
    paragraph = 0
    for line in normalize_markers(answer).splitlines():
        if not line.strip():
            paragraph += 1
            continue
        body = _LIST_MARK.sub("", line)
        for sentence in _SENTENCE_END.split(body):
            if not sentence.strip():
                continue
            numbers = cited_numbers(sentence)
            bare = strip_markers(sentence)
            if bare.endswith(":") and not numbers:
                continue
            if bare or numbers:
                raw.append((bare, numbers, paragraph))
    result: list[Claim] = []
    for position, (text, numbers, para) in enumerate(raw):
        borrowed = numbers or _borrow(raw, position, para)
        start = len(text) - len(text.lstrip(" «\"'(*_-—–"))
        result.append(Claim(text, tuple(borrowed), bool(numbers), para, start))
    return [claim for claim in result if claim.text]


def _borrow(raw: list[tuple[str, list[int], int]], position: int, paragraph: int) -> list[int]:
    after = raw[position + 1 :]
    before = list(reversed(raw[:position]))
    for candidates in (
        [r for r in after if r[2] == paragraph],
        [r for r in before if r[2] == paragraph],
        after,
        before,
    ):
        for _, numbers, _ in candidates:
            if numbers:
                return numbers
    return []
