"""The shipped documents' manifest: provenance and metadata of each file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from knowledge.metadata_fields import read_sidecar
from knowledge.paths import MANIFEST_PATH, SHIPPED_DOCUMENTS


@dataclass(frozen=True)
class DocumentInfo:
    """Metadata of one document, from the manifest or inferred for a user's own file
    (`knowledge.document_metadata.describe_document` completes it from the text).

    `period` is the main period (the first of `periods`, kept for the code that reads one);
    `date` the publication date, ISO "YYYY-MM-DD"; `regions` the Alliance territories the
    document is about (canonical names; ("*",) for a page about every region).
    """

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
    date: str | None = None
    periods: tuple[str, ...] = field(default=())

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
            date=entry.get("date"),
            periods=tuple(entry.get("periods") or filter(None, [entry.get("period")])),
        )
        for entry in data["documents"]
    ]


def shipped_documents() -> list[DocumentInfo]:
    """The default knowledge base."""
    return load_manifest(SHIPPED_DOCUMENTS / "manifest.json")


def infer_document_info(path: Path, known: dict[str, DocumentInfo] | None = None) -> DocumentInfo:
    """Metadata for a file given on the command line: the manifest's entry, else its name,
    corrected by the sidecar file beside it (`rapport.pdf.meta.json`) when there is one.

    The sidecar is read here, not only when the text is described, so that editing it
    changes the metadata (and so the content hash) even when the file itself did not change.
    """
    if known and path.name in known and known[path.name].path.resolve() == path.resolve():
        info = known[path.name]
    else:
        # The full path: two folders may both hold a "rapport.pdf".
        info = DocumentInfo(doc_id=str(path.resolve()), path=path, title=fallback_title(path))
    return with_fields(info, read_sidecar(path).fields)


def fallback_title(path: Path) -> str:
    """The title of a file that gives none: its name, "rapport-annuel.pdf" → "Rapport annuel"."""
    return path.stem.replace("-", " ").replace("_", " ").strip().capitalize() or path.name


def with_fields(info: DocumentInfo, fields: Mapping[str, Any]) -> DocumentInfo:
    """`info` with the given editable fields (normalised values, as
    `knowledge.metadata_fields` makes them) set; `period` follows `periods`."""
    if not fields:
        return info
    changes = {name: value for name, value in fields.items() if name in _SETTABLE}
    if "periods" in changes:
        changes["period"] = changes["periods"][0] if changes["periods"] else None
    return replace(info, **changes)


_SETTABLE = frozenset({"title", "url", "date", "periods", "regions", "plan", "kind"})
