"""Structure-aware chunks: one chunk per section (a slide, a form section, one region of
the regional page), long sections split at line boundaries. Each chunk carries the
metadata filters and citations need."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from knowledge.manifest import DocumentInfo
from knowledge.regions import UnknownRegionError, resolve_region

MAX_CHUNK_CHARS = 1200
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_MEASURE_IN_HEADING = re.compile(r"\b(?:mesure|M)\s*(\d+(?:\.\d+)?)\b", re.IGNORECASE)


@dataclass
class Chunk:
    """A passage of a document, the unit of retrieval and of citation."""

    chunk_id: str
    doc_id: str
    section: str
    text: str
    position: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.metadata.get("title", self.doc_id))

    def embedding_text(self) -> str:
        """What the encoders and the lexical index see: where the passage sits, then it."""
        return f"{self.title} — {self.section}\n{self.text}"


@dataclass
class _Section:
    heading: str
    lines: list[str]


def split_sections(text: str) -> tuple[str, list[_Section]]:
    """The document title (first `#` heading) and its sections, in order."""
    title = ""
    sections: list[_Section] = [_Section("", [])]
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title:
            title = heading.group(2)
            continue
        if heading:
            sections.append(_Section(heading.group(2), []))
            continue
        if line.strip():
            sections[-1].lines.append(line.strip())
    return title, [s for s in sections if s.lines or s.heading]


def _pieces(lines: list[str], max_chars: int) -> list[str]:
    """Lines packed into pieces of at most max_chars (a longer single line is cut at words)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for part in _cut_long_line(line, max_chars):
            if current and size + len(part) + 1 > max_chars:
                pieces.append("\n".join(current))
                current, size = [], 0
            current.append(part)
            size += len(part) + 1
    if current:
        pieces.append("\n".join(current))
    return pieces


def _cut_long_line(line: str, max_chars: int) -> list[str]:
    if len(line) <= max_chars:
        return [line]
    parts: list[str] = []
    sentences = re.split(r"(?<=[.;!?])\s+", line)
    current = ""
    for sentence in sentences:
        while len(sentence) > max_chars:
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            if current:
                parts.append(current)
                current = ""
            parts.append(sentence[:cut])
            sentence = sentence[cut:].strip()
        if current and len(current) + len(sentence) + 1 > max_chars:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        parts.append(current)
    return parts


def _region_of(heading: str) -> str | None:
    if not heading or len(heading) > 80:
        return None
    try:
        return resolve_region(heading)
    except UnknownRegionError:
        return None


def base_metadata(info: DocumentInfo) -> dict[str, Any]:
    """Metadata every chunk of a document shares (Chroma accepts str/int/float/bool only)."""
    metadata: dict[str, Any] = {
        "doc_id": info.doc_id,
        "title": info.title,
        "source": info.source,
        "kind": info.kind,
        "plan": info.plan or "",
        "period": info.period or "",
        "measure": info.measure or "",
        "region": "",
        "url": info.url or "",
        # Chroma metadata holds no lists: several values are comma-separated.
        "date": info.date or "",
        "periods": ",".join(info.periods),
        "regions": ",".join(r for r in info.regions if r != "*"),
    }
    if len(info.regions) == 1 and info.regions[0] != "*":
        metadata["region"] = info.regions[0]
    return metadata


def chunk_document(
    info: DocumentInfo, clean_text: str, max_chars: int = MAX_CHUNK_CHARS
) -> list[Chunk]:
    """Chunks of one cleaned document, numbered in reading order."""
    title, sections = split_sections(clean_text)
    shared = base_metadata(info)
    chunks: list[Chunk] = []
    if title:
        # The document's own heading often holds facts (a date, a place): keep it, in the
        # untitled opening section when there is one, else as a passage of its own.
        if sections and not sections[0].heading:
            sections[0].lines.insert(0, title)
        else:
            sections.insert(0, _Section(title, [title]))
    for section in sections:
        heading = section.heading or title or info.title
        region = _region_of(section.heading)
        measure_match = _MEASURE_IN_HEADING.search(section.heading)
        lines = section.lines or [section.heading]
        for piece in _pieces(lines, max_chars):
            metadata = dict(shared)
            if region:
                metadata["region"] = region
            if measure_match:
                metadata["measure"] = measure_match.group(1)
            position = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=f"{info.doc_id}::{position:04d}",
                    doc_id=info.doc_id,
                    section=heading,
                    text=piece,
                    position=position,
                    metadata=metadata,
                )
            )
    return chunks
