"""Follow-ups become standalone questions before retrieval."""

from __future__ import annotations

from retrieval.followups import Turn, contextualize, is_follow_up

PREVIOUS = [
    Turn("user", "Quel organisme est mandataire de l'Alliance en Mauricie ?"),
    Turn("assistant", "Consortium en développement social de la Mauricie"),
]


def test_region_follow_up_swaps_the_region() -> None:
    assert contextualize("et en Estrie ?", PREVIOUS) == (
        "Quel organisme est mandataire de l'Alliance en Estrie ?"
    )


def test_english_follow_up() -> None:
    history = [Turn("user", "Who manages the Alliance in Mauricie?")]
    assert contextualize("what about Laval?", history) == "Who manages the Alliance in Laval?"


def test_a_standalone_question_is_left_alone() -> None:
    question = "Quel est le montant du FQIS pour le PSIS ?"
    assert contextualize(question, PREVIOUS) == question
    assert not is_follow_up(question)


def test_no_history_no_rewrite() -> None:
    assert contextualize("et en Estrie ?", []) == "et en Estrie ?"


def test_follow_up_without_region_appends_to_the_previous_question() -> None:
    rewritten = contextualize("et les projets ?", PREVIOUS)
    assert rewritten.startswith("Quel organisme est mandataire") and "projets" in rewritten
