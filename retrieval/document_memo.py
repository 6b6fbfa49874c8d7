"""What each document says about a key, read from the passages the first time the key is
asked about and kept current through the chunk store's change log.

Acronym definitions and measure mentions are both learned this way: reading every passage
for every question would be too slow at 100,000 passages, and rereading everything after
each project update would be wasteful, so only the documents written or removed since the
last question are read again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from retrieval.chunk_store import ChunkStore

Value = TypeVar("Value")
# (key, the documents to read or None for all) -> document -> what it says about the key
Reader = Callable[[str, "set[str] | None"], "dict[str, Value]"]


class DocumentMemo(Generic[Value]):
    """key -> document -> what `read` found in that document's passages about the key."""

    def __init__(self, store: ChunkStore, read: Reader[Value]) -> None:
        self._store = store
        self._read = read
        self._lock = threading.Lock()
        self._by_key: dict[str, dict[str, Value]] = {}
        self._seen_change: int | None = None

    def by_document(self, key: str) -> dict[str, Value]:
        """What each document says about `key` (a copy: the memo stays private)."""
        with self._lock:
            self._catch_up()
            if key not in self._by_key:
                self._by_key[key] = self._read(key, None)
            return dict(self._by_key[key])

    def _catch_up(self) -> None:
        """Forget what the documents changed since the last question said, and read them
        again; everything, when the change log no longer reaches back that far."""
        if self._seen_change is None:
            self._seen_change = self._store.latest_change()
            return
        changes = self._store.changes_since(self._seen_change)
        if changes is None:
            self._by_key.clear()
            self._seen_change = self._store.latest_change()
            return
        changed, self._seen_change = changes
        if not changed:
            return
        for key, by_document in self._by_key.items():
            for doc_id in changed:
                by_document.pop(doc_id, None)
            by_document.update(self._read(key, changed))
