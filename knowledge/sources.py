"""The sources: every document of the knowledge base with its metadata, for listing and
correcting, in the project's SQLite file (`knowledge.paths.database_path(home)`).

Tables (created here, `IF NOT EXISTS`):

- `sources`        one row per document: a short `number` people type ("sources voir 12"),
                   doc_id, path, root ("shipped" or the ingestion root), title, url, date,
                   periods and regions (JSON lists), plan, kind, content hash, shipped,
                   who added it and when, `corrected` (JSON: the fields a person set, with
                   their values), and when and by whom it was removed;
- `sources_audit`  append-only (triggers refuse UPDATE and DELETE): who, when, what
                   (added | updated | corrected | removed), before and after (JSON).

Every write is one transaction holding the row and its audit entry (`with db.atomic()`).
A correction outlives re-ingestion: `record` keeps the corrected fields, and
`apply_corrections(info)` gives the metadata with them for indexing. Ingestion also reads
`corrections()` (hashed with each file, so a correction re-indexes the document) and
`withdrawn()` (the documents a person removed, never indexed again).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge.manifest import DocumentInfo, with_fields
from knowledge.metadata_fields import (
    EDITABLE_FIELDS,
    FIELD_LABELS,
    MetadataValueError,
    canonical_field,
    normalize_value,
)
from knowledge.paths import database_path
from knowledge.periods import parse_period
from knowledge.regions import UnknownRegionError, resolve_region, territories_in

SHIPPED_ROOT = "shipped"
ACTIONS: tuple[str, ...] = ("added", "updated", "corrected", "removed")
# The stored fields that describe a document (and that `record` refreshes).
_DESCRIPTIVE = ("path", "root", "title", "url", "date", "periods", "plan", "regions", "kind")


class UnknownSourceError(LookupError):
    """No source with that number or id; str() is French."""

    def __init__(self, reference: int | str):
        self.reference = reference
        shown = f"n° {reference}" if isinstance(reference, int) else f"« {reference} »"
        super().__init__(
            f"Aucune source {shown}. Tapez « sources » pour voir la liste et leurs numéros."
        )


class SourceCorrectionError(MetadataValueError):
    """A correction that cannot be applied as typed; str() is a French sentence."""


@dataclass(frozen=True)
class Source:
    """One document of the knowledge base, as listed and corrected."""

    number: int
    doc_id: str
    path: str
    root: str
    title: str
    url: str | None
    date: str | None
    periods: tuple[str, ...]
    plan: str | None
    regions: tuple[str, ...]
    kind: str
    content_hash: str
    shipped: bool
    added_by: str | None
    added_at: str
    updated_at: str
    corrected: tuple[str, ...]  # the fields a person set
    removed_at: str | None = None
    removed_by: str | None = None
    # What people are called where names are not shown from ids (Teams, the command line).
    added_by_name: str | None = None
    removed_by_name: str | None = None

    @property
    def removed(self) -> bool:
        return self.removed_at is not None

    @property
    def added_by_label(self) -> str | None:
        """Who added it, by name when known, else by id."""
        return self.added_by_name or self.added_by

    @property
    def removed_by_label(self) -> str | None:
        return self.removed_by_name or self.removed_by

    @property
    def period(self) -> str | None:
        return self.periods[0] if self.periods else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "doc_id": self.doc_id, "path": self.path, "root": self.root,
            "title": self.title, "url": self.url, "date": self.date,
            "periods": list(self.periods), "plan": self.plan, "regions": list(self.regions),
            "kind": self.kind, "content_hash": self.content_hash, "shipped": self.shipped,
            "corrected": list(self.corrected), "removed_at": self.removed_at,
        }  # fmt: skip


@dataclass(frozen=True)
class SourceAuditEntry:
    """One line of a source's history."""

    id: int
    number: int
    doc_id: str
    at: str
    action: str
    actor: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor_name: str | None = None

    @property
    def actor_label(self) -> str | None:
        return self.actor_name or self.actor


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


class SourceRegistry:
    """The `sources` table and its audit trail. Thread-safe (one connection behind a
    lock); several processes may share the file (WAL, busy timeout)."""

    def __init__(self, db_path: Path | str, *, clock: Callable[[], float] = time.time):
        self.path = Path(db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        connection = sqlite3.connect(
            str(self.path), timeout=10.0, check_same_thread=False, isolation_level=None
        )
        self.db = sqlite_utils.Database(connection)
        self.db.execute("PRAGMA busy_timeout = 10000")
        self.db.enable_wal()
        with self._lock, self.db.atomic():
            _create_tables(self.db)

    @classmethod
    def open(cls, home: Path | str | None = None) -> SourceRegistry:
        """The registry of a data folder (default: `ALLIANCES_HOME`)."""
        return cls(database_path(Path(home) if home is not None else None))

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> SourceRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction (`db.atomic()`) that takes the write lock before reading: a
        writer in another process makes this one wait (busy timeout) rather than fail
        when it upgrades from a stale read."""
        with self._lock, self.db.atomic():
            self.db.execute("UPDATE sources SET number = number WHERE 0")
            yield

    # --- writing ----------------------------------------------------------------------

    def record(
        self, info: DocumentInfo, content_hash: str, root: str, added_by: str | None = None
    ) -> Source:
        """Add or refresh a document (ingestion calls this). Fields a person corrected
        keep their corrected value; a document recorded again after its removal comes
        back. Writes nothing (no audit line) when nothing changed."""
        values = _row_values(info, root)
        with self._transaction():
            row = self._row(info.doc_id)
            now = iso_utc(self._clock())
            if row is None:
                cursor = self.db.execute(
                    "INSERT INTO sources (doc_id, path, root, title, url, date, periods, plan, "
                    "regions, kind, content_hash, shipped, added_by, added_at, updated_at, "
                    "corrected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                    [
                        info.doc_id, values["path"], values["root"], values["title"], values["url"],
                        values["date"], values["periods"], values["plan"], values["regions"],
                        values["kind"], content_hash, int(root == SHIPPED_ROOT), added_by, now,
                        now,
                    ],
                )  # fmt: skip
                source = self._source_by_number(int(cursor.lastrowid or 0))
                self._audit(source, "added", added_by, None, source.to_dict())
                return source
            before = _source(row)
            corrected = json.loads(row["corrected"] or "{}")
            for name, value in corrected.items():
                values[name] = _stored(name, value)
            changed = {name: value for name, value in values.items() if row[name] != value}
            revived = before.removed
            if not changed and row["content_hash"] == content_hash and not revived:
                return before
            assignments = ", ".join(f"{name} = ?" for name in changed)
            self.db.execute(
                "UPDATE sources SET "
                + (f"{assignments}, " if assignments else "")
                + "content_hash = ?, updated_at = ?, removed_at = NULL, removed_by = NULL "
                "WHERE number = ?",
                [*changed.values(), content_hash, now, before.number],
            )
            after = self._source_by_number(before.number)
            action = "added" if revived else "updated"
            self._audit(after, action, added_by, before.to_dict(), after.to_dict())
            return after

    def correct(self, reference: int | str, changes: Mapping[str, Any], by: str) -> Source:
        """Set fields a person typed (`{"région": "Outaouais", "période": "2024-2029"}`).

        Raises SourceCorrectionError (a ValueError, French message) for an unknown field or
        a bad value — nothing is written then — and UnknownSourceError for an unknown
        source."""
        normalized = normalize_changes(changes)
        with self._transaction():
            before = self._require(reference)
            values = {name: _stored(name, value) for name, value in normalized.items()}
            corrected = {**json.loads(self._row(before.doc_id)["corrected"] or "{}")}
            corrected.update({name: _jsonable(value) for name, value in normalized.items()})
            assignments = ", ".join(f"{name} = ?" for name in values)
            self.db.execute(
                f"UPDATE sources SET {assignments}, corrected = ?, updated_at = ? WHERE number = ?",
                [
                    *values.values(),
                    json.dumps(corrected, ensure_ascii=False, sort_keys=True),
                    iso_utc(self._clock()),
                    before.number,
                ],
            )
            after = self._source_by_number(before.number)
            self._audit(after, "corrected", by, before.to_dict(), after.to_dict())
            return after

    def remove(self, reference: int | str, by: str) -> Source:
        """Mark a source removed (its row and history stay). Removing it twice is a no-op."""
        with self._transaction():
            before = self._require(reference)
            if before.removed:
                return before
            self.db.execute(
                "UPDATE sources SET removed_at = ?, removed_by = ? WHERE number = ?",
                [iso_utc(self._clock()), by, before.number],
            )
            after = self._source_by_number(before.number)
            self._audit(after, "removed", by, before.to_dict(), after.to_dict())
            return after

    def remember_name(self, user_id: str | None, name: str | None) -> None:
        """What a person is called, for the platforms that show ids (a Teams user's Entra
        object id): sources and their history show the name instead. The latest wins."""
        name = (name or "").strip()
        if not user_id or not name:
            return
        with self._lock, self.db.atomic():
            self.db.execute(
                "INSERT INTO display_names (user_id, name, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, "
                "updated_at = excluded.updated_at WHERE name != excluded.name",
                [user_id, name[:200], iso_utc(self._clock())],
            )

    # --- reading ----------------------------------------------------------------------

    def get(self, reference: int | str) -> Source | None:
        """A source by its number (12, "12", "n° 12") or its doc_id; None if unknown."""
        with self._lock:
            row = self._find(reference)
        return _source(row) if row is not None else None

    def list(
        self,
        region: str | None = None,
        period: str | None = None,
        *,
        include_removed: bool = False,
    ) -> list[Source]:
        """Sources by number; `region` keeps those about it (or about every region),
        `period` those whose periods contain it or lie within it. Raises
        SourceCorrectionError for a region or period that does not resolve."""
        territories = _region_filter(region)
        wanted = _period_filter(period)
        with self._lock:
            rows = list(self.db.query(f"{_SELECT_SOURCES} ORDER BY s.number"))
        sources = [_source(row) for row in rows]
        return [
            source
            for source in sources
            if (include_removed or not source.removed)
            and (territories is None or "*" in source.regions or territories & set(source.regions))
            and (wanted is None or any(_periods_meet(wanted, p) for p in source.periods))
        ]

    def history(self, reference: int | str) -> list[SourceAuditEntry]:
        """The source's audit lines, oldest first. Raises UnknownSourceError."""
        with self._lock:
            source = self._require(reference)
            rows = list(
                self.db.query(
                    "SELECT h.*, p.name AS actor_name FROM sources_audit h "
                    "LEFT JOIN display_names p ON p.user_id = h.actor "
                    "WHERE h.number = ? ORDER BY h.id",
                    [source.number],
                )
            )
        return [_audit_entry(row) for row in rows]

    def corrections(self) -> dict[str, dict[str, Any]]:
        """doc_id → the fields a person corrected (JSON values), for the documents that
        have any: ingestion hashes them with the file, so a correction re-indexes it."""
        with self._lock:
            rows = list(self.db.query("SELECT doc_id, corrected FROM sources"))
        found = {row["doc_id"]: json.loads(row["corrected"] or "{}") for row in rows}
        return {doc_id: fields for doc_id, fields in found.items() if fields}

    def withdrawn(self) -> set[str]:
        """The doc_ids of the sources a person removed: ingestion leaves them out."""
        with self._lock:
            rows = self.db.query("SELECT doc_id FROM sources WHERE removed_at IS NOT NULL")
            return {row["doc_id"] for row in rows}

    def apply_corrections(self, info: DocumentInfo) -> DocumentInfo:
        """`info` with the fields a person corrected for this document (for indexing)."""
        with self._lock:
            row = self._row(info.doc_id)
        if row is None:
            return info
        corrected = json.loads(row["corrected"] or "{}")
        fields = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in corrected.items()
        }
        return with_fields(info, fields)

    # --- internals --------------------------------------------------------------------

    def _row(self, doc_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query(f"{_SELECT_SOURCES} WHERE s.doc_id = ?", [doc_id]))
        return rows[0] if rows else None

    def _find(self, reference: int | str) -> dict[str, Any] | None:
        number = source_number(reference)
        if number is not None:
            rows = list(self.db.query(f"{_SELECT_SOURCES} WHERE s.number = ?", [number]))
            if rows:
                return rows[0]
        return self._row(str(reference)) if isinstance(reference, str) else None

    def _require(self, reference: int | str) -> Source:
        row = self._find(reference)
        if row is None:
            number = source_number(reference)
            raise UnknownSourceError(number if number is not None else str(reference))
        return _source(row)

    def _source_by_number(self, number: int) -> Source:
        rows = list(self.db.query(f"{_SELECT_SOURCES} WHERE s.number = ?", [number]))
        return _source(rows[0])

    def _audit(
        self,
        source: Source,
        action: str,
        actor: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self.db.execute(
            "INSERT INTO sources_audit (number, doc_id, at, action, actor, before_json, "
            "after_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                source.number,
                source.doc_id,
                iso_utc(self._clock()),
                action,
                actor,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
            ],
        )


def source_number(reference: int | str) -> int | None:
    """12, "12", "n° 12", "#12", "no 12" → 12; None for anything else."""
    if isinstance(reference, int):
        return reference if reference > 0 else None
    text = reference.strip().lower().lstrip("#").strip()
    for prefix in ("n°", "no.", "no", "numéro", "numero"):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    return int(text) if text.isascii() and text.isdecimal() and int(text) > 0 else None


def normalize_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Field names (French or English) and values checked: raises SourceCorrectionError
    naming the first problem, and nothing is changed."""
    if not changes:
        raise SourceCorrectionError(
            "fields",
            "Rien à corriger. Exemple : sources corriger 12 région:Outaouais période:2024-2029.",
        )
    normalized: dict[str, Any] = {}
    for name, value in changes.items():
        field_name = canonical_field(str(name))
        if field_name is None:
            known = ", ".join(FIELD_LABELS[f] for f in EDITABLE_FIELDS)
            raise SourceCorrectionError(
                str(name), f"Champ inconnu : « {name} ». Champs modifiables : {known}."
            )
        try:
            normalized[field_name] = normalize_value(field_name, value)
        except MetadataValueError as error:
            raise SourceCorrectionError(error.field, str(error), error.suggestions) from error
    return normalized


def _region_filter(region: str | None) -> set[str] | None:
    if region is None:
        return None
    try:
        return set(territories_in(resolve_region(region)))
    except UnknownRegionError as error:
        raise SourceCorrectionError("regions", str(error), error.suggestions) from error


def _period_filter(period: str | None) -> str | None:
    if period is None:
        return None
    parsed = parse_period(period)
    if parsed is None:
        raise SourceCorrectionError(
            "periods", f"Période invalide : « {period} ». Exemple : 2024-2029."
        )
    return parsed


def _periods_meet(wanted: str, period: str) -> bool:
    """Whether one period lies within the other ("2025-2026" and "2024-2029")."""
    a, b = (int(y) for y in wanted.split("-"))
    c, d = (int(y) for y in period.split("-"))
    return (a <= c and d <= b) or (c <= a and b <= d)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _stored(name: str, value: Any) -> Any:
    """A field's value as its column holds it (lists as JSON)."""
    if name in ("periods", "regions"):
        return json.dumps(list(value or ()), ensure_ascii=False)
    return value


def _row_values(info: DocumentInfo, root: str) -> dict[str, Any]:
    periods = info.periods or ((info.period,) if info.period else ())
    return {
        "path": str(info.path),
        "root": root,
        "title": info.title,
        "url": info.url,
        "date": info.date,
        "periods": _stored("periods", periods),
        "plan": info.plan,
        "regions": _stored("regions", info.regions),
        "kind": info.kind,
    }


def _source(row: Mapping[str, Any]) -> Source:
    corrected = json.loads(row["corrected"] or "{}")
    return Source(
        number=row["number"],
        doc_id=row["doc_id"],
        path=row["path"],
        root=row["root"],
        title=row["title"],
        url=row["url"],
        date=row["date"],
        periods=tuple(json.loads(row["periods"] or "[]")),
        plan=row["plan"],
        regions=tuple(json.loads(row["regions"] or "[]")),
        kind=row["kind"],
        content_hash=row["content_hash"],
        shipped=bool(row["shipped"]),
        added_by=row["added_by"],
        added_at=row["added_at"],
        updated_at=row["updated_at"],
        corrected=tuple(sorted(corrected)),
        removed_at=row["removed_at"],
        removed_by=row["removed_by"],
        added_by_name=row.get("added_by_name"),
        removed_by_name=row.get("removed_by_name"),
    )


def _audit_entry(row: Mapping[str, Any]) -> SourceAuditEntry:
    return SourceAuditEntry(
        id=row["id"],
        number=row["number"],
        doc_id=row["doc_id"],
        at=row["at"],
        action=row["action"],
        actor=row["actor"],
        before=json.loads(row["before_json"]) if row["before_json"] else None,
        after=json.loads(row["after_json"]) if row["after_json"] else None,
        actor_name=row.get("actor_name"),
    )


# A source row with the names of who added and who removed it, when known.
_SELECT_SOURCES = (
    "SELECT s.*, a.name AS added_by_name, r.name AS removed_by_name FROM sources s "
    "LEFT JOIN display_names a ON a.user_id = s.added_by "
    "LEFT JOIN display_names r ON r.user_id = s.removed_by"
)


def _create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS display_names ("
        "user_id TEXT PRIMARY KEY, name TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS sources ("
        "number INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL UNIQUE, "
        "path TEXT NOT NULL, root TEXT NOT NULL, title TEXT NOT NULL, url TEXT, date TEXT, "
        "periods TEXT NOT NULL DEFAULT '[]', plan TEXT, regions TEXT NOT NULL DEFAULT '[]', "
        "kind TEXT NOT NULL, content_hash TEXT NOT NULL, shipped INTEGER NOT NULL DEFAULT 0, "
        "added_by TEXT, added_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
        "corrected TEXT NOT NULL DEFAULT '{}', removed_at TEXT, removed_by TEXT)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS sources_audit ("
        "id INTEGER PRIMARY KEY AUTOINCREMENT, number INTEGER NOT NULL, doc_id TEXT NOT NULL, "
        "at TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN "
        "('added', 'updated', 'corrected', 'removed')), actor TEXT, before_json TEXT, "
        "after_json TEXT)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS sources_audit_number ON sources_audit (number, id)")
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS sources_audit_append_only_{event.lower()} "
            f"BEFORE {event} ON sources_audit "
            "BEGIN SELECT RAISE(ABORT, 'sources_audit is append-only'); END"
        )
