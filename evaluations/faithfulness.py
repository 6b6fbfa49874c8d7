"""Faithfulness: the share of an answer's sentences that their cited passages support.

A sentence (or list item) is supported when the passages it cites — its own markers, or its
neighbour's (retrieval.citations) — contain its figures, dates and names and at least half
of its content words (retrieval.llm_checks.claim_support). The passages are rebuilt from the
answer's citations: the cited chunk (title, section, text) and the citation's excerpt.
Lead-ins ("D'après les documents :") and abstentions are
not counted.

It is a lexical measure: it cannot tell a faithful paraphrase from a contradiction that
reuses the passage's words, and English sentences over French passages are matched through
the glossary only, so it errs on the low side for them. It compares answerers fairly
(the extractive answerer quotes, so it sits near 1.0) and catches invented facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retrieval.answers import Answer
from retrieval.llm_checks import faithfulness


def cited_passages(answer: Answer, index: Any) -> dict[int, str]:
    """The text behind each citation number of an answer (1-based, in citation order)."""
    ids = [citation.chunk_id for citation in answer.citations if citation.chunk_id]
    chunks = index.store.chunks_by_id(ids) if ids else {}
    passages: dict[int, str] = {}
    for number, citation in enumerate(answer.citations, start=1):
        parts = [citation.title, citation.section, citation.excerpt]
        chunk = chunks.get(citation.chunk_id)
        if chunk is not None:
            parts.append(chunk.text)
        passages[number] = "\n".join(part for part in parts if part)
    return passages


def answer_faithfulness(answer: Answer, index: Any) -> tuple[int, int]:
    """(supported sentences, sentences with content) of an answer; (0, 0) for an abstention."""
    if answer.abstained:
        return 0, 0
    return faithfulness(
        answer.text,
        cited_passages(answer, index),
        question=answer.question,
        language=answer.language,
    )


def faithfulness_share(records: Sequence[dict[str, Any]]) -> float:
    """Supported sentences over all counted sentences, across the records (micro-average)."""
    supported = sum(record.get("supported_sentences", 0) for record in records)
    total = sum(record.get("counted_sentences", 0) for record in records)
    return supported / total if total else 0.0
