"""Clean text -> catalog records: plans, orientations, measures and costs, territories and
their mandataires, example projects, funding facts.

Everything is found by shape, never by a document's name: a `N° DE LA MESURE : …` field
makes a measure sheet, a `## <territory>` section with `Mandataire : …` makes a territory,
a section titled with "orientations"/"axes" and a list numbered 1, 2, 3… gives a plan's
orientations, and so on. Each record names its source file and section.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from knowledge.amounts import parse_amount
from knowledge.catalog_context import (
    NUMBER_LABEL,
    PERIOD_HEADING,
    TITLED_PLAN,
    DocumentContext,
    document_meta,
    label_value,
    read_document,
    titled_plan_id,
)
from knowledge.catalog_funding import extract_funding_facts
from knowledge.catalog_plans import (
    find_plans_in_text,
    normalize_period,
    ordinal_in,
    plan_by_id,
    plan_id_for,
)
from knowledge.catalog_regions import territories_in_text, territory_of_heading
from knowledge.catalog_text import (
    Section,
    bullet_items,
    numbered_items,
    parse_field,
    parse_fields,
    year_values,
)
from knowledge.folding import fold
from knowledge.regions import TERRITORIES

__all__ = ["CatalogRecords", "document_meta", "extract_records"]

# -- records -------------------------------------------------------------------------------


@dataclass
class CatalogRecords:
    """The rows one document yields, by table (dicts keyed by column name)."""

    document: dict[str, Any]
    plans: list[dict[str, Any]] = field(default_factory=list)
    plan_orientations: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    measure_costs: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    funding_facts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "plans": len(self.plans),
            "plan_orientations": len(self.plan_orientations),
            "measures": len(self.measures),
            "measure_costs": len(self.measure_costs),
            "regions": len(self.regions),
            "projects": len(self.projects),
            "funding_facts": len(self.funding_facts),
        }


def extract_records(info: Any, clean_text: str) -> CatalogRecords:
    """Every catalog record one document yields."""
    context = read_document(info, clean_text)
    meta, doc = context.meta, context.doc
    records = CatalogRecords(
        document={
            "file": meta.file,
            "title": meta.title or doc.title,
            "heading": doc.title,
            "plan": context.plan,
            "period": meta.period,
            "kind": meta.kind,
        }
    )
    records.plans = _plans(context)
    records.plan_orientations = _orientations(context)
    sheet_measures, costs = _measure_sheet(context, records.warnings)
    records.measures = sheet_measures + _axis_measures(context)
    records.measure_costs = costs
    records.regions, records.projects = _territories(context)
    records.projects = _listed_projects(context) + records.projects
    for position, project in enumerate(records.projects):
        project["position"] = position
    records.funding_facts = extract_funding_facts(context)
    return records


# -- plans ---------------------------------------------------------------------------------


def _sentence_case(text: str) -> str:
    """ "LA SOLIDARITÉ ET L'INCLUSION SOCIALE" -> "la solidarité et l'inclusion sociale"."""
    letters = [ch for ch in text if ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters):
        return text.lower()
    return text


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plans(context: DocumentContext) -> list[dict[str, Any]]:
    """One row per plan the document mentions, with what the text says of it."""
    rows: dict[str, dict[str, Any]] = {}

    def add(plan_id: str, section: Section, **found: Any) -> None:
        known = plan_by_id(plan_id)
        row = rows.setdefault(
            plan_id,
            {
                "id": plan_id,
                "source_file": context.meta.file,
                "acronym": known.acronym if known else None,
                "title": known.title if known else None,
                "title_as_written": None,
                "period": known.period if known else None,
                "ordinal": known.ordinal if known else None,
                "section": section.heading,
            },
        )
        for key, value in found.items():
            if value and not row.get(key):
                row[key] = value

    for section in context.doc.sections:
        heading = PERIOD_HEADING.match(section.heading)
        if heading:
            period = normalize_period(heading.group("period"))
            add(
                plan_id_for(period=period),
                section,
                period=period,
                ordinal=ordinal_in(heading.group("rest")),
                title_as_written=heading.group("rest").split("(")[0].strip(),
            )
        for line in (section.heading, *section.lines):
            for match in TITLED_PLAN.finditer(line):
                plan_id = titled_plan_id(match)
                if plan_id is None:
                    continue
                written = f"{match.group('head')} {match.group('link')} {match.group('title')}"
                add(
                    plan_id,
                    section,
                    acronym=match.group("acronym1") or match.group("acronym2"),
                    period=normalize_period(match.group("period") or ""),
                    title_as_written=written.strip(),
                    title=_capitalized(_sentence_case(written.strip())),
                )
            for plan_id in find_plans_in_text(line):
                add(plan_id, section)
    return list(rows.values())


_ORIENTATION_HEADING = re.compile(r"\b(orientations?|axes?)\b")


def _orientations(context: DocumentContext) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for section in context.doc.sections[1:]:
        if not _ORIENTATION_HEADING.search(section.key):
            continue
        items = numbered_items(section.lines)
        plan, named = context.section_plan(section)
        if len(items) < 2 or plan is None:
            continue
        rows.extend(
            {
                "plan": plan,
                "source_file": context.meta.file,
                "section": section.heading,
                "number": number,
                "text": text,
                "plan_named_in_section": int(named),
            }
            for number, text in items
        )
    return rows


# -- measures ------------------------------------------------------------------------------

_TITLE_LABEL = re.compile(r"^(?:titre|intitule|nom)(?: de la)? mesure$")
_ORIENTATION_LABEL = re.compile(r"^(?:orientation|axe)\b")
_MINISTRY_LABEL = re.compile(r"^(?:ministere|organisme)\b.*\bresponsable")
_COST_SECTION = re.compile(r"^cout\b")
_CLIENTELE_SECTION = re.compile(r"^clientele\b")
_NEXT_STEPS_SECTION = re.compile(r"^(?:etapes a venir|prochaines etapes)\b")
_DESCRIPTION_SECTION = re.compile(r"^description\b")


def _measure_sheet(
    context: DocumentContext, warnings: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A measure report sheet: identification fields, then costs, clientele, next steps."""
    identification = parse_fields([line for s in context.doc.sections for line in s.lines])
    number = context.sheet_measure
    if number is None:
        return [], []
    plan = context.plan
    if plan is None:
        warnings.append(f"mesure {number} : plan introuvable, fiche ignorée")
        return [], []
    file = context.meta.file
    header = next(
        (
            section
            for section in context.doc.sections
            if label_value(parse_fields(section.lines), NUMBER_LABEL)
        ),
        context.doc.preamble,
    )
    measure: dict[str, Any] = {
        "plan": plan,
        "number": number,
        "source_file": file,
        "title": label_value(identification, _TITLE_LABEL),
        "orientation": label_value(identification, _ORIENTATION_LABEL),
        "orientation_number": None,
        "ministry": label_value(identification, _MINISTRY_LABEL),
        "description": None,
        "clientele": None,
        "clientele_year": None,
        "clientele_section": None,
        "next_steps": None,
        "next_steps_section": None,
        "report_year": context.report_period or context.meta.period,
        "parent_number": None,
        "funded_by": None,
        "section": header.heading,
    }
    costs: list[dict[str, Any]] = []
    for section in context.doc.sections[1:]:
        key = section.key
        if _COST_SECTION.search(key):
            for fiscal_year, amount_text in year_values(section.text):
                try:
                    dollars = parse_amount(amount_text)
                except ValueError:
                    warnings.append(f"mesure {number}, {fiscal_year} : montant illisible")
                    dollars = None
                costs.append(
                    {
                        "plan": plan,
                        "measure": number,
                        "fiscal_year": fiscal_year,
                        "source_file": file,
                        "amount_text": amount_text,
                        "amount_dollars": float(dollars) if dollars is not None else None,
                        "section": section.heading,
                    }
                )
        elif _CLIENTELE_SECTION.search(key):
            by_year = [(year, text) for year, text in year_values(section.text) if text]
            if by_year:
                measure["clientele_year"], measure["clientele"] = by_year[-1]
            elif section.lines:
                measure["clientele"] = " ".join(section.lines)
            measure["clientele_section"] = section.heading
        elif _NEXT_STEPS_SECTION.search(key):
            steps = bullet_items(section.lines) or list(section.lines)
            if steps:
                measure["next_steps"] = json.dumps(steps, ensure_ascii=False)
                measure["next_steps_section"] = section.heading
        elif _DESCRIPTION_SECTION.search(key):
            prose = [line for line in section.lines if not bullet_items([line])]
            measure["description"] = "\n".join(prose) or None
    return [measure], costs


_AXIS_HEADING = re.compile(r"^axe (?P<axis>\d+)\b")
_AXIS_ITEM = re.compile(r"^(?P<axis>\d{1,2})\.(?P<sub>\d{1,2})\s+(?P<text>[^\W\d_].*)$")
_PLAN_MEASURE_ITEM = re.compile(
    r"^M(?:esure)?\s*(?P<number>\d{1,3})\s*[-–—:]\s*(?P<text>\S.*)$", re.IGNORECASE
)
_TRAILING_PARENTHESES = re.compile(r"^(?P<text>.*?)\s*\((?P<inside>[^()]*)\)\s*\.?$")


def _split_parentheses(text: str) -> tuple[str, str | None]:
    match = _TRAILING_PARENTHESES.match(text)
    if match is None:
        return text.rstrip(" ."), None
    return match.group("text").strip(), match.group("inside").strip() or None


def _axis_measures(context: DocumentContext) -> list[dict[str, Any]]:
    """Items of an `AXE n` section: "n.m Texte (MINISTÈRES)" actions and "M 11 - Texte"
    plan measures (the latter's parentheses name what funds them, e.g. "(FQIS)")."""
    rows: list[dict[str, Any]] = []
    for section in context.doc.sections[1:]:
        axis = _AXIS_HEADING.match(section.key)
        plan, _ = context.section_plan(section)
        if axis is None or plan is None:
            continue
        axis_number = int(axis.group("axis"))
        axis_title: str | None = None
        parent: str | None = None
        for line in section.lines:
            item = _AXIS_ITEM.match(line)
            plan_measure = _PLAN_MEASURE_ITEM.match(line)
            if item and int(item.group("axis")) == axis_number:
                number = f"{item.group('axis')}.{item.group('sub')}"
                title, ministry = _split_parentheses(item.group("text"))
                parent = number
                funded_by = None
            elif plan_measure:
                number = plan_measure.group("number")
                title, funded_by = _split_parentheses(plan_measure.group("text"))
                ministry = None
            else:
                if axis_title is None and not parse_field(line):
                    axis_title = line
                continue
            rows.append(
                {
                    "plan": plan,
                    "number": number,
                    "source_file": context.meta.file,
                    "title": title,
                    "orientation": axis_title,
                    "orientation_number": axis_number,
                    "ministry": ministry,
                    "description": None,
                    "clientele": None,
                    "clientele_year": None,
                    "clientele_section": None,
                    "next_steps": None,
                    "next_steps_section": None,
                    "report_year": None,
                    "parent_number": parent if number != parent else None,
                    "funded_by": funded_by,
                    "section": section.heading,
                }
            )
    return rows


# -- territories and projects --------------------------------------------------------------

_MANDATAIRE_LABEL = re.compile(r"^(?:organisme )?mandataires?$")
_PROJECT_LINE = re.compile(
    r"^(?P<name>[^\W\d_][^()]{1,100}?)\s*\((?P<qualifier>[^()]{2,100})\)\s*\.?$"
)
_MAX_PROJECT_WORDS = 14
_PROJECTS_INTRO = re.compile(r"\bprojets?\b")
_TERRITORY_BY_NAME = {territory.name: territory for territory in TERRITORIES}


def _territory(heading: str) -> str | None:
    """The canonical territory (or region group) a section heading names, if any."""
    return territory_of_heading(heading)


def _is_project_line(line: str) -> bool:
    return bool(_PROJECT_LINE.match(line)) and len(line.split()) <= _MAX_PROJECT_WORDS


def _territories(context: DocumentContext) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`## <territory>` sections with a `Mandataire : …` line; their notes and projects."""
    regions: list[dict[str, Any]] = []
    projects: list[dict[str, Any]] = []
    for section in context.doc.sections[1:]:
        name = _territory(section.heading)
        if name is None:
            continue
        mandataire: str | None = None
        notes: list[str] = []
        after_projects_intro = False
        plan, _ = context.section_plan(section)
        for line in section.lines:
            parsed = parse_field(line)
            if parsed and _MANDATAIRE_LABEL.match(parsed[0]) and mandataire is None:
                mandataire = parsed[1]
                continue
            listed = bullet_items([line])
            if _is_project_line(line) or (after_projects_intro and listed):
                project = listed[0] if listed else line
                projects.append(_project(context, section, project.rstrip(" ."), None, name, plan))
                continue
            after_projects_intro = line.endswith(":") and bool(_PROJECTS_INTRO.search(fold(line)))
            notes.append(line)
        if not mandataire:
            continue
        territory = _TERRITORY_BY_NAME.get(name)
        regions.append(
            {
                "name": name,
                "source_file": context.meta.file,
                "administrative_region": territory.region if territory else name,
                "code": territory.code if territory else None,
                "mandataire": mandataire,
                "notes": "\n".join(notes) or None,
                "plan": plan,
                "section": section.heading,
            }
        )
    return regions, projects


_NAME_SEPARATOR = re.compile(r"\s+[-–—]\s+|\s*:\s+")
_RELATIVE = re.compile(r"\s+qui\s+")


def _project_name(item: str) -> str:
    """ "La Soupière – ateliers culinaires…" -> "La Soupière"; "Trousse … qui contient…"
    -> "Trousse …"."""
    for separator in (_NAME_SEPARATOR, _RELATIVE):
        parts = separator.split(item, maxsplit=1)
        if len(parts) == 2 and parts[0].strip():
            return parts[0].strip()
    return item.strip()


def _project(
    context: DocumentContext,
    section: Section,
    name: str,
    description: str | None,
    region: str | None,
    plan: str | None,
) -> dict[str, Any]:
    return {
        "source_file": context.meta.file,
        "position": 0,
        "name": name,
        "description": description,
        "region": region,
        "plan": plan,
        "section": section.heading,
    }


def _listed_projects(context: DocumentContext) -> list[dict[str, Any]]:
    """The numbered or bulleted items of a section whose heading speaks of projects."""
    projects: list[dict[str, Any]] = []
    for section in context.doc.sections[1:]:
        if not _PROJECTS_INTRO.search(section.key) or _territory(section.heading):
            continue
        items = [text for _, text in numbered_items(section.lines)] or bullet_items(section.lines)
        plan, _ = context.section_plan(section)
        for item in items:
            regions = territories_in_text(item)
            region = regions[0] if len(regions) == 1 else None
            projects.append(
                _project(context, section, _project_name(item), item.rstrip(), region, plan)
            )
    return projects
