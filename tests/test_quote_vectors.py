"""The answerer's quote vectors: encoded when passages are indexed, so that the first
question about a document reads them back instead of encoding its quotes then."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bot.assistant import Assistant
from knowledge.paths import database_path
from retrieval.chunk_store import ChunkStore
from retrieval.chunking import Chunk
from retrieval.evidence_candidates import passage_candidates, quote_texts
from retrieval.index import KnowledgeIndex, SearchHit
from retrieval.project_index import ProjectIndexer
from retrieval.quote_vectors import QuoteVectors, encoded_documents


class CountingEncoder:
    """The real encoder, counting the texts it is asked to encode as documents; one that
    `refuses` raises instead, so that a check on a shared data folder writes nothing."""

    def __init__(self, encoder, refuses: bool = False) -> None:
        self._encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.encoded: list[str] = []
        self.refuses = refuses

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += list(texts)
        if self.refuses:
            raise AssertionError(f"{len(texts)} text(s) not stored, e.g. {texts[0]!r}")
        return self._encoder.encode_documents(texts)

    def encode_query(self, text: str) -> np.ndarray:
        return self._encoder.encode_query(text)


def _all_chunks(home: Path) -> list[Chunk]:
    store = ChunkStore(database_path(home))
    return [chunk for record in store.documents() for chunk in store.document_chunks(record.doc_id)]


def test_ingestion_stores_every_passage_and_quote_of_the_shipped_base(shipped_home: Path, encoder):
    chunks = _all_chunks(shipped_home)
    texts = [text for chunk in chunks for text in (chunk.embedding_text(), *quote_texts(chunk))]
    quotes = QuoteVectors(database_path(shipped_home), CountingEncoder(encoder, refuses=True))

    vectors = quotes.vectors(texts)

    assert len(chunks) > 50 and len(texts) > 300
    assert vectors.shape == (len(texts), encoder.dimension)
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-2)  # real vectors, stored as float16


def test_a_first_question_encodes_no_quote(home_copy: Path, encoder):
    counting = CountingEncoder(encoder)
    assistant = Assistant(KnowledgeIndex(home_copy, encoder=counting, chroma_url=""))

    answer = assistant.ask("Qui est le mandataire de l'Alliance en Mauricie ?")

    assert not answer.abstained and "Mauricie" in answer.text
    assert counting.encoded == []


def test_a_project_passage_has_its_quotes_stored_when_indexed(home_copy: Path, encoder):
    index = KnowledgeIndex(home_copy, encoder=encoder, chroma_url="")
    chunk = Chunk(
        chunk_id="project-update:test-1::0000", doc_id="project-update:test-1",
        section="Jardin collectif de Shawinigan — mise à jour", position=0,
        metadata={"doc_id": "project-update:test-1", "title": "Suivi des projets",
                  "kind": "project-update", "region": "Mauricie"},
        text="35 familles inscrites au jardin cette saison.\nLa récolte commence en août.",
    )

    ProjectIndexer(index).put([chunk])

    counting = CountingEncoder(encoder)
    quotes = QuoteVectors(database_path(home_copy), counting)
    quotes.vectors([chunk.embedding_text(), *quote_texts(chunk)])
    assert counting.encoded == []
    assert len(quote_texts(chunk)) == 3  # two lines and the pair


def test_put_keeps_the_given_vectors(tmp_path: Path, encoder):
    counting = CountingEncoder(encoder)
    quotes = QuoteVectors(tmp_path / "cache.db", counting)
    given_vectors = np.eye(2, encoder.dimension, dtype=np.float32)

    quotes.put(["premier passage", "second passage"], given_vectors)

    assert np.allclose(quotes.vectors(["second passage", "premier passage"]), given_vectors[::-1])
    assert counting.encoded == []
    assert quotes.warm(["premier passage", "un troisième"]) == 1
    assert counting.encoded == ["un troisième"]


_line = st.text(
    alphabet=st.sampled_from(list("abc é.;-•1) MR\t")), min_size=0, max_size=60
)


@given(lines=st.lists(_line, max_size=8), section=st.sampled_from(["Mauricie", "", "Axe 3"]))
def test_quote_texts_are_what_the_answerer_encodes(lines: list[str], section: str):
    chunk = Chunk("d::0", "d", section, "\n".join(lines), 0, {})
    asked = [c.embedding_text for c in passage_candidates(SearchHit(chunk, 1.0), 0)]
    assert asked == quote_texts(chunk)


def _gaspesie(tmp_path: Path, encoder):
    from knowledge.manifest import DocumentInfo

    page = tmp_path / "docs" / "gaspesie.md"
    page.parent.mkdir()
    page.write_text(
        "# Alliance Gaspésie 2024-2029\n\nL'enveloppe régionale est de 5 802 682 $.\n"
        "Vingt projets ont été retenus.\n", encoding="utf-8",
    )
    index = KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url="")
    return index, [DocumentInfo(doc_id="gaspesie.md", path=page, title="Gaspésie")]


def test_the_quotes_of_new_passages_are_encoded_once(tmp_path: Path, encoder):
    from retrieval.ingestion import encode_new_quotes, ingest

    index, documents = _gaspesie(tmp_path, encoder)
    first = ingest(index, documents, root="docs")
    encode_new_quotes(index, first)
    again = ingest(index, documents, root="docs")
    encode_new_quotes(index, again)

    chunks = _all_chunks(tmp_path / "home")
    assert first.quotes_encoded == len({t for c in chunks for t in quote_texts(c)}) > 0
    assert "citation(s) encodée(s)" in first.summary()
    assert again.quotes_encoded == 0 and "citation" not in again.summary()


def _forget(home: Path, *tables: str) -> None:
    """Empty cache tables, as a data folder indexed before they existed would have them."""
    import sqlite3

    with sqlite3.connect(database_path(home)) as db:
        for table in tables:
            db.execute(f"DELETE FROM {table}")


def test_documents_indexed_before_the_cache_get_their_quotes_encoded_once(
    tmp_path: Path, encoder
):
    from retrieval.ingestion import encode_new_quotes, ingest

    index, documents = _gaspesie(tmp_path, encoder)
    encode_new_quotes(index, ingest(index, documents, root="docs"))
    _forget(tmp_path / "home", "quote_vectors", "quote_documents")

    upgraded = ingest(index, documents, root="docs")
    encode_new_quotes(index, upgraded)
    again = ingest(index, documents, root="docs")
    encode_new_quotes(index, again)

    chunks = _all_chunks(tmp_path / "home")
    compared = {t for c in chunks for t in (c.embedding_text(), *quote_texts(c))}
    assert upgraded.unchanged == ["gaspesie.md"] and not upgraded.changed
    assert upgraded.quotes_encoded == len(compared) > 0
    assert again.quotes_encoded == 0
    counting = CountingEncoder(encoder, refuses=True)
    # All stored, the passages' vectors too: the refusing encoder is never asked.
    QuoteVectors(database_path(tmp_path / "home"), counting).vectors(sorted(compared))


def test_a_run_killed_before_recording_its_quotes_is_finished_by_the_next(
    tmp_path: Path, encoder
):
    from retrieval.ingestion import encode_new_quotes, ingest

    index, documents = _gaspesie(tmp_path, encoder)
    encode_new_quotes(index, ingest(index, documents, root="docs"))
    digest = encoded_documents(tmp_path / "home")["gaspesie.md"]
    _forget(tmp_path / "home", "quote_documents")  # the vectors stayed, the record did not

    report = ingest(index, documents, root="docs")
    assert report.quote_digests == {"gaspesie.md": digest}
    encode_new_quotes(index, report)

    assert report.quotes_encoded == 0  # nothing to encode again, only to record
    assert encoded_documents(tmp_path / "home") == {"gaspesie.md": digest}
    assert ingest(index, documents, root="docs").quote_digests == {}


def test_an_ingestion_that_finds_everything_in_place_loads_no_model(tmp_path: Path, encoder):
    from retrieval.ingestion import encode_new_quotes, ingest

    index, documents = _gaspesie(tmp_path, encoder)
    encode_new_quotes(index, ingest(index, documents, root="docs"))
    # A fresh process: the index knows its encoder by name only until something encodes.
    reopened = KnowledgeIndex(tmp_path / "home", encoder_spec=encoder.name, chroma_url="")

    report = ingest(reopened, documents, root="docs")
    encode_new_quotes(reopened, report)

    assert report.unchanged == ["gaspesie.md"] and report.quotes_encoded == 0
    assert reopened._encoder is None


def test_questions_are_answered_while_the_new_quotes_are_encoded(home_copy: Path, encoder):
    """Ingesting holds questions back; encoding the quotes afterwards must not."""
    import threading

    from knowledge.manifest import DocumentInfo

    answered = threading.Event()
    calls: list[int] = []

    class AskingMidway(CountingEncoder):
        def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
            calls.append(len(texts))
            if len(calls) == 2:  # the first call encodes the passage, the second its quotes
                asking = threading.Thread(target=lambda: (
                    assistant.ask("Qui est le mandataire de l'Alliance en Mauricie ?"),
                    answered.set(),
                ))
                asking.start()
                assert answered.wait(60), "the question waited for the quotes to be encoded"
            return super().encode_documents(texts)

    assistant = Assistant(KnowledgeIndex(home_copy, encoder=AskingMidway(encoder), chroma_url=""))
    page = home_copy.parent / "added" / "abitibi.md"
    page.parent.mkdir()
    page.write_text(
        "# Alliance Abitibi-Témiscamingue\n\nUne hausse de 1 200 000 $ a été annoncée.\n"
        "Les MRC déposent leurs projets à l'automne.\n", encoding="utf-8",
    )

    report = assistant.add_document(
        DocumentInfo(doc_id="abitibi.md", path=page, title="Abitibi"), root="added"
    )

    added = ChunkStore(database_path(home_copy)).document_chunks("abitibi.md")
    assert answered.is_set() and len(calls) == 2
    assert report.quotes_encoded == len(quote_texts(added[0])) > 0


def test_a_failing_cache_leaves_ingestion_and_project_writes_whole(
    tmp_path: Path, encoder, monkeypatch, caplog
):
    import sqlite3

    from knowledge.manifest import DocumentInfo

    def disk_full(self, rows):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(QuoteVectors, "_write", disk_full)
    page = tmp_path / "docs" / "laval.md"
    page.parent.mkdir()
    page.write_text(
        "# Alliance Laval\n\nLe mandataire est la Ville de Laval.\nDix projets.\n",
        encoding="utf-8",
    )
    assistant = Assistant(KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url=""))

    report = assistant.ingest(
        [DocumentInfo(doc_id="laval.md", path=page, title="Laval")], root="docs"
    )
    chunk = Chunk(
        chunk_id="project-update:test-2::0000", doc_id="project-update:test-2",
        section="Friperie de Laval — mise à jour", position=0,
        metadata={"doc_id": "project-update:test-2", "kind": "project-update"},
        text="La friperie a accueilli 40 familles.",
    )
    ProjectIndexer(assistant.index).put([chunk])

    assert report.added == ["laval.md"] and not report.failed
    assert report.quotes_encoded == 0 and "quote cache not updated" in caplog.text
    found = {hit.chunk.doc_id for hit in assistant.search("mandataire Ville de Laval", k=5).hits}
    assert "laval.md" in found
    stored = ChunkStore(database_path(tmp_path / "home")).chunk_ids_by_document([chunk.doc_id])
    assert stored.get(chunk.doc_id) == {chunk.chunk_id}
