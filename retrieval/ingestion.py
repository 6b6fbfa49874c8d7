"""Incremental, crash-safe ingestion: file → loader → chunks → passages and vectors.

Every document is checked on its own across the two places it lives, against the file on
disk (its content hash):
- passages: the chunk store's registry row holds the hash, and its completion mark too (the
  mark is written last and cleared whenever the passages are replaced, see
  retrieval.chunk_store), with as many chunks as registered;
- vectors: Chroma holds exactly the ids of those chunks.
A document that agrees everywhere is skipped without being parsed; one that disagrees is
redone (embedded again). So a run killed at any point is repaired by the next `ingest` or
`serve` start. Files that disappeared leave the index (vectors first, registry row last, so
an interrupted removal is retried); a file that fails to load keeps its
previous version indexed while the run goes on. The source registry (knowledge.sources)
has the last word on metadata and presence: the fields a person corrected go on every
passage and into the content hash (a correction re-indexes the document), and a document a
person removed is never indexed again.

Order within a batch: passages (one transaction) → vectors (Chroma, and the passage's in the
answerer's cache, retrieval.quote_vectors) → completion marks (one transaction).
`encode_new_quotes` then encodes the new passages' quotes into that cache, and those of
unchanged documents whose quotes it never stored.
`ALLIANCES_TEST_KILL_AT` (knowledge.crash_points) kills the process between these steps in
the crash tests.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.crash_points import BEFORE_MARK, crash_point
from knowledge.document_metadata import describe_document
from knowledge.loaders import SUPPORTED_EXTENSIONS, DocumentLoadError, load_document
from knowledge.manifest import DocumentInfo, infer_document_info, shipped_documents
from knowledge.paths import SHIPPED_DOCUMENTS
from knowledge.sources import SourceRegistry
from retrieval.chunk_store import DocumentRecord
from retrieval.chunking import Chunk, chunk_document
from retrieval.index import KnowledgeIndex
from retrieval.quote_vectors import encode_quotes, encoded_documents, store_passage_vectors

# Bump when loaders, chunking or what a document says about itself (its metadata) change
# what a file becomes: every file is then re-ingested.
PIPELINE_VERSION = "4"
SHIPPED_ROOT = "shipped"
STORE_BATCH_CHUNKS = 512
_VECTOR_CHECK_BATCH = 100

ProgressCallback = Callable[[int, int, str], None]


class IndexNotReadyError(RuntimeError):
    """The index could not be brought in line with the documents; str() says why, in French."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # unchanged on disk, incomplete here
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # removed by a person: left out
    failed: list[tuple[str, str]] = field(default_factory=list)
    orphan_vectors_removed: int = 0
    chunks_indexed: int = 0
    seconds: float = 0.0  # until every document is searchable
    new_passages: list[Chunk] = field(default_factory=list, repr=False)  # see encode_new_quotes
    # The documents whose quotes encode_new_quotes encodes, with their content digest: the
    # new passages' and the unchanged documents' never encoded.
    quote_digests: dict[str, str] = field(default_factory=dict, repr=False)
    quotes_encoded: int = 0
    quote_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(
            self.added or self.updated or self.repaired or self.removed
            or self.orphan_vectors_removed
        )

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} ajouté(s)", f"{len(self.updated)} mis à jour",
            f"{len(self.removed)} retiré(s)", f"{len(self.unchanged)} inchangé(s)",
        ]
        if self.repaired:
            parts.append(f"{len(self.repaired)} réparé(s) après une indexation interrompue")
        if self.withdrawn:
            parts.append(f"{len(self.withdrawn)} écarté(s) (retiré(s) de la base, `sources`)")
        if self.failed:
            parts.append(f"{len(self.failed)} en échec")
        quotes = (
            f" ; {self.quotes_encoded} citation(s) encodée(s) pour les réponses en "
            f"{self.quote_seconds:.2f} s" if self.quotes_encoded else ""
        )
        return (
            f"Documents : {', '.join(parts)} — {self.chunks_indexed} passage(s) indexé(s) "
            f"en {self.seconds:.2f} s{quotes}."
        )


@dataclass(frozen=True)
class DocumentState:
    """Where one document stands against its file's content hash."""

    registered_hash: str | None  # what the registry says was last written
    complete: bool  # passages and vectors of this hash all in


@dataclass
class _Pending:
    info: DocumentInfo
    digest: str
    chunks: list[Chunk]


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


def content_hash(
    info: DocumentInfo, index: KnowledgeIndex, corrections: Mapping[str, object] | None = None
) -> str:
    """Hash of the file's bytes, its metadata, the pipeline and where its vectors go, and
    of the fields a person corrected in the source registry (so that a correction makes
    the document's passages be written again, and an interrupted one is redone)."""
    digest = hashlib.sha256(info.path.read_bytes())
    digest.update(repr(sorted(info.__dict__.items(), key=lambda kv: kv[0])).encode())
    digest.update(f"|{PIPELINE_VERSION}|{index.encoder_name}|{index.vector_location}".encode())
    if corrections:
        digest.update(b"|corrected|" + json.dumps(corrections, sort_keys=True).encode())
    return digest.hexdigest()


def ingest(
    index: KnowledgeIndex,
    documents: Sequence[DocumentInfo] | None = None,
    *,
    root: str = SHIPPED_ROOT,
    progress: ProgressCallback | None = None,
    remove_absent: bool = True,
    added_by: str | None = None,
) -> IngestReport:
    """Bring the index in line with `documents` (default: the shipped
    knowledge base), repairing whatever an interrupted run left half-done.

    Documents previously ingested under the same `root` and absent now are removed (unless
    `remove_absent` is False: `documents` is then a few documents to refresh, the others
    are left alone). Documents a person removed from the source registry are left out,
    and taken out of the index if they are still in it. `added_by`: who is recorded as
    adding the documents new to the source registry (a curator who shared a file).
    """
    started = time.perf_counter()
    documents = list(documents) if documents is not None else shipped_documents()
    report = IngestReport()
    sources = SourceRegistry.open(index.home)
    withdrawn = sources.withdrawn()
    report.withdrawn = [info.doc_id for info in documents if info.doc_id in withdrawn]
    documents = [info for info in documents if info.doc_id not in withdrawn]
    digests = _hash_all(index, documents, progress, report, sources.corrections())
    states = check_documents(index, digests)
    pending: list[_Pending] = []
    for info in documents:
        digest = digests.get(info.doc_id)
        if digest is None:
            continue
        state = states[info.doc_id]
        if state.complete:
            report.unchanged.append(info.doc_id)
            continue
        try:
            loaded = load_document(info.path)
        except DocumentLoadError as error:
            report.failed.append((info.doc_id, str(error)))
            continue
        # What the document says about itself (title, date, periods, territories), then
        # what a person corrected in the source registry, goes on every passage.
        info = sources.apply_corrections(describe_document(info, loaded))
        sources.record(info, digest, root, added_by)
        pending.append(_Pending(info, digest, chunk_document(info, loaded.text)))
        _count_redo(report, info.doc_id, state.registered_hash, digest)

    _embed_and_store(index, pending, root, report)
    for record in index.store.documents():
        if record.doc_id in withdrawn:
            index.remove_document(record.doc_id)
            report.removed.append(record.doc_id)
    if remove_absent:
        _remove_absent(index, documents, root, report)
    if digests or report.removed:
        report.orphan_vectors_removed = remove_orphan_vectors(index)
    sources.close()
    report.seconds = time.perf_counter() - started
    report.new_passages = [chunk for item in pending for chunk in item.chunks]
    failed = {doc_id for doc_id, _ in report.failed}
    report.quote_digests = {
        item.info.doc_id: item.digest
        for item in pending if item.info.doc_id not in failed
    } | _quotes_never_encoded(index, report.unchanged + report.repaired, digests)
    return report


def _quotes_never_encoded(
    index: KnowledgeIndex, doc_ids: Sequence[str], digests: Mapping[str, str]
) -> dict[str, str]:
    """Those of these documents whose quotes the cache never stored at their digest."""
    if not doc_ids:
        return {}
    encoded = encoded_documents(index.home)
    if encoded is None:  # unreadable cache: questions will encode what they need
        return {}
    return {
        doc_id: digests[doc_id] for doc_id in doc_ids if encoded.get(doc_id) != digests[doc_id]
    }


def encode_new_quotes(index: KnowledgeIndex, report: IngestReport) -> None:
    """Encode the quotes of the passages `report`'s ingestion indexed, for the answerer,
    and those of the unchanged documents whose quotes were never stored.

    The index is complete and searchable without them: they only spare the first questions
    about these documents the encoding (a cache, so a run killed here leaves them to the
    next ingestion, or to be encoded when first asked). Separate from `ingest` so that a
    caller holding questions back while it ingests can let them through first."""
    started = time.perf_counter()
    new = {chunk.doc_id for chunk in report.new_passages}
    chunks = report.new_passages + [
        chunk for doc_id in report.quote_digests if doc_id not in new
        for chunk in index.store.document_chunks(doc_id)
    ]
    report.quotes_encoded += encode_quotes(index, chunks, report.quote_digests)
    report.quote_seconds += time.perf_counter() - started
    report.new_passages, report.quote_digests = [], {}


def _hash_all(
    index: KnowledgeIndex, documents: Sequence[DocumentInfo],
    progress: ProgressCallback | None, report: IngestReport,
    corrections: Mapping[str, Mapping[str, object]] | None = None,
) -> dict[str, str]:
    digests: dict[str, str] = {}
    for position, info in enumerate(documents, start=1):
        if progress:
            progress(position, len(documents), info.doc_id)
        try:
            digests[info.doc_id] = content_hash(
                info, index, (corrections or {}).get(info.doc_id)
            )
        except OSError as error:
            report.failed.append((info.doc_id, f"Lecture impossible : {error.strerror}"))
    return digests


def _count_redo(report: IngestReport, doc_id: str, registered: str | None, digest: str) -> None:
    if registered is None:
        report.added.append(doc_id)
    elif registered == digest:
        report.repaired.append(doc_id)
    else:
        report.updated.append(doc_id)


def check_documents(
    index: KnowledgeIndex, digests: Mapping[str, str]
) -> dict[str, DocumentState]:
    """Each document's state against its content hash (doc_id -> hash), checked across the
    chunk store and Chroma. Loads no model; opens Chroma only when some
    document's passages are complete (there are vectors to check)."""
    registry = {record.doc_id: record for record in index.store.documents()}
    marks = index.store.marks(digests)
    candidates = [
        doc_id for doc_id, digest in digests.items()
        if marks.get(doc_id) == digest and doc_id in registry
        and registry[doc_id].content_hash == digest
    ]
    chunk_ids = index.store.chunk_ids_by_document(candidates)
    candidates = [
        doc_id for doc_id in candidates
        if len(chunk_ids.get(doc_id, ())) == registry[doc_id].chunk_count
    ]
    complete = _vectors_agree(index, candidates, chunk_ids) if candidates else set()
    return {
        doc_id: DocumentState(
            registered_hash=registry[doc_id].content_hash if doc_id in registry else None,
            complete=doc_id in complete,
        )
        for doc_id in digests
    }


def _vectors_agree(
    index: KnowledgeIndex, doc_ids: Sequence[str], chunk_ids: Mapping[str, set[str]]
) -> set[str]:
    """The documents whose vectors in Chroma are exactly their chunks: batches of documents
    are compared at once, and one by one only when a batch disagrees."""
    agree: set[str] = set()
    for start in range(0, len(doc_ids), _VECTOR_CHECK_BATCH):
        batch = doc_ids[start : start + _VECTOR_CHECK_BATCH]
        expected = set().union(*(chunk_ids.get(doc_id, set()) for doc_id in batch))
        if index.vectors.ids_of_documents(batch) == expected:
            agree.update(batch)
            continue
        agree.update(
            doc_id for doc_id in batch
            if index.vectors.ids_of_documents([doc_id]) == chunk_ids.get(doc_id, set())
        )
    return agree


def remove_orphan_vectors(index: KnowledgeIndex) -> int:
    """Drop vectors whose chunk is in no document (left by a crash of an older version);
    counted first, so that this costs two counts when there are none."""
    if index.vectors.count() <= index.store.chunk_count():
        return 0
    in_chroma = index.vectors.all_ids()  # before the store: a chunk written meanwhile is kept
    orphans = sorted(in_chroma - index.store.chunk_ids())
    index.vectors.delete_ids(orphans)
    return len(orphans)


def _remove_absent(
    index: KnowledgeIndex, documents: Sequence[DocumentInfo], root: str,
    report: IngestReport,
) -> None:
    """Remove what was ingested under `root` and is gone: vectors, then the passages and
    registry row (last, so that an interrupted removal is found again)."""
    present = {info.doc_id for info in documents}
    failed_ids = {doc_id for doc_id, _ in report.failed}
    for record in index.store.documents(root):
        if record.doc_id in present or record.doc_id in failed_ids:
            continue
        index.remove_document(record.doc_id)
        report.removed.append(record.doc_id)


def verify(
    index: KnowledgeIndex,
    documents: Sequence[DocumentInfo] | None = None,
    *,
    root: str = SHIPPED_ROOT,
) -> list[str]:
    """What still disagrees with the documents on disk, in French (empty when the passages
    and vectors all agree with them)."""
    documents = list(documents) if documents is not None else shipped_documents()
    report = IngestReport()
    with SourceRegistry.open(index.home) as sources:
        withdrawn, corrections = sources.withdrawn(), sources.corrections()
    documents = [info for info in documents if info.doc_id not in withdrawn]
    digests = _hash_all(index, documents, None, report, corrections)
    problems = [f"{doc_id} : {message}" for doc_id, message in report.failed]
    for doc_id, state in check_documents(index, digests).items():
        if not state.complete:
            problems.append(f"{doc_id} : passages ou vecteurs incomplets")
    present = {info.doc_id for info in documents}
    problems += [
        f"{record.doc_id} : indexé mais absent du disque"
        for record in index.store.documents(root) if record.doc_id not in present
    ]
    return problems


def unfinished_documents(
    index: KnowledgeIndex, exclude_roots: Sequence[str] | None = None
) -> list[str]:
    """The ingested documents that are half-written right now, from SQLite alone (no file
    read, no Chroma, no model): those whose completion mark is missing or of another hash.
    What a running
    server checks before saying it is ready: an `ingest` killed, or under way, in another
    process shows here. Project passages (written one by one, with no mark; repaired by
    `ProjectIndexer.sync` at start-up) are left out unless `exclude_roots` says otherwise."""
    if exclude_roots is None:
        from retrieval.project_index import PROJECTS_ROOT

        exclude_roots = (PROJECTS_ROOT,)
    return sorted(set(index.store.unmarked_documents(exclude_roots)))


def _embed_and_store(
    index: KnowledgeIndex,
    pending: Sequence[_Pending],
    root: str,
    report: IngestReport,
) -> None:
    """Embed and store changed documents in batches of about STORE_BATCH_CHUNKS chunks:
    large enough that Chroma's per-call cost fades, small enough to bound memory."""
    batch: list[_Pending] = []
    size = 0
    for item in pending:
        batch.append(item)
        size += len(item.chunks)
        if size >= STORE_BATCH_CHUNKS:
            report.chunks_indexed += _store_batch(index, batch, root)
            batch, size = [], 0
    if batch:
        report.chunks_indexed += _store_batch(index, batch, root)


def _store_batch(index: KnowledgeIndex, batch: Sequence[_Pending], root: str) -> int:
    """Passages, vectors, then the completion marks: each step one transaction."""
    chunks = [chunk for item in batch for chunk in item.chunks]
    vectors = index.encoder.encode_documents([chunk.embedding_text() for chunk in chunks])
    entries = []
    offset = 0
    for item in batch:
        count = len(item.chunks)
        record = _record(item.info, item.digest, root, count)
        entries.append((record, item.chunks, vectors[offset : offset + count]))
        offset += count
    index.put_documents(entries)
    store_passage_vectors(index, chunks, vectors)
    crash_point(BEFORE_MARK)
    index.store.mark_complete([(item.info.doc_id, item.digest) for item in batch])
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
