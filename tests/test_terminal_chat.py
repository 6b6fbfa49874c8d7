"""`alliances chat`: the terminal as a third door to the chat core, project commands
included."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.assistant import Assistant
from bot.chat import AnswerReply, NoticeReply
from bot.terminal import (
    PLATFORM,
    chat_loop,
    cli_user,
    render_reply,
    terminal_core,
    typed_command,
)
from knowledge.paths import database_path
from knowledge.projects import ProjectStore
from retrieval.answers import Answer, Citation
from retrieval.index import KnowledgeIndex


def test_slash_commands_are_typed_as_the_core_reads_them() -> None:
    assert typed_command('/projet maj #1 texte') == "projet maj #1 texte"
    assert typed_command("/alliances projet voir #1") == "projet voir #1"
    assert typed_command("/alliances") == "alliances"
    assert typed_command("Qui est le mandataire ?") == "Qui est le mandataire ?"


@given(st.text(max_size=80).filter(lambda text: not text.startswith("/")))
def test_a_line_without_a_slash_is_left_as_typed(line: str) -> None:
    assert typed_command(line) == line


def test_a_project_update_is_cited_with_its_author_and_date() -> None:
    answer = Answer(
        question="Combien de familles ?", text="« 35 familles » [1]", abstained=False,
        citations=[Citation("Suivi des projets", "projets", "Jardin — mise à jour", 1.0,
                            author="marie.tremblay", date="2026-12-07")],
        language="fr",
    )
    shown = render_reply(AnswerReply(answer, "a1"))
    assert "[1] Suivi des projets — Jardin — mise à jour (marie.tremblay, 2026-12-07)" in shown
    assert render_reply(NoticeReply("Projet inconnu.", kind="error")) == "Projet inconnu."


@pytest.mark.slow
def test_the_issue_journey_through_the_terminal(home_copy: Path, encoder) -> None:
    assistant = Assistant(KnowledgeIndex(home_copy, encoder=encoder, chroma_url=""))
    typed = io.StringIO(
        '/projet nouveau "Jardin collectif de Shawinigan" région:Mauricie\n'
        '/projet maj "Jardin collectif de Shawinigan" 35 familles inscrites au jardin cette '
        "saison statut:en cours\n"
        "Combien de familles sont inscrites au Jardin collectif de Shawinigan ?\n"
        'projet maj "Jardin inconnu" 3 familles\n'
        "sources\n"
        "Qui est le mandataire de l'Alliance en Mauricie ?\n"
        "et en Estrie ?\n"
        "quitter\n"
    )
    shown = io.StringIO()

    status = chat_loop(terminal_core(assistant, "marie", home_copy), "marie", typed, shown)

    replies = shown.getvalue().split("> ")[1:]
    assert status == 0 and len(replies) == 8  # seven replies, then the prompt quit answers
    assert "Projet créé" in replies[0] and "Mise à jour enregistrée" in replies[1]
    assert "35 familles inscrites" in replies[2] and "(marie, " in replies[2]
    assert "Aucun projet ne s'appelle" in replies[3]
    assert replies[4].startswith("Documents de la base (5)")  # the sources list
    assert "Consortium en développement social de la Mauricie" in replies[5]
    assert "Table des MRC de l’Estrie" in replies[6]  # the follow-up, answered
    (project,) = ProjectStore(database_path(home_copy)).projects()
    (update,) = ProjectStore(database_path(home_copy)).updates(project.id)
    assert update.author == cli_user("marie") == "cli:marie"
    assert update.author_name == "marie" and update.platform == PLATFORM
