"""Kill tests: an ingestion SIGKILLed at any point is repaired by the next run.

Each test runs `alliances ingest` (or the server's start-up `Assistant.ensure_ready`) in a
subprocess with ALLIANCES_TEST_KILL_AT naming a crash point (knowledge.crash_points), checks
that it died there, runs it again, and compares the data folder with a clean ingestion:
same chunk ids, same vector ids, same content hashes, and a search that finds the answer.
About ten seconds per ingestion of the shipped base: marked slow.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knowledge import crash_points
from knowledge.paths import SHIPPED_DOCUMENTS
from retrieval.index import KnowledgeIndex
from retrieval.ingestion import discover, root_for, verify

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
MAURICIE_MANDATAIRE = "Consortium en développement social de la Mauricie"
REGIONS = "mtess-alliances-mandataires-regions-2019-2023.txt"
MEASURE = "psis-2010-2011-rapport-mesure-1.3-forum-solidarite.txt"
READY_SCRIPT = (
    "from bot.assistant import Assistant\n"
    "report = Assistant.from_environment().ensure_ready()\n"
    "print(report.summary() if report else 'déjà prêt')\n"
)


def _run(home: Path, args: list[str], kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("ALLIANCES_", "PYTEST"))
    }
    env.update(ALLIANCES_HOME=str(home), ALLIANCES_CHROMA_URL="", HF_HUB_OFFLINE="1")
    if kill_at:
        env[crash_points.KILL_ENV] = kill_at
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def _ingest(home: Path, *paths: Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    return _run(home, ["-m", "bot.cli", "ingest", "--quiet", *map(str, paths)], kill_at)


def _killed(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stdout, done.stderr)


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done.stdout


def _state(home: Path, encoder: Any) -> dict[str, Any]:
    """What a data folder holds: chunk ids, vector ids, content hashes."""
    index = KnowledgeIndex(home, encoder=encoder, chroma_url="")
    return {
        "chunks": sorted(index.store.chunk_ids()),
        "vectors": sorted(index.vectors.all_ids()),
        "hashes": index.store.hashes(),
    }


def _assert_like_clean(home: Path, clean: dict[str, Any], encoder: Any) -> None:
    state = _state(home, encoder)
    assert state["chunks"] == clean["chunks"]
    assert state["vectors"] == clean["vectors"]
    assert state["hashes"] == clean["hashes"]
    index = KnowledgeIndex(home, encoder=encoder, chroma_url="")
    assert verify(index) == []
    top = index.search("mandataire Mauricie", 3).hits
    assert top and MAURICIE_MANDATAIRE in top[0].chunk.text


@pytest.fixture(scope="module")
def clean(shipped_home: Path, encoder: Any) -> dict[str, Any]:
    """The shipped base ingested in one uninterrupted run."""
    return _state(shipped_home, encoder)


@pytest.mark.parametrize(
    "point",
    [
        crash_points.AFTER_CHUNKS, crash_points.AFTER_VECTORS, crash_points.BEFORE_MARK,
    ],
)
def test_ingest_killed_then_rerun_is_repaired(
    point: str, tmp_path: Path, clean: dict[str, Any], encoder: Any
) -> None:
    home = tmp_path / "home"
    _killed(_ingest(home, kill_at=point))
    # the half-done state is seen as such
    assert verify(KnowledgeIndex(home, encoder=encoder, chroma_url=""))
    output = _ok(_ingest(home))
    assert "5 réparé(s)" in output, output
    _assert_like_clean(home, clean, encoder)
    assert "5 inchangé(s)" in _ok(_ingest(home))  # and then it stays put


def test_server_start_killed_then_restarted_is_repaired(
    tmp_path: Path, clean: dict[str, Any], encoder: Any
) -> None:
    """The `serve` start-up path: ensure_ready killed, then the next start repairs before
    the service reports ready."""
    from bot.assistant import Assistant
    from bot.chat import ChatService
    from bot.state import State

    home = tmp_path / "home"
    _killed(_run(home, ["-c", READY_SCRIPT], kill_at=crash_points.AFTER_VECTORS))

    def factory() -> Assistant:
        return Assistant(KnowledgeIndex(home, encoder=encoder, chroma_url=""))

    async def start() -> ChatService:
        service = ChatService(State(tmp_path / "state.db"), factory, warm_up_question=None)
        await service.start()
        assert await service.wait_ready(300), service.error
        await service.drain()
        return service

    assert asyncio.run(start()).status == "ready"
    _assert_like_clean(home, clean, encoder)
    assert "déjà prêt" in _ok(_run(home, ["-c", READY_SCRIPT]))


def test_killed_update_and_removal_are_finished_by_the_next_run(
    tmp_path: Path, encoder: Any
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in (REGIONS, MEASURE):
        shutil.copy(SHIPPED_DOCUMENTS / name, folder / name)
    home = tmp_path / "home"
    _ok(_ingest(home, folder))
    measure = folder / MEASURE
    measure.write_text(
        measure.read_text("utf-8") + "\n\nLe forum a réuni 312 personnes à Zorbatelle.\n",
        "utf-8",
    )
    _killed(_ingest(home, folder, kill_at=crash_points.AFTER_VECTORS))
    assert "1 réparé(s)" in _ok(_ingest(home, folder))
    index = KnowledgeIndex(home, encoder=encoder, chroma_url="")
    documents, _ = discover([folder])
    assert verify(index, documents, root=root_for([folder])) == []
    assert "Zorbatelle" in index.search("Zorbatelle forum", 1, mode="lexical").hits[0].chunk.text

    (folder / REGIONS).unlink()
    _killed(_ingest(home, folder, kill_at=crash_points.MID_REMOVAL))
    assert "1 retiré(s)" in _ok(_ingest(home, folder))
    index = KnowledgeIndex(home, encoder=encoder, chroma_url="")
    gone = str((folder / REGIONS).resolve())
    assert index.store.document(gone) is None
    assert index.vectors.ids_of_documents([gone]) == set()
    assert index.vectors.count() == index.store.chunk_count()
    hits = index.search("mandataire Mauricie Consortium", 5, mode="lexical").hits
    assert not any(MAURICIE_MANDATAIRE in hit.chunk.text for hit in hits)
