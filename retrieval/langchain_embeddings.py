"""Our encoders behind LangChain's and Chroma's embedding interfaces.

Chroma's own default embedding function downloads ONNX weights at first use, so every
collection is given this one instead.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaVectors
from langchain_core.embeddings import Embeddings

from retrieval.embeddings import TextEncoder


class EncoderEmbeddings(Embeddings):
    """LangChain `Embeddings` over a `TextEncoder` (for LLM chains and retrievers)."""

    def __init__(self, encoder: TextEncoder) -> None:
        self.encoder = encoder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encoder.encode_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encoder.encode_query(text).tolist()


class ChromaEncoderFunction(EmbeddingFunction[Documents]):
    """Chroma `EmbeddingFunction` over a `TextEncoder`; queries get the query side."""

    def __init__(self, encoder: TextEncoder) -> None:
        self.encoder = encoder

    def __call__(self, input: Documents) -> ChromaVectors:
        return list(self.encoder.encode_documents(list(input)))

    def embed_query(self, input: Documents) -> ChromaVectors:
        return [self.encoder.encode_query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "alliances-encoder"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.encoder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEncoderFunction:
        from retrieval.embeddings import load_encoder

        return ChromaEncoderFunction(load_encoder(config.get("model")))

    def is_legacy(self) -> bool:
        return False
