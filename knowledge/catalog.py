"""The catalog: exact facts extracted from the documents, in SQLite (sqlite-utils).

Plans and their orientations, measures and their yearly costs, Alliance territories and
their mandataires, example projects and funding facts. Every row names its source file and
section, so an answer can cite it. Rebuilding documents replaces all their rows in one
transaction; tables are prefixed `catalog_` because the database file is shared with the
ingestion registry and the projects.

`catalog_sources` records, per document, the content hash its rows were built from (given
by the ingestion), written in the same transaction as the rows: an ingestion interrupted
before or during the catalog build finds the hash missing or old, and builds it again.

    stats = build_catalog(db_path, [(document_info, clean_text), ...], {"file": "hash"})
    built_from(db_path)  # {"file": "hash"}
    remove_document(db_path, "file-name.txt")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from knowledge.catalog_extract import CatalogRecords, document_meta, extract_records
from knowledge.crash_points import MID_CATALOG, crash_point

SCHEMA_VERSION = 1

# table -> (columns with their types, primary key). Types: str TEXT, int INTEGER, float REAL.
SCHEMA: dict[str, tuple[dict[str, type], tuple[str, ...]]] = {
    "catalog_documents": (
        {
            "file": str,
            "title": str,
            "heading": str,
            "plan": str,
            "period": str,
            "kind": str,
            "built_at": str,
        },
        ("file",),
    ),
    "catalog_plans": (
        {
            "id": str,
            "source_file": str,
            "acronym": str,
            "title": str,
            "title_as_written": str,
            "period": str,
            "ordinal": int,
            "section": str,
        },
        ("id", "source_file"),
    ),
    "catalog_plan_orientations": (
        {
            "plan": str,
            "source_file": str,
            "section": str,
            "number": int,
            "text": str,
            "plan_named_in_section": int,
        },
        ("plan", "source_file", "section", "number"),
    ),
    "catalog_measures": (
        {
            "plan": str,
            "number": str,
            "source_file": str,
            "title": str,
            "orientation": str,
            "orientation_number": int,
            "ministry": str,
            "description": str,
            "clientele": str,
            "clientele_year": str,
            "clientele_section": str,
            "next_steps": str,
            "next_steps_section": str,
            "report_year": str,
            "parent_number": str,
            "funded_by": str,
            "section": str,
        },
        ("plan", "number", "source_file"),
    ),
    "catalog_measure_costs": (
        {
            "plan": str,
            "measure": str,
            "fiscal_year": str,
            "source_file": str,
            "amount_text": str,
            "amount_dollars": float,
            "section": str,
        },
        ("plan", "measure", "fiscal_year", "source_file"),
    ),
    "catalog_regions": (
        {
            "name": str,
            "source_file": str,
            "administrative_region": str,
            "code": str,
            "mandataire": str,
            "notes": str,
            "plan": str,
            "section": str,
        },
        ("name", "source_file"),
    ),
    "catalog_projects": (
        {
            "source_file": str,
            "position": int,
            "name": str,
            "description": str,
            "region": str,
            "plan": str,
            "section": str,
        },
        ("source_file", "position"),
    ),
    "catalog_funding_facts": (
        {
            "source_file": str,
            "position": int,
            "kind": str,
            "subject": str,
            "keywords": str,
            "value_text": str,
            "value_number": float,
            "unit": str,
            "share_of": int,
            "plan": str,
            "period": str,
            "region": str,
            "measure": str,
            "sentence": str,
            "section": str,
        },
        ("source_file", "position"),
    ),
    "catalog_sources": (
        {"file": str, "content_hash": str, "built_at": str},
        ("file",),
    ),
}
NOT_NULL: dict[str, tuple[str, ...]] = {
    "catalog_plan_orientations": ("text",),
    "catalog_measure_costs": ("amount_text",),
    "catalog_regions": ("mandataire",),
    "catalog_projects": ("name",),
    "catalog_funding_facts": ("kind", "value_text", "sentence"),
}
# Which record list of CatalogRecords fills which table.
_RECORD_TABLES = {
    "plans": "catalog_plans",
    "plan_orientations": "catalog_plan_orientations",
    "measures": "catalog_measures",
    "measure_costs": "catalog_measure_costs",
    "regions": "catalog_regions",
    "projects": "catalog_projects",
    "funding_facts": "catalog_funding_facts",
}
_INDEXES = {
    "catalog_measure_costs": (("plan", "measure"),),
    "catalog_funding_facts": (("plan",), ("kind",)),
    "catalog_projects": (("region",),),
}


@dataclass
class CatalogStats:
    """What a build wrote: rows per table, per document, and what could not be read."""

    documents: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    per_document: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    schema_reset: bool = False  # True when an older catalog was dropped: rebuild every file

    def add(self, file: str, records: CatalogRecords) -> None:
        counts = records.counts()
        self.documents.append(file)
        self.per_document[file] = counts
        for table, count in counts.items():
            self.rows[table] = self.rows.get(table, 0) + count
        self.warnings.extend(f"{file} : {warning}" for warning in records.warnings)


def ensure_schema(db: Database) -> bool:
    """Create the catalog tables if needed; True when an older schema had to be dropped."""
    meta = db["catalog_meta"]
    reset = False
    if meta.exists():
        row = next(iter(db.query("select value from catalog_meta where key = 'schema'")), None)
        if row is None or int(row["value"]) != SCHEMA_VERSION:
            with db.atomic():
                for table in SCHEMA:
                    db[table].drop(ignore=True)
            reset = True
    with db.atomic():
        db["catalog_meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        db["catalog_meta"].upsert({"key": "schema", "value": str(SCHEMA_VERSION)}, pk="key")
        for table, (columns, pk) in SCHEMA.items():
            db[table].create(
                columns,
                pk=pk[0] if len(pk) == 1 else pk,
                not_null={*pk, *NOT_NULL.get(table, ())},
                if_not_exists=True,
            )
            for columns_of_index in _INDEXES.get(table, ()):
                db[table].create_index(columns_of_index, if_not_exists=True)
    return reset


def _delete_document(db: Database, file: str) -> None:
    for table in _RECORD_TABLES.values():
        db[table].delete_where("source_file = ?", [file])
    db["catalog_documents"].delete_where("file = ?", [file])
    if db["catalog_sources"].exists():  # absent from a catalog built before it existed
        db["catalog_sources"].delete_where("file = ?", [file])


def _rows_for(table: str, rows: list[dict[str, Any]], warnings: list[str]) -> list[dict[str, Any]]:
    """The rows with exactly the table's columns; a repeated primary key keeps the first."""
    columns, pk = SCHEMA[table]
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row.get(column) for column in pk)
        if key in unique:
            warnings.append(f"{table} : doublon ignoré {key}")
            continue
        unique[key] = {column: row.get(column) for column in columns}
    return list(unique.values())


def build_catalog(
    db_path: str | Path,
    documents: Iterable[tuple[Any, str]],
    content_hashes: Mapping[str, str] | None = None,
) -> CatalogStats:
    """Extract each (document info, clean text) and replace that document's catalog rows.

    `document info` is a `knowledge.manifest.DocumentInfo`, a manifest entry (mapping with
    "doc_id" or "file") or a file name. `content_hashes` (file -> hash of what was read) is
    recorded in `catalog_sources`. All the documents of one call are replaced in one
    transaction: on any database error, or a crash, nothing changes.
    """
    content_hashes = content_hashes or {}
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    extracted = [extract_records(info, clean_text) for info, clean_text in documents]
    db = Database(db_path)
    stats = CatalogStats()
    try:
        stats.schema_reset = ensure_schema(db)
        built_at = datetime.now(UTC).isoformat()
        with db.atomic():
            for records in extracted:
                file = records.document["file"]
                _delete_document(db, file)
                db["catalog_documents"].insert({**records.document, "built_at": built_at})
                crash_point(MID_CATALOG)
                for name, table in _RECORD_TABLES.items():
                    rows = _rows_for(table, getattr(records, name), records.warnings)
                    setattr(records, name, rows)
                    if rows:
                        db[table].insert_all(rows)
                db["catalog_sources"].insert(
                    {"file": file, "content_hash": content_hashes.get(file, ""),
                     "built_at": built_at}
                )
        for records in extracted:
            stats.add(records.document["file"], records)
    finally:
        db.close()
    return stats


def built_from(db_path: str | Path) -> dict[str, str]:
    """file -> the content hash its catalog rows were built from; empty for a catalog of an
    older schema (the next build drops it). Reads only."""
    db_path = Path(db_path)
    if not db_path.exists():
        return {}
    db = Database(db_path)
    try:
        meta = db["catalog_meta"]
        if not meta.exists() or not db["catalog_sources"].exists():
            return {}
        schema = next(iter(db.query("select value from catalog_meta where key = 'schema'")), None)
        if schema is None or int(schema["value"]) != SCHEMA_VERSION:
            return {}
        return {row["file"]: row["content_hash"] for row in db["catalog_sources"].rows}
    finally:
        db.close()


def remove_document(db_path: str | Path, file: Any) -> bool:
    """Drop every catalog row of a document (by file name); True if it had any."""
    db_path = Path(db_path)
    if not db_path.exists():
        return False
    name = document_meta(file).file
    db = Database(db_path)
    try:
        if not db["catalog_documents"].exists():
            return False
        known = db["catalog_documents"].count_where("file = ?", [name]) > 0
        with db.atomic():
            _delete_document(db, name)
        return known
    finally:
        db.close()
