"""Structure-aware chunks: one per section, slide or region, with the metadata filters
and citations need."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from knowledge.loaders import load_document
from knowledge.manifest import DocumentInfo, shipped_documents
from retrieval.chunking import MAX_CHUNK_CHARS, chunk_document


def _info(**overrides) -> DocumentInfo:
    values = {"doc_id": "doc.md", "path": Path("doc.md"), "title": "Un document"}
    return DocumentInfo(**{**values, **overrides})


def _shipped(doc_id: str):
    info = next(d for d in shipped_documents() if d.doc_id == doc_id)
    return info, chunk_document(info, load_document(info.path).text)


def test_regional_page_gives_one_chunk_per_territory() -> None:
    _, chunks = _shipped("mtess-alliances-mandataires-regions-2019-2023.txt")
    regional = [c for c in chunks if c.metadata["region"]]
    assert len({c.metadata["region"] for c in regional}) == 21
    assert all(c.section == c.metadata["region"] for c in regional)  # never two regions mixed
    mauricie = next(c for c in regional if c.metadata["region"] == "Mauricie")
    assert mauricie.section == "Mauricie"
    assert "Consortium en développement social de la Mauricie" in mauricie.text
    assert mauricie.metadata["plan"] == "PAGIEPS" and mauricie.metadata["kind"] == "page-web"


def test_slides_become_sections_and_the_deck_title_is_kept() -> None:
    _, chunks = _shipped("colloque-revitalisation-2014-alliances-presentation.txt")
    sections = [c.section for c in chunks]
    assert any(s.startswith("Diapositive 9") for s in sections)
    assert "20 mars 2014" in chunks[0].text  # the deck's own heading is a passage
    assert not any("Présentations similaires" in c.text for c in chunks)


def test_measure_report_chunks_carry_the_measure() -> None:
    _, chunks = _shipped("psis-2010-2011-rapport-mesure-1.1-alliances.md")
    cost = next(c for c in chunks if c.section == "COÛT DE LA MESURE")
    assert "2010-2011 : 13,7 M$" in cost.text
    assert {c.metadata["measure"] for c in chunks} == {"1.1"}
    assert {c.metadata["plan"] for c in chunks} == {"PSIS"}


def test_chunk_ids_are_stable_and_ordered() -> None:
    info = _info()
    text = "# Titre\n## Un\nPremier.\n## Deux\nSecond.\n"
    first, second = chunk_document(info, text), chunk_document(info, text)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert [c.position for c in first] == list(range(len(first)))
    assert [c.section for c in first] == ["Titre", "Un", "Deux"]


def test_a_long_section_is_split_at_line_boundaries() -> None:
    lines = [f"Ligne {n} : " + " ".join(["mot"] * 40) for n in range(30)]
    chunks = chunk_document(_info(), "## Long\n" + "\n".join(lines))
    assert len(chunks) > 1
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunks)
    assert all(c.section == "Long" for c in chunks)
    assert "\n".join(c.text for c in chunks).split("\n") == lines


def test_embedding_text_says_where_the_passage_sits() -> None:
    chunk = chunk_document(_info(title="Rapport"), "## Coûts\n2010-2011 : 13,7 M$\n")[-1]
    assert chunk.embedding_text().startswith("Rapport — Coûts\n")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000))
def test_no_text_is_lost_and_no_chunk_is_too_long(text: str) -> None:
    chunks = chunk_document(_info(), text)
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunks)
    kept = "".join("".join(c.text.split()) for c in chunks)
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert "".join(line.split()) in kept
