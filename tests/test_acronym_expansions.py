"""What an acronym stands for, learned from the passages, kept current as documents change
without rescanning every passage after each write."""

from __future__ import annotations

from pathlib import Path

from retrieval.acronym_expansions import AcronymExpansions
from retrieval.analysis import analyze
from retrieval.chunk_store import ChunkStore, DocumentRecord
from retrieval.chunking import Chunk


def _document(doc_id: str, text: str) -> tuple[DocumentRecord, list[Chunk], list[list[str]]]:
    chunk = Chunk(f"{doc_id}::0000", doc_id, "", text, 0, {"doc_id": doc_id})
    record = DocumentRecord(doc_id, doc_id, "docs", f"hash-{text}", doc_id, 1, 0.0)
    return record, [chunk], [analyze(text)]


class CountingStore(ChunkStore):
    """A chunk store that records which documents each acronym search read."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.searches: list[set[str] | None] = []

    def passages_containing(self, fragment, limit, doc_ids=None):  # type: ignore[override]
        self.searches.append(None if doc_ids is None else set(doc_ids))
        return super().passages_containing(fragment, limit, doc_ids)


def test_definitions_are_read_from_the_passages(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "alliances.db")
    store.replace_documents([_document("a", "La Table Québec-Régions (TQR) se réunit.")])
    assert "Table Québec-Régions" in AcronymExpansions(store).expansions("tqr")


def test_a_new_document_teaches_an_acronym_without_a_full_rescan(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "alliances.db")
    store.replace_documents([_document("a", "La Table Québec-Régions (TQR) se réunit.")])
    acronyms = AcronymExpansions(store)
    assert acronyms.expansions("TQR") == ("Table Québec-Régions",)
    store.searches.clear()

    store.replace_documents([_document("b", "Le Groupe des partenaires pour la solidarité "
                                                 "(GPS) et la Table Québec-Régions (TQR).")])
    store.replace_documents([_document("c", "Un projet de jardin collectif.")])
    assert acronyms.expansions("TQR") == ("Table Québec-Régions",)
    assert store.searches == [{"b", "c"}]  # only what changed, read once
    assert acronyms.expansions("GPS") == ("Groupe des partenaires pour la solidarité",)


def test_a_removed_or_rewritten_document_takes_its_definition_away(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "alliances.db")
    store.replace_documents([
        _document("a", "Le Centre d'étude sur la pauvreté et l'exclusion (CEPE) publie."),
        _document("b", "Le Comité d'experts pour la pauvreté extrême (CEPE) aussi."),
    ])
    acronyms = AcronymExpansions(store)
    assert len(acronyms.expansions("CEPE")) == 2
    store.remove_document("b")
    assert acronyms.expansions("CEPE") == ("Centre d'étude sur la pauvreté et l'exclusion",)
    store.replace_documents([_document("a", "Plus de sigle ici.")])
    assert acronyms.expansions("CEPE") == ()


def test_the_staff_glossary_comes_first_and_is_not_repeated(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "alliances.db")
    store.replace_documents([
        _document("a", "Le Fonds québécois d'initiatives sociales (FQIS) finance."),
    ])
    expansions = AcronymExpansions(store).expansions("FQIS")
    assert expansions == ("Fonds québécois d'initiatives sociales",)
