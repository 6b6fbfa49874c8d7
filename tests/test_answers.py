"""Grounded extractive answers: quoted, cited, in the question's language, or abstained."""

from __future__ import annotations

import pytest

from bot.assistant import MAX_QUESTION_CHARS, QuestionError
from retrieval.followups import Turn

REGIONAL_PAGE = "mtess-alliances-mandataires-regions-2019-2023.txt"


def test_mauricie_mandataire_is_answered_with_its_source(assistant) -> None:
    answer = assistant.ask(
        "Quel organisme est mandataire de l'Alliance pour la solidarité en Mauricie ?"
    )
    assert not answer.abstained
    assert "Consortium en développement social de la Mauricie" in answer.text
    assert answer.citations and answer.citations[0].doc_id == REGIONAL_PAGE
    assert "[1]" in answer.text


def test_an_acronym_typed_in_chat_reads_as_the_words_it_stands_for(assistant) -> None:
    # « aps » is staff usage no document writes; searched and weighed as « Alliance pour
    # la solidarité », the Mauricie line answers it.
    answer = assistant.ask("l'aps de la mauricie c'est géré par qui?")
    assert not answer.abstained
    assert "Consortium en développement social de la Mauricie" in answer.text
    assert answer.citations[0].doc_id == REGIONAL_PAGE


def test_english_question_gets_an_english_framed_answer(assistant) -> None:
    answer = assistant.ask("Who manages the Alliance for solidarity in Estrie?")
    assert not answer.abstained and answer.language == "en"
    assert "Table des MRC de l’Estrie" in answer.text
    assert any(c.doc_id == REGIONAL_PAGE for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "Qui est le mandataire de l'Alliance pour la solidarité en Ontario ?",
        "Quel budget le FQIS accordera-t-il à la Mauricie en 2031 ?",
        "Qui a gagné la coupe Stanley en 1993 ?",
        "What is the weather forecast for Montreal tomorrow?",
    ],
)
def test_questions_outside_the_documents_abstain(assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained, answer.text
    assert answer.citations, "an abstention still shows the closest sources"
    expected = "not in the knowledge base" if answer.language == "en" else "base de connaissances"
    assert expected in answer.text
    # the sources are the citations, listed once under their own title by each platform
    assert not any(c.title in answer.text for c in answer.citations), answer.text


def test_follow_up_uses_the_conversation(assistant) -> None:
    history = [
        Turn("user", "Quel organisme est mandataire de l'Alliance en Mauricie ?"),
        Turn("assistant", "Consortium en développement social de la Mauricie"),
    ]
    answer = assistant.ask("et en Estrie ?", history=history)
    assert "Table des MRC de l’Estrie" in answer.text


def test_region_filter_is_reported_in_the_answer(assistant) -> None:
    answer = assistant.ask("Qui est le mandataire ?", region="Mauricie")
    assert answer.filters == {"region": "Mauricie"}
    assert "Consortium en développement social de la Mauricie" in answer.text


@pytest.mark.parametrize("question", ["", "   ", "x" * (MAX_QUESTION_CHARS + 1)])
def test_bad_questions_are_refused_clearly(assistant, question: str) -> None:
    with pytest.raises(QuestionError) as raised:
        assistant.ask(question)
    assert "question" in str(raised.value)


def test_answer_json_contract(assistant) -> None:
    payload = assistant.ask("Quel est le montant du FQIS pour le PSIS ?").to_json_dict()
    assert isinstance(payload["answer"], str) and isinstance(payload["abstained"], bool)
    assert isinstance(payload["timings_ms"], dict)
    for source in payload["sources"]:
        assert {"title", "source", "section", "score"} <= source.keys()
