"""Metadata filters for search (region, plan, measure, kind), validated with suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from knowledge.folding import fold_key
from knowledge.regions import resolve_region, territories_in

# Each plan and what people call it.
PLAN_ALIASES: dict[str, tuple[str, ...]] = {
    "PSIS": ("PSIS", "PSIS 2010-2015", "2010-2015", "plan 2010-2015", "deuxième plan",
             "second plan", "Plan d'action gouvernemental pour la solidarité et l'inclusion "
             "sociale"),
    "PAGIEPS": ("PAGIEPS", "PAGIÉPS", "PAGIEPS 2017-2023", "2017-2023", "plan 2017-2023",
                "troisième plan", "third plan"),
    "Plan 2004-2010": ("2004-2010", "premier plan", "first plan", "plan 2004-2010"),
    "Plan 2024-2029": ("2024-2029", "plan 2024-2029", "quatrième plan", "fourth plan"),
}


class UnknownPlanError(ValueError):
    """Raised for a plan name we cannot resolve; carries the closest valid names."""

    def __init__(self, typed: str, suggestions: list[str]):
        self.typed = typed
        self.suggestions = suggestions
        hint = f" Vouliez-vous dire : {', '.join(suggestions)} ?" if suggestions else ""
        valid = ", ".join(PLAN_ALIASES)
        super().__init__(f"Plan inconnu : « {typed} ».{hint} Plans connus : {valid}.")


def resolve_plan(typed: str) -> str:
    """Canonical plan name (PSIS, PAGIEPS, …) for what a user typed."""
    key = fold_key(typed)
    for plan, aliases in PLAN_ALIASES.items():
        if key in {fold_key(alias) for alias in (plan, *aliases)}:
            return plan
    choices = {fold_key(alias): plan for plan, aliases in PLAN_ALIASES.items() for alias in aliases}
    matches = process.extract(key, list(choices), scorer=fuzz.WRatio, limit=5)
    suggestions: list[str] = []
    for alias_key, score, _ in matches:
        if score >= 60 and choices[alias_key] not in suggestions:
            suggestions.append(choices[alias_key])
    raise UnknownPlanError(typed, suggestions[:2])


@dataclass(frozen=True)
class SearchFilters:
    """Filters on chunk metadata; None means no filter on that field."""

    region: str | None = None
    plan: str | None = None
    measure: str | None = None
    kind: str | None = None
    # With a region, also keep passages that concern no region in particular (the plans,
    # the FQIS): what a question asked in a region's channel still needs.
    include_general: bool = False

    @classmethod
    def from_user(
        cls,
        region: str | None = None,
        plan: str | None = None,
        measure: str | None = None,
        kind: str | None = None,
        include_general: bool = False,
    ) -> SearchFilters:
        """Filters from what a user typed; raises UnknownRegionError / UnknownPlanError."""
        return cls(
            region=resolve_region(region) if region else None,
            plan=resolve_plan(plan) if plan else None,
            measure=measure.strip() if measure else None,
            kind=kind.strip() if kind else None,
            include_general=include_general,
        )

    def is_empty(self) -> bool:
        return not any((self.region, self.plan, self.measure, self.kind))

    def as_dict(self) -> dict[str, str]:
        fields = ("region", "plan", "measure", "kind")
        return {name: getattr(self, name) for name in fields if getattr(self, name)}

    def allowed_values(self) -> dict[str, tuple[str, ...]]:
        """Field → accepted values ("Nord-du-Québec" accepts each of its territories)."""
        allowed: dict[str, tuple[str, ...]] = {}
        if self.region:
            general = ("",) if self.include_general else ()
            allowed["region"] = (*territories_in(self.region), *general)
        if self.plan:
            allowed["plan"] = (self.plan,)
        if self.measure:
            allowed["measure"] = (self.measure,)
        if self.kind:
            allowed["kind"] = (self.kind,)
        return allowed

    def chroma_where(self) -> dict[str, Any] | None:
        """The same filters as a Chroma `where` clause."""
        clauses: list[dict[str, Any]] = [
            {field: {"$in": list(values)}} for field, values in self.allowed_values().items()
        ]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, metadata: dict[str, Any]) -> bool:
        return all(
            metadata.get(field) in values for field, values in self.allowed_values().items()
        )
