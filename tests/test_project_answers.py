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


def test_a_logged_project_answers_how_many_families(home_copy: Path, encoder, tmp_path: Path):
    assistant = Assistant(KnowledgeIndex(home_copy, encoder=encoder, chroma_url=""))
    core = ChatCore(State(tmp_path / "state.db"), admins={ADMIN}, assistant=assistant)
    projects = ProjectCommands(
        ProjectStore(database_path(home_copy)), EditorPolicy({USER}, set()),
        assistant=lambda: assistant,
    )
    core.register(projects.command())
    for number, text in enumerate((
        'projet nouveau "Jardin collectif de Shawinigan" région:Mauricie',
        'projet maj "Jardin collectif de Shawinigan" 35 familles inscrites au jardin cette '
        "saison statut:en cours",
    )):
        core.handle(ChatRequest(
            text=text, user_id=USER, conversation=Conversation("slack", "C0MAURICIE"),
            private=True, surface="command", request_id=f"slack:test:{number}",
            user_name="marie.tremblay",
        ))

    answer = assistant.ask(
        "Combien de familles sont inscrites au Jardin collectif de Shawinigan ?"
    )

    assert not answer.abstained, answer.text
    assert "35 familles inscrites" in answer.text
    update = next(c for c in answer.citations if "35 familles" in (c.excerpt or ""))
    assert update.author == "marie.tremblay" and update.date
