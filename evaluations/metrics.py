"""Answer and retrieval metrics for the gold set: pure functions, no I/O.

Answers are graded by required facts: a fact is present when its comparison key (accents,
case, apostrophes and dashes folded by `knowledge.folding.fold`, numbers normalised by
`evaluations.numbers`, punctuation as spaces) occurs in the answer's key as whole words,
or its surface key (the same without the numbers normalised) in the answer's surface key:
a fact may give a figure as the document writes it, but not in full ("13,7 M" for the
document's "13,7 M$").
Retrieval is graded at document level: a ranking of chunks is reduced to the documents
it reaches, each counted once, at its first (best) rank.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from evaluations.numbers import normalize_numbers
from knowledge.folding import fold

Fact = str | Sequence[str]
"""A required fact: a string, or a list of alternatives of which any one suffices."""

_POINT_PLACEHOLDER = "\x00"
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_THOUSANDS_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")
_NOT_KEY_CHARS = re.compile(rf"[^0-9a-z%{_POINT_PLACEHOLDER}]+")

STOP_WORDS: frozenset[str] = frozenset(
    """
    a au aux avec c ce ces cet cette d dans de des du elle elles en est et eux il ils
    j je l la le les leur leurs lui m ma mais me mes moi mon n ne ni nos notre nous on ou
    par pas pour qu que quel quelle quels quelles qui s sa sans se ses si son sont sur t
    ta te tes toi ton tu un une vos votre vous y etre ont quoi
    an and are as at be been but by for from has have how i in is it its of on or that the
    their them there these they this those to was were what when where which who why will
    with
    """.split()
)
"""Folded French and English function words that token F1 ignores."""


def comparison_key(text: str) -> str:
    """The form in which answers and facts are compared.

    Numbers normalised ("160,1 M$" -> "160100000", "90 %" -> "90%"), then folded (accents,
    case, ligatures, apostrophes, dashes), then every character other than a letter, a
    digit, "%" or a decimal point becomes a space; spaces are collapsed.
    """
    return _key(fold(normalize_numbers(text)))


def surface_key(text: str) -> str:
    """The comparison key with numbers as written: "160,1 M$" -> "160.1 m" (a decimal
    comma read as a point, the spaces between groups of thousands dropped, so that "200 $"
    is not found in "1 845 200 $"), so that a fact "160,1" is found in it."""
    return _key(_THOUSANDS_SPACE.sub("", _DECIMAL_COMMA.sub(".", fold(text))))


def _key(folded: str) -> str:
    folded = _DECIMAL_POINT.sub(_POINT_PLACEHOLDER, folded)
    spaced = _NOT_KEY_CHARS.sub(" ", folded)
    return " ".join(spaced.split()).replace(_POINT_PLACEHOLDER, ".")


def fact_alternatives(fact: Fact) -> list[str]:
    """The alternatives of a fact: `[fact]` for a string, the list itself otherwise."""
    if isinstance(fact, str):
        return [fact]
    alternatives = list(fact)
    if not alternatives or not all(isinstance(a, str) for a in alternatives):
        raise ValueError(f"A fact must be a string or a non-empty list of strings: {fact!r}")
    return alternatives


def _key_contains(haystack_key: str, needle_key: str) -> bool:
    return f" {needle_key} " in f" {haystack_key} "


def fact_present(answer_text: str, fact: Fact) -> bool:
    """True when the answer contains the fact (or any one of its alternatives).

    Matching is on whole words of the comparison keys, so "16 M$" is not found in
    "160 M$" and "CRÉ" is found in "les cre".

    >>> fact_present("Le FQIS est doté de $115 million.", "115 M$")
    True
    >>> fact_present("Le mandataire est la Table des MRC de l'Estrie.", ["Table des MRC", "TME"])
    True
    """
    answer_key = comparison_key(answer_text)
    answer_surface = surface_key(answer_text)
    for alternative in fact_alternatives(fact):
        needle = comparison_key(alternative)
        if not needle:
            raise ValueError(f"Empty fact after normalisation: {alternative!r}")
        if _key_contains(answer_key, needle) or _key_contains(
            answer_surface, surface_key(alternative)
        ):
            return True
    return False


def missing_facts(answer_text: str, required_facts: Sequence[Fact]) -> list[Fact]:
    """The required facts that the answer does not contain, in order."""
    return [fact for fact in required_facts if not fact_present(answer_text, fact)]


def answer_correct(answer_text: str, required_facts: Sequence[Fact]) -> bool:
    """True when every required fact is present. An empty fact list is never "correct":
    questions without facts (unanswerable ones) are graded by abstention instead."""
    if not required_facts:
        raise ValueError("answer_correct needs at least one required fact")
    return not missing_facts(answer_text, required_facts)


def fact_recall(answer_text: str, required_facts: Sequence[Fact]) -> float:
    """Share of the required facts the answer contains (partial credit), in [0, 1]."""
    if not required_facts:
        raise ValueError("fact_recall needs at least one required fact")
    found = len(required_facts) - len(missing_facts(answer_text, required_facts))
    return found / len(required_facts)


def tokens(text: str) -> list[str]:
    """Content tokens of a text: comparison key split on spaces, stop words removed."""
    return [t for t in comparison_key(text).split() if t not in STOP_WORDS]


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style bag-of-tokens F1 between a prediction and a reference answer.

    Tokens are folded, numbers normalised, French and English stop words ignored.
    Two texts without content tokens score 1.0; one empty side scores 0.0.
    """
    predicted = Counter(tokens(prediction))
    expected = Counter(tokens(reference))
    if not predicted and not expected:
        return 1.0
    if not predicted or not expected:
        return 0.0
    common = sum((predicted & expected).values())
    if common == 0:
        return 0.0
    precision = common / sum(predicted.values())
    recall = common / sum(expected.values())
    return 2 * precision * recall / (precision + recall)


def dedupe_ranking(ranked_doc_ids: Iterable[Hashable]) -> list[Hashable]:
    """Document ids in ranking order, each kept at its first occurrence only."""
    seen: set[Hashable] = set()
    unique: list[Hashable] = []
    for doc_id in ranked_doc_ids:
        if doc_id not in seen:
            seen.add(doc_id)
            unique.append(doc_id)
    return unique


def _check_ranking_args(relevant_doc_ids: Iterable[Hashable], k: int) -> set[Hashable]:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    relevant = set(relevant_doc_ids)
    if not relevant:
        raise ValueError("No relevant documents: retrieval metrics are undefined")
    return relevant


def recall_at_k(
    ranked_doc_ids: Sequence[Hashable], relevant_doc_ids: Iterable[Hashable], k: int
) -> float:
    """1.0 when any relevant document is among the first k distinct documents, else 0.0.

    (Success at k, document level: repeated ids, e.g. several chunks of one document,
    count once at their best rank.)
    """
    relevant = _check_ranking_args(relevant_doc_ids, k)
    top = dedupe_ranking(ranked_doc_ids)[:k]
    return 1.0 if any(doc_id in relevant for doc_id in top) else 0.0


def mrr_at_k(
    ranked_doc_ids: Sequence[Hashable], relevant_doc_ids: Iterable[Hashable], k: int
) -> float:
    """Reciprocal rank of the first relevant document among the first k distinct ones."""
    relevant = _check_ranking_args(relevant_doc_ids, k)
    for rank, doc_id in enumerate(dedupe_ranking(ranked_doc_ids)[:k], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(
    ranked_doc_ids: Sequence[Hashable], relevant_doc_ids: Iterable[Hashable], k: int
) -> float:
    """Normalised DCG at k with binary relevance, on the deduplicated document ranking.

    DCG = sum of 1 / log2(rank + 1) over relevant documents in the top k; the ideal puts
    every relevant document first. Always in [0, 1].
    """
    relevant = _check_ranking_args(relevant_doc_ids, k)
    top = dedupe_ranking(ranked_doc_ids)[:k]
    dcg = sum(1.0 / math.log2(rank + 1) for rank, d in enumerate(top, start=1) if d in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


class AbstentionScores(NamedTuple):
    """Precision and recall of abstaining, abstention being the positive class."""

    precision: float
    recall: float


def abstention_scores(pairs: Iterable[tuple[bool, bool]]) -> AbstentionScores:
    """Precision and recall of abstention from (should_abstain, did_abstain) pairs.

    precision = correct abstentions / abstentions; recall = correct abstentions /
    questions that called for one. A ratio with nothing to count (no abstention made,
    or none called for) is vacuously 1.0.
    """
    true_pos = false_pos = false_neg = 0
    for should_abstain, did_abstain in pairs:
        if did_abstain and should_abstain:
            true_pos += 1
        elif did_abstain:
            false_pos += 1
        elif should_abstain:
            false_neg += 1
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    return AbstentionScores(precision, recall)


_GROUP_KEYS = frozenset({"id", "language", "types", "question"})


def _metric_value(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    return None


def summarize(
    records: Iterable[Mapping[str, Any]], metrics: Sequence[str] | None = None
) -> dict[str, dict[str, dict[str, dict[str, float | int]]]]:
    """Mean and count of per-question metrics, overall, by language and by type.

    Each record is a mapping with "language" (str), "types" (list of str) and metric
    values (numbers or booleans; None or NaN means "not applicable" and is skipped).
    `metrics` names the metrics to summarise; by default every numeric or boolean field
    other than "id", "language", "types" and "question". A question with several types
    counts in each of them. Result (JSON-ready)::

        {"overall": {"all": {metric: {"mean": m, "count": n}}},
         "by_language": {"fr": {...}, "en": {...}},
         "by_type": {"factual": {...}, ...}}
    """
    records = list(records)
    if metrics is None:
        names: list[str] = []
        for record in records:
            for name, value in record.items():
                if (
                    name not in _GROUP_KEYS
                    and name not in names
                    and _metric_value(value) is not None
                ):
                    names.append(name)
        metrics = names

    sums: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        groups = [("overall", "all"), ("by_language", str(record.get("language", "?")))]
        groups += [("by_type", str(t)) for t in record.get("types", ())]
        for name in metrics:
            value = _metric_value(record.get(name))
            if value is None:
                continue
            for group in groups:
                sums[group][name].append(value)

    summary: dict[str, dict[str, dict[str, dict[str, float | int]]]] = {
        "overall": {},
        "by_language": {},
        "by_type": {},
    }
    for (kind, group), values_by_metric in sorted(sums.items()):
        summary[kind][group] = {
            name: {"mean": sum(values) / len(values), "count": len(values)}
            for name, values in values_by_metric.items()
        }
    return summary
