"""Embeddings of quotable pieces (lines, sentences, lists) and of whole passages,
remembered in the project's SQLite file so a quote is encoded once per model, not once per
question.

The answerer compares the question with each candidate quote and its passage; encoding
sixty short quotes costs about two seconds on two cores, while reading them back costs a
millisecond. Keys are a hash of the model's name and the text, so the cache is never stale:
a changed passage has new quotes and new keys. Whoever indexes passages (ingestion, the
project log) calls `store_passage_vectors` and `encode_quotes`, so that the first question
about a document does not pay for its encoding; a quote still missing at question time is
encoded then and remembered. The documents whose quotes are all stored are recorded with
their content digest, so that ingestion finds those it never encoded (indexed before this
cache existed, or by a run killed while encoding) and encodes them too.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from knowledge.paths import database_path
from retrieval.embeddings import TextEncoder
from retrieval.evidence_candidates import quote_texts

if TYPE_CHECKING:
    from retrieval.chunking import Chunk
    from retrieval.index import KnowledgeIndex

log = logging.getLogger(__name__)
T = TypeVar("T")

_TABLE = "quote_vectors"
_DOCUMENTS = "quote_documents"  # documents whose quotes are all stored, by content digest
_BATCH = 500


class QuoteVectors:
    """Get-or-encode embeddings of texts, stored as float16 (half the bytes, same ranks)."""

    def __init__(self, db_path: Path, encoder: TextEncoder) -> None:
        self._encoder = encoder
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(db_path), check_same_thread=False, timeout=10)
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {_TABLE} (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
        )
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {_DOCUMENTS} "
            "(doc_id TEXT PRIMARY KEY, digest TEXT NOT NULL)"
        )
        self._db.commit()

    def _key(self, text: str) -> str:
        digest = hashlib.sha1(f"{self._encoder.name}\x00{text}".encode())
        return digest.hexdigest()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text, in order; missing ones encoded and stored."""
        if not texts:
            return np.zeros((0, self._encoder.dimension), dtype=np.float32)
        keys = [self._key(text) for text in texts]
        found = self._read(keys)
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            encoded = self._encoder.encode_documents([texts[i] for i in missing])
            self._write([(keys[i], vector) for i, vector in zip(missing, encoded, strict=True)])
            for i, vector in zip(missing, encoded, strict=True):
                found[keys[i]] = np.asarray(vector, dtype=np.float32)
        return np.vstack([found[key] for key in keys]).astype(np.float32)

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Remember vectors already encoded by this encoder (a passage's, at indexing)."""
        pairs = zip(texts, vectors, strict=True)
        self._write([(self._key(text), vector) for text, vector in pairs])

    def warm(self, texts: Sequence[str]) -> int:
        """Encode and store the texts not stored yet; the number encoded."""
        unique = list(dict.fromkeys(texts))
        keys = [self._key(text) for text in unique]
        found = self._read(keys)
        missing = [text for text, key in zip(unique, keys, strict=True) if key not in found]
        if missing:
            self.vectors(missing)
        return len(missing)

    def mark_documents(self, digests: Mapping[str, str]) -> None:
        """Record that these documents' quotes, at these digests, are all stored."""
        with self._lock:
            self._db.executemany(
                f"INSERT OR REPLACE INTO {_DOCUMENTS} (doc_id, digest) VALUES (?, ?)",
                list(digests.items()),
            )
            self._db.commit()

    def _read(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), _BATCH):
                batch = list(keys[start : start + _BATCH])
                marks = ",".join("?" for _ in batch)
                rows = self._db.execute(
                    f"SELECT key, vector FROM {_TABLE} WHERE key IN ({marks})", batch
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return found

    def _write(self, rows: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._lock:
            self._db.executemany(
                f"INSERT OR IGNORE INTO {_TABLE} (key, vector) VALUES (?, ?)",
                [(key, np.asarray(v, dtype=np.float16).tobytes()) for key, v in rows],
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def store_passage_vectors(
    index: KnowledgeIndex, chunks: Sequence[Chunk], vectors: np.ndarray
) -> None:
    """Remember the vectors of passages just indexed (`vectors`: the index encoder's, of
    each chunk's `embedding_text()`), which the answerer compares with the question too."""
    if chunks:
        texts = [chunk.embedding_text() for chunk in chunks]
        _in_cache(index, lambda quotes: quotes.put(texts, vectors))


def encode_quotes(
    index: KnowledgeIndex, chunks: Sequence[Chunk], digests: Mapping[str, str] | None = None
) -> int:
    """Encode the quotes of these passages, and the passages themselves, not stored yet;
    the number encoded. `digests`: the documents these passages are all of, recorded as
    encoded once they are."""
    if not chunks and not digests:
        return 0
    texts = [
        text for chunk in chunks for text in (chunk.embedding_text(), *quote_texts(chunk))
    ]

    def encode(quotes: QuoteVectors) -> int:
        encoded = quotes.warm(texts)
        quotes.mark_documents(digests or {})
        return encoded

    return _in_cache(index, encode) or 0


def encoded_documents(home: Path) -> dict[str, str] | None:
    """The documents whose quotes are all stored (doc_id -> content digest); None when the
    cache cannot be read. Read without the encoder, so that an ingestion that finds
    everything in place loads no model."""
    try:
        with closing(sqlite3.connect(str(database_path(home)), timeout=10)) as db:
            if not db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_DOCUMENTS,)
            ).fetchone():
                return {}
            return dict(db.execute(f"SELECT doc_id, digest FROM {_DOCUMENTS}").fetchall())
    except sqlite3.Error as error:
        log.warning("quote cache unreadable, its documents are not checked: %s", error)
        return None


def _in_cache(index: KnowledgeIndex, step: Callable[[QuoteVectors], T]) -> T | None:
    """One step on the index's quote cache, opened for it. The cache only spares work and
    the passages are indexed already, so a SQLite failure skips the step (logged): the
    questions that need these quotes will encode them."""
    try:
        quotes = QuoteVectors(database_path(index.home), index.encoder)
        try:
            return step(quotes)
        finally:
            quotes.close()
    except sqlite3.Error as error:
        log.warning("quote cache not updated, questions will encode these quotes: %s", error)
        return None
