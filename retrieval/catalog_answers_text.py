"""The French sentences that quote catalog facts (values exactly as the documents write them)."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.amounts import is_no_amount
from knowledge.catalog_plans import plan_by_id
from knowledge.catalog_queries import (
    FundingFact,
    MandataireFact,
    MeasureCostFact,
    MeasureFact,
    OrientationFact,
    PlanFact,
    ProjectFact,
)

# "en Mauricie", "au Bas-Saint-Laurent": how a sentence places something in a territory.
_IN_TERRITORY = {
    "Bas-Saint-Laurent": "au Bas-Saint-Laurent",
    "Saguenay-Lac-Saint-Jean": "au Saguenay-Lac-Saint-Jean",
    "Capitale-Nationale": "dans la Capitale-Nationale",
    "Mauricie": "en Mauricie",
    "Estrie": "en Estrie",
    "Montréal": "à Montréal",
    "Outaouais": "en Outaouais",
    "Abitibi-Témiscamingue": "en Abitibi-Témiscamingue",
    "Côte-Nord": "sur la Côte-Nord",
    "Baie-James": "à la Baie-James",
    "Nation crie": "pour la Nation crie",
    "Kativik": "dans la région Kativik",
    "Gaspésie": "en Gaspésie",
    "Îles-de-la-Madeleine": "aux Îles-de-la-Madeleine",
    "Chaudière-Appalaches": "en Chaudière-Appalaches",
    "Laval": "à Laval",
    "Lanaudière": "dans Lanaudière",
    "Laurentides": "dans les Laurentides",
    "Montérégie": "en Montérégie",
    "Centre-du-Québec": "au Centre-du-Québec",
    "CSSSPNQL": "pour les Premières Nations (CSSSPNQL)",
    "Nord-du-Québec": "dans le Nord-du-Québec",
    "Gaspésie-Îles-de-la-Madeleine": "en Gaspésie-Îles-de-la-Madeleine",
}
_NOT_APPLICABLE = "s. o. (sans objet)"


def in_territory(name: str) -> str:
    return _IN_TERRITORY.get(name, f"pour le territoire {name}")


def plan_name(plan_id: str | None) -> str:
    """ "PSIS", "plan d'action 2004-2010"."""
    if not plan_id:
        return "plan"
    known = plan_by_id(plan_id)
    return known.short_name if known else plan_id


def of_plan(plan_id: str | None) -> str:
    """ "du PSIS", "du plan d'action 2004-2010"."""
    return f"du {plan_name(plan_id)}"


def plan_heading(plan_id: str, plan: PlanFact | None) -> str:
    """ "PSIS (Plan d'action gouvernemental pour la solidarité…, 2010-2015)"."""
    known = plan_by_id(plan_id)
    title = (plan.title if plan else None) or (known.title if known else None)
    period = (plan.period if plan else None) or (known.period if known else None)
    details = ", ".join(part for part in (title, period) if part)
    return f"{plan_name(plan_id)} ({details})" if details else plan_name(plan_id)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "»", ")")) else f"{text}."


def _value(text: str, missing: str = "aucun montant indiqué") -> str:
    """A cell as written, "s. o." spelled out, an empty cell said so."""
    if not text.strip():
        return missing
    return _NOT_APPLICABLE if is_no_amount(text) else text


# -- mandataires ---------------------------------------------------------------------------


def mandataire(fact: MandataireFact) -> str:
    return (
        f"Le mandataire de l'Alliance pour la solidarité {in_territory(fact.territory)} "
        f"est : {fact.mandataire}."
    )


def mandataire_list(facts: Sequence[MandataireFact], kind: str | None) -> str:
    items = " ; ".join(f"{f.territory} : {f.mandataire}" for f in facts)
    if kind:
        return f"Mandataires dont le nom contient « {kind} » ({len(facts)}) : {items}."
    return f"Mandataires des Alliances pour la solidarité ({len(facts)}) : {items}."


# -- measures ------------------------------------------------------------------------------


def _measure_ref(fact: MeasureFact | MeasureCostFact) -> str:
    number = fact.number if isinstance(fact, MeasureFact) else fact.measure
    return f"la mesure {number} {of_plan(fact.plan)}"


def measure_cost(costs: Sequence[MeasureCostFact], one_year: bool) -> str:
    first = costs[0]
    reference = _measure_ref(first)
    if one_year:
        return f"Coût de {reference} en {first.fiscal_year} : {_value(first.amount_text)}."
    runs: list[tuple[str, str, str]] = []  # (amount, first year, last year)
    for cost in costs:
        amount = _value(cost.amount_text)
        if runs and runs[-1][0] == amount:
            runs[-1] = (amount, runs[-1][1], cost.fiscal_year)
        else:
            runs.append((amount, cost.fiscal_year, cost.fiscal_year))
    parts = [
        f"{amount} en {start}" if start == end else f"{amount} de {start} à {end}"
        for amount, start, end in runs
    ]
    return f"Coût de {reference}, par année financière : {' ; '.join(parts)}."


def measure_title(fact: MeasureFact) -> str:
    return f"Titre de {_measure_ref(fact)} : « {fact.title} »."


def measure_ministry(fact: MeasureFact) -> str:
    label = (
        "Ministères ou organismes responsables"
        if "," in (fact.ministry or "")
        else ("Ministère ou organisme responsable")
    )
    return f"{label} de {_measure_ref(fact)} : {fact.ministry}."


def measure_orientation(fact: MeasureFact) -> str:
    axis = f" (orientation {fact.orientation_number})" if fact.orientation_number else ""
    return (
        f"Orientation {of_plan(fact.plan)} dont relève la mesure {fact.number}{axis} : "
        f"« {fact.orientation} »."
    )


def measure_clientele(fact: MeasureFact) -> str:
    year = f" en {fact.clientele_year}" if fact.clientele_year else ""
    value = _value(fact.clientele or "", "non indiquée")
    return f"Clientèle rejointe par {_measure_ref(fact)}{year} : {_sentence(value)}"


def measure_next_steps(fact: MeasureFact) -> str:
    steps = " ; ".join(step.rstrip(".") for step in fact.next_steps)
    return f"Étapes à venir pour {_measure_ref(fact)} : {steps}."


def measure_summary(fact: MeasureFact) -> str:
    parts = [f"La mesure {fact.number} {of_plan(fact.plan)} : « {fact.title} »"]
    if fact.ministry:
        parts.append(f"responsable(s) : {fact.ministry}")
    if fact.funded_by:
        parts.append(f"financement : {fact.funded_by}")
    if fact.orientation:
        parts.append(f"orientation : « {fact.orientation} »")
    return " ; ".join(parts) + "."


# -- plans ---------------------------------------------------------------------------------


def orientations(plan_id: str, plan: PlanFact | None, facts: Sequence[OrientationFact]) -> str:
    items = " ; ".join(f"{o.number}. {o.text.rstrip('.')}" for o in facts)
    return f"Les {len(facts)} orientations du {plan_heading(plan_id, plan)} : {items}."


def axis_title(plan_id: str, number: int, title: str) -> str:
    return f"Axe {number} {of_plan(plan_id)} : « {title.rstrip('.')} »."


def axis_measures(plan_id: str, number: int, facts: Sequence[MeasureFact]) -> str:
    items = []
    for fact in facts:
        label = (
            f"{fact.number} {fact.title}"
            if "." in fact.number
            else (f"M {fact.number} - {fact.title}")
        )
        extra = fact.ministry or fact.funded_by
        items.append(f"{label} ({extra})" if extra else label)
    return f"Mesures de l'axe {number} {of_plan(plan_id)} : {' ; '.join(items)}."


def plan_period(plan: PlanFact) -> str:
    title = f" ({plan.title})" if plan.title else ""
    return f"Le {plan_name(plan.id)}{title} couvre la période {plan.period}."


def orientation(plan_id: str, fact: OrientationFact) -> str:
    return f"Orientation {fact.number} {of_plan(plan_id)} : « {fact.text.rstrip('.')} »."


# -- funding, counts, projects -------------------------------------------------------------


def _context(fact: FundingFact) -> str:
    parts = [plan_name(fact.plan) if fact.plan else "", fact.period or ""]
    label = " ".join(part for part in parts if part and part not in (fact.sentence or ""))
    return f" ({label})" if label else ""


def amount(fact: FundingFact) -> str:
    return f"{_sentence(fact.sentence)[:-1]}{_context(fact)}."


def split(total: FundingFact, shares: Sequence[FundingFact]) -> str:
    items = " ; ".join(share.sentence.rstrip(" .") for share in shares)
    return f"Répartition : {total.sentence.rstrip(' .')}{_context(total)} — {items}."


def share(fact: FundingFact) -> str:
    return amount(fact)


def count(fact: FundingFact) -> str:
    return amount(fact)


def projects(facts: Sequence[ProjectFact], region: str | None) -> str:
    names = " ; ".join(fact.description or fact.name for fact in facts)
    where = f" {in_territory(region)}" if region else ""
    noun = "Exemple de projet issu" if len(facts) == 1 else "Exemples de projets issus"
    return f"{noun} des Alliances pour la solidarité{where} : {names}."
