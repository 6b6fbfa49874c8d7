"""Reading the catalog: small queries returning facts with their source (file, section).

`db` is a path to the SQLite file or an open `sqlite_utils.Database`. A path that does not
exist, or a database without a catalog, gives empty answers (never creates a file).
Names are resolved the way users type them: territories through `knowledge.regions`,
plans through `knowledge.catalog_plans` ("PAGIÉPS", "Plan 2004-2010", "premier plan").
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from knowledge.catalog_plans import normalize_period, resolve_plan
from knowledge.catalog_regions import canonical_name
from knowledge.folding import fold_key
from knowledge.regions import REGION_GROUPS, TERRITORIES, territories_in

DbLike = str | Path | Database


# -- records -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Fact:
    """Every catalog fact says where it comes from."""

    source_file: str
    section: str


@dataclass(frozen=True, kw_only=True)
class MandataireFact(Fact):
    territory: str
    administrative_region: str
    mandataire: str
    notes: str | None
    plan: str | None


@dataclass(frozen=True, kw_only=True)
class PlanFact(Fact):
    id: str
    acronym: str | None
    title: str | None
    title_as_written: str | None
    period: str | None
    ordinal: int | None


@dataclass(frozen=True, kw_only=True)
class OrientationFact(Fact):
    plan: str
    number: int
    text: str


@dataclass(frozen=True, kw_only=True)
class MeasureFact(Fact):
    plan: str
    number: str
    title: str | None
    orientation: str | None
    orientation_number: int | None
    ministry: str | None
    description: str | None
    clientele: str | None
    clientele_year: str | None
    clientele_section: str | None
    next_steps: tuple[str, ...]
    next_steps_section: str | None
    report_year: str | None
    parent_number: str | None
    funded_by: str | None


@dataclass(frozen=True, kw_only=True)
class MeasureCostFact(Fact):
    plan: str
    measure: str
    fiscal_year: str
    amount_text: str
    amount_dollars: Decimal | None

    @property
    def has_amount(self) -> bool:
        return self.amount_dollars is not None


@dataclass(frozen=True, kw_only=True)
class ProjectFact(Fact):
    name: str
    description: str | None
    region: str | None
    plan: str | None


@dataclass(frozen=True, kw_only=True)
class FundingFact(Fact):
    position: int
    kind: str  # amount ($) | share (%) | count
    subject: str
    keywords: str
    value_text: str
    value_number: float | None
    unit: str
    share_of: int | None  # position of the amount this share divides (same file)
    plan: str | None
    period: str | None
    region: str | None
    measure: str | None
    sentence: str


# -- connection ----------------------------------------------------------------------------


@contextmanager
def open_catalog(db: DbLike) -> Iterator[Database | None]:
    """The catalog database (read-only when given a path); None when there is none."""
    if isinstance(db, Database):
        yield db if db["catalog_documents"].exists() else None
        return
    path = Path(db)
    if not path.exists():
        yield None
        return
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    database = Database(connection)
    try:
        yield database if database["catalog_documents"].exists() else None
    finally:
        connection.close()


def _rows(db: DbLike, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    with open_catalog(db) as database:
        if database is None:
            return []
        return list(database.query(sql, params))


# -- names ---------------------------------------------------------------------------------

_MEASURE_PREFIX = re.compile(r"^\s*(?:mesure|measure|m)\s*(?:n[o°º]?\.?\s*)?", re.IGNORECASE)


def normalize_measure_number(number: str) -> str:
    """ "M 11" -> "11", "mesure 1,1" -> "1.1", " 3.2 " -> "3.2"."""
    return _MEASURE_PREFIX.sub("", str(number)).strip().replace(",", ".").rstrip(".")


def _plan_id(plan: str) -> str:
    return resolve_plan(plan) or plan


def _territory(name: str) -> str | None:
    return canonical_name(name)


_TERRITORY_ORDER = {territory.name: position for position, territory in enumerate(TERRITORIES)}


# -- mandataires ---------------------------------------------------------------------------


def _mandataire(row: dict[str, Any]) -> MandataireFact:
    return MandataireFact(
        territory=row["name"],
        administrative_region=row["administrative_region"],
        mandataire=row["mandataire"],
        notes=row["notes"],
        plan=row["plan"],
        source_file=row["source_file"],
        section=row["section"],
    )


def _all_mandataires(db: DbLike, plan: str | None) -> list[MandataireFact]:
    rows = _rows(db, "select * from catalog_regions order by source_file")
    facts: dict[str, MandataireFact] = {}
    for row in rows:
        if plan and row["plan"] != _plan_id(plan):
            continue
        facts.setdefault(row["name"], _mandataire(row))
    return sorted(facts.values(), key=lambda f: _TERRITORY_ORDER.get(f.territory, 99))


def mandataire_for(db: DbLike, territory: str, plan: str | None = None) -> MandataireFact | None:
    """The mandataire of one Alliance territory ("Mauricie", "BSL", "Nation crie")."""
    name = _territory(territory)
    if name is None or name in REGION_GROUPS:
        return None
    return next((f for f in _all_mandataires(db, plan) if f.territory == name), None)


def mandataires_in(db: DbLike, region: str, plan: str | None = None) -> list[MandataireFact]:
    """The mandataires of a territory or of every territory of a region group."""
    name = _territory(region)
    if name is None:
        return []
    wanted = set(territories_in(name))
    return [f for f in _all_mandataires(db, plan) if f.territory in wanted]


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith("ss"):
        return word[:-1]
    return word


def _kind_words(text: str) -> list[str]:
    return [_singular(word) for word in fold_key(text).split()]


def mandataires(
    db: DbLike, kind_contains: str | None = None, plan: str | None = None
) -> list[MandataireFact]:
    """Every territory's mandataire, or those whose name contains the words of a kind
    ("Table", "les Tables", "conférences des préfets"), plural or singular, any accents."""
    facts = _all_mandataires(db, plan)
    if not kind_contains:
        return facts
    wanted = [word for word in _kind_words(kind_contains) if word not in {"le", "la", "l"}]
    if wanted and wanted[0] == "les":
        wanted = wanted[1:]
    if not wanted:
        return facts
    needle = " ".join(wanted)
    return [f for f in facts if f" {needle} " in f" {' '.join(_kind_words(f.mandataire))} "]


# -- plans ---------------------------------------------------------------------------------


def plan_info(db: DbLike, plan: str) -> PlanFact | None:
    """A plan's title, acronym and period, from the document that says most about it."""
    plan_id = _plan_id(plan)
    rows = _rows(db, "select * from catalog_plans where id = ? order by source_file", (plan_id,))
    if not rows:
        return None
    best = max(rows, key=lambda row: sum(value is not None for value in row.values()))
    return PlanFact(
        id=best["id"],
        acronym=best["acronym"],
        title=best["title"],
        title_as_written=best["title_as_written"],
        period=best["period"],
        ordinal=best["ordinal"],
        source_file=best["source_file"],
        section=best["section"],
    )


def plan_orientations(db: DbLike, plan: str) -> list[OrientationFact]:
    """A plan's orientations (axes) in order, from one source section: the most complete
    list, preferring a section whose heading names the plan."""
    rows = _rows(
        db,
        "select * from catalog_plan_orientations where plan = ? order by source_file, number",
        (_plan_id(plan),),
    )
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["source_file"], row["section"]), []).append(row)
    if not groups:
        return []
    best = max(
        groups.values(),
        key=lambda group: (len(group), group[0]["plan_named_in_section"]),
    )
    return [
        OrientationFact(
            plan=row["plan"],
            number=row["number"],
            text=row["text"],
            source_file=row["source_file"],
            section=row["section"],
        )
        for row in best
    ]


# -- measures ------------------------------------------------------------------------------


def _measure(row: dict[str, Any], orientations: list[OrientationFact]) -> MeasureFact:
    orientation_number = row["orientation_number"]
    if orientation_number is None and row["orientation"]:
        key = fold_key(row["orientation"])
        orientation_number = next(
            (o.number for o in orientations if fold_key(o.text).startswith(key)), None
        )
    return MeasureFact(
        plan=row["plan"],
        number=row["number"],
        title=row["title"],
        orientation=row["orientation"],
        orientation_number=orientation_number,
        ministry=row["ministry"],
        description=row["description"],
        clientele=row["clientele"],
        clientele_year=row["clientele_year"],
        clientele_section=row["clientele_section"],
        next_steps=tuple(json.loads(row["next_steps"])) if row["next_steps"] else (),
        next_steps_section=row["next_steps_section"],
        report_year=row["report_year"],
        parent_number=row["parent_number"],
        funded_by=row["funded_by"],
        source_file=row["source_file"],
        section=row["section"],
    )


def measures(db: DbLike, number: str | None = None, plan: str | None = None) -> list[MeasureFact]:
    """Measures by number and/or plan (one per plan and number: the latest report)."""
    rows = _rows(db, "select * from catalog_measures order by plan, number")
    wanted_number = normalize_measure_number(number) if number else None
    wanted_plan = _plan_id(plan) if plan else None
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if wanted_number and row["number"] != wanted_number:
            continue
        if wanted_plan and row["plan"] != wanted_plan:
            continue
        key = (row["plan"], row["number"])
        current = best.get(key)
        if current is None or (row["report_year"] or "") > (current["report_year"] or ""):
            best[key] = row
    orientations = {key[0]: plan_orientations(db, key[0]) for key in best}
    return [_measure(row, orientations[key[0]]) for key, row in best.items()]


def measure(db: DbLike, plan: str, number: str) -> MeasureFact | None:
    """One measure of a plan ("PSIS", "1.1"), or None."""
    found = measures(db, number=number, plan=plan)
    return found[0] if found else None


def measure_cost(
    db: DbLike, plan: str, number: str, fiscal_year: str | None = None
) -> list[MeasureCostFact]:
    """A measure's cost per fiscal year as the report sheet writes it ("13,7 M$", "s. o."),
    in year order; only the given year when there is one ("2010-11" is read 2010-2011)."""
    rows = _rows(
        db,
        "select c.*, coalesce(m.report_year, '') as report_year from catalog_measure_costs c "
        "left join catalog_measures m on m.plan = c.plan and m.number = c.measure "
        "and m.source_file = c.source_file where c.plan = ? and c.measure = ? "
        "order by c.fiscal_year",
        (_plan_id(plan), normalize_measure_number(number)),
    )
    year = normalize_period(fiscal_year) if fiscal_year else None
    if fiscal_year and year is None:
        return []
    by_year: dict[str, dict[str, Any]] = {}
    for row in rows:
        if year and row["fiscal_year"] != year:
            continue
        current = by_year.get(row["fiscal_year"])
        if current is None or row["report_year"] > current["report_year"]:
            by_year[row["fiscal_year"]] = row
    return [
        MeasureCostFact(
            plan=row["plan"],
            measure=row["measure"],
            fiscal_year=row["fiscal_year"],
            amount_text=row["amount_text"],
            amount_dollars=_dollars(row["amount_dollars"]),
            source_file=row["source_file"],
            section=row["section"],
        )
        for _, row in sorted(by_year.items())
    ]


def _dollars(value: float | None) -> Decimal | None:
    if value is None:
        return None
    dollars = Decimal(repr(float(value)))
    return dollars.quantize(Decimal(1)) if dollars == dollars.to_integral_value() else dollars


# -- projects and funding ------------------------------------------------------------------


def example_projects(
    db: DbLike, region: str | None = None, plan: str | None = None
) -> list[ProjectFact]:
    """Example projects, of a territory (or region group) when given, in document order."""
    rows = _rows(db, "select * from catalog_projects order by source_file, position")
    wanted: set[str] | None = None
    if region:
        name = _territory(region)
        if name is None:
            return []
        wanted = set(territories_in(name))
    wanted_plan = _plan_id(plan) if plan else None
    return [
        ProjectFact(
            name=row["name"],
            description=row["description"],
            region=row["region"],
            plan=row["plan"],
            source_file=row["source_file"],
            section=row["section"],
        )
        for row in rows
        if (wanted is None or row["region"] in wanted)
        and (wanted_plan is None or row["plan"] == wanted_plan)
    ]


def _funding(row: dict[str, Any]) -> FundingFact:
    return FundingFact(
        position=row["position"],
        kind=row["kind"],
        subject=row["subject"],
        keywords=row["keywords"] or "",
        value_text=row["value_text"],
        value_number=row["value_number"],
        unit=row["unit"],
        share_of=row["share_of"],
        plan=row["plan"],
        period=row["period"],
        region=row["region"],
        measure=row["measure"],
        sentence=row["sentence"],
        source_file=row["source_file"],
        section=row["section"],
    )


def funding_facts(
    db: DbLike,
    subject_contains: str | None = None,
    *,
    kind: str | None = None,
    plan: str | None = None,
    region: str | None = None,
    measure: str | None = None,
) -> list[FundingFact]:
    """Amounts, shares and counts the documents state, optionally those whose subject,
    keywords or sentence contain some text ("FQIS"), of a kind, plan, region or measure."""
    rows = _rows(db, "select * from catalog_funding_facts order by source_file, position")
    needle = f" {fold_key(subject_contains)} " if subject_contains else None
    wanted_region: set[str] | None = None
    if region:
        name = _territory(region)
        wanted_region = set(territories_in(name)) if name else set()
    facts: list[FundingFact] = []
    for row in rows:
        text = " ".join([row["subject"], row["keywords"] or "", row["sentence"]])
        haystack = f" {fold_key(text)} "
        if needle and needle not in haystack:
            continue
        if kind and row["kind"] != kind:
            continue
        if plan and row["plan"] != _plan_id(plan):
            continue
        if wanted_region is not None and row["region"] not in wanted_region:
            continue
        if measure and row["measure"] != normalize_measure_number(measure):
            continue
        facts.append(_funding(row))
    return facts


def shares_of(db: DbLike, amount: FundingFact) -> list[FundingFact]:
    """The shares (%) the documents give of an amount, in order."""
    rows = _rows(
        db,
        "select * from catalog_funding_facts where source_file = ? and share_of = ? "
        "order by position",
        (amount.source_file, amount.position),
    )
    return [_funding(row) for row in rows]
