"""A document being read for the catalog: its metadata, its plan, its period.

Shared by the extractors (`knowledge.catalog_extract`, `knowledge.catalog_funding`): which
plan a document and each of its sections are about, the year range its title gives, and
the measure a report sheet describes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.catalog_plans import (
    find_plans_in_text,
    normalize_period,
    plan_id_for,
    resolve_plan,
)
from knowledge.catalog_text import CleanDocument, Section, parse_clean_text, parse_fields


@dataclass(frozen=True)
class DocumentMeta:
    """What the catalog needs to know of a document besides its text."""

    file: str
    title: str | None = None
    plan: str | None = None
    period: str | None = None
    kind: str | None = None


def document_meta(info: Any) -> DocumentMeta:
    """Metadata from a `knowledge.manifest.DocumentInfo`, a manifest entry, or a file name."""
    if isinstance(info, str):
        return DocumentMeta(file=info)
    if isinstance(info, Path):
        return DocumentMeta(file=info.name)
    if isinstance(info, Mapping):
        get = info.get
    else:

        def get(name: str, default: Any = None) -> Any:
            return getattr(info, name, default)

    file = get("doc_id") or get("file")
    if not file:
        raise ValueError("document sans nom de fichier (doc_id ou file attendu)")
    return DocumentMeta(
        file=str(file),
        title=get("title"),
        plan=get("plan"),
        period=get("period"),
        kind=get("kind"),
    )


@dataclass(frozen=True)
class DocumentContext:
    """A parsed document and what it is about as a whole."""

    meta: DocumentMeta
    doc: CleanDocument
    plan: str | None  # the document's plan id
    report_period: str | None  # a year range in the document's title ("ANNÉE 2010-2011")
    sheet_measure: str | None = None  # the measure a report sheet is about

    def section_plan(self, section: Section) -> tuple[str | None, bool]:
        """The plan a section is about, and whether its heading names it."""
        named = plans_named(section.heading) if section.level > 1 else []
        if len(named) == 1:
            return named[0], True
        return self.plan, False


def read_document(info: Any, clean_text: str) -> DocumentContext:
    """Parse clean text and settle what the whole document is about."""
    meta = document_meta(info)
    doc = parse_clean_text(clean_text, meta.title or meta.file)
    return DocumentContext(
        meta, doc, _document_plan(meta, doc), normalize_period(doc.title), _sheet_measure(doc)
    )


# -- plans named in text -------------------------------------------------------------------

TITLED_PLAN = re.compile(
    r"(?P<head>plan d['’]action gouvernemental)\s+(?P<link>pour|en mati[eè]re de|sur)\s+"
    r"(?P<title>[^()\d:,.;]+)\s*(?:\((?P<acronym1>[A-ZÀ-Ý]{3,})\)\s*)?"
    r"(?P<period>(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2})?\s*(?:\((?P<acronym2>[A-ZÀ-Ý]{3,})\))?",
    re.IGNORECASE,
)
PERIOD_HEADING = re.compile(
    r"^(?P<period>(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2})\s*:\s*(?P<rest>.*\bplan\b.*)$",
    re.IGNORECASE,
)


def plans_named(text: str) -> list[str]:
    """Plan ids a heading or sentence names, including plans the registry does not know."""
    heading = PERIOD_HEADING.match(text)
    if heading:
        return [plan_id_for(period=normalize_period(heading.group("period")))]
    named = find_plans_in_text(text)
    for match in TITLED_PLAN.finditer(text):
        plan_id = titled_plan_id(match)
        if plan_id and plan_id not in named:
            named.append(plan_id)
    return named


def titled_plan_id(match: re.Match[str]) -> str | None:
    acronym = match.group("acronym1") or match.group("acronym2")
    period = normalize_period(match.group("period")) if match.group("period") else None
    if not acronym and not period:
        return None
    return plan_id_for(acronym=acronym, period=period)


def _document_plan(meta: DocumentMeta, doc: CleanDocument) -> str | None:
    """The manifest's plan, else the one plan the title and preamble name."""
    if meta.plan:
        return resolve_plan(meta.plan) or plan_id_for(acronym=meta.plan)
    named = plans_named(doc.title + "\n" + doc.preamble.text)
    return named[0] if len(named) == 1 else None


# -- measure sheets ------------------------------------------------------------------------

NUMBER_LABEL = re.compile(r"^(?:n|no|n o|numero)(?: de la)? mesure$")
_MEASURE_NUMBER = re.compile(r"^\d{1,2}(?:[.,]\d{1,2})?$")


def label_value(found: dict[str, str], pattern: re.Pattern[str]) -> str | None:
    """The value of the first field whose folded label matches."""
    return next((value for label, value in found.items() if pattern.search(label)), None)


def _sheet_measure(doc: CleanDocument) -> str | None:
    """The number in a `N° DE LA MESURE : …` field, when the document is a measure sheet."""
    lines = [line for section in doc.sections for line in section.lines]
    number = label_value(parse_fields(lines), NUMBER_LABEL)
    if number and _MEASURE_NUMBER.match(number.strip()):
        return number.strip().replace(",", ".")
    return None
