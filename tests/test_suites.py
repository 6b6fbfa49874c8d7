"""The question suites: each loads, has one role, and every required fact of an answerable
question is in one of the documents it names, as the grader reads answers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from evaluations.metrics import answer_correct
from evaluations.suites import SUITES
from knowledge.loaders import load_document

SHIPPED = Path(__file__).resolve().parents[1] / "knowledge" / "documents"


@cache
def _text(path: Path) -> str:
    return load_document(path).text


def _document_text(suite_name: str, name: str) -> str:
    suite = SUITES[suite_name]
    if suite.project_log is not None and name == suite.project_log.name:
        return suite.project_log.read_text("utf-8")
    for folder in (suite.documents_dir, SHIPPED):
        if folder is not None and (folder / name).is_file():
            return _text(folder / name)
    raise AssertionError(f"{suite_name}: no document {name}")


@pytest.mark.parametrize("suite_name", sorted(SUITES))
def test_every_required_fact_is_in_a_listed_document(suite_name: str) -> None:
    missing = []
    for question in SUITES[suite_name].load():
        if not question.answerable:
            continue
        texts = [_document_text(suite_name, name) for name in question.documents]
        for fact in question.required_facts:
            if not any(answer_correct(text, [fact]) for text in texts):
                missing.append(f"{question.id}: {fact!r}")
    assert not missing, missing


def test_question_ids_are_unique_across_suites() -> None:
    seen: dict[str, str] = {}
    for name, suite in SUITES.items():
        for question in suite.load():
            assert question.id not in seen, (question.id, seen.get(question.id), name)
            seen[question.id] = name


def test_a_project_log_reads_author_and_command_and_refuses_a_bad_line(tmp_path: Path) -> None:
    from evaluations.project_log import ProjectLogError, log_lines

    log = tmp_path / "log.txt"
    log.write_text(
        "# a comment\n\nmarie\tnouveau \"Jardin\" région:Mauricie\n"
        "jean\tmaj \"Jardin\" 12 familles\n", "utf-8",
    )
    assert log_lines(log) == [
        (3, "marie", 'nouveau "Jardin" région:Mauricie'), (4, "jean", 'maj "Jardin" 12 familles'),
    ]
    log.write_text("marie nouveau sans tabulation\n", "utf-8")
    with pytest.raises(ProjectLogError, match=r"log\.txt:1"):
        log_lines(log)


def test_the_projects_suite_logs_what_its_questions_ask_about() -> None:
    from evaluations.project_log import log_lines

    suite = SUITES["projects-fit"]
    assert suite.project_log is not None and suite.role == "fit"
    commands = " ".join(command for _, _, command in log_lines(suite.project_log))
    assert commands.count("nouveau ") == 6 and "statut:" in commands
