"""The government action plans against poverty, and how text and users name them.

A plan is known by a stable id: its acronym when it has one ("PSIS",
"PAGIEPS"), else "plan-<period>" ("plan-2004-2010"). The registry below holds what the
documents do not always say next to a mention (a heading "2010-2015 : Deuxième plan"
never spells "PSIS"); a plan missing from it still gets an id from its acronym or period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.folding import fold, fold_key


@dataclass(frozen=True)
class PlanInfo:
    """One government action plan."""

    id: str
    period: str
    title: str
    ordinal: int
    acronym: str | None = None
    aliases: tuple[str, ...] = field(default=())

    @property
    def short_name(self) -> str:
        """How a sentence names it: "PSIS", or "plan d'action 2004-2010"."""
        return self.acronym or f"plan d'action {self.period}"


PLANS: tuple[PlanInfo, ...] = (
    PlanInfo(
        "plan-2004-2010",
        "2004-2010",
        "Plan d'action gouvernemental en matière de lutte contre la pauvreté et l'exclusion "
        "sociale",
        1,
        aliases=("premier plan", "1er plan", "first plan", "1st plan", "plan 1"),
    ),
    PlanInfo(
        "PSIS",
        "2010-2015",
        "Plan d'action gouvernemental pour la solidarité et l'inclusion sociale",
        2,
        "PSIS",
        (
            "deuxième plan",
            "2e plan",
            "second plan",
            "2nd plan",
            "plan 2",
            "plan solidarité et inclusion sociale",
            "solidarité et inclusion sociale",
        ),
    ),
    PlanInfo(
        "PAGIEPS",
        "2017-2023",
        "Plan d'action gouvernemental pour l'inclusion économique et la participation sociale",
        3,
        "PAGIEPS",
        (
            "PAGIÉPS",
            "troisième plan",
            "3e plan",
            "third plan",
            "3rd plan",
            "plan 3",
            "inclusion économique et participation sociale",
            "inclusion économique et la participation sociale",
        ),
    ),
)

_ORDINALS = {
    "premier": 1,
    "1er": 1,
    "first": 1,
    "1st": 1,
    "deuxieme": 2,
    "second": 2,
    "seconde": 2,
    "2e": 2,
    "2nd": 2,
    "troisieme": 3,
    "third": 3,
    "3e": 3,
    "3rd": 3,
    "quatrieme": 4,
    "fourth": 4,
    "4e": 4,
    "4th": 4,
}
_PERIOD = re.compile(r"\b((?:19|20)\d{2})\s*(?:-|/|à|a|au|to)\s*((?:19|20)?\d{2})\b")
_ORDINAL_PLAN = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\s+plan\b")


def year_range(start: str, end: str) -> str | None:
    """ "2010", "11" -> "2010-2011"; "1999", "00" -> "1999-2000"; None when end <= start."""
    first = int(start)
    last = int(end)
    if len(end) == 2:
        last = first // 100 * 100 + last
        if last <= first:
            last += 100
    return f"{first}-{last}" if last > first else None


def normalize_period(text: str) -> str | None:
    """ "2010-11", "2010/2011", "2010 à 2011" -> "2010-2011"; None when not a year range."""
    match = _PERIOD.search(_fold_keep_dash(text))
    if match is None:
        return None
    return year_range(match.group(1), match.group(2))


def _fold_keep_dash(text: str) -> str:
    """Folded text where year ranges keep their dash or slash ("2010–11" -> "2010-11")."""
    return re.sub(r"\s+", " ", fold(text)).strip()


def plan_by_id(plan_id: str) -> PlanInfo | None:
    return next((plan for plan in PLANS if plan.id == plan_id), None)


def plan_id_for(acronym: str | None = None, period: str | None = None) -> str | None:
    """The stable id of a plan named by its acronym and/or its period."""
    if acronym:
        key = fold_key(acronym)
        for plan in PLANS:
            if plan.acronym and fold_key(plan.acronym) == key:
                return plan.id
    if period:
        for plan in PLANS:
            if plan.period == period:
                return plan.id
    if acronym:
        return fold_key(acronym).upper().replace(" ", "")
    if period:
        return f"plan-{period}"
    return None


def _alias_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for plan in PLANS:
        names = [plan.id, plan.period, f"plan {plan.period}", plan.title, *plan.aliases]
        if plan.acronym:
            names += [plan.acronym, f"{plan.acronym} {plan.period}"]
        for name in names:
            keys[fold_key(name)] = plan.id
    return keys


_BY_KEY = _alias_keys()


def resolve_plan(typed: str) -> str | None:
    """The plan id for a name a user or a filter gives ("PAGIÉPS", "Plan 2004-2010"...)."""
    key = fold_key(typed)
    if key in _BY_KEY:
        return _BY_KEY[key]
    # "Plan 2024-2029", "plan-2024-2029": a period alone names a plan, known or not.
    rest = re.sub(r"^plan\b", "", key).strip()
    period = normalize_period(typed)
    if period and rest == fold_key(period):
        return plan_id_for(period=period)
    return None


_NAME_KEYS: tuple[tuple[str, str], ...] = tuple(
    (fold_key(name), plan.id)
    for plan in PLANS
    for name in (plan.title, *plan.aliases, *([plan.acronym] if plan.acronym else []))
)
_PERIODS = {plan.period: plan.id for plan in PLANS}
_ORDINAL_IDS = {plan.ordinal: plan.id for plan in PLANS}


def find_plans_in_text(text: str) -> list[str]:
    """Ids of the registry's plans a text names (acronym, exact period, ordinal, title)."""
    folded = f" {fold_key(text)} "
    found: list[tuple[int, str]] = []

    def add(position: int, plan_id: str | None) -> None:
        if plan_id and position >= 0 and plan_id not in [p for _, p in found]:
            found.append((position, plan_id))

    for key, plan_id in _NAME_KEYS:
        add(folded.find(f" {key} "), plan_id)
    kept_dashes = _fold_keep_dash(text)
    for match in _PERIOD.finditer(kept_dashes):
        add(match.start(), _PERIODS.get(normalize_period(match.group(0)) or ""))
    for match in _ORDINAL_PLAN.finditer(kept_dashes):
        add(match.start(), _ORDINAL_IDS.get(_ORDINALS[match.group(1)]))
    found.sort()
    return [plan_id for _, plan_id in found]


def ordinal_in(text: str) -> int | None:
    """The rank a heading gives a plan ("Deuxième plan d'action" -> 2)."""
    match = _ORDINAL_PLAN.search(_fold_keep_dash(text))
    return _ORDINALS[match.group(1)] if match else None
