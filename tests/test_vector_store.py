"""The Chroma store of passage vectors: its nearest passages are the nearest ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.chunking import Chunk
from retrieval.vector_store import SEARCH_BREADTH, VectorStore, make_client

DIMENSION = 384
# Chroma records the encoder in the collection and warns that it cannot rebuild the tests'
# stand-in when a collection is read back.
pytestmark = pytest.mark.filterwarnings("ignore:Could not reconstruct embedding function")


class _RandomEncoder:
    """Stands in for a model: the tests hand the store its vectors."""

    name = "test-random"
    dimension = DIMENSION

    def encode_documents(self, texts):
        raise AssertionError("the store was given its vectors")

    def encode_query(self, text):
        raise AssertionError("the store was given its vectors")


def _like_passages(rng: np.random.Generator, common: np.ndarray, count: int) -> np.ndarray:
    """Vectors that share a common direction, as a text encoder's do (cosines of 0.6 and
    more between unrelated passages): where a graph search goes astray."""
    return (common + 0.6 * rng.normal(size=(count, DIMENSION))).astype(np.float32)


def _filled_store(home: Path, count: int) -> tuple[VectorStore, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    common = rng.normal(size=DIMENSION)
    vectors = _like_passages(rng, common, count)
    store = VectorStore(make_client(home), _RandomEncoder())
    chunks = [Chunk(f"doc::{i:04d}", "doc", "", f"passage {i}", i, {"doc_id": "doc"})
              for i in range(count)]
    store.add(chunks, vectors)
    return store, vectors, _like_passages(rng, common, 200)


def _similarities(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ (query / np.linalg.norm(query))


def test_the_search_finds_the_nearest_passages_of_a_knowledge_base_of_a_few_hundred(
    tmp_path: Path,
) -> None:
    store, vectors, queries = _filled_store(tmp_path, 450)
    for query in queries:
        similarities = _similarities(vectors, query)
        found = [int(hit.chunk_id.split("::")[1]) for hit in store.query(query, 30)]
        # the 30 best similarities, in order (Chroma computes in float32: ties may swap)
        np.testing.assert_allclose(
            similarities[found], np.sort(similarities)[::-1][:30], atol=1e-5
        )


def test_a_collection_made_with_the_default_breadth_is_widened(tmp_path: Path) -> None:
    from retrieval.vector_store import collection_name

    client = make_client(tmp_path)
    client.get_or_create_collection(
        collection_name(_RandomEncoder.name), metadata={"hnsw:space": "cosine"},
        embedding_function=None,
    )
    def breadth() -> int:
        collection = make_client(tmp_path).get_collection(collection_name(_RandomEncoder.name))
        return collection.configuration_json["hnsw"]["ef_search"]

    assert breadth() != SEARCH_BREADTH
    VectorStore(client, _RandomEncoder())
    assert breadth() == SEARCH_BREADTH
