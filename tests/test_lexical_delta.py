"""The lexical index catches up on writes through a delta (no rebuild per write), finds
exactly what the store holds, rebuilds in the background, and is safe across threads."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import retrieval.lexical as lexical
from retrieval.analysis import analyze
from retrieval.chunk_store import ChunkStore, DocumentRecord
from retrieval.chunking import Chunk
from retrieval.filters import SearchFilters
from retrieval.lexical import LexicalIndex

WORDS = [
    "zorbatelle", "quimplon", "mafrasque", "tribolet", "virgandon", "pelouzard", "crondale",
    "ustaflin", "bemoraque", "glissandre",
]
FILLER = "Le projet de la région avance avec les bénévoles du quartier"


def _write(store: ChunkStore, doc_id: str, texts: list[str], region: str = "") -> None:
    chunks = [
        Chunk(
            chunk_id=f"{doc_id}::{position:04d}", doc_id=doc_id, position=position,
            section="", text=text,
            metadata={"doc_id": doc_id, "region": region, "plan": "", "measure": "", "kind": ""},
        )
        for position, text in enumerate(texts)
    ]
    record = DocumentRecord(doc_id, doc_id, "test", "h", doc_id, len(chunks), time.time())
    store.replace_documents([(record, chunks, [analyze(text) for text in texts])])


def _found(index: LexicalIndex, word: str, **filters: str) -> set[str]:
    wanted = SearchFilters(**filters) if filters else None
    return {hit.chunk_id for hit in index.search(word, 1000, wanted)}


def _expected(store: ChunkStore, word: str) -> set[str]:
    stem = analyze(word)[0]
    return {row.chunk_id for row in store.lexical_rows() if stem in row.tokens}


@pytest.fixture()
def store(tmp_path: Path) -> ChunkStore:
    store = ChunkStore(tmp_path / "alliances.db")
    for number in range(30):
        _write(store, f"base-{number}", [f"{FILLER} {WORDS[number % 5]} numéro {number}."])
    return store


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []
    original = lexical._Main.build.__func__

    def counted(cls, store_id, seq, rows):
        builds.append(seq)
        return original(cls, store_id, seq, rows)

    monkeypatch.setattr(lexical._Main, "build", classmethod(counted))
    return builds


def test_writes_are_searchable_without_a_rebuild(store: ChunkStore, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    builds = _count_builds(monkeypatch)
    index = LexicalIndex(store, tmp_path / "lexical")
    assert _found(index, "zorbatelle") == _expected(store, "zorbatelle")
    assert len(builds) == 1
    for number in range(20):
        _write(store, f"update-{number}", [f"Mise à jour {number} : {WORDS[7]} à Gaspé."])
        assert f"update-{number}::0000" in _found(index, WORDS[7])  # visible at once
    assert len(builds) == 1 and index.delta_size == 20


def test_replaced_and_removed_documents_leave_the_results(store: ChunkStore,
                                                          tmp_path: Path) -> None:
    index = LexicalIndex(store, tmp_path / "lexical")
    assert "base-0::0000" in _found(index, "zorbatelle")
    _write(store, "base-0", [f"{FILLER} {WORDS[9]}."])  # replaced: the old word is gone
    _write(store, "base-0", [f"{FILLER} {WORDS[9]} encore.", f"{WORDS[8]} ajouté."])
    store.remove_document("base-5")
    assert "base-0::0000" not in _found(index, "zorbatelle")
    assert "base-5::0000" not in _found(index, "zorbatelle")
    assert _found(index, WORDS[9]) == {"base-0::0000"}
    assert _found(index, WORDS[8]) == {"base-0::0001"}
    for word in WORDS:
        assert _found(index, word) == _expected(store, word), word


def test_filters_apply_to_the_delta(store: ChunkStore, tmp_path: Path) -> None:
    index = LexicalIndex(store, tmp_path / "lexical")
    index.search("amorce")
    _write(store, "estrie", [f"{WORDS[6]} à Sherbrooke."], region="Estrie")
    _write(store, "mauricie", [f"{WORDS[6]} à Shawinigan."], region="Mauricie")
    assert _found(index, WORDS[6], region="Estrie") == {"estrie::0000"}
    assert _found(index, WORDS[6]) == {"estrie::0000", "mauricie::0000"}


def test_a_delta_passage_ranks_as_it_will_after_the_rebuild(store: ChunkStore,
                                                            tmp_path: Path) -> None:
    index = LexicalIndex(store, tmp_path / "lexical")
    index.search("amorce")
    _write(store, "new", [f"{WORDS[1]} {WORDS[1]} {WORDS[2]} et le jardin."])
    query = f"{WORDS[1]} {WORDS[2]}"
    before = index.search(query, 10)
    assert index.delta_size == 1
    index.compact()
    assert index.delta_size == 0
    after = index.search(query, 10)
    assert {hit.chunk_id for hit in before} == {hit.chunk_id for hit in after}
    assert before[0].chunk_id == after[0].chunk_id == "new::0000"  # the others tie
    # Scored with the main index's statistics: close to the rebuilt score (one more document
    # in the counts is the only difference).
    assert before[0].score == pytest.approx(after[0].score, rel=0.1)


def test_a_large_delta_is_rebuilt_in_the_background(store: ChunkStore, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical, "DELTA_MIN", 5)
    monkeypatch.setattr(lexical, "SYNC_REBUILD_MAX", 0)  # never rebuild in a question
    builds = _count_builds(monkeypatch)
    index = LexicalIndex(store, tmp_path / "lexical")
    index.search("amorce")
    for number in range(8):
        _write(store, f"update-{number}", [f"{WORDS[4]} {number}."])
        assert f"update-{number}::0000" in _found(index, WORDS[4])
    index.wait_for_compaction(30)
    assert len(builds) >= 2
    assert _found(index, WORDS[4]) == _expected(store, WORDS[4])
    assert index.delta_size < 8


def test_a_new_process_loads_the_cache_and_catches_up(store: ChunkStore, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    LexicalIndex(store, tmp_path / "lexical").search("amorce")  # builds and caches
    _write(store, "later", [f"{WORDS[3]} plus tard."])
    builds = _count_builds(monkeypatch)
    fresh = LexicalIndex(store, tmp_path / "lexical")
    assert _found(fresh, WORDS[3]) == _expected(store, WORDS[3])
    assert builds == [] and fresh.delta_size == 1


def test_a_cache_of_another_database_is_not_used(store: ChunkStore, tmp_path: Path) -> None:
    LexicalIndex(store, tmp_path / "lexical").search("amorce")
    other = ChunkStore(tmp_path / "other.db")
    for number in range(40):
        _write(other, f"other-{number}", [f"{WORDS[8]} {number}."])
    index = LexicalIndex(other, tmp_path / "lexical")
    assert _found(index, "zorbatelle") == set()
    assert len(_found(index, WORDS[8])) == 40


def test_a_log_pruned_past_the_index_means_a_rebuild(store: ChunkStore, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    index = LexicalIndex(store, tmp_path / "lexical")
    index.search("amorce")
    monkeypatch.setattr("retrieval.chunk_store.CHANGES_KEPT", 2)
    monkeypatch.setattr("retrieval.chunk_store._PRUNE_EVERY", 1)
    for number in range(5):
        _write(store, f"late-{number}", [f"{WORDS[5]} {number}."])
    assert store.changes_since(0) is None
    assert _found(index, WORDS[5]) == _expected(store, WORDS[5])
    assert len(_found(index, WORDS[5])) == 5


def test_readers_and_a_writer_in_threads(store: ChunkStore, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical, "DELTA_MIN", 10)
    monkeypatch.setattr(lexical, "SYNC_REBUILD_MAX", 0)
    index = LexicalIndex(store, tmp_path / "lexical")
    index.search("amorce")
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                for hit in index.search(f"{WORDS[0]} {WORDS[6]}", 20):
                    assert hit.score > 0
        except BaseException as error:  # reported below
            errors.append(error)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for number in range(40):
            _write(store, f"threaded-{number}", [f"{WORDS[6]} numéro {number}."])
            assert f"threaded-{number}::0000" in _found(index, WORDS[6])  # read your write
    finally:
        done.set()
        for reader in readers:
            reader.join(30)
    index.wait_for_compaction(30)
    assert not errors, errors
    assert _found(index, WORDS[6]) == _expected(store, WORDS[6])


_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["put", "put", "remove", "compact"]),
        st.integers(0, 6),
        st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), min_size=1,
                 max_size=3),
    ),
    min_size=1, max_size=25,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=_OPERATIONS, delta_min=st.sampled_from([2, 1000]))
def test_any_sequence_of_writes_finds_exactly_what_the_store_holds(
    operations: list[tuple[str, int, list[list[str]]]], delta_min: int
) -> None:
    original = lexical.DELTA_MIN
    lexical.DELTA_MIN = delta_min
    try:
        with tempfile.TemporaryDirectory() as folder:
            store = ChunkStore(Path(folder) / "alliances.db")
            _write(store, "seed", [f"{FILLER} {WORDS[0]}."])
            index = LexicalIndex(store, Path(folder) / "lexical")
            index.search("amorce")
            for operation, number, texts in operations:
                if operation == "put":
                    _write(store, f"doc-{number}", [" ".join(words) for words in texts])
                elif operation == "remove":
                    store.remove_document(f"doc-{number}")
                else:
                    index.compact()
                for word in WORDS:
                    assert _found(index, word) == _expected(store, word), (operation, word)
            index.wait_for_compaction(30)
    finally:
        lexical.DELTA_MIN = original


def test_document_frequencies_count_the_delta(store: ChunkStore, tmp_path: Path) -> None:
    index = LexicalIndex(store, tmp_path / "lexical")
    stem = analyze(WORDS[7])[0]
    base, passages = index.document_frequencies()
    assert passages == 30 and stem not in base
    assert base[analyze(WORDS[0])[0]] == 6  # base-0, base-5, … base-25
    for number in range(3):
        _write(store, f"new-{number}", [f"{WORDS[7]} et {WORDS[0]} numéro {number}."])
    _write(store, "new-2", [f"{WORDS[8]} seulement."])  # its earlier delta row is dead
    counts, passages = index.document_frequencies()
    assert index.delta_size == 3
    assert counts[stem] == 2 and counts[analyze(WORDS[0])[0]] == 8 and passages == 33
    index.compact()  # the rebuilt main index agrees
    assert index.document_frequencies() == (counts, passages)
