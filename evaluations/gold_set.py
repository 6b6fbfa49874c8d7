"""The gold question set: loading and schema validation.

The set lives in `evaluations/gold/questions.jsonl` (one JSON object per line; see
`evaluations/gold/README.md`). `load_gold_set()` reads and validates it and raises
`GoldSetError` listing every problem found, each with its line number and id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from evaluations.metrics import fact_alternatives

GOLD_TYPES: frozenset[str] = frozenset(
    {
        "factual",
        "numeric",
        "list",
        "multi-fact",
        "out-of-scope",
        "chat-style",
        "follow-up-free",
        "time-aware",
    }
)
"""Question types. "out-of-scope" marks exactly the unanswerable questions."""

LANGUAGES: frozenset[str] = frozenset({"fr", "en"})

_REQUIRED_FIELDS = (
    "id",
    "question",
    "language",
    "types",
    "answerable",
    "required_facts",
    "reference_answer",
    "documents",
)
_OPTIONAL_FIELDS = ("notes",)


class GoldSetError(ValueError):
    """The gold set file is malformed; `problems` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[str]):
        self.source = source
        self.problems = list(problems)
        listed = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Invalid gold set {source} ({len(self.problems)} problem(s)):\n{listed}")


@dataclass(frozen=True)
class GoldQuestion:
    """One gold question. `required_facts` items are strings or tuples of alternatives."""

    id: str
    question: str
    language: str
    types: tuple[str, ...]
    answerable: bool
    required_facts: tuple[str | tuple[str, ...], ...]
    reference_answer: str
    documents: tuple[str, ...]
    notes: str = ""
    line: int = field(default=0, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any], line: int = 0) -> GoldQuestion:
        """Build from one parsed JSON object (types are checked by `validate_gold_set`)."""
        facts: list[str | tuple[str, ...]] = []
        for fact in data["required_facts"]:
            facts.append(fact if isinstance(fact, str) else tuple(fact))
        return cls(
            id=data["id"],
            question=data["question"],
            language=data["language"],
            types=tuple(data["types"]),
            answerable=data["answerable"],
            required_facts=tuple(facts),
            reference_answer=data["reference_answer"],
            documents=tuple(data["documents"]),
            notes=data.get("notes", ""),
            line=line,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON Lines object for this question (lists, not tuples)."""
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "language": self.language,
            "types": list(self.types),
            "answerable": self.answerable,
            "required_facts": [f if isinstance(f, str) else list(f) for f in self.required_facts],
            "reference_answer": self.reference_answer,
            "documents": list(self.documents),
        }
        if self.notes:
            data["notes"] = self.notes
        return data

    def has_type(self, question_type: str) -> bool:
        return question_type in self.types


def default_gold_path() -> Path:
    """The packaged gold set file."""
    packaged = resources.files("evaluations").joinpath("gold", "questions.jsonl")
    if isinstance(packaged, Path):
        return packaged
    return Path(__file__).resolve().parent / "gold" / "questions.jsonl"


def known_document_files(manifest_path: Path | None = None) -> frozenset[str]:
    """File names listed in the knowledge base manifest (knowledge/documents/manifest.json)."""
    if manifest_path is None:
        text = (
            resources.files("knowledge")
            .joinpath("documents", "manifest.json")
            .read_text(encoding="utf-8")
        )
    else:
        text = Path(manifest_path).read_text(encoding="utf-8")
    manifest = json.loads(text)
    return frozenset(entry["file"] for entry in manifest["documents"])


def _check_record(data: Any, where: str) -> list[str]:
    """Structural problems of one parsed JSON line (before building a GoldQuestion)."""
    if not isinstance(data, dict):
        return [f"{where}: expected a JSON object, got {type(data).__name__}"]
    problems = [f"{where}: missing field {name!r}" for name in _REQUIRED_FIELDS if name not in data]
    unknown = set(data) - set(_REQUIRED_FIELDS) - set(_OPTIONAL_FIELDS)
    problems += [f"{where}: unknown field {name!r}" for name in sorted(unknown)]
    if problems:
        return problems
    for name in ("id", "question", "language", "reference_answer"):
        if not isinstance(data[name], str) or not data[name].strip():
            problems.append(f"{where}: {name!r} must be a non-empty string")
    if not isinstance(data["answerable"], bool):
        problems.append(f"{where}: 'answerable' must be true or false")
    if "notes" in data and not isinstance(data["notes"], str):
        problems.append(f"{where}: 'notes' must be a string")
    for name in ("types", "documents", "required_facts"):
        if not isinstance(data[name], list):
            problems.append(f"{where}: {name!r} must be a list")
    if problems:
        return problems
    for name in ("types", "documents"):
        if not all(isinstance(item, str) for item in data[name]):
            problems.append(f"{where}: {name!r} must hold strings only")
    for fact in data["required_facts"]:
        try:
            alternatives = fact_alternatives(fact)
        except (TypeError, ValueError):
            problems.append(f"{where}: bad required fact {fact!r} (string or list of strings)")
            continue
        if any(not a.strip() for a in alternatives):
            problems.append(f"{where}: empty required fact in {fact!r}")
    return problems


def validate_gold_set(
    questions: Iterable[GoldQuestion], known_documents: Iterable[str] | None = None
) -> list[str]:
    """Semantic problems of a list of gold questions (empty list when valid)."""
    documents = frozenset(known_documents) if known_documents is not None else None
    problems: list[str] = []
    seen: dict[str, int] = {}
    for q in questions:
        where = f"line {q.line} ({q.id})"
        if q.id in seen:
            problems.append(f"{where}: duplicate id, first used on line {seen[q.id]}")
        else:
            seen[q.id] = q.line
        if q.language not in LANGUAGES:
            problems.append(f"{where}: unknown language {q.language!r} (fr or en)")
        if not q.types:
            problems.append(f"{where}: no type")
        for question_type in q.types:
            if question_type not in GOLD_TYPES:
                known = ", ".join(sorted(GOLD_TYPES))
                problems.append(f"{where}: unknown type {question_type!r} (known: {known})")
        if len(set(q.types)) != len(q.types):
            problems.append(f"{where}: repeated type")
        if q.answerable:
            if not q.required_facts:
                problems.append(f"{where}: answerable question with no required fact")
            if not q.documents:
                problems.append(f"{where}: answerable question with no document")
            if "out-of-scope" in q.types:
                problems.append(f"{where}: answerable question typed 'out-of-scope'")
        else:
            if q.required_facts:
                problems.append(f"{where}: unanswerable question with required facts")
            if "out-of-scope" not in q.types:
                problems.append(f"{where}: unanswerable question must be typed 'out-of-scope'")
        if documents is not None:
            for name in q.documents:
                if name not in documents:
                    problems.append(f"{where}: unknown document file {name!r}")
        if len(set(q.documents)) != len(q.documents):
            problems.append(f"{where}: repeated document")
    return problems


def parse_gold_lines(lines: Iterable[str], source: str = "<gold set>") -> list[GoldQuestion]:
    """GoldQuestions from JSON Lines text; blank lines are skipped. Structural checks only."""
    questions: list[GoldQuestion] = []
    problems: list[str] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"line {number}"
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            problems.append(f"{where}: not valid JSON ({error.msg}, column {error.colno})")
            continue
        record_problems = _check_record(
            data, f"{where} ({data.get('id', '?')})" if isinstance(data, dict) else where
        )
        if record_problems:
            problems.extend(record_problems)
            continue
        questions.append(GoldQuestion.from_dict(data, line=number))
    if problems:
        raise GoldSetError(source, problems)
    return questions


def load_gold_set(
    path: str | Path | None = None,
    manifest_path: str | Path | None = None,
    extra_documents: Iterable[str] = (),
) -> list[GoldQuestion]:
    """Read and validate the gold set (default: the packaged questions.jsonl).

    `extra_documents`: file names a question may cite beside the shipped ones (a suite's
    own documents). Raises GoldSetError listing every problem (bad JSON, missing field,
    unknown type, answerable question without facts, unknown document file, duplicate
    id, ...).
    """
    gold_path = Path(path) if path is not None else default_gold_path()
    text = gold_path.read_text(encoding="utf-8")
    questions = parse_gold_lines(text.splitlines(), source=str(gold_path))
    known = known_document_files(Path(manifest_path) if manifest_path is not None else None)
    known = known | frozenset(extra_documents)
    problems = validate_gold_set(questions, known)
    if problems:
        raise GoldSetError(str(gold_path), problems)
    return questions
