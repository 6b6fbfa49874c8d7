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
