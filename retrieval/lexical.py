"""The French lexical index: BM25 over analysed tokens, with metadata filters.

A write must not make the next question wait for a rebuild (6.5 s at 100,000 passages), so
the index is two parts, searched together:

- the main index: bm25s over every chunk of one store snapshot (change number `seq`),
  cached on disk (`lexical/s<seq>/`) so a process that starts loads it rather than builds it;
- the delta: the chunks of the documents written since, held in memory and scored here, plus
  a tombstone mask over the main index's rows of those documents (replaced or removed).

Each search first catches up on the store's change log (retrieval.chunk_store
`chunk_changes`): the documents written since its snapshot are read back, their main rows
tombstoned and their current chunks put in the delta: milliseconds, for writes from this
process or another. When the delta outgrows `DELTA_FRACTION` of the main index (at least
`DELTA_MIN` chunks), a background thread rebuilds the main index from the store and swaps it
in; questions keep using the old main index and delta meanwhile, and the writes made during
the rebuild are replayed onto the new one before the swap. Below `SYNC_REBUILD_MAX` chunks a
rebuild takes well under a second and is done in place.

Merging the two parts' scores: two BM25 indexes with their own statistics do not give
comparable scores (a term's IDF in a delta of 30 passages says nothing). Rank merging would
interleave the delta's weak matches with the main index's strong ones. Instead the delta is
scored with the main index's statistics: bm25s's "lucene" BM25, the same k1 and b, the main
index's document count, document frequencies and average length (a term the main index
lacks counts its delta frequency over both parts' documents). A delta passage then gets the
score it would have in the main index up to the few documents the delta adds to the counts,
and one ranking sorts both parts' hits by score.

Threads: a search reads one immutable snapshot (main, tombstones, delta) taken with one
attribute read; catching up and swapping build a new snapshot under a lock and publish it
with one assignment, so searches never wait for a rebuild and never see half of one.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from retrieval.analysis import analyze
from retrieval.chunk_store import ChunkStore, LexicalRow
from retrieval.filters import SearchFilters

log = logging.getLogger(__name__)

_FILTER_FIELDS = ("region", "plan", "measure", "kind")
K1, B = 1.2, 0.75
DELTA_MIN = 1_000
DELTA_FRACTION = 0.05
SYNC_REBUILD_MAX = 20_000
CACHE_FORMAT = 2
EMPTY_TOKEN = "_"


@dataclass
class LexicalHit:
    chunk_id: str
    score: float


def _idf(df: int, n: int) -> float:
    """bm25s's "lucene" IDF."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _fields_of(metadata: dict) -> tuple[str, ...]:
    return tuple(str(metadata.get(name) or "") for name in _FILTER_FIELDS)


def _mask(fields: dict[str, np.ndarray], size: int, filters: SearchFilters | None):
    if not filters or filters.is_empty():
        return None
    mask = np.ones(size, dtype=bool)
    for name, values in filters.allowed_values().items():
        mask &= np.isin(fields[name], list(values))
    return mask


def _top(scores: np.ndarray, ids: Sequence[str], k: int) -> list[LexicalHit]:
    if not len(scores):
        return []
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [LexicalHit(ids[i], float(scores[i])) for i in top if scores[i] > 0]


# -- the main index ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Main:
    """bm25s over the chunks of the store as of change `seq`; never modified once built."""

    store: str  # ChunkStore.identity() of the store it was built from
    seq: int
    retriever: bm25s.BM25 | None
    ids: list[str]
    doc_ids: list[str]
    fields: dict[str, np.ndarray]
    avg_length: float
    rows_by_doc: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(cls, store: str, seq: int, rows: Iterable[LexicalRow]) -> _Main:
        ids: list[str] = []
        doc_ids: list[str] = []
        corpus: list[list[str]] = []
        fields: dict[str, list[str]] = {name: [] for name in _FILTER_FIELDS}
        for row in rows:
            ids.append(row.chunk_id)
            doc_ids.append(row.doc_id)
            corpus.append(row.tokens or [EMPTY_TOKEN])
            for name, value in zip(_FILTER_FIELDS, _fields_of(row.metadata), strict=True):
                fields[name].append(value)
        retriever = None
        if corpus:
            retriever = bm25s.BM25(k1=K1, b=B)
            retriever.index(corpus, show_progress=False)
        average = sum(map(len, corpus)) / len(corpus) if corpus else 1.0
        return cls.assemble(store, seq, retriever, ids, doc_ids, fields, average)

    @classmethod
    def assemble(
        cls, store: str, seq: int, retriever: bm25s.BM25 | None, ids: list[str], doc_ids: list[str],
        fields: dict[str, list[str]], avg_length: float,
    ) -> _Main:
        by_doc: dict[str, list[int]] = {}
        for row, doc_id in enumerate(doc_ids):
            by_doc.setdefault(doc_id, []).append(row)
        return cls(
            store=store, seq=seq, retriever=retriever, ids=ids, doc_ids=doc_ids,
            fields={name: np.array(values, dtype=object) for name, values in fields.items()},
            avg_length=avg_length,
            rows_by_doc={doc_id: np.array(rows) for doc_id, rows in by_doc.items()},
        )

    @property
    def size(self) -> int:
        return len(self.ids)

    def df(self, token: str) -> int:
        if self.retriever is None or token not in self.retriever.vocab_dict:
            return 0
        indptr = self.retriever.scores["indptr"]
        token_id = self.retriever.vocab_dict[token]
        if token_id + 1 >= len(indptr):  # bm25s's padding token has no postings
            return 0
        return int(indptr[token_id + 1] - indptr[token_id])

    def scores(self, tokens: list[str]) -> np.ndarray | None:
        if self.retriever is None:
            return None
        known = [token for token in tokens if token in self.retriever.vocab_dict]
        return self.retriever.get_scores(known) if known else None

    # -- disk cache --------------------------------------------------------------------
    def save(self, cache_dir: Path) -> None:
        """Write to a private folder, then rename: a reader never sees half a cache."""
        if self.retriever is None:
            return
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = cache_dir / f"s{self.seq}"
        if target.exists():
            return
        scratch = cache_dir / f".tmp-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        self.retriever.save(str(scratch / "bm25"))
        payload = {
            "format": CACHE_FORMAT, "store": self.store, "seq": self.seq,
            "ids": self.ids, "doc_ids": self.doc_ids,
            "fields": {name: values.tolist() for name, values in self.fields.items()},
            "avg_length": self.avg_length,
        }
        (scratch / "ids.json").write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
        try:
            scratch.rename(target)
        except OSError:  # another process saved the same snapshot first
            shutil.rmtree(scratch, ignore_errors=True)
            return
        for other in cache_dir.iterdir():
            if _stale(other, self.seq):
                shutil.rmtree(other, ignore_errors=True)

    @classmethod
    def load_newest(cls, cache_dir: Path, store: str, latest: int) -> _Main | None:
        """The newest cached main index of this store no newer than it, or None."""
        if not cache_dir.is_dir():
            return None
        numbered = sorted(
            ((int(folder.name[1:]), folder) for folder in cache_dir.iterdir()
             if folder.name.startswith("s") and folder.name[1:].isdigit()),
            reverse=True,
        )
        for number, folder in numbered:
            if number > latest:
                continue
            try:
                payload = json.loads((folder / "ids.json").read_text("utf-8"))
                if payload.get("format") != CACHE_FORMAT or payload.get("store") != store:
                    continue
                retriever = bm25s.BM25.load(str(folder / "bm25"))
            except (OSError, ValueError, KeyError):
                continue
            return cls.assemble(
                store, payload["seq"], retriever, payload["ids"], payload["doc_ids"],
                payload["fields"], payload["avg_length"],
            )
        return None


def _stale(folder: Path, seq: int) -> bool:
    """An older snapshot, an old-format folder, or a killed writer's scratch folder."""
    if folder.name.startswith(".tmp-"):
        try:
            return time.time() - folder.stat().st_mtime > 3600
        except OSError:
            return False
    number = folder.name[1:] if folder.name.startswith("s") else ""
    return not number.isdecimal() or int(number) < seq


# -- the delta -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _DeltaRow:
    chunk_id: str
    doc_id: str
    counts: dict[str, int]
    length: int
    fields: tuple[str, ...]

    @classmethod
    def of(cls, row: LexicalRow) -> _DeltaRow:
        tokens = row.tokens or [EMPTY_TOKEN]
        return cls(row.chunk_id, row.doc_id, dict(Counter(tokens)), len(tokens),
                   _fields_of(row.metadata))


class _DeltaLog:
    """The chunks written since the main index was built, append-only and shared by the
    snapshots that extend one another: a snapshot reads only its first `size` rows, so rows
    are appended (under the index's lock) while searches read, with no lock. A replaced
    row stays, tombstoned by the snapshots that follow, until the next rebuild."""

    def __init__(self) -> None:
        self.rows: list[_DeltaRow] = []
        # token -> (row, count, row length) of every row holding it, rows ascending
        self.postings: dict[str, list[tuple[int, int, int]]] = {}
        self.rows_by_doc: dict[str, list[int]] = {}

    def append(self, rows: Iterable[_DeltaRow]) -> None:
        for row in rows:
            position = len(self.rows)
            for token, count in row.counts.items():
                self.postings.setdefault(token, []).append((position, count, row.length))
            self.rows_by_doc.setdefault(row.doc_id, []).append(position)
            self.rows.append(row)


# -- a searchable state --------------------------------------------------------------------
@dataclass(frozen=True)
class _Snapshot:
    main: _Main
    dead: np.ndarray  # main rows whose document was written or removed since the build
    log: _DeltaLog
    size: int  # rows of `log` this snapshot sees
    log_dead: np.ndarray  # of those, the ones replaced or removed since
    seq: int
    _vocabulary: list[set[str]] = field(default_factory=list)  # computed once, lazily

    @classmethod
    def of(cls, main: _Main) -> _Snapshot:
        return cls(main, np.zeros(main.size, dtype=bool), _DeltaLog(), 0,
                   np.zeros(0, dtype=bool), main.seq)

    @property
    def delta_rows(self) -> int:
        """Rows searched apart from the main index, tombstoned ones included."""
        return self.size

    @property
    def delta_live(self) -> int:
        return self.size - int(self.log_dead.sum())

    def with_changes(self, doc_ids: set[str], rows: Iterable[LexicalRow], seq: int) -> _Snapshot:
        """These documents' main and delta rows tombstoned, their current chunks appended."""
        dead = self.dead
        hit = [self.main.rows_by_doc[d] for d in doc_ids if d in self.main.rows_by_doc]
        if hit:
            dead = dead.copy()
            for main_rows in hit:
                dead[main_rows] = True
        log = self.log
        start = len(log.rows)  # rows past `size` were appended by a snapshot never published
        log_dead = np.ones(start, dtype=bool)
        log_dead[: self.size] = self.log_dead
        for doc_id in doc_ids:
            log_dead[log.rows_by_doc.get(doc_id, [])] = True
        log.append(_DeltaRow.of(row) for row in rows)
        log_dead = np.concatenate([log_dead, np.zeros(len(log.rows) - start, dtype=bool)])
        return _Snapshot(self.main, dead, log, len(log.rows), log_dead, seq)

    def vocabulary(self) -> set[str]:
        """The main index's words and the delta's (a replaced passage's words stay until the
        next rebuild: the vocabulary only tells which question words the corpus knows)."""
        if not self._vocabulary:
            words = set(self.main.retriever.vocab_dict) if self.main.retriever else set()
            self._vocabulary.append(words | set(self.log.postings) if self.size else words)
        return self._vocabulary[0]

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        """Stem -> passages using it, and the number of passages (tombstoned main rows
        still counted until the next rebuild: close enough for weighting words)."""
        retriever = self.main.retriever
        stems = retriever.vocab_dict if retriever is not None else {}
        counts = {stem: self.main.df(stem) for stem in stems}
        live = ~self.log_dead
        for token, postings in self.log.postings.items():
            seen = sum(1 for row, _, _ in postings if row < self.size and live[row])
            if seen:
                counts[token] = counts.get(token, 0) + seen
        return counts, self.main.size + self.delta_live

    def search(self, tokens: list[str], k: int, filters: SearchFilters | None) -> list[
        LexicalHit
    ]:
        hits = self._main_hits(tokens, k, filters) + self._delta_hits(tokens, k, filters)
        hits.sort(key=lambda hit: -hit.score)
        return hits[:k]

    def _main_hits(self, tokens: list[str], k: int, filters: SearchFilters | None) -> list[
        LexicalHit
    ]:
        scores = self.main.scores(tokens)
        if scores is None:
            return []
        keep = ~self.dead
        mask = _mask(self.main.fields, self.main.size, filters)
        if mask is not None:
            keep &= mask
        return _top(np.where(keep, scores, 0.0), self.main.ids, k)

    def _delta_hits(self, tokens: list[str], k: int, filters: SearchFilters | None) -> list[
        LexicalHit
    ]:
        if not self.delta_live:
            return []
        main = self.main
        average = main.avg_length if main.size else self._delta_average()
        scores = np.zeros(self.size)
        for token in tokens:
            entries = self.log.postings.get(token)
            if not entries:
                continue
            posting = np.array(entries, dtype=float)
            posting = posting[posting[:, 0] < self.size]
            rows = posting[:, 0].astype(int)
            live = ~self.log_dead[rows]
            rows, counts, lengths = rows[live], posting[live, 1], posting[live, 2]
            if not len(rows):
                continue
            df = main.df(token)
            idf = _idf(df, main.size) if df else _idf(len(rows), main.size + self.delta_live)
            np.add.at(scores, rows, idf * counts / (counts + K1 * (1 - B + B * lengths / average)))
        if filters and not filters.is_empty():
            allowed = filters.allowed_values()
            for row in np.flatnonzero(scores):
                values = dict(zip(_FILTER_FIELDS, self.log.rows[row].fields, strict=True))
                if any(values[name] not in accepted for name, accepted in allowed.items()):
                    scores[row] = 0.0
        return _top(scores, _LazyIds(self.log.rows), k)

    def _delta_average(self) -> float:
        lengths = [row.length for row, gone in zip(self.log.rows, self.log_dead, strict=False)
                   if not gone]
        return sum(lengths) / len(lengths)


class _LazyIds(Sequence[str]):
    """Chunk ids of delta rows by position, read only for the few hits returned."""

    def __init__(self, rows: list[_DeltaRow]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, position):  # type: ignore[override]
        return self._rows[position].chunk_id


class LexicalIndex:
    """BM25 over every chunk; `search` scores all chunks, masked by the filters."""

    def __init__(self, store: ChunkStore, cache_dir: Path) -> None:
        self._store = store
        self._cache_dir = cache_dir
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()  # catching up, building, swapping
        self._compactor: threading.Thread | None = None

    # -- reading -----------------------------------------------------------------------
    def vocabulary(self) -> set[str]:
        """Every stem of the indexed chunks."""
        return self._current().vocabulary()

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        """Stem -> number of passages using it, and the number of passages."""
        return self._current().document_frequencies()

    def search(self, query: str, k: int = 50, filters: SearchFilters | None = None) -> list[
        LexicalHit
    ]:
        snapshot = self._current()
        tokens = analyze(query)
        if not tokens:
            return []
        return snapshot.search(tokens, k, filters)

    @property
    def delta_size(self) -> int:
        """Chunks searched apart from the main index (0 right after a rebuild)."""
        return self._snapshot.delta_live if self._snapshot else 0

    # -- keeping current ---------------------------------------------------------------
    def _current(self) -> _Snapshot:
        latest = self._store.latest_change()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.seq >= latest:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None:
                snapshot = self._first_snapshot(latest)
            elif snapshot.seq < latest:
                snapshot = self._caught_up(snapshot, first=False)
            self._snapshot = snapshot
        return snapshot

    def _first_snapshot(self, latest: int) -> _Snapshot:
        main = _Main.load_newest(self._cache_dir, self._store.identity(), latest)
        if main is None:
            return _Snapshot.of(self._build_main(save=True))
        return self._caught_up(_Snapshot.of(main), first=True)

    def _caught_up(self, snapshot: _Snapshot, *, first: bool) -> _Snapshot:
        """`snapshot` with the store's later writes applied; rebuilt in place when the log
        no longer reaches back to it, or when the delta is too big and a rebuild is cheap
        (or nothing is served yet); else the delta grows and a background rebuild starts."""
        changes = self._store.changes_since(snapshot.seq)
        if changes is None:
            return _Snapshot.of(self._build_main(save=True))
        doc_ids, seq = changes
        if not doc_ids:
            return snapshot
        updated = snapshot.with_changes(doc_ids, self._store.lexical_rows(doc_ids), seq)
        if updated.delta_rows > self._delta_limit(updated.main):
            if first or updated.main.size + updated.delta_rows <= SYNC_REBUILD_MAX:
                return _Snapshot.of(self._build_main(save=True))
            self._compact_in_background()
        return updated

    @staticmethod
    def _delta_limit(main: _Main) -> int:
        return max(DELTA_MIN, int(main.size * DELTA_FRACTION))

    def _build_main(self, *, save: bool) -> _Main:
        """A main index over the whole store, with every write since applied by the caller:
        the change number is read before the rows, so a write racing the read is replayed."""
        seq = self._store.latest_change()
        main = _Main.build(self._store.identity(), seq, self._store.lexical_rows())
        if save:
            self._save(main)
        return main

    def _save(self, main: _Main) -> None:
        try:
            main.save(self._cache_dir)
        except OSError:
            log.warning("the lexical index could not be cached in %s", self._cache_dir,
                        exc_info=True)

    # -- compaction --------------------------------------------------------------------
    def compact(self) -> None:
        """Rebuild the main index from the store while searches go on, then swap it in with
        the writes made meanwhile replayed onto it."""
        main = self._build_main(save=False)
        with self._lock:
            self._snapshot = self._caught_up(_Snapshot.of(main), first=False)
        self._save(main)

    def _compact_in_background(self) -> None:
        if self._compactor is not None and self._compactor.is_alive():
            return
        self._compactor = threading.Thread(
            target=self._compact_logged, name="alliances-lexical-compact", daemon=True
        )
        self._compactor.start()

    def _compact_logged(self) -> None:
        try:
            self.compact()
        except Exception:  # the old index keeps serving; the next write tries again
            log.exception("the lexical index could not be rebuilt")

    def wait_for_compaction(self, timeout: float | None = None) -> None:
        """Wait for a background rebuild to end (tests, benchmarks)."""
        compactor = self._compactor
        if compactor is not None:
            compactor.join(timeout)
