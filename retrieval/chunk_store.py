"""The ingestion registry and the chunks' text, in the project's SQLite file.

Tables:
- `documents`       each ingested file's content hash, so a re-run skips what did not change;
- `chunks`          every passage with its metadata and its analysed tokens, from which the
                    lexical index is built without re-reading any file;
- `document_marks`  per document, the content hash whose passages AND vectors are all in:
                    written last, after Chroma took the document, and cleared
                    in the same transaction that replaces its passages. A document whose mark
                    differs from its registry hash was interrupted half-way: ingestion redoes it;
- `chunk_changes`   one row per document written or removed, numbered (`seq`): the lexical
                    index of every process and thread catches up on these rows instead of
                    rebuilding from all the chunks (retrieval.lexical). The oldest rows are
                    pruned; `index_state.changes_pruned_through` says up to where.

Writes go through one connection behind a lock, each one transaction (`db.atomic()`:
sqlite-utils 4's connection autocommits, `with db.conn:` would not be one). Reads use one
connection per thread: in WAL mode they never wait for a writer, and a reader never sees
another thread's transaction half-done.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge.crash_points import MID_CHUNKS, crash_point
from retrieval.chunking import Chunk

# How many change rows to keep: a process whose lexical index lags further behind than that
# rebuilds it instead of catching up.
CHANGES_KEPT = 100_000
_PRUNE_EVERY = 1_000
_IN_BATCH = 500


@dataclass
class DocumentRecord:
    doc_id: str
    path: str
    root: str
    content_hash: str
    title: str
    chunk_count: int
    ingested_at: float


@dataclass(frozen=True)
class LexicalRow:
    """What the lexical index needs of a chunk."""

    chunk_id: str
    doc_id: str
    tokens: list[str]
    metadata: dict[str, Any]


class ChunkStore:
    """Documents, chunks, completion marks and the change log; every write is one transaction.

    Safe to call from several threads at once."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        connection = sqlite3.connect(str(db_path), check_same_thread=False, timeout=10)
        self.db = sqlite_utils.Database(connection)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self._write_lock = threading.RLock()
        self._local = threading.local()
        with self._write_lock, self.db.atomic():
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
        self.db["document_marks"].create(
            {"doc_id": str, "content_hash": str}, pk="doc_id", if_not_exists=True
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS chunk_changes "
            "(seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL)"
        )
        self.db.execute(
            "INSERT OR IGNORE INTO index_state (key, value) VALUES ('store_id', ?)",
            [uuid.uuid4().hex],
        )

    def _read(self) -> sqlite3.Connection:
        """This thread's read connection."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(str(self.db_path), timeout=10)
            connection.execute("PRAGMA busy_timeout=10000")
            self._local.connection = connection
        return connection

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._read().execute(sql, list(args)).fetchall()

    def _in_batches(
        self, sql: str, values: Iterable[str], args: Sequence[Any] = ()
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of `sql` (holding one `{marks}`) for `values`, 500 at a time."""
        values = list(dict.fromkeys(values))
        for start in range(0, len(values), _IN_BATCH):
            batch = values[start : start + _IN_BATCH]
            marks = ",".join("?" for _ in batch)
            yield from self._rows(sql.format(marks=marks), [*args, *batch])

    # -- documents ---------------------------------------------------------------------
    def document(self, doc_id: str) -> DocumentRecord | None:
        rows = self._rows(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE doc_id = ?", [doc_id])
        return _document_from_row(rows[0]) if rows else None

    def documents(self, root: str | None = None) -> list[DocumentRecord]:
        sql = f"SELECT {_DOCUMENT_COLUMNS} FROM documents"
        rows = self._rows(f"{sql} WHERE root = ?", [root]) if root is not None else self._rows(sql)
        return [_document_from_row(row) for row in rows]

    def hashes(self) -> dict[str, str]:
        return dict(self._rows("SELECT doc_id, content_hash FROM documents"))

    # -- completion marks --------------------------------------------------------------
    def marks(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """doc_id -> the content hash whose passages and vectors are known to be complete."""
        return dict(
            self._in_batches(
                "SELECT doc_id, content_hash FROM document_marks WHERE doc_id IN ({marks})",
                doc_ids,
            )
        )

    def mark_complete(self, entries: Sequence[tuple[str, str]]) -> None:
        """Record (doc_id, content hash) as complete, all in one transaction."""
        if not entries:
            return
        with self._write_lock, self.db.atomic():
            self.db["document_marks"].upsert_all(
                [{"doc_id": doc_id, "content_hash": digest} for doc_id, digest in entries],
                pk="doc_id",
            )

    def unmarked_documents(self, exclude_roots: Sequence[str] = ()) -> list[str]:
        """The registered documents whose passages and vectors are not known complete: no
        completion mark, or a mark of another content hash (an ingestion interrupted, or
        under way in another process). One query, no Chroma: cheap enough for a health
        check."""
        marks = ",".join("?" for _ in exclude_roots)
        skip = f"AND d.root NOT IN ({marks})" if exclude_roots else ""
        rows = self._rows(
            "SELECT d.doc_id FROM documents d LEFT JOIN document_marks m ON m.doc_id = d.doc_id "
            f"WHERE (m.content_hash IS NULL OR m.content_hash != d.content_hash) {skip} "
            "ORDER BY d.doc_id",
            list(exclude_roots),
        )
        return [row[0] for row in rows]

    # -- chunks ------------------------------------------------------------------------
    def replace_document(
        self, record: DocumentRecord, chunks: Sequence[Chunk], tokens: Sequence[list[str]]
    ) -> None:
        """Swap a document's chunks for new ones, registry row included, atomically."""
        self.replace_documents([(record, chunks, tokens)])

    def replace_documents(
        self, batch: Sequence[tuple[DocumentRecord, Sequence[Chunk], Sequence[list[str]]]]
    ) -> None:
        """`replace_document` for several documents, in one transaction. Their completion
        marks are cleared: the vectors are not written yet."""
        with self._write_lock, self.db.atomic():
            for record, chunks, tokens in batch:
                self._delete_document_rows(record.doc_id, keep_registry=True)
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
                crash_point(MID_CHUNKS)  # the kill tests: the transaction must leave nothing
                self.db["documents"].upsert(record.__dict__, pk="doc_id")
            self._log_changes([record.doc_id for record, _, _ in batch])

    def remove_document(self, doc_id: str) -> None:
        with self._write_lock, self.db.atomic():
            self._delete_document_rows(doc_id, keep_registry=False)
            self._log_changes([doc_id])

    def _delete_document_rows(self, doc_id: str, *, keep_registry: bool) -> None:
        self.db.execute("DELETE FROM chunks WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM document_marks WHERE doc_id = ?", [doc_id])
        if not keep_registry:
            self.db.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])

    def chunk_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM chunks")[0][0])

    def chunk_ids(self) -> set[str]:
        return {row[0] for row in self._rows("SELECT chunk_id FROM chunks")}

    def chunk_ids_by_document(self, doc_ids: Iterable[str]) -> dict[str, set[str]]:
        """doc_id -> its chunks' ids (documents without chunks are absent)."""
        found: dict[str, set[str]] = {}
        for doc_id, chunk_id in self._in_batches(
            "SELECT doc_id, chunk_id FROM chunks WHERE doc_id IN ({marks})", doc_ids
        ):
            found.setdefault(doc_id, set()).add(chunk_id)
        return found

    def chunks_by_id(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        return {
            row[0]: _chunk_from_row(row)
            for row in self._in_batches(
                "SELECT chunk_id, doc_id, position, section, text, metadata FROM chunks "
                "WHERE chunk_id IN ({marks})",
                chunk_ids,
            )
        }

    def lexical_rows(self, doc_ids: Iterable[str] | None = None) -> Iterator[LexicalRow]:
        """Every chunk's (or the given documents' chunks') tokens and metadata, in a stable
        order."""
        columns = "chunk_id, doc_id, tokens, metadata"
        if doc_ids is None:
            rows: Iterable[tuple[Any, ...]] = self._read().execute(
                f"SELECT {columns} FROM chunks ORDER BY rowid"
            )
        else:
            rows = self._in_batches(
                f"SELECT {columns} FROM chunks WHERE doc_id IN ({{marks}}) ORDER BY rowid",
                doc_ids,
            )
        for chunk_id, doc_id, tokens, metadata in rows:
            yield LexicalRow(chunk_id, doc_id, json.loads(tokens), json.loads(metadata))

    def passages_containing(
        self, fragment: str, limit: int, doc_ids: Iterable[str] | None = None
    ) -> list[tuple[str, str]]:
        """(document, text) of up to `limit` chunks holding `fragment` (all chunks, or the
        given documents' only: what changed since a cache was filled). Through this thread's
        read connection, never the writer's, which another thread may be in the middle of a
        transaction on."""
        sql = "SELECT doc_id, text FROM chunks WHERE instr(text, ?) > 0"
        if doc_ids is None:
            return [(row[0], row[1]) for row in self._rows(f"{sql} LIMIT ?", [fragment, limit])]
        rows = self._in_batches(f"{sql} AND doc_id IN ({{marks}})", doc_ids, [fragment])
        return [(row[0], row[1]) for _, row in zip(range(limit), rows, strict=False)]

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        rows = self._rows(
            "SELECT chunk_id, doc_id, position, section, text, metadata FROM chunks "
            "WHERE doc_id = ? ORDER BY position",
            [doc_id],
        )
        return [_chunk_from_row(row) for row in rows]

    # -- change log --------------------------------------------------------------------
    def latest_change(self) -> int:
        """The number of the last write (0 before any): readers compare it with theirs."""
        return int(self._rows("SELECT coalesce(max(seq), 0) FROM chunk_changes")[0][0])

    def changes_since(self, seq: int) -> tuple[set[str], int] | None:
        """The documents written or removed after change `seq`, and the last change's
        number; None when the log no longer reaches back that far (rebuild instead)."""
        connection = self._read()
        connection.execute("BEGIN")  # one snapshot: a prune cannot slip between the reads
        try:
            pruned = connection.execute(
                "SELECT value FROM index_state WHERE key = 'changes_pruned_through'"
            ).fetchone()
            rows = connection.execute(
                "SELECT seq, doc_id FROM chunk_changes WHERE seq > ?", [seq]
            ).fetchall()
        finally:
            connection.execute("COMMIT")
        if pruned and seq < int(pruned[0]):
            return None
        return {doc_id for _, doc_id in rows}, max((number for number, _ in rows), default=seq)

    def identity(self) -> str:
        """A name given to this database when created: caches built from another database
        (a data folder whose SQLite file was replaced) are recognised as foreign."""
        return str(self._rows("SELECT value FROM index_state WHERE key = 'store_id'")[0][0])

    def version(self) -> str:
        """Changes with every write (the last change's number)."""
        return str(self.latest_change())

    def _log_changes(self, doc_ids: Sequence[str]) -> None:
        self.db["chunk_changes"].insert_all([{"doc_id": doc_id} for doc_id in doc_ids])
        latest = int(self.db.execute("SELECT max(seq) FROM chunk_changes").fetchone()[0])
        if latest // _PRUNE_EVERY != (latest - len(doc_ids)) // _PRUNE_EVERY:
            through = latest - CHANGES_KEPT
            if through > 0:
                self.db.execute("DELETE FROM chunk_changes WHERE seq <= ?", [through])
                self.db["index_state"].upsert(
                    {"key": "changes_pruned_through", "value": str(through)}, pk="key"
                )


_DOCUMENT_COLUMNS = "doc_id, path, root, content_hash, title, chunk_count, ingested_at"


def _document_from_row(row: Sequence[Any]) -> DocumentRecord:
    return DocumentRecord(*row)


def _chunk_from_row(row: Sequence[Any]) -> Chunk:
    chunk_id, doc_id, position, section, text, metadata = row
    return Chunk(
        chunk_id=chunk_id, doc_id=doc_id, position=position, section=section, text=text,
        metadata=json.loads(metadata),
    )
