"""A logged project answers its own figures: created and updated through the chat
commands, then asked about, from the real index and the evidence answerer."""

from __future__ import annotations

from pathlib import Path

import pytest
from standins.servers import ADMIN, USER

from bot.assistant import Assistant
from bot.chat import ChatCore, ChatRequest, Conversation
from bot.projects import EditorPolicy, ProjectCommands
from bot.state import State
from knowledge.paths import database_path
from knowledge.projects import ProjectStore
from retrieval.index import KnowledgeIndex

pytestmark = pytest.mark.slow


def _assistant_after(home: Path, encoder, tmp_path: Path, commands: tuple[str, ...]) -> Assistant:
    """The assistant over a copy of the shipped base, once the commands ran through chat."""
    assistant = Assistant(KnowledgeIndex(home, encoder=encoder, chroma_url=""))
    core = ChatCore(State(tmp_path / "state.db"), admins={ADMIN}, assistant=assistant)
    projects = ProjectCommands(
        ProjectStore(database_path(home)), EditorPolicy({USER}, set()),
        assistant=lambda: assistant,
    )
    core.register(projects.command())
    for number, text in enumerate(commands):
        core.handle(ChatRequest(
            text=text, user_id=USER, conversation=Conversation("slack", "C0MAURICIE"),
            private=True, surface="command", request_id=f"slack:test:{number}",
            user_name="marie.tremblay",
        ))
    return assistant


def test_a_logged_project_answers_how_many_families(home_copy: Path, encoder, tmp_path: Path):
    assistant = _assistant_after(home_copy, encoder, tmp_path, (
        'projet nouveau "Jardin collectif de Shawinigan" région:Mauricie',
        'projet maj "Jardin collectif de Shawinigan" 35 familles inscrites au jardin cette '
        "saison statut:en cours",
    ))

    answer = assistant.ask(
        "Combien de familles sont inscrites au Jardin collectif de Shawinigan ?"
    )

    assert not answer.abstained, answer.text
    assert "35 familles inscrites" in answer.text
    update = next(c for c in answer.citations if "35 familles" in (c.excerpt or ""))
    assert update.author == "marie.tremblay" and update.date


@pytest.mark.parametrize(("question", "expected"), [
    ("Qui porte le Jardin collectif de Shawinigan ?", "Maison de la famille de Shawinigan"),
    ("Quand le Jardin collectif de Shawinigan a-t-il commencé ?", "1er mai 2025"),
])
def test_a_logged_project_answers_from_its_record_card(
    home_copy: Path, encoder, tmp_path: Path, question: str, expected: str
):
    """The card's lines (promoter, start) answer as well as an update's, even when an update
    is newer and says more."""
    assistant = _assistant_after(home_copy, encoder, tmp_path, (
        'projet nouveau "Jardin collectif de Shawinigan" région:Mauricie '
        "promoteur:Maison de la famille de Shawinigan début:2025-05-01",
        'projet maj "Jardin collectif de Shawinigan" 35 familles inscrites au jardin cette '
        "saison statut:en cours",
    ))

    answer = assistant.ask(question)

    assert not answer.abstained, answer.text
    assert expected in answer.text
    card = next(c for c in answer.citations if expected in (c.excerpt or ""))
    assert card.author == "marie.tremblay"
