"""The CI gate on answer quality: the held-out suites and the former ones, answered from
one index that holds the shipped base and every suite's added documents.

The held-out suites (`blind-2`, reworded questions on the shipped documents; `unseen-2`,
documents nobody designed the code around) are never tuned on. `blind` and `unseen` held
that role until their numbers had decided several choices; they are validation suites
now, and keep their floors as a regression guard. The fit suites are reported by
`alliances eval --suites` but not gated. Each floor is the measured value at the time, less
a small margin: a regression guard. The targets are higher (accuracy 0.85, abstention
recall 0.90, confident-wrong 3 %, see docs/evaluation.md); raise these bars as the system
improves, never lower them to pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluations.runner import with_suite_material
from evaluations.suite_report import answer_records, suite_metrics
from evaluations.suites import added_documents, project_logs

# suite -> (min accuracy, min abstention recall, max confident-wrong share)
# blind and unseen: floors set when the evidence scorer landed (blind 0.429 / 0.667 / 0.037,
# unseen 0.310 / 0.867 / 0.030, with 34 added documents). Measured 2026-12-07 with the 46
# documents of today and the confidence rescaled on the helper-written fit suites: blind
# 0.416 / 0.633 / 0.016, unseen 0.321 / 0.933 / 0.010, so their confident-wrong bars came
# down to 0.03. blind-2 and unseen-2, measured the same day when they were written: 0.414 /
# 0.548 / 0.029 and 0.409 / 0.750 / 0.000. On 2026-12-08, with acronyms read in the words
# they stand for and closer quotes joining the best one: blind 0.429 / 0.633 / 0.016, unseen
# 0.357 / 0.933 / 0.010, blind-2 0.450 / 0.581 / 0.023, unseen-2 0.420 / 0.750 / 0.000, so
# three accuracy floors rose, two right answers under the measure (one where no right
# answer sits within a few thousandths of the threshold: confidences moved that much from
# one day to the next). Later on 2026-12-08, with project cards that name their project, a
# bare « combien » read as any quantity, ordinals spelled out, touching periods apart and
# table rows judged by their own period: blind 0.441 / 0.667 / 0.016, unseen 0.381 / 0.933 /
# 0.010, blind-2 0.479 / 0.645 / 0.018, unseen-2 0.466 / 0.750 / 0.000, so the four accuracy
# floors and blind-2's abstention floor rose to two right answers under the measure. Each
# floor moved only with a measured change, never to let a regression pass;
# docs/evaluation.md gives every measurement.
FLOORS = {
    "blind": (0.42, 0.63, 0.03),
    "unseen": (0.35, 0.83, 0.03),
    "blind-2": (0.46, 0.58, 0.03),
    "unseen-2": (0.44, 0.71, 0.03),
}


@pytest.fixture(scope="module")
def suites_assistant(tmp_path_factory: pytest.TempPathFactory, encoder):
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    home: Path = tmp_path_factory.mktemp("suites-home")
    assistant = Assistant(KnowledgeIndex(home, encoder=encoder, chroma_url=""))
    # every suite's documents and logged projects, as `alliances eval --suites` has them
    return with_suite_material(assistant, added_documents(), project_logs())


@pytest.mark.slow
@pytest.mark.timeout(2400)  # about 200 questions, each quote encoded once; slower on a busy CI
@pytest.mark.parametrize("suite", sorted(FLOORS))
def test_held_out_suite_meets_its_floor(suites_assistant, suite: str) -> None:
    records = answer_records(suites_assistant, suite)
    metrics = suite_metrics(records)
    accuracy, abstention_recall, confident_wrong = FLOORS[suite]
    wrong = "\n".join(
        f"{r['id']} ({r['confidence']:.2f}): {r['question']} -> {r['answer'][:100]}"
        for r in records if not r["right"]
    )
    assert metrics["accuracy"] >= accuracy, wrong
    assert metrics["abstention_recall"] >= abstention_recall, wrong
    assert metrics["confident_wrong"] <= confident_wrong, wrong
