"""The answer object every answerer returns and every adapter renders."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Citation:
    """One source an answer used: enough to show it and to find it again."""

    title: str
    source: str  # file name, or URL when the document has one
    section: str
    score: float
    doc_id: str = ""
    chunk_id: str = ""
    url: str | None = None
    excerpt: str = ""
    author: str | None = None  # set for project updates logged through chat
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What an answerer returns. `text` is ready to show; citations are numbered [1], [2]…"""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    language: str = "fr"
    confidence: float = 0.0
    filters: dict[str, str] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    answerer: str = "extractive"

    def to_json_dict(self) -> dict[str, Any]:
        """The `alliances ask --json` contract: answer, abstained, sources, timings_ms."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "language": self.language,
            "confidence": round(self.confidence, 4),
            "filters": self.filters,
            "sources": [citation.to_dict() for citation in self.citations],
            "timings_ms": {name: round(ms, 2) for name, ms in self.timings_ms.items()},
            "answerer": self.answerer,
        }
