"""The learned evidence scorer: a linear ranking model over `evidence_features` (which
candidate quote of a question answers it), and the calibration that turns what the
ranking looks like (the best quote's features and score, its lead over the runner-up,
how much of the score mass it holds, whether the quotes after it come from the same
document) into the probability that the answer is right.

Both are fitted by `evaluations/fit_evidence.py` on the fit suites only, never on the
suites that validate or measure them, and stored in `evidence_model.json` beside this
module with what they were fitted on. The confidence is then rescaled on the fit suites
that helpers wrote from the documents alone, so that it means P(right) for questions worded
as users word them. Refit after changing the features: `alliances eval --fit`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PATH = Path(__file__).with_name("evidence_model.json")
LONE_LEAD = 5.0  # the lead of a quote that has no runner-up
AGREEMENT_DEPTH = 4  # how many quotes after the best one tell whether the sources agree


def sigmoid(values: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -40.0, 40.0)))


def fit_logistic(
    features: np.ndarray, labels: np.ndarray, l2: float = 1.0, weights: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (Newton's method; the
    bias is not penalised). `weights` (per row) re-weights the examples."""
    rows, columns = features.shape
    design = np.hstack([features, np.ones((rows, 1))])
    sample = np.ones(rows) if weights is None else weights
    theta = np.zeros(columns + 1)
    penalty = np.full(columns + 1, l2)
    penalty[-1] = 0.0
    for _ in range(100):
        probability = sigmoid(design @ theta)
        gradient = design.T @ (sample * (probability - labels)) + penalty * theta
        curvature = sample * probability * (1 - probability)
        hessian = design.T @ (design * curvature[:, None]) + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def fit_ranking(
    groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 0.3
) -> np.ndarray:
    """Weights of a conditional logit: for each group (one question's candidates and
    which of them answer), the softmax of the scores puts its mass on the answering
    ones. It learns to rank the candidates of one question, which is what the answerer
    does with them. Groups without an answering candidate teach nothing and are skipped."""
    from scipy.optimize import minimize

    kept = [(features, labels) for features, labels in groups if labels.sum() > 0]
    columns = kept[0][0].shape[1]

    def loss_and_gradient(weights: np.ndarray) -> tuple[float, np.ndarray]:
        loss = 0.5 * l2 * float(weights @ weights)
        gradient = l2 * weights
        for features, labels in kept:
            scores = features @ weights
            exp = np.exp(scores - scores.max())
            wanted = exp * labels
            loss -= float(np.log(wanted.sum() / exp.sum()))
            gradient = gradient + features.T @ (exp / exp.sum() - wanted / wanted.sum())
        return loss, gradient

    result = minimize(loss_and_gradient, np.zeros(columns), jac=True, method="L-BFGS-B")
    return np.asarray(result.x)


@dataclass(frozen=True)
class Ranking:
    """What the calibration reads of one question's ranked candidate quotes."""

    best_features: np.ndarray
    best_score: float
    lead: float  # the best score minus the runner-up's (LONE_LEAD without a runner-up)
    share: float  # the best quote's share of the softmax mass: a clear winner or a crowd
    agreement: float  # share of the next quotes that come from the best one's document

    @classmethod
    def of(cls, features: np.ndarray, scores: np.ndarray, documents: Sequence[str]) -> Ranking:
        order = np.argsort(-scores)
        best = int(order[0])
        following = [documents[int(i)] for i in order[1 : 1 + AGREEMENT_DEPTH]]
        return cls(
            best_features=features[best],
            best_score=float(scores[best]),
            lead=float(scores[best] - scores[order[1]]) if len(order) > 1 else LONE_LEAD,
            share=float(1.0 / np.exp(scores - scores[best]).sum()),
            agreement=sum(d == documents[best] for d in following) / AGREEMENT_DEPTH,
        )


@dataclass
class EvidenceModel:
    """Scores candidate quotes and says how likely the best one makes a right answer."""

    feature_names: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    # P(right) = sigmoid(w . calibration_inputs + bias): the ranking scores say which quote
    # is best but, being relative within a question, not whether it answers; the best
    # quote's own features (how much of the question it covers, what it contradicts, how
    # much of the question the base never mentions) and the shape of the ranking do.
    calibration: tuple[float, ...] = ()
    threshold: float = 0.5  # below it, the answerer abstains
    about: dict[str, Any] = field(default_factory=dict)

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The log-odds that each candidate quote holds the answer."""
        if features.shape[0] == 0:
            return np.zeros(0)
        return ((features - self.mean) / self.scale) @ self.weights + self.bias

    def calibration_inputs(self, ranking: Ranking) -> np.ndarray:
        features = np.asarray(ranking.best_features, dtype=np.float64)
        standardised = (features - self.mean) / self.scale
        return np.concatenate([
            [min(ranking.lead, LONE_LEAD)], standardised,
            [ranking.best_score, ranking.share, ranking.agreement],
        ])

    def log_odds(self, ranking: Ranking) -> float:
        """The calibration's log-odds that an answer built on the best quote is right."""
        if not self.calibration:
            return 0.0
        weights = np.asarray(self.calibration)
        return float(self.calibration_inputs(ranking) @ weights[:-1] + weights[-1])

    def confidence(self, ranking: Ranking) -> float:
        """Calibrated probability that an answer built on the best quote is right."""
        return float(sigmoid(self.log_odds(ranking)))

    def rescale_confidence(self, scale: float, offset: float) -> None:
        """Make the confidence sigmoid(scale · log-odds + offset). With a positive scale the
        order of confidences is kept, and the threshold moves with them, so the same
        answers are given; only what a confidence says changes."""
        if scale <= 0:
            raise ValueError("the scale must be positive, or the confidences would reverse")
        weights = np.asarray(self.calibration, dtype=np.float64) * scale
        weights[-1] += offset
        self.calibration = tuple(float(w) for w in weights)
        odds = np.log(self.threshold / (1.0 - self.threshold))
        self.threshold = float(sigmoid(scale * odds + offset))

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature_names": list(self.feature_names),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "mean": [round(float(m), 6) for m in self.mean],
            "scale": [round(float(s), 6) for s in self.scale],
            "calibration": [round(v, 6) for v in self.calibration],
            "threshold": round(self.threshold, 4),
            "about": self.about,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceModel:
        return cls(
            feature_names=tuple(data["feature_names"]),
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=float(data["bias"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            calibration=tuple(float(v) for v in data["calibration"]),
            threshold=float(data["threshold"]),
            about=dict(data.get("about") or {}),
        )

    def save(self, path: Path = MODEL_PATH) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n", "utf-8")


def train(
    feature_names: tuple[str, ...], groups: list[tuple[np.ndarray, np.ndarray]],
    l2: float = 0.3,
) -> EvidenceModel:
    """A ranking model fitted on groups of candidates (features, answering or not),
    features standardised first so one penalty suits them all."""
    features = np.vstack([f for f, _ in groups])
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    weights = fit_ranking([((f - mean) / scale, y) for f, y in groups], l2)
    return EvidenceModel(feature_names, weights, 0.0, mean, scale)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> EvidenceModel:
    """The fitted model shipped with the code."""
    return EvidenceModel.from_dict(json.loads(path.read_text("utf-8")))
