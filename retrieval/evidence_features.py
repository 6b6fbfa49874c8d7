"""The numbers the evidence scorer weighs for each candidate quote of a question.

Four families, each a general signal rather than a rule about a wording:
- meaning: cosine of the question and the quote (and of its passage), and how far the
  quote is from the best one of the question;
- words: the share of the question's content words the quote covers, each word weighted
  by its rarity in the knowledge base (IDF), with and without the quote's heading;
- constraints: whether the territories, years or periods, measure numbers and names the
  question gives are met by the quote, contradicted by it, or not addressed;
- form: whether the quote holds the kind of answer wanted (an amount, a date…), whether
  it is a line, a list or a whole passage, and how much of the question the knowledge
  base has never heard of (a question about a "directeur" nobody mentions).

`FEATURE_NAMES` is the order of the vector; the weights in `evidence_model.json` follow it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.regions import find_regions_in_text, territories_in
from retrieval.analysis import analyze
from retrieval.answer_kinds import holds
from retrieval.evidence_candidates import Candidate
from retrieval.question_profile import QuestionProfile
from retrieval.spans import Span, measure_numbers, row_period, spans_in

FEATURE_NAMES: tuple[str, ...] = (
    "sem",
    "sem_gap",
    "passage_sem",
    "fused",
    "rank_inv",
    "cover",
    "cover_quote",
    "cover_gap",
    "english_cover",
    "names_missing",
    "region_match",
    "region_conflict",
    "span_match",
    "span_conflict",
    "measure_match",
    "measure_conflict",
    "type_match",
    "type_missing",
    "is_list",
    "is_pair",
    "is_block",
    "listy_wanted",
    "kb_unknown",
    "english_kb_unknown",
    "names_unknown",
    "log_length",
    "project_named",
)


@dataclass(frozen=True)
class TermStats:
    """How rare each stem is in the knowledge base: IDF weights and unknown stems."""

    idf: Callable[[str], float]
    known: Callable[[str], bool]


@dataclass(frozen=True)
class CandidateFacts:
    """What a candidate says about its territory, time and measure, from its quote, its
    heading and its document's metadata."""

    regions: frozenset[str]
    spans: tuple[Span, ...]
    measures: frozenset[str]
    stems: frozenset[str]
    quote_stems: frozenset[str]



def _metadata_list(value: object) -> list[str]:
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def candidate_facts(candidate: Candidate) -> CandidateFacts:
    chunk = candidate.hit.chunk
    metadata = chunk.metadata
    located = f"{chunk.section}\n{candidate.text}"
    regions: set[str] = set()
    for name in [
        *_metadata_list(metadata.get("region")),
        *_metadata_list(metadata.get("regions")),
        *find_regions_in_text(located),
    ]:
        if name != "*":
            regions.update(territories_in(name))
    own_period = row_period(candidate.text)
    if own_period:
        # A table row « 2009-2010 : s. o. » is about its own period, not its document's.
        spans = [own_period]
    else:
        spans = spans_in(located) + spans_in(chunk.title)
        for period in [*_metadata_list(metadata.get("periods")),
                       *_metadata_list(metadata.get("period"))]:
            spans += spans_in(period)
        date = str(metadata.get("date") or "")
        if date[:4].isdigit():
            spans.append(Span(int(date[:4]), int(date[:4])))
    measures = set(measure_numbers(located))
    if metadata.get("measure"):
        measures.add(str(metadata["measure"]))
    return CandidateFacts(
        regions=frozenset(regions),
        spans=tuple(dict.fromkeys(spans)),
        measures=frozenset(measures),
        stems=frozenset(analyze(f"{chunk.title}\n{located}")),
        quote_stems=frozenset(analyze(candidate.text)),
    )


def _weighted_share(stems: Sequence[str], found: frozenset[str], stats: TermStats) -> float:
    total = sum(stats.idf(stem) for stem in stems)
    if total <= 0:
        return 0.0
    return sum(stats.idf(stem) for stem in stems if stem in found) / total


def _name_found(forms: Sequence[frozenset[str]], stems: frozenset[str]) -> bool:
    return any(form <= stems for form in forms)


def _match_conflict(wanted: bool, matched: bool, has_own: bool) -> tuple[float, float]:
    if not wanted:
        return 0.0, 0.0
    if matched:
        return 1.0, 0.0
    return 0.0, 1.0 if has_own else 0.0


def stems_in_base_words(profile: QuestionProfile, stats: TermStats) -> list[str]:
    """The question's content stems, each unwritten acronym's
    (`QuestionProfile.unwritten_acronyms`) replaced by the stems of the phrase it stands
    for, when the base uses those: « aps » is « alliance » and « solidarité » there, which
    quotes can share."""
    spelled_out: dict[str, frozenset[str]] = {}
    for name in profile.unwritten_acronyms(stats.known):
        own, *expansions = name.forms
        written = [form for form in expansions if all(stats.known(stem) for stem in form)]
        if len(own) == 1 and written:
            spelled_out[next(iter(own))] = written[0]
    stems: list[str] = []
    for stem in profile.stems:
        if stem in spelled_out:
            stems += sorted(spelled_out[stem])
        else:
            stems.append(stem)
    return list(dict.fromkeys(stems))


def question_unknown_share(stems: Sequence[str], stats: TermStats) -> float:
    """IDF-weighted share of the question's content stems the knowledge base never uses."""
    total = sum(stats.idf(stem) for stem in stems)
    if not total:
        return 0.0
    return sum(stats.idf(stem) for stem in stems if not stats.known(stem)) / total


def unknown_name_share(profile: QuestionProfile, stats: TermStats) -> float:
    """Share of the names the question uses (Ontario, Trillium) that no passage of the
    knowledge base uses in any of their forms: what it has never heard of, it cannot
    answer about."""
    if not profile.names:
        return 0.0
    unknown = sum(
        not any(form and all(stats.known(stem) for stem in form) for form in name.forms)
        for name in profile.names
    )
    return unknown / len(profile.names)


def feature_matrix(
    profile: QuestionProfile,
    candidates: Sequence[Candidate],
    quote_similarity: np.ndarray,
    passage_similarity: np.ndarray,
    stats: TermStats,
    named_projects: frozenset[int] = frozenset(),
) -> np.ndarray:
    """One row of FEATURE_NAMES per candidate."""
    if not candidates:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    wanted_regions = {t for name in profile.regions for t in territories_in(name)}
    english = 1.0 if profile.language == "en" else 0.0
    stems = stems_in_base_words(profile, stats)
    unknown = question_unknown_share(stems, stats)
    names_unknown = unknown_name_share(profile, stats)
    top_fused = max(c.hit.score for c in candidates) or 1.0
    facts = [candidate_facts(c) for c in candidates]
    covers = [_weighted_share(stems, f.stems, stats) for f in facts]
    best_cover = max(covers)
    best_sem = float(np.max(quote_similarity))
    rows = []
    for candidate, fact, cover, sem, psem in zip(
        candidates, facts, covers, quote_similarity, passage_similarity, strict=True
    ):
        names = profile.names
        missing = sum(not _name_found(n.forms, fact.stems) for n in names)
        region_match, region_conflict = _match_conflict(
            bool(wanted_regions), bool(wanted_regions & fact.regions), bool(fact.regions)
        )
        span_match, span_conflict = _match_conflict(
            bool(profile.spans),
            any(q.overlaps(s) for q in profile.spans for s in fact.spans),
            bool(fact.spans),
        )
        measure_match, measure_conflict = _match_conflict(
            bool(profile.measures), bool(set(profile.measures) & fact.measures),
            bool(fact.measures),
        )
        typed = holds(profile.answer_type, candidate.text)
        project = candidate.hit.chunk.metadata.get("project_id")
        listy = candidate.kind in ("list", "block")
        rows.append(
            [
                float(sem),
                float(sem) - best_sem,
                float(psem),
                candidate.hit.score / top_fused,
                1.0 / (1.0 + candidate.passage_rank),
                cover,
                _weighted_share(stems, fact.quote_stems, stats),
                cover - best_cover,
                cover * english,
                missing / len(names) if names else 0.0,
                region_match,
                region_conflict,
                span_match,
                span_conflict,
                measure_match,
                measure_conflict,
                1.0 if typed else 0.0,
                1.0 if typed is False else 0.0,
                1.0 if candidate.kind == "list" else 0.0,
                1.0 if candidate.kind == "pair" else 0.0,
                1.0 if candidate.kind == "block" else 0.0,
                1.0 if listy and (profile.wants_list or profile.answer_type == "list") else 0.0,
                unknown,
                unknown * english,
                names_unknown,
                math.log1p(len(candidate.text)) / 7.0,
                1.0 if project is not None and int(project) in named_projects else 0.0,
            ]
        )
    return np.asarray(rows, dtype=np.float32)

