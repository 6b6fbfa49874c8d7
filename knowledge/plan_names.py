"""The name a document's metadata gives its plan: "PSIS", "PAGIEPS", or "Plan <period>"
("Plan 2004-2010", "Plan 2024-2029") — the names the search filters accept.

Plans come from `knowledge.plans`; the fourth plan (2024-2029), which its registry
does not hold yet, is known here by its period and ordinal.
"""

from __future__ import annotations

import re

from knowledge.folding import fold_key
from knowledge.plans import PLANS, find_plans_in_text, plan_by_id, resolve_plan

FOURTH_PLAN_PERIOD = "2024-2029"
_FOURTH_PLAN_NAMES = re.compile(
    r"\b(?:quatrieme|4e|4eme|fourth|4th) plan\b|\bplan (?:d action )?(?:gouvernemental )?"
    r"(?:[a-z ]{0,80} )?2024 2029\b"
)
_PERIODS: tuple[str, ...] = (*(plan.period for plan in PLANS), FOURTH_PLAN_PERIOD)


def plan_name(plan_id: str) -> str:
    """ "PSIS" → "PSIS", "plan-2004-2010" → "Plan 2004-2010"."""
    plan = plan_by_id(plan_id)
    if plan is not None:
        return plan.acronym or f"Plan {plan.period}"
    if plan_id.startswith("plan-"):
        return f"Plan {plan_id[len('plan-') :]}"
    return plan_id


def resolve_plan_name(typed: str) -> str | None:
    """The plan name for what a person typed ("pagieps", "Plan 2024-2029", "quatrième
    plan"); None when it names no plan."""
    key = fold_key(typed)
    if _FOURTH_PLAN_NAMES.fullmatch(key) or key in {"2024 2029", "plan 2024 2029"}:
        return f"Plan {FOURTH_PLAN_PERIOD}"
    plan_id = resolve_plan(typed)
    return plan_name(plan_id) if plan_id else None


def plans_named_in(text: str) -> list[str]:
    """Names of the plans a text names (acronym, title, ordinal or exact period), in order
    of appearance."""
    names = [plan_name(plan_id) for plan_id in find_plans_in_text(text)]
    if _FOURTH_PLAN_NAMES.search(fold_key(text)):
        names.append(f"Plan {FOURTH_PLAN_PERIOD}")
    return list(dict.fromkeys(names))


def plan_for_period(period: str) -> str | None:
    """The plan whose period is `period` or contains it ("2019-2023" → "PAGIEPS")."""
    if period in _PERIODS:
        return _name_for_period(period)
    start, end = (int(year) for year in period.split("-"))
    for candidate in _PERIODS:
        first, last = (int(year) for year in candidate.split("-"))
        if first <= start and end <= last:
            return _name_for_period(candidate)
    return None


def _name_for_period(period: str) -> str:
    plan = next((plan for plan in PLANS if plan.period == period), None)
    return plan_name(plan.id) if plan else f"Plan {period}"
