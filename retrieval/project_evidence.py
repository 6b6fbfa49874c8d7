"""Projects logged through chat, as evidence for the questions that name them.

« Combien de familles sont inscrites au Jardin collectif de Shawinigan ? » names a
project of the store: its record card and its updates (newest first) join the evidence,
read from the project store itself, so its figures, status, promoter and latest news can
be quoted with the update's author and date, whatever the search ranked.
"""

from __future__ import annotations

import threading
from pathlib import Path

from rapidfuzz import fuzz

from knowledge.folding import fold_key
from knowledge.projects import Project, ProjectStore
from retrieval.index import SearchHit
from retrieval.project_index import project_chunk, update_chunk

MAX_UPDATES = 6
_MIN_NAME_CHARS = 6
_CLOSE_ENOUGH = 92  # fuzzy score of a name typed with a slip ("jardin colectif")
PROJECT_SCORE = 0.02  # a fused score in the range of a well-ranked passage


class ProjectEvidence:
    """Finds the logged projects a question names; the store opens on first use."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._store: ProjectStore | None = None
        self._lock = threading.Lock()

    def _projects(self) -> list[tuple[str, Project]]:
        with self._lock:
            if self._store is None:
                self._store = ProjectStore.open(self._home)
            return self._store.name_keys()

    def named_in(self, question: str) -> tuple[frozenset[int], list[SearchHit]]:
        """The ids of the projects the question names, and their passages."""
        key = f" {fold_key(question)} "
        named = [
            project for name, project in self._projects()
            if len(name) >= _MIN_NAME_CHARS and (
                f" {name} " in key or fuzz.partial_ratio(name, key) >= _CLOSE_ENOUGH
            )
        ]
        hits: list[SearchHit] = []
        for project in named:
            hits.append(SearchHit(chunk=project_chunk(project), score=PROJECT_SCORE))
            assert self._store is not None
            for update in self._store.updates(project.id, limit=MAX_UPDATES):
                hits.append(SearchHit(chunk=update_chunk(project, update), score=PROJECT_SCORE))
        return frozenset(project.id for project in named), hits

