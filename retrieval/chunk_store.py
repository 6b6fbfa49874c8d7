"""The ingestion registry and the chunks' text, in the project's SQLite file.

`documents` remembers each ingested file's content hash, so a re-run skips what did not
change; `chunks` holds every passage with its metadata and its analysed tokens, from which
the lexical index is rebuilt without re-reading any file. `index_state.version` changes
with every write, telling readers when their in-memory index is stale.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from retrieval.chunking import Chunk


@dataclass
class DocumentRecord:
    doc_id: str
    path: str
    root: str
    content_hash: str
    title: str
    chunk_count: int
    ingested_at: float


class ChunkStore:
    """Documents and chunks tables; every write is one transaction."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        # The chat servers answer from worker threads; writes are serialised by SQLite.
        connection = sqlite3.connect(str(db_path), check_same_thread=False, timeout=10)
        self.db = sqlite_utils.Database(connection)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self._create_tables()

    def _create_tables(self) -> None:
        self.db["documents"].create(
            {
                "doc_id": str, "path": str, "root": str, "content_hash": str, "title": str,
                "chunk_count": int, "ingested_at": float,
            },
            pk="doc_id", if_not_exists=True,
        )
        self.db["chunks"].create(
            {
                "chunk_id": str, "doc_id": str, "position": int, "section": str, "text": str,
                "metadata": str, "tokens": str,
            },
            pk="chunk_id", if_not_exists=True,
        )
        self.db["chunks"].create_index(["doc_id"], if_not_exists=True)
        self.db["index_state"].create({"key": str, "value": str}, pk="key", if_not_exists=True)

    # -- documents ---------------------------------------------------------------------
    def document(self, doc_id: str) -> DocumentRecord | None:
        rows = list(self.db["documents"].rows_where("doc_id = ?", [doc_id]))
        return DocumentRecord(**rows[0]) if rows else None

    def documents(self, root: str | None = None) -> list[DocumentRecord]:
        where, args = ("root = ?", [root]) if root is not None else (None, None)
        return [DocumentRecord(**row) for row in self.db["documents"].rows_where(where, args)]

    def hashes(self) -> dict[str, str]:
        return {row["doc_id"]: row["content_hash"] for row in self.db["documents"].rows}

    # -- chunks ------------------------------------------------------------------------
    def replace_document(
        self, record: DocumentRecord, chunks: Sequence[Chunk], tokens: Sequence[list[str]]
    ) -> None:
        """Swap a document's chunks for new ones, registry row included, atomically."""
        self.replace_documents([(record, chunks, tokens)])

    def replace_documents(
        self, batch: Sequence[tuple[DocumentRecord, Sequence[Chunk], Sequence[list[str]]]]
    ) -> None:
        """`replace_document` for several documents, in one transaction."""
        with self.db.conn:
            for record, chunks, tokens in batch:
                self.db.execute("DELETE FROM chunks WHERE doc_id = ?", [record.doc_id])
                self.db["chunks"].insert_all(
                    (
                        {
                            "chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id,
                            "position": chunk.position, "section": chunk.section,
                            "text": chunk.text,
                            "metadata": json.dumps(chunk.metadata, ensure_ascii=False),
                            "tokens": json.dumps(chunk_tokens),
                        }
                        for chunk, chunk_tokens in zip(chunks, tokens, strict=True)
                    ),
                    batch_size=500,
                )
                self.db["documents"].upsert(record.__dict__, pk="doc_id")
            self._bump_version()

    def remove_document(self, doc_id: str) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM chunks WHERE doc_id = ?", [doc_id])
            self.db.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
            self._bump_version()

    def chunk_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def chunks_by_id(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        ids = list(dict.fromkeys(chunk_ids))
        found: dict[str, Chunk] = {}
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            marks = ",".join("?" for _ in batch)
            for row in self.db.execute(
                f"SELECT chunk_id, doc_id, position, section, text, metadata FROM chunks "
                f"WHERE chunk_id IN ({marks})",
                batch,
            ).fetchall():
                found[row[0]] = _chunk_from_row(row)
        return found

    def iter_tokens(self) -> Iterable[tuple[str, list[str], dict[str, Any]]]:
        """Every chunk's id, tokens and metadata, in a stable order."""
        cursor = self.db.execute("SELECT chunk_id, tokens, metadata FROM chunks ORDER BY rowid")
        for chunk_id, tokens, metadata in cursor:
            yield chunk_id, json.loads(tokens), json.loads(metadata)

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        rows = self.db.execute(
            "SELECT chunk_id, doc_id, position, section, text, metadata FROM chunks "
            "WHERE doc_id = ? ORDER BY position",
            [doc_id],
        ).fetchall()
        return [_chunk_from_row(row) for row in rows]

    # -- version -----------------------------------------------------------------------
    def version(self) -> str:
        row = self.db.execute("SELECT value FROM index_state WHERE key = 'version'").fetchone()
        return row[0] if row else "0"

    def _bump_version(self) -> None:
        self.db["index_state"].upsert(
            {"key": "version", "value": f"{time.time_ns()}"}, pk="key"
        )


def _chunk_from_row(row: Sequence[Any]) -> Chunk:
    chunk_id, doc_id, position, section, text, metadata = row
    return Chunk(
        chunk_id=chunk_id, doc_id=doc_id, position=position, section=section, text=text,
        metadata=json.loads(metadata),
    )
