"""Funding facts: amounts ($), shares of an envelope (%) and counts (Alliances, projets,
communautés) the documents state, each with the clause that states it.

General rules, no document's values: any money amount is a fact; a percentage is one when it
divides an amount of the same sentence or speaks of funds; a count is one when its sentence
speaks of the Alliances or the FQIS (so "14 communautés" of a region's demography is not).
Unpunctuated slide text is cut at its points, and a sentence stating several values at
their clauses ("115 M$ … 90 % … 3 % … 7 % …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from knowledge.amounts import find_amounts
from knowledge.catalog_context import DocumentContext, plans_named
from knowledge.catalog_plans import normalize_period, plan_by_id
from knowledge.catalog_regions import territories_in_text, territory_of_heading
from knowledge.catalog_text import Section, is_year_line, sentences
from knowledge.folding import fold

_PERCENT = re.compile(r"(?<![\w,.])(?P<number>\d{1,3}(?:,\d+)?)\s?%")
_COUNTED = r"alliances?|projets?|communaut[ée]s?|MRC|r[ée]gions?|organismes?|territoires?"
_COUNT = re.compile(
    rf"(?<![\w,.])(?P<number>\d{{1,3}}(?:[ \u00a0\u202f]\d{{3}})*)\s+(?P<noun>{_COUNTED})\b",
    re.IGNORECASE,
)
_COUNT_IN_PARENTHESES = re.compile(
    rf"\b(?P<noun>{_COUNTED})\s*\((?P<number>\d{{1,4}})\)", re.IGNORECASE
)
_FUNDING_WORDS = re.compile(
    r"\b(fqis|fonds|enveloppes?|financements?|sommes?|budgets?|investissements?|montants?)\b"
)
_PROGRAMME_WORDS = re.compile(r"\b(alliances?|fqis)\b")
_SEASON_YEAR = re.compile(r"\b(?:l['’])?((?:été|hiver|printemps|automne)\s+(?:19|20)\d{2})\b")
_MEASURE_MENTION = re.compile(r"\bmesure\s+(\d{1,2}(?:\.\d{1,2})?)\b", re.IGNORECASE)
_ACRONYM = re.compile(r"\b[A-ZÀ-Ý]{3,}\b")
# Words after which a value continues the clause ("doté de 115 M$") instead of opening one.
_LINKING_WORDS = frozenset(
    "de d des du a à au aux le la les l un une soit environ plus moins et ou pour par sur "
    "en dont que qu est sont totaux total totale of the".split()
)
_LONG_SENTENCE = 160
# In unpunctuated slide text, a capitalised word after a lower-case word (other than a
# linking word: "des Premières Nations") opens a new point.
_POINT_BREAK = re.compile(r"\s+(?=[A-ZÀ-Ý][a-zà-ÿ])")


@dataclass(frozen=True)
class _Value:
    start: int
    end: int
    kind: str  # amount | share | count
    text: str
    number: float
    unit: str


def _values(sentence: str) -> list[_Value]:
    values = [
        _Value(m.start, m.end, "amount", m.text, float(m.dollars), "$")
        for m in find_amounts(sentence)
    ]
    for match in _PERCENT.finditer(sentence):
        number = float(match.group("number").replace(",", "."))
        values.append(_Value(match.start(), match.end(), "share", match.group(0), number, "%"))
    for pattern in (_COUNT, _COUNT_IN_PARENTHESES):
        for match in pattern.finditer(sentence):
            number = float(re.sub(r"\D", "", match.group("number")))
            noun = match.group("noun")
            values.append(_Value(match.start(), match.end(), "count", match.group(0), number, noun))
    values.sort(key=lambda value: value.start)
    kept: list[_Value] = []
    for value in values:
        if not kept or value.start >= kept[-1].end:
            kept.append(value)
    return kept


def _points(line: str) -> list[str]:
    """Sentences of a paragraph; an unpunctuated slide's long run is cut at its points."""
    points: list[str] = []
    for sentence in sentences(line):
        if len(sentence) <= _LONG_SENTENCE:
            points.append(sentence)
            continue
        start = 0
        for match in _POINT_BREAK.finditer(sentence):
            previous = sentence[start : match.start()].split()
            word = previous[-1].strip(",") if previous else ""
            if not word[:1].islower() or fold(word) in _LINKING_WORDS:
                continue
            points.append(sentence[start : match.start()].strip())
            start = match.end()
        points.append(sentence[start:].strip())
    return [point.lstrip(": ").strip() for point in points if point.strip(": ")]


def _clauses(sentence: str, values: list[_Value]) -> list[tuple[str, _Value]]:
    """Each value with the clause that states it: with several values, a value that does
    not follow a linking word ("de", "à", "soit"…) opens a new clause."""
    if len(values) <= 1:
        return [(sentence, value) for value in values]
    cuts = [0]
    for value in values[1:]:
        previous = fold(sentence[: value.start]).split()
        if previous and previous[-1].strip("(,") not in _LINKING_WORDS:
            cuts.append(value.start)
    cuts.append(len(sentence))
    clauses: list[tuple[str, _Value]] = []
    for value in values:
        start = max(cut for cut in cuts if cut <= value.start)
        end = min(cut for cut in cuts if cut > value.start)
        clauses.append((sentence[start:end].strip(" ;,"), value))
    return clauses


def _fact_period(
    context: DocumentContext, clause: str, section: Section, plan: str | None
) -> str | None:
    season = _SEASON_YEAR.search(clause)
    known = plan_by_id(plan) if plan else None
    return (
        normalize_period(clause)
        or (season.group(1) if season else None)
        or (normalize_period(section.heading) if section.level > 1 else None)
        or context.report_period
        or (known.period if known else None)
        or context.meta.period
    )


def _fact_region(clause: str, section_territory: str | None) -> str | None:
    if section_territory:
        return section_territory
    named = territories_in_text(clause)
    return named[0] if len(set(named)) == 1 else None


def _keep(value: _Value, clause: str, share_of: dict[str, Any] | None) -> bool:
    folded = fold(clause)
    if value.kind == "amount":
        return True
    if value.kind == "share":
        return share_of is not None or bool(_FUNDING_WORDS.search(folded))
    return bool(_PROGRAMME_WORDS.search(folded))


def _subject(clause: str, value: _Value, parent: dict[str, Any] | None) -> str:
    subject = re.sub(r"\s+", " ", clause.replace(value.text, "…")).strip(" .;,")
    if parent is not None:
        return f"part de « {parent['sentence']} » : {subject}"
    return subject


def extract_funding_facts(context: DocumentContext) -> list[dict[str, Any]]:
    """Amounts ($), shares of an envelope (%) and counts (Alliances, projets, communautés)
    stated in the text, each with the clause that states it."""
    facts: list[dict[str, Any]] = []
    for section in context.doc.sections:
        territory = territory_of_heading(section.heading) if section.level > 1 else None
        section_plan, _ = context.section_plan(section)
        for line in section.lines:
            if is_year_line(line):
                continue
            # A line naming one measure speaks of it; a measure sheet speaks of its own.
            measures = set(_MEASURE_MENTION.findall(line)) or (
                {context.sheet_measure} if context.sheet_measure else set()
            )
            for point in _points(line):
                last_amount: dict[str, Any] | None = None
                values = _values(point)
                for clause, value in _clauses(point, values):
                    parent = last_amount if value.kind == "share" else None
                    if not _keep(value, clause, parent):
                        continue
                    named = plans_named(clause)
                    plan = named[0] if len(named) == 1 else section_plan
                    keywords = {
                        *_ACRONYM.findall(clause),
                        *(_ACRONYM.findall(parent["sentence"]) if parent else ()),
                        *([plan] if plan else []),
                    }
                    fact = {
                        "source_file": context.meta.file,
                        "position": len(facts),
                        "kind": value.kind,
                        "subject": _subject(clause, value, parent),
                        "keywords": " ".join(sorted(keywords)),
                        "value_text": value.text.strip(),
                        "value_number": value.number,
                        "unit": value.unit,
                        "share_of": parent["position"] if parent else None,
                        "plan": plan,
                        "period": _fact_period(context, clause, section, plan),
                        "region": _fact_region(clause, territory),
                        "measure": next(iter(measures)) if len(measures) == 1 else None,
                        "sentence": clause,
                        "section": section.heading,
                    }
                    facts.append(fact)
                    if value.kind == "amount":
                        last_amount = fact
    return facts
