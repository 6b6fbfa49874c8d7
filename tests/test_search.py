"""Hybrid search over the shipped knowledge base, with filters, in both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.regions import UnknownRegionError
from retrieval.filters import SearchFilters, UnknownPlanError, resolve_plan
from retrieval.index import KnowledgeIndex

REGIONAL_PAGE = "mtess-alliances-mandataires-regions-2019-2023.txt"


@pytest.fixture(scope="module")
def index(shipped_home: Path, encoder) -> KnowledgeIndex:
    return KnowledgeIndex(shipped_home, encoder=encoder, chroma_url="")


def test_accent_free_query_finds_accented_text(index: KnowledgeIndex) -> None:
    hits = index.search("securite alimentaire", 5, mode="lexical").hits
    assert hits and "sécurité alimentaire" in hits[0].chunk.text


def test_region_filter_keeps_only_that_region(index: KnowledgeIndex) -> None:
    filters = SearchFilters.from_user(region="Mauricie")
    for mode in ("lexical", "dense", "hybrid"):
        hits = index.search("mandataire", 10, filters, mode=mode).hits
        assert hits, mode
        assert {hit.chunk.metadata["region"] for hit in hits} == {"Mauricie"}
    assert "Consortium en développement social de la Mauricie" in hits[0].chunk.text


def test_region_group_filter_covers_its_territories(index: KnowledgeIndex) -> None:
    hits = index.search("mandataire", 10, SearchFilters.from_user(region="Nord-du-Québec")).hits
    assert {hit.chunk.metadata["region"] for hit in hits} == {
        "Baie-James",
        "Nation crie",
        "Kativik",
    }


def test_plan_measure_and_kind_filters(index: KnowledgeIndex) -> None:
    psis = index.search("coût de la mesure", 10, SearchFilters.from_user(plan="PSIS")).hits
    assert psis and {hit.chunk.metadata["plan"] for hit in psis} == {"PSIS"}
    measure = index.search("coût", 10, SearchFilters(measure="1.3")).hits
    assert measure and {hit.chunk.doc_id for hit in measure} == {
        "psis-2010-2011-rapport-mesure-1.3-forum-solidarite.txt"
    }
    slides = index.search("financement FQIS", 5, SearchFilters(kind="presentation")).hits
    assert slides and {hit.chunk.metadata["kind"] for hit in slides} == {"presentation"}


def test_region_filter_with_general_passages(index: KnowledgeIndex) -> None:
    filters = SearchFilters.from_user(region="Mauricie", include_general=True)
    regions = {hit.chunk.metadata["region"] for hit in index.search("FQIS", 10, filters).hits}
    assert regions <= {"Mauricie", ""} and "" in regions


def test_english_question_reaches_the_french_passage(index: KnowledgeIndex) -> None:
    hits = index.search("Who manages the Alliance in Estrie?", 5).hits
    assert any(hit.chunk.metadata["region"] == "Estrie" for hit in hits[:3])


def test_hybrid_ranks_carry_both_retrievers(index: KnowledgeIndex) -> None:
    top = index.search("mandataire Mauricie", 3).hits[0]
    assert top.lexical_rank is not None and top.dense_rank is not None
    assert top.chunk.metadata["region"] == "Mauricie"


def test_unknown_filters_are_refused_with_a_suggestion() -> None:
    with pytest.raises(UnknownRegionError, match="Montérégie"):
        SearchFilters.from_user(region="Monteregi")
    with pytest.raises(UnknownPlanError, match="PAGIEPS"):
        SearchFilters.from_user(plan="PAGIEP")
    assert resolve_plan("2010-2015") == "PSIS"


def test_chroma_server_backend(chroma_server_url: str, tmp_path: Path, encoder) -> None:
    """The same ingestion and search through a Chroma server (HttpClient)."""
    from bot.assistant import Assistant

    server_index = KnowledgeIndex(
        tmp_path / "home",
        encoder=encoder,
        chroma_url=chroma_server_url,
        collection_prefix=f"test-{tmp_path.name}",
    )
    assistant = Assistant(server_index)
    first = assistant.ingest()
    assert len(first.added) == 5 and not first.failed
    assert server_index.vector_location.startswith(chroma_server_url)
    assert server_index.vectors.count() == server_index.store.chunk_count()
    hits = server_index.search(
        "mandataire", 5, SearchFilters.from_user(region="Estrie"), mode="dense"
    ).hits
    assert hits and hits[0].chunk.metadata["region"] == "Estrie"
    assert len(assistant.ingest().unchanged) == 5
