"""The platform-neutral assistant: questions in, answers out. Knows nothing of Slack or
Teams; the CLI and both chat adapters call this.

With `ALLIANCES_LLM` set, answers are written by that chat model and checked
(retrieval.llm_answerer), with a per-user quota of LLM answers (`ALLIANCES_LLM_RATE_LIMIT`,
bot.rate_limit): past it, the person gets the extractive answer. Unset: extractive answers.
`ask_stream` yields progress while the model writes, then the checked answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.rate_limit import RateLimiter
from knowledge.manifest import DocumentInfo
from knowledge.paths import data_home, database_path
from retrieval.answer_events import (
    AnswerDone,
    AnswerEvent,
    AnswerProgress,
    events_for,
    final_answer,
)
from retrieval.answers import Answer
from retrieval.extractive import AnswerRequest, ExtractiveAnswerer
from retrieval.filters import SearchFilters
from retrieval.followups import Turn, contextualize
from retrieval.index import KnowledgeIndex, SearchMode, SearchResult
from retrieval.ingestion import SHIPPED_ROOT, IngestReport, ProgressCallback, ingest
from retrieval.language import detect_language

__all__ = [
    "MAX_QUESTION_CHARS", "AnswerDone", "AnswerEvent", "AnswerProgress", "Assistant",
    "QuestionError", "Turn",
]

MAX_QUESTION_CHARS = 2000


class QuestionError(ValueError):
    """A question that cannot be asked as typed; str() says why and how, in French."""


def validate_question(question: str) -> str:
    """The question stripped, or QuestionError when empty or too long."""
    cleaned = (question or "").strip()
    if not cleaned:
        raise QuestionError(
            "La question est vide. Exemple : « Qui est le mandataire en Mauricie ? »"
        )
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"La question est trop longue ({len(cleaned)} caractères, maximum "
            f"{MAX_QUESTION_CHARS}). Posez une question courte et précise."
        )
    return cleaned


class Assistant:
    """Answers questions from the knowledge index; ingests the shipped base when empty."""

    def __init__(
        self,
        index: KnowledgeIndex,
        answerer: Any | None = None,
        *,
        llm: Any | None = None,
        llm_label: str = "llm",
        llm_timeout_s: float | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        """`answerer`: any Runnable over AnswerRequest -> Answer (default: extractive, or
        the LLM answerer over `llm`, a LangChain chat model, when one is given)."""
        self.index = index
        if answerer is None:
            answerer = ExtractiveAnswerer(index=index, catalog=_catalog(index.home))
            if llm is not None:
                from retrieval.llm_answerer import LLMAnswerer

                options = {"timeout_s": llm_timeout_s} if llm_timeout_s else {}
                answerer = LLMAnswerer(
                    model=llm, extractive=answerer, model_label=llm_label, **options
                )
        self.answerer = answerer
        self.rate_limiter = rate_limiter
        # One question at a time per process: the lexical index and SQLite connection are
        # shared; searching takes tens of milliseconds, so this costs little. An LLM writes
        # outside the lock.
        self._lock = threading.RLock()

    @classmethod
    def from_environment(cls, home: Path | None = None) -> Assistant:
        """The assistant over ALLIANCES_HOME (or `home`), configured from the environment
        (ALLIANCES_LLM and its settings: retrieval.llm_model). A malformed LLM setting
        raises retrieval.llm_model.LLMConfigError (a ValueError with a French message)."""
        from retrieval.llm_model import chat_model_from_environment

        index = KnowledgeIndex(home or data_home())
        configured = chat_model_from_environment()
        if configured is None:
            return cls(index)
        model, settings = configured
        return cls(
            index, llm=model, llm_label=settings.label, llm_timeout_s=settings.timeout_s,
            rate_limiter=RateLimiter.from_environment(),
        )

    @property
    def uses_llm(self) -> bool:
        return hasattr(self.answerer, "events")

    @property
    def home(self) -> Path:
        return self.index.home

    def ensure_ready(self, progress: ProgressCallback | None = None) -> IngestReport | None:
        """Ingest the shipped knowledge base if nothing is indexed yet."""
        with self._lock:
            if self.index.is_empty():
                return self.ingest(progress=progress)
        return None

    def ingest(
        self,
        documents: Sequence[DocumentInfo] | None = None,
        root: str = SHIPPED_ROOT,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        with self._lock:
            return ingest(
                self.index, documents, root=root, progress=progress,
                on_catalog=lambda loaded, removed: _update_catalog(self.home, loaded, removed),
            )

    def ask(
        self,
        question: str,
        *,
        region: str | None = None,
        plan: str | None = None,
        history: Sequence[Turn] = (),
        user: str | None = None,
        on_progress: Callable[[AnswerProgress], None] | None = None,
    ) -> Answer:
        """Answer a question; raises QuestionError, UnknownRegionError or UnknownPlanError.

        `user` ("slack:U012AB3CD") is who asks, for the per-user LLM quota; `on_progress`
        is called (in this thread) while an LLM writes: see `ask_stream`."""
        events = self.ask_stream(question, region=region, plan=plan, history=history, user=user)
        if on_progress is None:
            return final_answer(events)
        answer: Answer | None = None
        for event in events:
            if isinstance(event, AnswerProgress):
                on_progress(event)
            elif isinstance(event, AnswerDone):
                answer = event.answer
        assert answer is not None
        return answer

    def ask_stream(
        self,
        question: str,
        *,
        region: str | None = None,
        plan: str | None = None,
        history: Sequence[Turn] = (),
        user: str | None = None,
    ) -> Iterator[AnswerEvent]:
        """Answer a question as a stream of events (retrieval.answer_events): AnswerProgress
        while an LLM writes and its draft is checked (no text: nothing unchecked is shown),
        then AnswerChunk pieces of the checked answer, then AnswerDone with the Answer.
        Bad questions and filters raise here, before the first event."""
        started = time.perf_counter()
        question = validate_question(question)
        filters = SearchFilters.from_user(region=region, plan=plan, include_general=True)
        request = AnswerRequest(
            question=contextualize(question, history), filters=filters,
            language=detect_language(question), history=tuple(history),
        )
        return self._stream(request, question, user, started)

    def _stream(
        self, request: AnswerRequest, question: str, user: str | None, started: float
    ) -> Iterator[AnswerEvent]:
        yield AnswerProgress("searching")
        if not self.uses_llm:
            with self._lock:
                self.ensure_ready()
                answer = self.answerer.answer(request)
            events = events_for(answer)
        else:
            with self._lock:
                self.ensure_ready()
                prepared = self.answerer.prepare(request)
            # Only answers the model would write count against the asker's quota.
            limited = (
                self.rate_limiter is not None and user is not None
                and self.answerer.needs_model(prepared) and not self.rate_limiter.allow(user)
            )
            if limited:
                from retrieval.llm_answerer import RATE_LIMITED

                events = self.answerer.without_model(prepared, RATE_LIMITED)
            else:
                events = self.answerer.events(prepared)
        for event in events:
            if isinstance(event, AnswerDone):
                event.answer.question = question
                event.answer.timings_ms["total_ms"] = (time.perf_counter() - started) * 1000
            yield event

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        region: str | None = None,
        plan: str | None = None,
        measure: str | None = None,
        kind: str | None = None,
        mode: SearchMode = "hybrid",
    ) -> SearchResult:
        query = validate_question(query)
        filters = SearchFilters.from_user(region=region, plan=plan, measure=measure, kind=kind)
        with self._lock:
            self.ensure_ready()
            return self.index.search(query, k, filters, mode)


def _catalog(home: Path) -> object | None:
    from retrieval.catalog_answers import CatalogAnswerer

    return CatalogAnswerer(database_path(home))


def _update_catalog(
    home: Path, loaded: Sequence[tuple[DocumentInfo, str]], removed: Sequence[str]
) -> None:
    from knowledge.catalog import build_catalog, remove_document

    db_path = database_path(home)
    for doc_id in removed:
        remove_document(db_path, doc_id)
    if loaded:
        build_catalog(db_path, loaded)
