"""`sources` end to end through Slack: signed `/alliances sources …` commands and a mention,
sent over HTTP to `alliances serve`'s web application (in this process, the real Assistant
over a copy of the ingested knowledge base); Slack's Web API and response_urls played by the
stand-in. A curator lists, looks at a document, corrects it (the next answer cites it under
its corrected title), removes it, and the next question no longer cites it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from slack_fixtures import command
from standins.servers import (
    OTHER_USER,
    USER,
    RunningSlackApp,
    message_text,
    new_channel,
    wait_answers,
)

from knowledge.paths import database_path
from knowledge.sources import SourceRegistry

pytest_plugins = ["slack_fixtures"]
pytestmark = pytest.mark.slow  # the real index: re-embeds a document, answers questions

MANDATAIRES = "mtess-alliances-mandataires-regions-2019-2023.txt"
ORIGINAL_TITLE = "Alliances pour la solidarité : mandataires et projets par région (2019-2023)"
CORRECTED_TITLE = "Mandataires des Alliances, 2019-2023"
QUESTION = "Qui est le mandataire de l'Alliance pour la solidarité en Mauricie ?"


@pytest.fixture()
def app(start_curated: Callable[..., tuple[RunningSlackApp, Any]]) -> tuple[RunningSlackApp, Any]:
    """The server with the real Assistant over a private copy of the ingested data folder,
    the test user a curator."""
    return start_curated()


def shown(reply: dict[str, Any]) -> str:
    """What a person reads in a reply's blocks, section fields included (as JSON)."""
    return json.dumps(reply.get("blocks"), ensure_ascii=False)


def test_list_show_correct_remove_then_the_question_no_longer_cites_it(app, encoder) -> None:
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    app, assistant = app
    with SourceRegistry(database_path(app.home)) as registry:
        number = registry.get(MANDATAIRES).number

    listing = command(app, "sources")
    assert listing["blocks"][0]["text"]["text"] == "Documents de la base (5)"
    assert shown(listing).count("— fourni") == 5
    assert f"*[{number}]* {ORIGINAL_TITLE} — fourni" in shown(listing)

    card = command(app, f"sources voir {number}")
    text = shown(card)
    assert card["blocks"][0]["text"]["text"].startswith(f"[{number}] Alliances pour la")
    for expected in ("*Régions*\\ntoutes les régions", "*Passages*\\n", MANDATAIRES,
                     "fourni avec l'assistant", "Historique", "— ajouté"):  # fmt: skip
        assert expected in text, expected

    refused = command(app, f"sources retirer {number}", user=OTHER_USER)
    assert "seuls les responsables de la base" in message_text(refused)
    bad = command(app, f"sources corriger {number} région:Atlantide")
    assert "Région inconnue : « Atlantide »" in message_text(bad)
    assert "`/alliances sources corriger" in message_text(bad)
    with SourceRegistry(database_path(app.home)) as registry:
        assert [h.action for h in registry.history(number)] == ["added"]

    corrected = command(
        app, f'sources corriger {number} titre:"{CORRECTED_TITLE}" période:2019-2023'
    )
    assert "✅ Document" in message_text(corrected), message_text(corrected)
    assert "portent la correction" in shown(corrected)
    chunk_ids = assistant.index.store.chunk_ids_by_document([MANDATAIRES])[MANDATAIRES]
    passages = assistant.index.store.chunks_by_id(chunk_ids).values()
    assert {chunk.metadata["title"] for chunk in passages} == {CORRECTED_TITLE}
    assert {chunk.metadata["periods"] for chunk in passages} == {"2019-2023"}
    answer = command(app, QUESTION)
    assert CORRECTED_TITLE in shown(answer), shown(answer)  # cited under its new title

    removed = command(app, f"sources retirer {number}")
    assert "retiré de la base" in message_text(removed)
    assert "ne servent plus aux réponses" in shown(removed)
    assert assistant.index.store.document(MANDATAIRES) is None
    assert f"[{number}]" not in shown(command(app, "sources"))

    channel = new_channel()
    event, _ = app.sender.user_writes(channel, OTHER_USER, QUESTION, as_mention=True)
    (after,) = wait_answers(app.standin, channel, event["ts"], timeout=120)
    cited = message_text(after) + shown(after)
    assert CORRECTED_TITLE not in cited and ORIGINAL_TITLE not in cited
    assert MANDATAIRES not in cited
    with SourceRegistry(database_path(app.home)) as registry:
        actions = [(h.action, h.actor) for h in registry.history(number)]
    assert actions[0] == ("added", None) and ("corrected", USER) in actions
    assert actions[-1] == ("removed", USER)
    # A server start (or `alliances ingest`) checks the shipped documents again: it stays out.
    restarted = Assistant(KnowledgeIndex(app.home, encoder=encoder, chroma_url=""))
    restarted.ensure_ready()
    assert restarted.index.store.document(MANDATAIRES) is None
    report = restarted.ingest()
    assert report.withdrawn == [MANDATAIRES] and not report.added and not report.changed
