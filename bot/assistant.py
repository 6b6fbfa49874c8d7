"""The platform-neutral assistant: questions in, answers out. Knows nothing of Slack or
Teams; the CLI and both chat adapters call this."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from knowledge.manifest import DocumentInfo
from knowledge.paths import data_home, database_path
from retrieval.answers import Answer
from retrieval.extractive import AnswerRequest, ExtractiveAnswerer
from retrieval.filters import SearchFilters
from retrieval.followups import Turn, contextualize
from retrieval.index import KnowledgeIndex, SearchMode, SearchResult
from retrieval.ingestion import SHIPPED_ROOT, IngestReport, ProgressCallback, ingest
from retrieval.language import detect_language

__all__ = ["MAX_QUESTION_CHARS", "Assistant", "QuestionError", "Turn"]

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

    def __init__(self, index: KnowledgeIndex, answerer: ExtractiveAnswerer | None = None) -> None:
        self.index = index
        self.answerer = answerer or ExtractiveAnswerer(index=index, catalog=_catalog(index.home))
        # One question at a time per process: the lexical index and SQLite connection are
        # shared; answers take tens of milliseconds, so this costs little.
        self._lock = threading.RLock()

    @classmethod
    def from_environment(cls, home: Path | None = None) -> Assistant:
        """The assistant over ALLIANCES_HOME (or `home`), configured from the environment."""
        return cls(KnowledgeIndex(home or data_home()))

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
    ) -> Answer:
        """Answer a question; raises QuestionError, UnknownRegionError or UnknownPlanError."""
        started = time.perf_counter()
        question = validate_question(question)
        filters = SearchFilters.from_user(region=region, plan=plan, include_general=True)
        standalone = contextualize(question, history)
        with self._lock:
            self.ensure_ready()
            answer = self.answerer.answer(
                AnswerRequest(
                    question=standalone, filters=filters, language=detect_language(question)
                )
            )
        answer.question = question
        answer.timings_ms["total_ms"] = (time.perf_counter() - started) * 1000
        return answer

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
