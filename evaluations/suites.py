"""The question sets the assistant is measured on, and which of them may be tuned on.

| suite        | questions                          | documents added to the shipped base | tuning |
|--------------|------------------------------------|-------------------------------------|--------|
| `dev`        | `gold/questions.jsonl`             | none                                | yes    |
| `unseen-dev` | `unseen_dev/questions.jsonl`       | `unseen_dev/documents/`             | yes    |
| `blind`      | `blind/questions.jsonl`            | none                                | never  |
| `unseen`     | `unseen/questions.jsonl`           | `unseen/documents/`                 | never  |

The blind sets were written by people who read only the documents, never the answerer's
code or the development questions, and were frozen before any tuning; the fitting script
(`evaluations/fit_evidence.py`) refuses them. Every suite is answered from one index that
holds the shipped base and every suite's documents, so adding documents is part of what
is measured: the shipped-base questions must hold when the others are there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evaluations.gold_set import GoldQuestion, load_gold_set
from knowledge.loaders import SUPPORTED_EXTENSIONS

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Suite:
    name: str
    questions_path: Path
    documents_dir: Path | None
    tuning: bool

    def document_files(self) -> list[Path]:
        if self.documents_dir is None or not self.documents_dir.is_dir():
            return []
        return sorted(
            path for path in self.documents_dir.iterdir()
            if path.is_file() and path.suffix.lower() in SUPPORTED_EXTENSIONS
        )

    def load(self) -> list[GoldQuestion]:
        extra = [path.name for path in self.document_files()]
        return load_gold_set(self.questions_path, extra_documents=extra)

    @property
    def available(self) -> bool:
        return self.questions_path.is_file()


SUITES: dict[str, Suite] = {
    "dev": Suite("dev", ROOT / "gold" / "questions.jsonl", None, tuning=True),
    "unseen-dev": Suite(
        "unseen-dev", ROOT / "unseen_dev" / "questions.jsonl", ROOT / "unseen_dev" / "documents",
        tuning=True,
    ),
    "blind": Suite("blind", ROOT / "blind" / "questions.jsonl", None, tuning=False),
    "unseen": Suite(
        "unseen", ROOT / "unseen" / "questions.jsonl", ROOT / "unseen" / "documents",
        tuning=False,
    ),
}
TUNING_SUITES = tuple(name for name, suite in SUITES.items() if suite.tuning)
HELD_OUT_SUITES = tuple(name for name, suite in SUITES.items() if not suite.tuning)


def suite(name: str) -> Suite:
    if name not in SUITES:
        raise ValueError(f"Unknown suite {name!r} (known: {', '.join(SUITES)})")
    return SUITES[name]


def added_documents(names: tuple[str, ...] = tuple(SUITES)) -> list[Path]:
    """The documents the named suites add to the shipped base."""
    return [path for name in names for path in SUITES[name].document_files()]
