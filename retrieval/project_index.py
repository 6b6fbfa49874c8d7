"""Projects and their updates as passages of the knowledge index, searchable at once.

Each project is one document (`project:<id>`, kind "project": its record card) and each
update another (`project-update:<id>`, kind "project-update"), under the registry root
"projects", so ingesting the shipped documents never removes them and indexing an update
embeds one passage, not the project's whole history. Every passage carries `region`,
`project_id`, `author` and `date` in its metadata: filters apply to them, and the
extractive answerer's citations show the author and the date.

Every section starts with the project's name: "Les maraîchers du cœur — mise à jour du
3 juin 2025" for an update, "Les maraîchers du cœur — fiche du projet" for the record card.
The encoder reads a quote with its section, so a line of the card (« Promoteur : … »,
« Début : … ») is as much about the project as a line of an update: a question about its
promoter or its start meets the card's line, one about where it stands the latest update's.

`ProjectIndexer.sync(store)` brings the index in line with the store: what a command could
not index (the index was busy or failed, the process was killed), a CSV import, a change of
embedding model. A passage is up to date when the chunk store holds it with the current
content hash AND Chroma holds its vector with the current text and metadata (they are
upserted together, so they date the vector). A passage is written in two places, one after
the other, and a crash between the two leaves either an old or missing hash (re-indexed by
its hash) or a current hash beside a missing or older vector (re-indexed after asking
Chroma), whichever order `KnowledgeIndex.put_documents` writes in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from knowledge.projects import (
    Project,
    ProjectStore,
    ProjectUpdate,
    format_date,
    format_money,
    local_date,
)
from retrieval.chunk_store import DocumentRecord
from retrieval.chunking import Chunk
from retrieval.index import KnowledgeIndex
from retrieval.quote_vectors import encode_quotes, store_passage_vectors

log = logging.getLogger(__name__)

PROJECTS_ROOT = "projects"
KIND_PROJECT = "project"
KIND_UPDATE = "project-update"
SOURCE_TITLE = "Suivi des projets des Alliances"
SOURCE_NAME = "projets"
CARD_SECTION = "fiche du projet"  # after the project's name, as "mise à jour du …"
PUT_BATCH = 128  # passages written per batch by `put` (a sync after a large import)


def project_doc_id(project_id: int) -> str:
    return f"project:{project_id}"


def update_doc_id(update_id: int) -> str:
    return f"project-update:{update_id}"


def _metadata(
    project: Project, doc_id: str, kind: str, author: str, day: str, title: str = SOURCE_TITLE
) -> dict:
    return {
        "doc_id": doc_id,
        "title": title,
        "source": SOURCE_NAME,
        "kind": kind,
        "plan": project.plan or "",
        "period": "",
        "measure": project.measure or "",
        "region": project.region,
        "url": "",
        "project_id": project.id,
        "project": project.name,
        "author": author,
        "date": day,
    }


def project_chunk(project: Project) -> Chunk:
    """The project's record card as one passage."""
    # Field lines only: the title names the project, and a line that only repeats its name
    # would look like an answer to any question about it.
    lines = [f"Région : {project.region}"]
    lines.append(f"Statut : {project.status}")
    for label, value in (
        ("Promoteur", project.promoter),
        ("Mandataire", project.mandataire),
        ("MRC", project.mrc),
        ("Plan", project.plan),
        ("Mesure", project.measure),
    ):
        if value:
            lines.append(f"{label} : {value}")
    if project.budget_cents is not None:
        lines.append(f"Budget : {format_money(project.budget_cents)}")
    if project.start_date:
        lines.append(f"Début : {format_date(project.start_date)}")
    if project.end_date:
        lines.append(f"Fin : {format_date(project.end_date)}")
    if project.description:
        lines.append(project.description)
    doc_id = project_doc_id(project.id)
    day = local_date(project.created_at).isoformat()
    title = f"Fiche du projet « {project.name} »"
    return Chunk(
        chunk_id=f"{doc_id}::0000",
        doc_id=doc_id,
        section=f"{project.name} — {CARD_SECTION}",
        text="\n".join(lines),
        position=0,
        metadata=_metadata(project, doc_id, KIND_PROJECT, project.author, day, title),
    )


def update_chunk(project: Project, update: ProjectUpdate) -> Chunk:
    """One update as one passage, headed by the project's name and the update's date."""
    day = update.local_date
    lines = [update.text]
    if update.status_to:
        lines.append(f"Statut : {update.status_to} (auparavant : {update.status_from})")
    if update.amount_spent_cents is not None:
        lines.append(f"Montant dépensé : {format_money(update.amount_spent_cents)}")
    if update.people_reached is not None:
        lines.append(f"Personnes rejointes : {update.people_reached}")
    doc_id = update_doc_id(update.id)
    metadata = _metadata(project, doc_id, KIND_UPDATE, update.author_display, day.isoformat())
    metadata["update_id"] = update.id
    return Chunk(
        chunk_id=f"{doc_id}::0000",
        doc_id=doc_id,
        section=f"{project.name} — mise à jour du {format_date(day)}",
        text="\n".join(lines),
        position=0,
        metadata=metadata,
    )


@dataclass
class SyncReport:
    indexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    seconds: float = 0.0
    # re-indexed because Chroma lacked their vector, or held one of an older text
    missing_vectors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        repaired = (
            f" (dont {len(self.missing_vectors)} sans vecteur à jour)"
            if self.missing_vectors
            else ""
        )
        return (
            f"Projets indexés : {len(self.indexed)} passage(s) ajouté(s) ou mis à jour"
            f"{repaired}, {len(self.removed)} retiré(s), {self.unchanged} inchangé(s)."
        )


class ProjectIndexer:
    """Writes project passages into a KnowledgeIndex (blocking: embeds with its encoder)."""

    def __init__(self, index: KnowledgeIndex):
        self.index = index

    def content_hash(self, chunk: Chunk) -> str:
        payload = json.dumps(
            [chunk.section, chunk.text, chunk.metadata], ensure_ascii=False, sort_keys=True
        )
        digest = hashlib.sha256(payload.encode())
        digest.update(f"|{self.index.encoder_name}|{self.index.vector_location}".encode())
        return digest.hexdigest()

    def index_write(self, project: Project, update: ProjectUpdate | None = None) -> None:
        """Index what one command changed: the project's card, and the update."""
        chunks = [project_chunk(project)]
        if update is not None:
            chunks.append(update_chunk(project, update))
        self.put(chunks)

    def put(self, chunks: Sequence[Chunk]) -> None:
        """Embed the passages and store each as its own document, PUT_BATCH at a time (one
        chunk-store transaction and one Chroma upsert per batch, not per passage)."""
        for start in range(0, len(chunks), PUT_BATCH):
            batch = chunks[start : start + PUT_BATCH]
            vectors = self.index.encoder.encode_documents([c.embedding_text() for c in batch])
            self.index.put_documents(
                [
                    (self._record(chunk), [chunk], np.asarray([vector]))
                    for chunk, vector in zip(batch, vectors, strict=True)
                ]
            )
            store_passage_vectors(self.index, batch, vectors)
            encode_quotes(self.index, batch)

    def _record(self, chunk: Chunk) -> DocumentRecord:
        return DocumentRecord(
            doc_id=chunk.doc_id,
            path=chunk.doc_id,
            root=PROJECTS_ROOT,
            content_hash=self.content_hash(chunk),
            title=chunk.section,
            chunk_count=1,
            ingested_at=time.time(),
        )

    def sync(self, store: ProjectStore) -> SyncReport:
        """Index what the store holds and the index lacks (or holds in an older form);
        drop passages of projects the store no longer has."""
        started = time.perf_counter()
        projects = {project.id: project for project in store.projects()}
        wanted = [project_chunk(project) for project in projects.values()]
        wanted += [
            update_chunk(projects[update.project_id], update)
            for update in store.all_updates()
            if update.project_id in projects
        ]
        known = {
            record.doc_id: record.content_hash
            for record in self.index.store.documents(PROJECTS_ROOT)
        }
        report = SyncReport()
        stale = [chunk for chunk in wanted if known.get(chunk.doc_id) != self.content_hash(chunk)]
        stale_ids = {chunk.doc_id for chunk in stale}
        current = [chunk for chunk in wanted if chunk.doc_id not in stale_ids]
        if current:
            held = self.index.vectors.stored_passages([c.chunk_id for c in current])
            vectorless = [c for c in current if held.get(c.chunk_id) != (c.text, c.metadata)]
            report.missing_vectors = [chunk.doc_id for chunk in vectorless]
            stale += vectorless
        report.unchanged = len(wanted) - len(stale)
        if stale:
            self.put(stale)
            report.indexed = [chunk.doc_id for chunk in stale]
        wanted_ids = {chunk.doc_id for chunk in wanted}
        for doc_id in known:
            if doc_id not in wanted_ids:
                self.index.remove_document(doc_id)
                report.removed.append(doc_id)
        report.seconds = time.perf_counter() - started
        if report.indexed or report.removed:
            log.info("%s (%.2f s)", report.summary(), report.seconds)
        return report
