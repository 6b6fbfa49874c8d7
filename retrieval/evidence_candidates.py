"""The quotes an answer can be made of: every line or sentence of the retrieved passages,
every pair of neighbouring lines, every list with its lead-in, and each short passage
whole.

The answerer scores them all and quotes the best; a list question is answered by a list
or a whole passage, a precise question by one line. Each candidate knows its passage, so
its citation, section, document metadata and retrieval ranks come with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the index stores what `quote_texts` lists: no import at run time
    from retrieval.chunking import Chunk
    from retrieval.index import SearchHit

MAX_LINE_CHARS = 320  # longer lines are cut into sentences
MAX_BLOCK_CHARS = 700  # longer passages are not quoted whole
MAX_PAIR_CHARS = 600  # two neighbouring lines answer what one line half-says
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[«\"(]?[A-ZÀ-ÖØ-Þ0-9])")
_LIST_ITEM = re.compile(r"^\s*(?:[-•*]|\d{1,2}[.)])\s*\S")


@dataclass(frozen=True)
class Candidate:
    """One quotable piece of a retrieved passage."""

    text: str
    hit: SearchHit
    kind: str  # "line", "pair" (two neighbouring lines), "list" (a list and its lead-in)
    # or "block" (the passage whole)
    passage_rank: int  # rank of its passage among the retrieved ones (0 = first)

    @property
    def section(self) -> str:
        return self.hit.chunk.section

    @property
    def embedding_text(self) -> str:
        return quote_embedding_text(self.section, self.text)


def quote_embedding_text(section: str, text: str) -> str:
    """What the encoder sees of a quote: the section heading locates it ("Mauricie")."""
    return f"{section}\n{text}"


def sentences(line: str) -> list[str]:
    """A line, or its sentences when it is long."""
    if len(line) <= MAX_LINE_CHARS:
        return [line]
    return [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]


def list_runs(lines: list[str]) -> list[list[str]]:
    """Runs of two or more list items, each with the line that introduces it."""
    runs: list[list[str]] = []
    current: list[str] = []
    lead: str | None = None
    for line in [*lines, ""]:
        if _LIST_ITEM.match(line):
            current.append(line)
            continue
        if len(current) >= 2:
            runs.append(([lead] if lead else []) + current)
        current = []
        lead = line if line else None
    return runs


def quotable_pieces(chunk: Chunk) -> list[tuple[str, str]]:
    """(text, kind) of every piece of a passage an answer may quote: lines or sentences,
    pairs of neighbouring ones, lists, and the passage whole."""
    lines = [line.strip() for line in chunk.text.splitlines() if line.strip()]
    pieces: list[str] = []
    for line in lines:
        pieces += sentences(line)
    found = [(piece, "line") for piece in pieces]
    for first, second in pairwise(pieces):
        if len(first) + len(second) < MAX_PAIR_CHARS:
            found.append((f"{first}\n{second}", "pair"))
    found += [("\n".join(run), "list") for run in list_runs(lines)]
    whole = "\n".join(lines)
    if len(lines) > 2 and len(whole) <= MAX_BLOCK_CHARS:
        found.append((whole, "block"))
    return found


def quote_texts(chunk: Chunk) -> list[str]:
    """What the encoder sees of each quotable piece of a passage, so that ingestion can
    encode them once instead of the first question that retrieves the passage."""
    return [quote_embedding_text(chunk.section, text) for text, _ in quotable_pieces(chunk)]


def passage_candidates(hit: SearchHit, rank: int) -> list[Candidate]:
    """The candidates of one passage (`quotable_pieces`)."""
    return [Candidate(text, hit, kind, rank) for text, kind in quotable_pieces(hit.chunk)]


def candidates(hits: list[SearchHit]) -> list[Candidate]:
    """The candidates of every passage, passages in their retrieval order; a quote that
    two passages share under the same heading is kept once (the better ranked)."""
    seen: set[tuple[str, str]] = set()
    found: list[Candidate] = []
    for rank, hit in enumerate(hits):
        for candidate in passage_candidates(hit, rank):
            key = (candidate.section, candidate.text)
            if key in seen:
                continue
            seen.add(key)
            found.append(candidate)
    return found
