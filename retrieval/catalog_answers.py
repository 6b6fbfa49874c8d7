"""Question -> exact catalog facts, as French sentences that cite their source.

    hits = CatalogAnswerer(db_path).lookup("qui gère le FQIS en Mauricie ?")
    hits[0].text  # "Le mandataire de l'Alliance pour la solidarité en Mauricie est : …"

Recognised intents (French, English, chat style): the mandataire of a territory, the list
of mandataires (of a kind: "les Tables"), the cost of a measure (in a fiscal year), the
title / ministry / orientation / clientele / next steps of a measure (by number, or by its
title's words: "quelle mesure prévoit la poursuite des Alliances"), the measures of an
axis, the orientations of a plan and its period, the FQIS amount and its split, the
PAGIEPS amount, counts the documents state ("combien d'Alliances"), example projects (of a
territory, of a source: "la présentation de 2014").

`lookup` returns [] whenever it is not sure: no intent, a territory or year the catalog
does not know, another province, a measure two plans share, something about a mandataire
other than its name, a regional figure asked of a province-wide fact. Hits are evidence
the answerer quotes and cites; several hits come best first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from knowledge import catalog_queries as queries
from knowledge.catalog_plans import PLANS, normalize_period, plan_by_id, resolve_plan
from knowledge.catalog_queries import FundingFact, MeasureFact, ProjectFact, open_catalog
from knowledge.catalog_regions import canonical_name
from knowledge.folding import fold, fold_key
from knowledge.regions import territories_in
from retrieval import catalog_answers_text as say
from retrieval.catalog_answers_intents import (
    ALL_PLANS,
    AMOUNT,
    AMOUNT_SUBJECT,
    ATTRIBUTE,
    COST,
    COUNT_NOUNS,
    EXAMPLES,
    LIST,
    MANAGE,
    MANAGED_OBJECT,
    MANDATAIRE,
    MEASURE_CLIENTELE,
    MEASURE_MINISTRY,
    MEASURE_NEXT_STEPS,
    MEASURE_ORIENTATION,
    MEASURE_TITLE,
    MINISTRY_NAMED,
    ORIENTATION_NUMBER,
    ORIENTATIONS,
    PLAN_PERIOD,
    PROJECTS,
    SPLIT,
    WHICH_MEASURE,
    ParsedQuestion,
    content_stems,
    parse_question,
)

EXACT = 0.95  # the fact the question asks, every entity named or unambiguous
LISTED = 0.9  # a list the question asks for, or one fact per plan when no plan is named
MATCHED = 0.85  # a measure found by the words of its title rather than its number
RELATED = 0.75  # a further fact that bears on the question (a share, another mention)

_SHORT_QUESTION_WORDS = 6
_TITLE_WORDS = ("titre", "intitule", "title", "nom", "name", "s intitule")
_AXIS_WORDS = (" axe ", " axis ", " axes ")
_MIN_TOPIC_OVERLAP = 2


@dataclass(frozen=True)
class CatalogHit:
    """One catalog fact answering the question: a French sentence quoting it, the
    structured values, and where it comes from."""

    text: str
    facts: dict[str, Any]
    source_file: str
    section: str
    confidence: float
    intent: str = ""


def _plain(value: Any) -> Any:
    """Facts as JSON-friendly values (Decimal -> str, tuples -> lists)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _hit(intent: str, text: str, fact: Any, confidence: float = EXACT, **extra: Any) -> CatalogHit:
    facts = asdict(fact)
    facts.update(extra)
    return CatalogHit(
        text=text,
        facts=_plain(facts),
        source_file=fact.source_file,
        section=fact.section,
        confidence=confidence,
        intent=intent,
    )


class CatalogAnswerer:
    """Looks questions up in the catalog database (read-only, one connection per call)."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)

    def lookup(
        self, question: str, region: str | None = None, plan: str | None = None
    ) -> list[CatalogHit]:
        """The catalog facts that answer the question exactly, best first; [] when unsure.

        `region` / `plan` are the conversation's filters: they scope region-specific
        intents (mandataire, projects, counts) and disambiguate plans; the question's own
        words win over them.
        """
        if not question or not question.strip():
            return []
        parsed = parse_question(question)
        if parsed.other_province:
            return []
        region_filter = canonical_name(region) if region else None
        plan_filter = (resolve_plan(plan) or plan) if plan else None
        with open_catalog(self.db_path) as db:
            if db is None:
                return []
            return _Lookup(db, parsed, region_filter, plan_filter).run()


@dataclass
class _Lookup:
    db: Database
    q: ParsedQuestion
    region_filter: str | None
    plan_filter: str | None

    def run(self) -> list[CatalogHit]:
        if self.q.measure_numbers:
            return self.measure_hits(None)
        intents: list[tuple[bool, Callable[[], list[CatalogHit]]]] = [
            (self.q.counted is not None, self.count_hits),
            (self.asks_mandataire(), self.mandataire_hits),
            (self.asks_axis_measures(), self.axis_measure_hits),
            (self.q.has(WHICH_MEASURE) or self.asks_measure_field(), self.measure_by_title),
            (self.q.has(ORIENTATIONS), self.orientation_hits),
            (self.asks_plan_period(), self.plan_period_hits),
            (self.asks_amount(), self.amount_hits),
            (self.asks_projects(), self.project_hits),
        ]
        for triggered, answer in intents:
            if triggered:
                hits = answer()
                if answer == self.mandataire_hits and hits and self.asks_projects():
                    hits += self.project_hits()
                return hits
        return []

    # -- helpers ---------------------------------------------------------------------------
    def plan(self) -> tuple[bool, str | None]:
        """(ok, plan id): the one plan the question names, else the filter; not ok when the
        question names several plans or a period that is no plan."""
        if len(self.q.plans) > 1 or self.q.unknown_periods:
            return False, None
        if self.q.plans:
            return True, self.q.plans[0]
        return True, self.plan_filter

    def years_within(self, period: str | None) -> bool:
        """Whether every year the question names falls within a period ("2017-2023")."""
        years = [int(year) for year in self.q.bare_years]
        for span in (*self.q.fiscal_years, *self.q.unknown_periods):
            years += [int(part) for part in span.split("-")]
        if not years:
            return True
        period = normalize_period(period or "")
        if period is None:
            return False
        start, end = (int(year) for year in period.split("-"))
        return all(start <= year <= end for year in years)

    def plan_period(self, plan_id: str | None) -> str | None:
        known = plan_by_id(plan_id) if plan_id else None
        return known.period if known else None

    def from_named_sources(self, facts: Iterable[Any]) -> list[Any]:
        """Facts from the documents a question names by year ("la présentation de 2014")."""
        facts = list(facts)
        if not self.q.source_years:
            return facts
        rows = self.db.query("select file, title, heading from catalog_documents")
        files = {
            row["file"]
            for row in rows
            if all(year in f"{row['title']} {row['heading']}" for year in self.q.source_years)
        }
        return [fact for fact in facts if fact.source_file in files]

    def document_heading(self, file: str) -> str | None:
        rows = list(self.db.query("select heading from catalog_documents where file = ?", [file]))
        return rows[0]["heading"] if rows else None

    def ranked(self, hits: list[CatalogHit]) -> list[CatalogHit]:
        """Hits sharing most words with the question first (stable otherwise)."""
        stems = self.q.stems()
        return sorted(hits, key=lambda hit: -len(stems & content_stems(hit.text)))

    # -- mandataires -----------------------------------------------------------------------
    def asks_mandataire(self) -> bool:
        if self.q.has(MANDATAIRE):
            return True
        if self.q.has(MANAGE) and self.q.has(MANAGED_OBJECT):
            return True
        return self.asks_kind_list()

    def asks_kind_list(self) -> bool:
        """ "liste des conférences des préfets", "quelles régions sont gérées par une Table"."""
        q = self.q
        if not q.mandataire_kind or q.regions or not q.has(LIST):
            return False
        if q.has(PROJECTS) or self.asks_amount():
            return False
        return (
            q.has(MANAGE)
            or " regions " in q.key
            or q.key.split()[0] in {"liste", "list"}
            or f" des {q.mandataire_kind_typed} " in q.key
            or f" les {q.mandataire_kind_typed} " in q.key
        )

    def mandataire_hits(self) -> list[CatalogHit]:
        ok, plan = self.plan()
        q = self.q
        if not ok or (q.unknown_place and not q.regions):
            return []
        if q.has(ATTRIBUTE) or q.has(AMOUNT):
            return []  # its e-mail, role, budget…: the catalog only knows the name
        regions = list(q.regions)
        listing = (
            bool(q.mandataire_kind) or " mandataires " in q.key or (q.has(LIST) and not regions)
        )
        if not regions and not listing and self.region_filter:
            regions = [self.region_filter]
        if regions:
            hits: list[CatalogHit] = []
            for region in regions:
                facts = queries.mandataires_in(self.db, region, plan=plan)
                if len(facts) != len(territories_in(region)):
                    return []
                if not all(self.years_within(self.plan_period(f.plan)) for f in facts):
                    return []
                hits += [_hit("mandataire", say.mandataire(f), f) for f in facts]
            return hits
        if not listing:
            return []
        facts = queries.mandataires(self.db, q.mandataire_kind, plan=plan)
        if not facts or not self.years_within(self.plan_period(facts[0].plan)):
            return []
        first = facts[0]
        return [
            CatalogHit(
                text=say.mandataire_list(facts, q.mandataire_kind),
                facts={
                    "kind": q.mandataire_kind,
                    "mandataires": [_plain(asdict(f)) for f in facts],
                },
                source_file=first.source_file,
                section=self.document_heading(first.source_file) or first.section,
                confidence=LISTED,
                intent="mandataires",
            )
        ]

    # -- measures --------------------------------------------------------------------------
    def asks_measure_field(self) -> bool:
        """A measure's ministry, without its number ("quel ministère est responsable de
        l'inclusion sociale des personnes judiciarisées")."""
        return self.q.has(MINISTRY_NAMED) and not self.q.regions

    def measure_by_title(self) -> list[CatalogHit]:
        """The one measure whose title shares most words with the question."""
        ok, plan = self.plan()
        if not ok or self.q.regions or self.q.unknown_place:
            return []
        stems = self.q.stems()
        scored = sorted(
            (
                (len(stems & content_stems(m.title or "")), len(content_stems(m.title or "")), m)
                for m in queries.measures(self.db, plan=plan)
            ),
            key=lambda item: -item[0],
        )
        if not scored:
            return []
        best, size, measure = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0
        if best < _MIN_TOPIC_OVERLAP or best == runner_up:
            return []
        # Asked "which measure", the closest title answers; asked only a ministry, the
        # question must cover a good part of the title.
        if not self.q.has(WHICH_MEASURE) and best * 5 < size * 2:
            return []
        return self.measure_hits(measure)

    def measure_hits(self, matched: MeasureFact | None) -> list[CatalogHit]:
        ok, plan = self.plan()
        if not ok or self.q.unknown_place:
            return []
        if matched is not None:
            hits = self.one_measure(matched, by_title=True)
            return [replace(hit, confidence=min(hit.confidence, MATCHED)) for hit in hits]
        hits: list[CatalogHit] = []
        for number in self.q.measure_numbers:
            found = queries.measures(self.db, number=number, plan=plan)
            if len(found) != 1:
                return []
            if self.q.regions:
                measure_hits = self.regional_measure_hits(found[0])
            else:
                measure_hits = self.one_measure(found[0], by_title=False)
            if not measure_hits:
                return []
            hits += measure_hits
        return hits

    def one_measure(self, measure: MeasureFact, by_title: bool) -> list[CatalogHit]:
        q = self.q
        asked: list[list[CatalogHit]] = []
        if q.has(COST):
            asked.append(self.cost_hits(measure))
        if q.has(MEASURE_NEXT_STEPS):
            asked.append(
                [
                    self.field_hit(
                        "next_steps",
                        say.measure_next_steps(measure),
                        measure,
                        measure.next_steps_section,
                    )
                ]
                if measure.next_steps
                else []
            )
        if q.has(MEASURE_CLIENTELE):
            asked.append(self.clientele_hits(measure))
        if q.has(MEASURE_MINISTRY):
            asked.append(
                [_hit("ministry", say.measure_ministry(measure), measure)]
                if measure.ministry
                else []
            )
        if q.has(MEASURE_ORIENTATION) and not by_title:
            asked.append(
                [_hit("orientation", say.measure_orientation(measure), measure)]
                if measure.orientation
                else []
            )
        if any(f" {word} " in q.key for word in _TITLE_WORDS):
            asked.append([_hit("title", say.measure_title(measure), measure)])
        short = len(q.key.split()) <= _SHORT_QUESTION_WORDS
        if not asked and (q.has(MEASURE_TITLE) or q.has(WHICH_MEASURE) or short):
            asked.append([_hit("measure", say.measure_summary(measure), measure)])
        if not asked or not all(asked):
            return []
        return [hit for hits in asked for hit in hits]

    def field_hit(
        self, intent: str, text: str, measure: MeasureFact, section: str | None
    ) -> CatalogHit:
        return replace(_hit(intent, text, measure), section=section or measure.section)

    def clientele_hits(self, measure: MeasureFact) -> list[CatalogHit]:
        if measure.clientele is None or self.q.bare_years:
            return []
        if self.q.fiscal_years and self.q.fiscal_years != (measure.clientele_year,):
            return []
        return [
            self.field_hit(
                "clientele", say.measure_clientele(measure), measure, measure.clientele_section
            )
        ]

    def cost_hits(self, measure: MeasureFact) -> list[CatalogHit]:
        if self.q.bare_years:
            return []  # "en 2010": 2009-2010 or 2010-2011? Not guessed.
        costs = queries.measure_cost(self.db, measure.plan, measure.number)
        if not costs:
            return [] if self.q.fiscal_years else self.measure_funding_hits(measure)
        if self.q.fiscal_years:
            by_year = {cost.fiscal_year: cost for cost in costs}
            if not all(year in by_year for year in self.q.fiscal_years):
                return []
            if self.q.fiscal_span:
                first, last = sorted(self.q.fiscal_years)
                costs = [cost for cost in costs if first <= cost.fiscal_year <= last]
                return [self.costs_hit(measure, costs)]
            return [
                _hit("cost", say.measure_cost([by_year[year]], one_year=True), by_year[year])
                for year in self.q.fiscal_years
            ]
        return [self.costs_hit(measure, costs)]

    def costs_hit(self, measure: MeasureFact, costs: list[queries.MeasureCostFact]) -> CatalogHit:
        return CatalogHit(
            text=say.measure_cost(costs, one_year=False),
            facts={
                "plan": measure.plan,
                "measure": measure.number,
                "costs": [_plain(asdict(cost)) for cost in costs],
            },
            source_file=costs[0].source_file,
            section=costs[0].section,
            confidence=EXACT,
            intent="cost",
        )

    def measure_funding_hits(self, measure: MeasureFact) -> list[CatalogHit]:
        """A measure without a cost table: the amounts the documents give for it."""
        facts = queries.funding_facts(
            self.db, kind="amount", plan=measure.plan, measure=measure.number
        )
        return [_hit("cost", say.amount(f), f, RELATED) for f in facts if f.region is None]

    def regional_measure_hits(self, measure: MeasureFact) -> list[CatalogHit]:
        """What a measure paid in a territory ("versé à la Ville de Montréal, mesure 1.1")."""
        if not self.q.has(COST) or self.q.bare_years:
            return []
        hits: list[CatalogHit] = []
        for region in self.q.regions:
            facts = [
                f
                for f in queries.funding_facts(
                    self.db,
                    kind="amount",
                    plan=measure.plan,
                    region=region,
                    measure=measure.number,
                )
                if not self.q.fiscal_years or f.period in self.q.fiscal_years
            ]
            if not facts:
                return []
            hits += [_hit("amount", say.amount(f), f) for f in facts]
        return hits

    def asks_axis_measures(self) -> bool:
        """ "Quelles sont les mesures de l'axe 3 du PAGIEPS ?" """
        key = self.q.key
        return bool(ORIENTATION_NUMBER.search(key)) and any(
            f" {word} " in key for word in ("mesures", "measures", "mesure", "measure")
        )

    def axis_measure_hits(self) -> list[CatalogHit]:
        ok, plan = self.plan()
        axis = ORIENTATION_NUMBER.search(self.q.key)
        if not ok or plan is None or axis is None or self.q.regions or self.q.years_named:
            return []
        number = int(axis.group(1))
        found = [m for m in queries.measures(self.db, plan=plan) if m.orientation_number == number]
        found = [m for m in found if m.section == found[0].section] if found else []
        if not found:
            return []
        found.sort(key=lambda m: [int(part) for part in m.number.split(".")])
        return [
            CatalogHit(
                text=say.axis_measures(plan, number, found),
                facts={
                    "plan": plan,
                    "axis": number,
                    "measures": [_plain(asdict(m)) for m in found],
                },
                source_file=found[0].source_file,
                section=found[0].section,
                confidence=LISTED,
                intent="axis_measures",
            )
        ]

    # -- plans -----------------------------------------------------------------------------
    def orientation_hits(self) -> list[CatalogHit]:
        ok, plan = self.plan()
        if not ok or self.q.regions or self.q.unknown_place or self.q.years_named:
            return []
        if plan:
            plans = [plan]
        elif self.q.has(ALL_PLANS):
            plans = [p.id for p in PLANS if queries.plan_orientations(self.db, p.id)]
        else:
            return []
        number = ORIENTATION_NUMBER.search(self.q.key)
        hits: list[CatalogHit] = []
        for plan_id in plans:
            facts = queries.plan_orientations(self.db, plan_id)
            if not facts:
                return []
            if number:
                one = self.one_orientation(plan_id, int(number.group(1)), facts)
                if not one:
                    return []
                hits += one
                continue
            info = queries.plan_info(self.db, plan_id)
            hits.append(
                CatalogHit(
                    text=say.orientations(plan_id, info, facts),
                    facts={
                        "plan": plan_id,
                        "title": info.title if info else None,
                        "period": info.period if info else None,
                        "orientations": [{"number": f.number, "text": f.text} for f in facts],
                    },
                    source_file=facts[0].source_file,
                    section=facts[0].section,
                    confidence=EXACT if len(plans) == 1 else LISTED,
                    intent="orientations",
                )
            )
        return hits

    def one_orientation(
        self, plan_id: str, number: int, facts: list[queries.OrientationFact]
    ) -> list[CatalogHit]:
        """Orientation n as the plan's list words it, and as its axis section titles it."""
        listed = [
            _hit("orientation", say.orientation(plan_id, f), f) for f in facts if f.number == number
        ]
        titled = next(
            (
                m
                for m in queries.measures(self.db, plan=plan_id)
                if m.orientation_number == number and m.orientation and not m.report_year
            ),
            None,
        )
        axis: list[CatalogHit] = []
        if (
            titled is not None
            and listed
            and fold_key(titled.orientation or "") not in fold_key(listed[0].text)
        ):
            axis = [
                CatalogHit(
                    text=say.axis_title(plan_id, number, titled.orientation or ""),
                    facts={"plan": plan_id, "axis": number, "title": titled.orientation},
                    source_file=titled.source_file,
                    section=titled.section,
                    confidence=EXACT,
                    intent="orientation",
                )
            ]
        axis_first = any(word in self.q.key for word in _AXIS_WORDS)
        return axis + listed if axis_first else listed + axis

    def asks_plan_period(self) -> bool:
        if not self.q.has(PLAN_PERIOD) or len(self.q.plans) != 1 or self.q.measure_numbers:
            return False
        known = plan_by_id(self.q.plans[0])
        return not (known and known.period in fold(self.q.text))  # it already says it

    def plan_period_hits(self) -> list[CatalogHit]:
        if self.q.regions or self.q.years_named or self.q.has(AMOUNT):
            return []
        info = queries.plan_info(self.db, self.q.plans[0])
        if info is None or not info.period:
            return []
        return [_hit("plan_period", say.plan_period(info), info)]

    # -- amounts and counts ----------------------------------------------------------------
    def asks_amount(self) -> bool:
        q = self.q
        return (q.has(AMOUNT) or q.has(SPLIT) or bool(q.amounts)) and (
            q.has(AMOUNT_SUBJECT) or bool(q.amounts)
        )

    def amount_hits(self) -> list[CatalogHit]:
        ok, plan = self.plan()
        if not ok or self.q.unknown_place or self.q.fiscal_years or self.q.bare_years:
            return []
        if self.q.amounts:
            hits = self.quoted_amount_hits(plan)
        elif self.q.regions:
            hits = self.regional_amount_hits(plan)
        elif plan:
            hits = self.plan_amount_hits(plan, named=True)
        else:
            hits = []
            for known in sorted(PLANS, key=lambda p: -p.ordinal):
                hits += self.plan_amount_hits(known.id, named=False)
            if len([hit for hit in hits if hit.confidence == EXACT]) > 1:
                hits = [replace(hit, confidence=min(hit.confidence, LISTED)) for hit in hits]
        return self.ranked(self.from_named_sources(hits))

    def quoted_amount_hits(self, plan: str | None) -> list[CatalogHit]:
        """The question quotes an amount ("l'enveloppe de 160 M$"): the facts stating it."""
        facts = [
            f
            for f in queries.funding_facts(self.db, kind="amount", plan=plan)
            if f.value_number in self.q.amounts
        ]
        hits: list[CatalogHit] = []
        for fact in facts:
            shares = queries.shares_of(self.db, fact)
            if self.q.has(SPLIT) and shares:
                hits.append(self.split_hit(fact, shares))
            elif not self.q.has(SPLIT) or "reparti" in fold(fact.sentence):
                hits.append(_hit("amount", say.amount(fact), fact))
        return hits

    def split_hit(self, total: FundingFact, shares: list[FundingFact]) -> CatalogHit:
        return _hit(
            "split", say.split(total, shares), total, shares=[_plain(asdict(s)) for s in shares]
        )

    def plan_amount_hits(self, plan_id: str, named: bool) -> list[CatalogHit]:
        """The plan's FQIS / Alliances envelope; asked how it is split, its shares (or the
        sentences saying how it is distributed). `named`: the question names the plan, so
        the plan's other mentions come along."""
        amounts = [
            f
            for f in queries.funding_facts(self.db, kind="amount", plan=plan_id)
            if f.region is None
        ]
        totals = _distinct_values(
            [f for f in amounts if f.measure is None and _about_alliances(f)], plan_id
        )
        others = [f for f in amounts if f.measure is not None and f not in totals]
        if not self.q.has(SPLIT):
            return [_hit("amount", say.amount(total), total) for total in totals]
        hits = [
            self.split_hit(total, shares)
            for total in totals
            if (shares := queries.shares_of(self.db, total))
        ]
        distributed = [f for f in others if "reparti" in fold(f.sentence)]
        if not hits and distributed and named:
            hits = [_hit("amount", say.amount(total), total) for total in totals]
            hits += [_hit("split", say.amount(f), f, RELATED) for f in distributed]
        unattached = [
            f
            for f in queries.funding_facts(self.db, "FQIS", kind="share", plan=plan_id)
            if f.share_of is None and f.region is None
        ]
        if hits or unattached:
            hits += [_hit("share", say.share(f), f, RELATED) for f in unattached]
        return hits

    def regional_amount_hits(self, plan: str | None) -> list[CatalogHit]:
        """Amounts (and, asked a share, shares) the documents give for a territory."""
        kinds = ("amount", "share") if self.q.has(SPLIT) else ("amount",)
        hits: list[CatalogHit] = []
        for region in self.q.regions:
            facts = [
                f
                for kind in kinds
                for f in queries.funding_facts(self.db, kind=kind, region=region, plan=plan)
            ]
            if not facts:
                return []
            hits += [_hit("amount", say.amount(f), f) for f in facts]
        return hits

    def count_hits(self) -> list[CatalogHit]:
        unit = self.q.counted
        if unit is None or len(self.q.plans) > 1 or self.q.unknown_place:
            return []
        plan = self.q.plans[0] if self.q.plans else self.plan_filter
        regions = list(self.q.regions) or ([self.region_filter] if self.region_filter else [])
        facts = [
            f
            for f in queries.funding_facts(self.db, kind="count", plan=plan)
            if _unit_key(f.unit) == unit
        ]
        if regions:
            wanted = {t for region in regions for t in territories_in(region)}
            facts = [f for f in facts if f.region in wanted]
        else:
            facts = [f for f in facts if f.region is None]
        facts = self.from_named_sources(f for f in facts if self.years_within(f.period))
        return [_hit("count", say.count(f), f) for f in facts]

    # -- projects --------------------------------------------------------------------------
    def asks_projects(self) -> bool:
        return self.q.has(PROJECTS) and self.q.has(EXAMPLES) and not self.asks_amount()

    def project_hits(self) -> list[CatalogHit]:
        ok, plan = self.plan()
        if not ok or (self.q.unknown_place and not self.q.regions) or self.q.fiscal_years:
            return []
        regions = list(self.q.regions) or ([self.region_filter] if self.region_filter else [])
        if regions:
            hits: list[CatalogHit] = []
            for region in regions:
                region_hits = self.region_project_hits(region, plan)
                if not region_hits:
                    return []
                hits += region_hits
            return hits
        projects = self.from_named_sources(
            p
            for p in queries.example_projects(self.db, plan=plan)
            if self.years_within(self.plan_period(p.plan))
        )
        groups: dict[tuple[str, str], list[ProjectFact]] = {}
        for project in projects:
            groups.setdefault((project.source_file, project.section), []).append(project)
        return [
            CatalogHit(
                text=say.projects(
                    group, group[0].region if len({p.region for p in group}) == 1 else None
                ),
                facts={"projects": [_plain(asdict(p)) for p in group]},
                source_file=file,
                section=section,
                confidence=LISTED,
                intent="projects",
            )
            for (file, section), group in groups.items()
        ]

    def region_project_hits(self, region: str, plan: str | None) -> list[CatalogHit]:
        if self.q.bare_years and not self.years_within(self.plan_period(plan)):
            return []
        hits: list[CatalogHit] = []
        for territory in territories_in(region):
            projects = self.from_named_sources(
                queries.example_projects(self.db, territory, plan=plan)
            )
            if projects:
                hits.append(
                    CatalogHit(
                        text=say.projects(projects, territory),
                        facts={
                            "region": territory,
                            "projects": [_plain(asdict(p)) for p in projects],
                        },
                        source_file=projects[0].source_file,
                        section=projects[0].section,
                        confidence=EXACT,
                        intent="projects",
                    )
                )
        counts = [
            f
            for f in queries.funding_facts(self.db, kind="count", region=region, plan=plan)
            if _unit_key(f.unit) == "projet" and self.years_within(f.period)
        ]
        hits += [_hit("count", say.count(f), f, EXACT if not hits else RELATED) for f in counts]
        return hits


def _unit_key(unit: str) -> str | None:
    return COUNT_NOUNS.get(fold_key(unit))


def _about_alliances(fact: FundingFact) -> bool:
    """An amount stated for the FQIS or the Alliances (not a one-off payment)."""
    return "FQIS" in fact.keywords.split() or "alliance" in fold(fact.sentence)


def _distinct_values(facts: list[FundingFact], plan_id: str) -> list[FundingFact]:
    """One fact per value, the one whose sentence names the plan when there is one."""
    known = plan_by_id(plan_id)
    name = fold_key(known.acronym) if known and known.acronym else None
    best: dict[str, FundingFact] = {}
    for fact in facts:
        current = best.get(fact.value_text)
        names_plan = bool(name) and f" {name} " in f" {fold_key(fact.sentence)} "
        if current is None or (names_plan and f" {name} " not in f" {fold_key(current.sentence)} "):
            best[fact.value_text] = fact
    return list(best.values())
