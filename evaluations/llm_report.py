"""What the LLM answerer did over an evaluation: how often its answer was shown, how often
the checks or the clock sent the extractive answer instead, its latency and tokens."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any


def llm_summary(traces: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Outcomes (shares), latency and tokens of the LLM answerer over an evaluation."""
    if not traces:
        return {}
    outcomes = Counter(trace["outcome"] for trace in traces)
    called = [trace for trace in traces if trace["attempts"]]
    latencies = [sum(a["latency_ms"] for a in trace["attempts"]) for trace in called]
    return {
        "questions": len(traces),
        "outcomes": dict(outcomes),
        "shown_from_llm": (outcomes["llm"] + outcomes["llm_after_retry"]) / len(traces),
        "model_calls": sum(len(trace["attempts"]) for trace in traces),
        "llm_ms_p50": statistics.median(latencies) if latencies else 0.0,
        "input_tokens_mean": statistics.mean(t["input_tokens"] for t in called) if called else 0,
        "output_tokens_mean": statistics.mean(t["output_tokens"] for t in called) if called else 0,
    }


def format_llm_summary(result: dict[str, Any]) -> str:
    """One configuration's LLM figures, for the terminal (empty without an LLM)."""
    summary = result.get("llm")
    if not summary:
        return ""
    outcomes = ", ".join(f"{name} {count}" for name, count in sorted(summary["outcomes"].items()))
    return (
        f"LLM ({result['config']}) : réponse du modèle montrée pour "
        f"{summary['shown_from_llm']:.1%} des questions ; issues : {outcomes} ; "
        f"{summary['model_calls']} appels, p50 {summary['llm_ms_p50']:.0f} ms, "
        f"jetons moyens {summary['input_tokens_mean']:.0f} en entrée, "
        f"{summary['output_tokens_mean']:.0f} en sortie ; "
        f"fidélité {result['overall']['faithfulness']:.3f}"
    )
