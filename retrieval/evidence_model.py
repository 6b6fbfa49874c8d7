"""The learned evidence scorer: a logistic regression over `evidence_features`, and the
calibration that turns the best quote's score into the probability that the answer is
right.

Both are fitted by `evaluations/fit_evidence.py` on the development questions only (the
gold set and the development suite of unseen documents), never on the blind sets that
measure them, and stored in `evidence_model.json` beside this module with what they were
fitted on. Refit after changing the features: `alliances eval --fit`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PATH = Path(__file__).with_name("evidence_model.json")


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


@dataclass
class EvidenceModel:
    """Scores candidate quotes and says how likely the best one makes a right answer."""

    feature_names: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    calibration: tuple[float, float] = (1.0, 0.0)  # P(right) = sigmoid(a * score + b)
    threshold: float = 0.5  # below it, the answerer abstains
    about: dict[str, Any] = field(default_factory=dict)

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The log-odds that each candidate quote holds the answer."""
        if features.shape[0] == 0:
            return np.zeros(0)
        return ((features - self.mean) / self.scale) @ self.weights + self.bias

    def confidence(self, score: float) -> float:
        """Calibrated probability that an answer built on a quote of this score is right."""
        a, b = self.calibration
        return float(sigmoid(a * score + b))

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
            calibration=(float(data["calibration"][0]), float(data["calibration"][1])),
            threshold=float(data["threshold"]),
            about=dict(data.get("about") or {}),
        )

    def save(self, path: Path = MODEL_PATH) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n", "utf-8")


def train(
    feature_names: tuple[str, ...], features: np.ndarray, labels: np.ndarray, l2: float = 1.0,
    weights: np.ndarray | None = None,
) -> EvidenceModel:
    """A model fitted on candidate rows (labels: the quote holds the answer), features
    standardised first so one penalty suits them all."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    coefficients, bias = fit_logistic((features - mean) / scale, labels, l2, weights)
    return EvidenceModel(feature_names, coefficients, bias, mean, scale)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> EvidenceModel:
    """The fitted model shipped with the code."""
    return EvidenceModel.from_dict(json.loads(path.read_text("utf-8")))
