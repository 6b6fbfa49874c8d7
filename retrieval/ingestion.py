"""Incremental ingestion: file → loader → chunks → vectors + tokens, by content hash.

Unchanged files are skipped without being parsed; files that disappeared leave the index;
a file that fails to load keeps its previous version indexed while the run goes on.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.loaders import SUPPORTED_EXTENSIONS, DocumentLoadError, load_document
from knowledge.manifest import DocumentInfo, infer_document_info, shipped_documents
from knowledge.paths import SHIPPED_DOCUMENTS
from retrieval.chunk_store import DocumentRecord
from retrieval.chunking import Chunk, chunk_document
from retrieval.index import KnowledgeIndex

# Bump when loaders or chunking change what a file becomes: every file is then re-ingested.
PIPELINE_VERSION = "2"
SHIPPED_ROOT = "shipped"
STORE_BATCH_CHUNKS = 512

ProgressCallback = Callable[[int, int, str], None]
CatalogHook = Callable[[Sequence[tuple[DocumentInfo, str]], Sequence[str]], None]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_indexed: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} ajouté(s)", f"{len(self.updated)} mis à jour",
            f"{len(self.removed)} retiré(s)", f"{len(self.unchanged)} inchangé(s)",
        ]
        if self.failed:
            parts.append(f"{len(self.failed)} en échec")
        return (
            f"Documents : {', '.join(parts)} — {self.chunks_indexed} passage(s) indexé(s) "
            f"en {self.seconds:.2f} s."
        )


def discover(paths: Iterable[Path]) -> tuple[list[DocumentInfo], list[tuple[str, str]]]:
    """The supported files under the given files and folders, and the paths refused."""
    known = {info.doc_id: info for info in shipped_documents()}
    found: list[DocumentInfo] = []
    refused: list[tuple[str, str]] = []
    for path in paths:
        if not path.exists():
            refused.append((str(path), f"Fichier ou dossier introuvable : {path}"))
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.suffix.lower() in SUPPORTED_EXTENSIONS:
                    found.append(infer_document_info(file, known))
        elif path.suffix.lower() not in SUPPORTED_EXTENSIONS:
            supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
            refused.append((str(path), f"Format non pris en charge : {path.name} ({supported})."))
        else:
            found.append(infer_document_info(path, known))
    return found, refused


def content_hash(info: DocumentInfo, index: KnowledgeIndex) -> str:
    """Hash of the file's bytes, its metadata, the pipeline and where its vectors go."""
    digest = hashlib.sha256(info.path.read_bytes())
    digest.update(repr(sorted(info.__dict__.items(), key=lambda kv: kv[0])).encode())
    digest.update(f"|{PIPELINE_VERSION}|{index.encoder_name}|{index.vector_location}".encode())
    return digest.hexdigest()


def ingest(
    index: KnowledgeIndex,
    documents: Sequence[DocumentInfo] | None = None,
    *,
    root: str = SHIPPED_ROOT,
    progress: ProgressCallback | None = None,
    on_catalog: CatalogHook | None = None,
) -> IngestReport:
    """Bring the index in line with `documents` (default: the shipped knowledge base).

    Documents previously ingested under the same `root` and absent now are removed.
    `on_catalog(loaded, removed_ids)` receives the clean text of each changed document.
    """
    started = time.perf_counter()
    documents = list(documents) if documents is not None else shipped_documents()
    report = IngestReport()
    previous = {record.doc_id: record for record in index.store.documents(root)}
    pending: list[tuple[DocumentInfo, str, str, list[Chunk]]] = []
    for position, info in enumerate(documents, start=1):
        if progress:
            progress(position, len(documents), info.doc_id)
        try:
            digest = content_hash(info, index)
        except OSError as error:
            report.failed.append((info.doc_id, f"Lecture impossible : {error.strerror}"))
            continue
        old = previous.get(info.doc_id) or index.store.document(info.doc_id)
        if old is not None and old.content_hash == digest:
            report.unchanged.append(info.doc_id)
            continue
        try:
            loaded = load_document(info.path)
        except DocumentLoadError as error:
            report.failed.append((info.doc_id, str(error)))
            continue
        pending.append((info, digest, loaded.text, chunk_document(info, loaded.text)))
        (report.updated if old is not None else report.added).append(info.doc_id)

    _embed_and_store(index, pending, root, report)
    present = {info.doc_id for info in documents}
    failed_ids = {doc_id for doc_id, _ in report.failed}
    for doc_id in previous:
        if doc_id not in present and doc_id not in failed_ids:
            index.remove_document(doc_id)
            report.removed.append(doc_id)
    if on_catalog and (pending or report.removed):
        on_catalog([(info, text) for info, _, text, _ in pending], report.removed)
    report.seconds = time.perf_counter() - started
    return report


def _embed_and_store(
    index: KnowledgeIndex,
    pending: Sequence[tuple[DocumentInfo, str, str, list[Chunk]]],
    root: str,
    report: IngestReport,
) -> None:
    """Embed and store changed documents in batches of about STORE_BATCH_CHUNKS chunks:
    large enough that Chroma's per-call cost fades, small enough to bound memory."""
    batch: list[tuple[DocumentInfo, str, list[Chunk]]] = []
    size = 0
    for info, digest, _, chunks in pending:
        batch.append((info, digest, chunks))
        size += len(chunks)
        if size >= STORE_BATCH_CHUNKS:
            report.chunks_indexed += _store_batch(index, batch, root)
            batch, size = [], 0
    if batch:
        report.chunks_indexed += _store_batch(index, batch, root)


def _store_batch(
    index: KnowledgeIndex, batch: Sequence[tuple[DocumentInfo, str, list[Chunk]]], root: str
) -> int:
    chunks = [chunk for _, _, doc_chunks in batch for chunk in doc_chunks]
    vectors = index.encoder.encode_documents([chunk.embedding_text() for chunk in chunks])
    entries = []
    offset = 0
    for info, digest, doc_chunks in batch:
        entries.append(
            (_record(info, digest, root, len(doc_chunks)), doc_chunks,
             vectors[offset : offset + len(doc_chunks)])
        )
        offset += len(doc_chunks)
    index.put_documents(entries)
    return len(chunks)


def _record(info: DocumentInfo, digest: str, root: str, chunk_count: int) -> DocumentRecord:
    return DocumentRecord(
        doc_id=info.doc_id, path=str(info.path), root=root, content_hash=digest,
        title=info.title, chunk_count=chunk_count, ingested_at=time.time(),
    )


def root_for(paths: Sequence[Path]) -> str:
    """The registry root of a command-line ingestion: the shipped base, or the paths given."""
    if not paths or [p.resolve() for p in paths] == [SHIPPED_DOCUMENTS.resolve()]:
        return SHIPPED_ROOT
    return "|".join(sorted(str(path.resolve()) for path in paths))
