"""How rare each stem is in the knowledge base, for weighting a question's words.

A word every passage uses ("alliance", "solidarité") proves nothing about relevance; a
word few passages use ("Kuujjuaq", "maraîchers") proves a lot. Inverse document
frequencies come from the lexical index, which already counts them.
"""

from __future__ import annotations

import math

from retrieval.evidence_features import TermStats
from retrieval.index import KnowledgeIndex

_CACHE: dict[int, tuple[str, TermStats]] = {}


def term_stats(index: KnowledgeIndex) -> TermStats:
    """IDF weights over the index's current passages; an unknown stem weighs the most.
    Remembered per index until its content changes."""
    version = index.store.version()
    cached = _CACHE.get(id(index))
    if cached is not None and cached[0] == version:
        return cached[1]
    stats = _compute(index)
    _CACHE[id(index)] = (version, stats)
    return stats


def _compute(index: KnowledgeIndex) -> TermStats:
    frequencies, documents = _document_frequencies(index)
    documents = max(documents, 1)

    def idf(stem: str) -> float:
        return math.log(1.0 + documents / (1.0 + frequencies.get(stem, 0)))

    return TermStats(idf=idf, known=lambda stem: frequencies.get(stem, 0) > 0)


def _document_frequencies(index: KnowledgeIndex) -> tuple[dict[str, int], int]:
    """Stem -> number of passages using it, and the number of passages."""
    return index.lexical.document_frequencies()
