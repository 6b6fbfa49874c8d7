"""The extractive answerer: quotes the retrieved sentences that answer, cites them, and
abstains when none is likely enough to. No LLM needed.

    evidence = answerer.gather(request)      # passages: hybrid search, the territories the
                                             # question names, the projects it names
    answer = answerer.answer_from(request, evidence)

Every line, list and short passage of the evidence is a candidate quote; a learned scorer
(`retrieval.evidence_model`, fitted on development questions) weighs for each how close
it is in meaning to the question, how many of its rare words it shares, whether it meets
the question's territory, period, measure and names, and whether it holds the kind of
answer wanted; its calibrated probability is the answer's confidence, and below the
model's threshold the answerer abstains. `retrieval.answer_composer` turns the chosen
quotes into the text.

It is a LangChain Runnable (input: `AnswerRequest`, output: `Answer`), so an LLM answerer
can stand beside it with the same interface.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import ConfigDict

from knowledge.paths import database_path
from retrieval.acronym_expansions import AcronymExpansions
from retrieval.answer_composer import (
    abstention,
    closest_sources,
    compose,
    select_quotes,
)
from retrieval.answers import Answer
from retrieval.evidence_candidates import Candidate, candidates
from retrieval.evidence_features import FEATURE_NAMES, TermStats, feature_matrix
from retrieval.evidence_model import EvidenceModel, load_model
from retrieval.filters import SearchFilters
from retrieval.followups import Turn
from retrieval.index import KnowledgeIndex, SearchHit
from retrieval.known_subjects import MeasureMentions, UnknownSubject, unknown_subject
from retrieval.language import detect_language
from retrieval.project_evidence import ProjectEvidence
from retrieval.question_profile import QuestionProfile, profile_question
from retrieval.quote_vectors import QuoteVectors
from retrieval.term_stats import term_stats

TOP_K = 12  # passages of the fused ranking; 8 left the answering one out more often
REGION_PASSAGES = 2  # per territory the question names, beside the fused ranking


@dataclass
class AnswerRequest:
    """A question ready for an answerer: follow-ups already resolved by the caller.
    `history`: the conversation's earlier turns (oldest first), for answerers that write
    (the LLM answerer shows them to the model); the extractive answerer ignores them."""

    question: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    language: str | None = None
    history: Sequence[Turn] = ()


@dataclass
class Evidence:
    """What retrieval found for a request: the passages, the question's profile, the
    projects it names, and the search timings."""

    language: str
    hits: list[SearchHit]
    profile: QuestionProfile
    named_projects: frozenset[int] = frozenset()
    timings_ms: dict[str, float] = field(default_factory=dict)
    # What the question names that no passage does: nothing to quote, whatever was found.
    unknown: UnknownSubject | None = None
    search_text: str = ""  # the question as searched and encoded (`QuestionProfile.search_text`)


@dataclass
class ScoredEvidence:
    """Every candidate quote of a request with its features and score (what the
    evaluation fits the model on)."""

    candidates: list[Candidate]
    features: np.ndarray
    scores: np.ndarray


class ExtractiveAnswerer(RunnableSerializable[AnswerRequest, Answer]):
    """Answer = the best supported quotes of the retrieved passages."""

    index: Any  # KnowledgeIndex (Any: pydantic does not validate our classes)
    search_mode: str = "hybrid"  # the evaluation compares "lexical" and "dense" too
    model: Any = None  # EvidenceModel; None: the one shipped with the code
    name: str = "extractive"

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def invoke(
        self, input: AnswerRequest, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        return self.answer(input)

    # -- the parts it works with (built on first use, shared by copies) ---------------------
    @property
    def evidence_model(self) -> EvidenceModel:
        return self.model if self.model is not None else load_model()

    def _parts(self) -> _Parts:
        index: KnowledgeIndex = self.index
        return _Parts.of(index)

    # -- answering -------------------------------------------------------------------------
    def answer(self, request: AnswerRequest) -> Answer:
        started = time.perf_counter()
        evidence = self.gather(request)
        answer = self.answer_from(request, evidence)
        answer.timings_ms = {
            **evidence.timings_ms, "answer_ms": (time.perf_counter() - started) * 1000
        }
        return answer

    def gather(self, request: AnswerRequest) -> Evidence:
        """Search the index for a request (what both answerers start from)."""
        index: KnowledgeIndex = self.index
        parts = self._parts()
        language = request.language or detect_language(request.question)
        profile = profile_question(request.question, language, parts.acronyms.expansions)
        search_text = profile.search_text(parts.stats().known)
        result = index.search(
            search_text, TOP_K, request.filters, mode=self.search_mode,
            language=language,
        )
        hits = list(result.hits)
        hits += self._territory_hits(request, profile, language, hits)
        projects, project_hits = parts.projects.named_in(request.question)
        seen = {hit.chunk.chunk_id for hit in hits}
        hits += [hit for hit in project_hits if hit.chunk.chunk_id not in seen]
        unknown = unknown_subject(profile, parts.stats(), parts.measures.known)
        return Evidence(
            language, hits, profile, projects, dict(result.timings_ms), unknown, search_text
        )

    def _territory_hits(
        self, request: AnswerRequest, profile: QuestionProfile, language: str,
        hits: list[SearchHit],
    ) -> list[SearchHit]:
        """The passages of each territory the question names: a question about the
        Outaouais must see the Outaouais section even when general passages rank higher.
        They join the evidence; the scorer decides."""
        if request.filters.region or not profile.regions:
            return []
        index: KnowledgeIndex = self.index
        # The territory's own passages name it, so the lexical index finds them; a filtered
        # vector search would cost ~90 ms at 100,000 chunks for the same result.
        mode = "dense" if self.search_mode == "dense" else "lexical"
        seen = {hit.chunk.chunk_id for hit in hits}
        extra: list[SearchHit] = []
        for region in profile.regions[:3]:
            filters = replace(request.filters, region=region, include_general=False)
            for hit in index.search(
                request.question, REGION_PASSAGES, filters, mode=mode, language=language
            ).hits:
                if hit.chunk.chunk_id not in seen:
                    seen.add(hit.chunk.chunk_id)
                    extra.append(hit)
        return extra

    def score(self, request: AnswerRequest, evidence: Evidence) -> ScoredEvidence:
        """The candidate quotes of the evidence, their features and scores."""
        parts = self._parts()
        found = [] if evidence.unknown else candidates(evidence.hits)
        if not found:
            empty = np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
            return ScoredEvidence([], empty, np.zeros(0))
        question_vector = parts.query_vector(evidence.search_text or request.question)
        quote_vectors = parts.quotes.vectors([c.embedding_text for c in found])
        passage_vectors = parts.quotes.vectors(
            [c.hit.chunk.embedding_text() for c in found]
        )
        features = feature_matrix(
            evidence.profile, found, quote_vectors @ question_vector,
            passage_vectors @ question_vector, parts.stats(), evidence.named_projects,
        )
        return ScoredEvidence(found, features, self.evidence_model.scores(features))

    def answer_from(self, request: AnswerRequest, evidence: Evidence) -> Answer:
        """The extractive answer over evidence already gathered (no timings set)."""
        scored = self.score(request, evidence)
        model = self.evidence_model
        selection = select_quotes(
            evidence.profile, scored.candidates, scored.features, scored.scores, model
        )
        if not selection.quotes:
            closest = closest_sources(scored.candidates, scored.scores, evidence.hits)
            return abstention(
                request.question, evidence.language, closest, request.filters,
                selection.confidence, evidence.unknown,
            )
        return compose(request.question, evidence.profile, selection, request.filters)


class _Parts:
    """What the answerer needs beside the index, one set per index: the quote vectors,
    the acronyms the documents define, the logged projects, the term statistics."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self.index = index
        self.quotes = QuoteVectors(database_path(index.home), index.encoder)
        self.acronyms = AcronymExpansions(index.store)
        self.projects = ProjectEvidence(index.home)
        self.measures = MeasureMentions(index.store)
        self._last_query: tuple[str, np.ndarray] | None = None

    @classmethod
    def of(cls, index: KnowledgeIndex) -> _Parts:
        with _PARTS_LOCK:
            parts = _PARTS.get(index)
            if parts is None:
                parts = _PARTS[index] = cls(index)
            return parts

    def query_vector(self, question: str) -> np.ndarray:
        last = self._last_query
        if last is not None and last[0] == question:
            return last[1]
        vector = np.asarray(self.index.encoder.encode_query(question), dtype=np.float32)
        self._last_query = (question, vector)
        return vector

    def stats(self) -> TermStats:
        return term_stats(self.index)


_PARTS: weakref.WeakKeyDictionary[KnowledgeIndex, _Parts] = weakref.WeakKeyDictionary()
_PARTS_LOCK = threading.Lock()
