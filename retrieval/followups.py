"""Follow-up questions: "et en Estrie ?" after a question about the Mauricie.

A follow-up is short and leans on the previous question; it is rewritten into a
standalone question before retrieval, so every answerer gets a complete question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.regions import find_regions_in_text
from retrieval.analysis import content_words

_FOLLOW_UP_START = re.compile(
    r"^\s*(et|puis|aussi|pis|and|what about|how about|same for|idem|même chose)\b",
    re.IGNORECASE,
)
_MAX_FOLLOW_UP_WORDS = 8


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: str  # "user" or "assistant"
    text: str


def last_user_question(history: Sequence[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.text.strip():
            return turn.text.strip()
    return None


def is_follow_up(question: str) -> bool:
    """Short and opening with a connective ("et", "and", "what about")."""
    words = question.split()
    return len(words) <= _MAX_FOLLOW_UP_WORDS and bool(_FOLLOW_UP_START.match(question))


def contextualize(question: str, history: Sequence[Turn]) -> str:
    """A standalone version of the question, using the previous user question if needed."""
    previous = last_user_question(history)
    if not previous or not is_follow_up(question):
        return question
    new_regions = find_regions_in_text(question)
    old_regions = find_regions_in_text(previous)
    if new_regions and old_regions:
        rewritten = previous
        for name in old_regions:
            rewritten = _replace_region(rewritten, name, new_regions[0])
        if rewritten != previous:
            return rewritten
    remainder = _FOLLOW_UP_START.sub("", question).strip(" ?!.")
    if new_regions:
        return f"{previous.rstrip(' ?!.')} — {remainder} ?"
    if content_words(remainder):
        return f"{previous.rstrip(' ?!.')} ; {remainder} ?"
    return question


def _replace_region(text: str, old: str, new: str) -> str:
    """Replace the first mention of a region (as typed, accents or not) by another."""
    from knowledge.folding import fold
    from knowledge.regions import TERRITORIES

    spellings = {old}
    for territory in TERRITORIES:
        if territory.name == old:
            spellings.update(territory.aliases)
    folded = fold(text)
    for spelling in sorted(spellings, key=len, reverse=True):
        match = re.search(rf"(?<![\w-]){re.escape(fold(spelling))}(?![\w-])", folded)
        if match:
            return text[: match.start()] + new + text[match.end() :]
    return text
