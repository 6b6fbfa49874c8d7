"""Whether a question is about something the knowledge base never mentions.

A question about « la mesure 52 du PAGIEPS » when no passage names a measure 52, about
« le Trillium » when no passage uses that name, or about 2031 when no passage speaks of a
time near it, cannot be answered from the documents, however close some passage's wording
is. What the base mentions is read from its passages (the names and years through the term
statistics, the measures through `MeasureMentions`), so a document added tomorrow that
names measure 52 makes the question answerable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.chunk_store import ChunkStore
from retrieval.document_memo import DocumentMemo
from retrieval.evidence_features import TermStats, unknown_name_share
from retrieval.question_profile import QuestionProfile
from retrieval.spans import MAX_SPAN_YEARS, Span, measure_numbers

# How many passages holding the number are read to find one that names the measure; past
# the cap, a measure named only further on would be taken for unknown (an abstention, never
# a wrong answer).
_MAX_ROWS = 5000


def names_measure(text: str, number: str) -> bool:
    """Whether a passage names measure `number`: « mesure 52 », « M 11 », « N° DE LA
    MESURE : 1.1 », or a numbered line of a plan's outline (« 3.2 Soutenir les actions… »)."""
    if number in measure_numbers(text):
        return True
    return "." in number and re.search(
        rf"(?m)^\s*{re.escape(number)}\s+[^\W\d]", text
    ) is not None


class MeasureMentions:
    """Which documents name a measure number, learned from the passages."""

    def __init__(self, store: ChunkStore) -> None:
        self._store = store
        self._memo: DocumentMemo[bool] = DocumentMemo(store, self._read)

    def known(self, number: str) -> bool:
        return any(self._memo.by_document(number).values())

    def _read(self, number: str, doc_ids: set[str] | None) -> dict[str, bool]:
        named: dict[str, bool] = {}
        for doc_id, text in self._store.passages_containing(number, _MAX_ROWS, doc_ids):
            named[doc_id] = named.get(doc_id, False) or names_measure(text, number)
        return named


@dataclass(frozen=True)
class UnknownSubject:
    """What the question names that no passage does: its measures or its names."""

    measures: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()  # "2031", "2030-2035"

    def describe(self, language: str) -> str:
        """« la mesure 52 » / "measure 52", « Trillium », 2031 …, for the abstention."""
        if self.measures:
            word = "measure" if language == "en" else "la mesure"
            return " ; ".join(f"{word} {number}" for number in self.measures)
        if self.periods:
            return ", ".join(self.periods)
        return ", ".join(f"« {name} »" for name in self.names)


def time_covered(span: Span, year_known: Callable[[str], bool]) -> bool:
    """Whether a passage may speak of `span`: it names a year of it, or two years around it
    close enough to be a period that holds it (« 2024-2029 » holds 2026). Generous on
    purpose: a year it wrongly takes for covered is left to the scorer."""
    if any(year_known(str(year)) for year in range(span.start, span.end + 1)):
        return True
    before = [y for y in range(span.end - MAX_SPAN_YEARS, span.start) if year_known(str(y))]
    return any(
        year_known(str(after)) for first in before
        for after in range(span.end + 1, first + MAX_SPAN_YEARS + 1)
    )


def unknown_subject(
    profile: QuestionProfile, stats: TermStats, measure_known: Callable[[str], bool]
) -> UnknownSubject | None:
    """What makes the question unanswerable from this base, if anything: every measure it
    names is one no passage names, every name it uses is one no passage uses, or every
    year or period it names is a time no passage speaks of."""
    if profile.measures and not any(measure_known(n) for n in profile.measures):
        return UnknownSubject(measures=tuple(profile.measures))
    if profile.names and unknown_name_share(profile, stats) >= 1.0:
        return UnknownSubject(names=tuple(name.text for name in profile.names))
    if profile.spans and not any(time_covered(s, stats.known) for s in profile.spans):
        return UnknownSubject(periods=tuple(span.label() for span in profile.spans))
    return None
