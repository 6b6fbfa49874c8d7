"""The platform-neutral assistant: questions in, answers out. Knows nothing of Slack or
Teams; the CLI and both chat adapters call this.

With `ALLIANCES_LLM` set, answers are written by that chat model and checked
(retrieval.llm_answerer), with a per-user quota of LLM answers (`ALLIANCES_LLM_RATE_LIMIT`,
bot.rate_limit): past it, the person gets the extractive answer. Unset: extractive answers.
`ask_stream` yields progress while the model writes, then the checked answer.

Thread-safe: questions from several threads search side by side and the model writes with
no lock held; at most `model_slots` answers wait on the model at once (bot.concurrency),
and ingesting excludes questions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.concurrency import ModelSlots, SharedExclusiveLock
from bot.rate_limit import RateLimiter
from knowledge.manifest import DocumentInfo
from knowledge.paths import data_home
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
from retrieval.ingestion import (
    SHIPPED_ROOT,
    IndexNotReadyError,
    IngestReport,
    ProgressCallback,
    encode_new_quotes,
    ingest,
    verify,
)
from retrieval.language import detect_language

__all__ = [
    "MAX_QUESTION_CHARS", "AnswerDone", "AnswerEvent", "AnswerProgress", "Assistant",
    "QuestionError", "Turn",
]

MAX_QUESTION_CHARS = 2000
log = logging.getLogger(__name__)


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
            answerer = ExtractiveAnswerer(index=index)
            if llm is not None:
                from retrieval.llm_answerer import LLMAnswerer

                options = {"timeout_s": llm_timeout_s} if llm_timeout_s else {}
                answerer = LLMAnswerer(
                    model=llm, extractive=answerer, model_label=llm_label, **options
                )
        self.answerer = answerer
        self.rate_limiter = rate_limiter
        # Questions search side by side (shared); ingesting is exclusive (`with self._lock`).
        # The LLM writes outside the lock, in one of `model_slots` (bot.concurrency).
        self._lock = SharedExclusiveLock()
        self.model_slots = ModelSlots.from_environment()

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

    # Set once ensure_ready found (or made) the index agree with the shipped documents.
    _index_checked = False

    def ensure_ready(self, progress: ProgressCallback | None = None) -> IngestReport | None:
        """Bring the index in line with the shipped knowledge base, once per process: the
        first ingestion into an empty data folder, the repair of an interrupted one (checked
        per document across passages and vectors), the update of changed files.
        When everything agrees this loads no model. Returns the report when something was
        done; raises IndexNotReadyError (French) when the index cannot be made to agree."""
        with self._lock:
            if self._index_checked:
                return None
            report = ingest(self.index, progress=progress)
            problems = [f"{doc_id} : {message}" for doc_id, message in report.failed]
            if not problems and report.changed:
                problems = verify(self.index)
            if problems:
                raise IndexNotReadyError(
                    "La base de connaissances n'a pas pu être mise en état : "
                    + " ; ".join(problems[:5])
                )
            self._index_checked = True
        encode_new_quotes(self.index, report)
        if report.changed:
            log.info("knowledge base brought in line: %s", report.summary())
            return report
        return None

    def _ingested(self, run: Callable[[], IngestReport]) -> IngestReport:
        """Run an ingestion with questions held back, then encode the new passages' quotes
        for the answerer with questions let through again: the index is complete already."""
        with self._lock:
            report = run()
        encode_new_quotes(self.index, report)
        return report

    def ingest(
        self,
        documents: Sequence[DocumentInfo] | None = None,
        root: str = SHIPPED_ROOT,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        return self._ingested(lambda: ingest(
            self.index, documents, root=root, progress=progress
        ))

    def refresh_document(self, info: DocumentInfo, root: str = SHIPPED_ROOT) -> IngestReport:
        """Ingest one document again (its metadata was corrected in the source registry),
        leaving the others alone; questions wait meanwhile."""
        return self._ingested(lambda: ingest(
            self.index, [info], root=root, remove_absent=False
        ))

    def add_document(
        self, info: DocumentInfo, root: str, added_by: str | None = None
    ) -> IngestReport:
        """Ingest one new document (a file a curator shared), recorded in the source
        registry as added by `added_by`, leaving the others alone; questions wait meanwhile."""
        return self._ingested(lambda: ingest(
            self.index, [info], root=root, remove_absent=False, added_by=added_by
        ))

    def remove_document(self, doc_id: str) -> None:
        """Take a document out of the index: vectors, passages (and so the lexical index);
        questions wait meanwhile."""
        with self._lock:
            self.index.remove_document(doc_id)

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
        self._ensure_indexed()
        if not self.uses_llm:
            with self._lock.shared():
                answer = self.answerer.answer(request)
            events = events_for(answer)
        else:
            with self._lock.shared():
                prepared = self.answerer.prepare(request)
            events = self._llm_events(prepared, user)
        for event in events:
            if isinstance(event, AnswerDone):
                event.answer.question = question
                event.answer.timings_ms["total_ms"] = (time.perf_counter() - started) * 1000
            yield event

    def _llm_events(self, prepared: Any, user: str | None) -> Iterator[AnswerEvent]:
        """The LLM answerer's events, holding a model slot while the model writes. No lock
        is held here: the model call is the slow part."""
        from retrieval.llm_answerer import LLM_BUSY, RATE_LIMITED

        if not self.answerer.needs_model(prepared):
            yield from self.answerer.events(prepared)
            return
        if not self.model_slots.try_acquire():
            # Every slot is taken: the extractive answer now beats a wait of many seconds.
            yield from self.answerer.without_model(prepared, LLM_BUSY)
            return
        try:
            # Only answers the model would write count against the asker's quota.
            if self.rate_limiter is not None and user is not None and not (
                self.rate_limiter.allow(user)
            ):
                yield from self.answerer.without_model(prepared, RATE_LIMITED)
            else:
                yield from self.answerer.events(prepared)
        finally:
            self.model_slots.release()

    def _ensure_indexed(self) -> None:
        """Make the index ready first (`ensure_ready`) unless this process already did: one
        attribute read, so that questions do not queue on the exclusive lock once it is."""
        if not self._index_checked:
            self.ensure_ready()

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
        self._ensure_indexed()
        with self._lock.shared():
            return self.index.search(query, k, filters, mode)
