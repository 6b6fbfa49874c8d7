"""Dense vectors in Chroma: an embedded persistent store, or a Chroma server.

`ALLIANCES_CHROMA_URL=http://127.0.0.1:8000` switches to a server (`chroma run`) through
HttpClient, so several workers can share one index. Telemetry is off either way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from retrieval.chunking import Chunk
from retrieval.embeddings import TextEncoder
from retrieval.filters import SearchFilters


@dataclass
class DenseHit:
    chunk_id: str
    similarity: float  # cosine similarity, 1 = same direction


DEFAULT_COLLECTION_PREFIX = "alliances-chunks"
# Chroma looks for a query's nearest passages in an HNSW graph. With its defaults (search
# breadth 100, 16 links a node), a search over a few hundred passages missed some of the
# nearest ones, and not the same ones from one process to the next, so the same question
# could get another answer after a restart. A wider search, and a graph with more links
# built more carefully, find them all at the sizes of most knowledge bases, for a few
# milliseconds more per query at 100,000 passages (docs/evaluation.md). Links are fixed when
# a collection is made; an older collection is only given the wider search.
SEARCH_BREADTH = 512
GRAPH_LINKS = 32
BUILD_BREADTH = 200


def collection_name(encoder_name: str, prefix: str = DEFAULT_COLLECTION_PREFIX) -> str:
    """One collection per embedding model: vectors of two models never mix."""
    safe = re.sub(r"[^a-zA-Z0-9_-]+", "-", encoder_name).strip("-_")[:40] or "model"
    return f"{prefix}-{safe}"


def make_client(home: Path, chroma_url: str | None = None) -> Any:
    """A Chroma client: HttpClient for a URL, else a PersistentClient under `home`."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        parsed = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=settings,
        )
    return chromadb.PersistentClient(path=str(home / "chroma"), settings=settings)


class VectorStore:
    """The chunks' vectors in one Chroma collection (cosine space)."""

    def __init__(
        self, client: Any, encoder: TextEncoder, prefix: str = DEFAULT_COLLECTION_PREFIX
    ) -> None:
        from retrieval.langchain_embeddings import ChromaEncoderFunction

        self.encoder = encoder
        self._client = client
        self._collection = client.get_or_create_collection(
            name=collection_name(encoder.name, prefix),
            embedding_function=ChromaEncoderFunction(encoder),
            configuration={"hnsw": {
                "space": "cosine", "ef_search": SEARCH_BREADTH,
                "max_neighbors": GRAPH_LINKS, "ef_construction": BUILD_BREADTH,
            }},
        )
        # the stored settings as they are (`configuration` would build a second encoder)
        hnsw = (self._collection.configuration_json or {}).get("hnsw") or {}
        if hnsw.get("ef_search") != SEARCH_BREADTH:  # a collection made before: widen it
            self._collection.modify(configuration={"hnsw": {"ef_search": SEARCH_BREADTH}})
        self._max_batch = int(getattr(client, "get_max_batch_size", lambda: 5000)() or 5000)
        # Counting costs ~15 ms at 100,000 vectors; it only bounds n_results, so it is
        # remembered until this store writes (another process's writes only add vectors).
        self._known_count: int | None = None

    def count(self) -> int:
        return int(self._collection.count())

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Insert (or replace) chunks with their precomputed vectors."""
        self._known_count = None
        for start in range(0, len(chunks), self._max_batch):
            batch = chunks[start : start + self._max_batch]
            self._collection.upsert(
                ids=[chunk.chunk_id for chunk in batch],
                embeddings=vectors[start : start + len(batch)],
                documents=[chunk.text for chunk in batch],
                metadatas=[chunk.metadata for chunk in batch],
            )

    def stored_passages(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Chunk id → (text, metadata) as this collection holds them, for those of `ids`
        that have a vector here: tells a passage whose vector a crash left missing, or left
        from an older version of its text, from one that is up to date."""
        held: dict[str, tuple[str, dict[str, Any]]] = {}
        for start in range(0, len(ids), 500):
            got = self._collection.get(
                ids=list(ids[start : start + 500]), include=["documents", "metadatas"]
            )
            for chunk_id, text, metadata in zip(
                got["ids"], got["documents"], got["metadatas"], strict=True
            ):
                held[chunk_id] = (text or "", dict(metadata or {}))
        return held

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        self._known_count = None
        for start in range(0, len(doc_ids), 500):
            batch = list(doc_ids[start : start + 500])
            where = {"doc_id": batch[0]} if len(batch) == 1 else {"doc_id": {"$in": batch}}
            self._collection.delete(where=where)

    def query(self, vector: np.ndarray, k: int, filters: SearchFilters | None = None) -> list[
        DenseHit
    ]:
        where = filters.chroma_where() if filters else None
        available = self._known_count if self._known_count is not None else self.count()
        self._known_count = available
        if available == 0:
            self._known_count = None
            return []
        try:
            result = self._collection.query(
                query_embeddings=[vector], n_results=min(k, available), where=where,
                include=["distances"],
            )
        except Exception:
            if self._known_count is None:
                raise
            self._known_count = None  # another process removed vectors: count again
            return self.query(vector, k, filters)
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [DenseHit(chunk_id, 1.0 - float(distance)) for chunk_id, distance in zip(
            ids, distances, strict=True
        )]

    # -- per-document checks (ingestion's repair of interrupted runs) ------------------
    def ids_of_documents(self, doc_ids: Sequence[str]) -> set[str]:
        """The ids of every vector whose `doc_id` is one of `doc_ids`."""
        found: set[str] = set()
        for start in range(0, len(doc_ids), 100):
            batch = list(doc_ids[start : start + 100])
            where = {"doc_id": batch[0]} if len(batch) == 1 else {"doc_id": {"$in": batch}}
            found.update(self._collection.get(where=where, include=[])["ids"])
        return found

    def all_ids(self, page: int = 10_000) -> set[str]:
        """Every vector's id (paged: Chroma bounds one call)."""
        found: set[str] = set()
        offset = 0
        while True:
            ids = self._collection.get(include=[], limit=page, offset=offset)["ids"]
            found.update(ids)
            if len(ids) < page:
                return found
            offset += page

    def delete_ids(self, ids: Sequence[str]) -> None:
        self._known_count = None
        ids = list(ids)
        for start in range(0, len(ids), self._max_batch):
            self._collection.delete(ids=ids[start : start + self._max_batch])
