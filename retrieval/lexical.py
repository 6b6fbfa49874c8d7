"""The French lexical index: BM25 (bm25s) over analysed tokens, with metadata filters.

Built from the tokens stored in the chunk store, cached on disk per index version, so a
process that starts on an unchanged index loads it instead of rebuilding it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from retrieval.analysis import analyze
from retrieval.chunk_store import ChunkStore
from retrieval.filters import SearchFilters

_FILTER_FIELDS = ("region", "plan", "measure", "kind")


@dataclass
class LexicalHit:
    chunk_id: str
    score: float


class LexicalIndex:
    """BM25 over every chunk; `search` scores all chunks, masked by the filters."""

    def __init__(self, store: ChunkStore, cache_dir: Path) -> None:
        self._store = store
        self._cache_dir = cache_dir
        self._version: str | None = None
        self._retriever: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._fields: dict[str, np.ndarray] = {}

    def _ensure_current(self) -> None:
        version = self._store.version()
        if version == self._version:
            return
        if not self._load_cached(version):
            self._build(version)

    def _build(self, version: str) -> None:
        ids: list[str] = []
        corpus: list[list[str]] = []
        fields: dict[str, list[str]] = {name: [] for name in _FILTER_FIELDS}
        for chunk_id, tokens, metadata in self._store.iter_tokens():
            ids.append(chunk_id)
            corpus.append(tokens or ["_"])
            for name in _FILTER_FIELDS:
                fields[name].append(str(metadata.get(name) or ""))
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        if corpus:
            retriever.index(corpus, show_progress=False)
        self._retriever, self._ids, self._version = retriever, ids, version
        self._fields = {name: np.array(values, dtype=object) for name, values in fields.items()}
        self._save_cache(version)

    def _save_cache(self, version: str) -> None:
        if not self._ids:
            return
        target = self._cache_dir / version
        if self._cache_dir.exists():
            shutil.rmtree(self._cache_dir, ignore_errors=True)
        target.mkdir(parents=True, exist_ok=True)
        assert self._retriever is not None
        self._retriever.save(str(target / "bm25"))
        payload = {"ids": self._ids, "fields": {k: v.tolist() for k, v in self._fields.items()}}
        (target / "ids.json").write_text(json.dumps(payload, ensure_ascii=False), "utf-8")

    def _load_cached(self, version: str) -> bool:
        target = self._cache_dir / version
        if not (target / "ids.json").exists():
            return False
        try:
            payload = json.loads((target / "ids.json").read_text("utf-8"))
            self._retriever = bm25s.BM25.load(str(target / "bm25"))
        except (OSError, ValueError):
            return False
        self._ids = payload["ids"]
        self._fields = {k: np.array(v, dtype=object) for k, v in payload["fields"].items()}
        self._version = version
        return True

    def _mask(self, filters: SearchFilters | None) -> np.ndarray | None:
        if not filters or filters.is_empty():
            return None
        mask = np.ones(len(self._ids), dtype=bool)
        for name, values in filters.allowed_values().items():
            mask &= np.isin(self._fields[name], list(values))
        return mask

    def vocabulary(self) -> set[str]:
        """Every stem of the indexed chunks."""
        self._ensure_current()
        if self._retriever is None or not self._ids:
            return set()
        return set(self._retriever.vocab_dict)

    def search(self, query: str, k: int = 50, filters: SearchFilters | None = None) -> list[
        LexicalHit
    ]:
        self._ensure_current()
        tokens = analyze(query)
        if not self._ids or not tokens or self._retriever is None:
            return []
        known = [token for token in tokens if token in self._retriever.vocab_dict]
        if not known:
            return []
        scores = self._retriever.get_scores(known)
        mask = self._mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [LexicalHit(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]
