"""The shipped documents' manifest: provenance and metadata of each file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.paths import MANIFEST_PATH, SHIPPED_DOCUMENTS


@dataclass(frozen=True)
class DocumentInfo:
    """Metadata of one document, from the manifest or inferred for a user's own file."""

    doc_id: str  # the file name: stable across machines, shown in citations
    path: Path
    title: str
    plan: str | None = None
    period: str | None = None
    kind: str = "document"
    measure: str | None = None
    regions: tuple[str, ...] = field(default=())
    publisher: str | None = None
    provenance: str | None = None
    url: str | None = None

    @property
    def source(self) -> str:
        """What a citation shows as the source: the URL when there is one, else the file."""
        return self.url or self.doc_id


def load_manifest(path: Path = MANIFEST_PATH) -> list[DocumentInfo]:
    """Every document the manifest lists, with paths resolved beside it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        DocumentInfo(
            doc_id=entry["file"],
            path=path.parent / entry["file"],
            title=entry["title"],
            plan=entry.get("plan"),
            period=entry.get("period"),
            kind=entry.get("kind") or "document",
            measure=entry.get("measure"),
            regions=tuple(entry.get("regions") or ()),
            publisher=entry.get("publisher"),
            provenance=entry.get("provenance"),
            url=entry.get("url"),
        )
        for entry in data["documents"]
    ]


def shipped_documents() -> list[DocumentInfo]:
    """The default knowledge base."""
    return load_manifest(SHIPPED_DOCUMENTS / "manifest.json")


def infer_document_info(path: Path, known: dict[str, DocumentInfo] | None = None) -> DocumentInfo:
    """Metadata for a file given on the command line: the manifest's entry, else its name."""
    if known and path.name in known and known[path.name].path.resolve() == path.resolve():
        return known[path.name]
    title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize() or path.name
    # The full path: two folders may both hold a "rapport.pdf".
    return DocumentInfo(doc_id=str(path.resolve()), path=path, title=title)
