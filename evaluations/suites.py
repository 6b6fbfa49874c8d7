"""The question sets the assistant is measured on, and what each may be used for.

| suite                   | questions (`evaluations/…`)        | documents added    | role       |
|-------------------------|------------------------------------|--------------------|------------|
| `dev`                   | `gold/questions.jsonl`             | none               | fit        |
| `unseen-dev`            | `unseen_dev/questions.jsonl`       | `unseen_dev/…`     | fit        |
| `paraphrase-fit`        | `paraphrase_fit/questions.jsonl`   | none               | fit        |
| `unseen-dev-paraphrase` | `unseen_dev_paraphrase/questions…` | `unseen_dev/…`     | fit        |
| `projects-fit`          | `projects_fit/questions.jsonl`     | `projects_fit/log` | fit        |
| `paraphrase-dev`        | `paraphrase_dev/questions.jsonl`   | none               | validation |
| `blind`                 | `blind/questions.jsonl`            | none               | validation |
| `unseen`                | `unseen/questions.jsonl`           | `unseen/documents` | validation |
| `blind-2`               | `blind_2/questions.jsonl`          | none               | held-out   |
| `unseen-2`              | `unseen_2/questions.jsonl`         | `unseen_2/…`       | held-out   |

Roles: the evidence scorer is fitted on the "fit" suites; a "validation" suite is read and
used to choose between designs (features, training data) by how a model fitted without it
does on it, and is never fitted on; "held-out" suites measure the chosen model once and
are never used for any choice. `blind` and `unseen` were the held-out suites until
2026-12-07; by then their numbers had decided several accept-or-reject choices, so, as their
READMEs ask, they became validation suites and two new held-out suites were written the
same way (`blind-2`, `unseen-2`). The paraphrase and blind sets were written by helpers who
read only the documents, never the answerer's code or any other question set; the blind
ones were frozen before any tuning. The two paraphrase fit suites were written later the
same way (a helper reading only the documents), so that the scorer learns from questions
worded as people word them, not only from the first team's gold set. The fitting script
(`evaluations/fit_evidence.py`) refuses anything but "fit" suites. Every suite is
answered from one index that holds the shipped base and every suite's documents, so adding
documents is part of what is measured: the shipped-base questions must hold when the
others are there. The `projects-fit` suite adds no document but logged projects: its
`log.txt` is replayed through the project commands (`evaluations.project_log`), so that the
scorer sees questions about projects and their updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evaluations.gold_set import GoldQuestion, load_gold_set
from knowledge.loaders import SUPPORTED_EXTENSIONS

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Suite:
    name: str
    questions_path: Path
    documents_dir: Path | None
    role: Literal["fit", "validation", "held-out"]
    project_log: Path | None = None  # projects logged through the chat commands

    @property
    def tuning(self) -> bool:
        """Whether choices may be made by looking at it (fit and validation suites)."""
        return self.role != "held-out"

    def document_files(self) -> list[Path]:
        if self.documents_dir is None or not self.documents_dir.is_dir():
            return []
        return sorted(
            path for path in self.documents_dir.iterdir()
            if path.is_file() and path.suffix.lower() in SUPPORTED_EXTENSIONS
        )

    def load(self) -> list[GoldQuestion]:
        extra = [path.name for path in self.document_files()]
        if self.project_log is not None:
            extra.append(self.project_log.name)
        return load_gold_set(self.questions_path, extra_documents=extra)

    @property
    def available(self) -> bool:
        return self.questions_path.is_file()


SUITES: dict[str, Suite] = {
    "dev": Suite("dev", ROOT / "gold" / "questions.jsonl", None, role="fit"),
    "unseen-dev": Suite(
        "unseen-dev", ROOT / "unseen_dev" / "questions.jsonl", ROOT / "unseen_dev" / "documents",
        role="fit",
    ),
    "paraphrase-fit": Suite(
        "paraphrase-fit", ROOT / "paraphrase_fit" / "questions.jsonl", None, role="fit",
    ),
    "unseen-dev-paraphrase": Suite(
        "unseen-dev-paraphrase", ROOT / "unseen_dev_paraphrase" / "questions.jsonl",
        ROOT / "unseen_dev" / "documents", role="fit",
    ),
    "projects-fit": Suite(
        "projects-fit", ROOT / "projects_fit" / "questions.jsonl", None, role="fit",
        project_log=ROOT / "projects_fit" / "log.txt",
    ),
    "paraphrase-dev": Suite(
        "paraphrase-dev", ROOT / "paraphrase_dev" / "questions.jsonl", None, role="validation",
    ),
    "blind": Suite("blind", ROOT / "blind" / "questions.jsonl", None, role="validation"),
    "unseen": Suite(
        "unseen", ROOT / "unseen" / "questions.jsonl", ROOT / "unseen" / "documents",
        role="validation",
    ),
    "blind-2": Suite("blind-2", ROOT / "blind_2" / "questions.jsonl", None, role="held-out"),
    "unseen-2": Suite(
        "unseen-2", ROOT / "unseen_2" / "questions.jsonl", ROOT / "unseen_2" / "documents",
        role="held-out",
    ),
}
FIT_SUITES = tuple(name for name, suite in SUITES.items() if suite.role == "fit")
VALIDATION_SUITES = tuple(name for name, suite in SUITES.items() if suite.role == "validation")
HELD_OUT_SUITES = tuple(name for name, suite in SUITES.items() if suite.role == "held-out")


def suite(name: str) -> Suite:
    if name not in SUITES:
        raise ValueError(f"Unknown suite {name!r} (known: {', '.join(SUITES)})")
    return SUITES[name]


def added_documents(names: tuple[str, ...] = tuple(SUITES)) -> list[Path]:
    """The documents the named suites add to the shipped base."""
    paths = [path for name in names for path in SUITES[name].document_files()]
    return list(dict.fromkeys(paths))  # two suites may share their documents


def project_logs(names: tuple[str, ...] = tuple(SUITES)) -> list[Path]:
    """The project logs the named suites replay into the index."""
    logs = [SUITES[name].project_log for name in names]
    return [log for log in logs if log is not None]
