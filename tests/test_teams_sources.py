"""`sources` end to end through Teams: activities posted over HTTP to /api/messages of
`alliances serve`'s web application (in this process, the real Assistant over a copy of the
ingested knowledge base); the Bot Connector stand-in records the cards the bot sends. A
curator lists (and opens a document with the list's "Voir" button), corrects, removes, and
the next question no longer cites the removed document.
"""

from __future__ import annotations

import json

import pytest
from standins.teams_connector import PIERRE, USER_AAD, new_personal_chat_id
from teams_fixtures import RunningTeamsApp, dumped, reply_to, say

from bot.teams import source_cards as sc
from knowledge.paths import database_path
from knowledge.sources import SourceRegistry

pytest_plugins = ["teams_fixtures"]
pytestmark = pytest.mark.slow  # the real index: re-embeds a document, answers questions

MANDATAIRES = "mtess-alliances-mandataires-regions-2019-2023.txt"
ORIGINAL_TITLE = "Alliances pour la solidarité : mandataires et projets par région (2019-2023)"
QUESTION = "Qui est le mandataire de l'Alliance pour la solidarité en Mauricie ?"


@pytest.fixture()
def app(curator_app: RunningTeamsApp) -> RunningTeamsApp:
    return curator_app


def test_list_show_correct_remove_then_the_question_no_longer_cites_it(app) -> None:
    chat = new_personal_chat_id()
    with SourceRegistry(database_path(app.home)) as registry:
        number = registry.get(MANDATAIRES).number

    listing = say(app, chat, "sources")
    (card,) = listing.cards
    assert card["body"][0]["text"] == "Documents de la base (5)"
    assert json.dumps(card, ensure_ascii=False).count("— fourni") == 5
    show = next(
        action
        for element in card["body"]
        if element.get("type") == "ColumnSet"
        and f"[{number}] {ORIGINAL_TITLE}" in json.dumps(element, ensure_ascii=False)
        for column in element["columns"]
        for item in column["items"]
        if item.get("type") == "ActionSet"
        for action in item["actions"]
    )
    assert show["data"]["alliances_action"] == sc.ACTION_SHOW
    clicked, sent = app.sender.card_submit(listing, show["data"])
    assert sent.status in (200, 202)
    opened = reply_to(app, chat, clicked["id"])
    facts = {
        fact["title"]: fact["value"]
        for element in opened.cards[0]["body"]
        if element.get("type") == "FactSet"
        for fact in element["facts"]
    }
    assert facts["Régions"] == "toutes les régions" and facts["Fichier"].endswith(MANDATAIRES)
    assert "fourni avec l'assistant" in facts["Ajouté par"] and int(facts["Passages"]) > 0
    assert "Historique" in opened.text

    refused = say(app, chat, f"sources retirer {number}", user=PIERRE)
    assert "seuls les responsables de la base" in refused.text
    bad = say(app, chat, f"sources correct {number} period:2019")
    assert "Invalid period: “2019”" in bad.text and "sources correct" in bad.text

    corrected = say(app, chat, f"sources corriger {number} période:2019-2023 région:*")
    assert "corrigé" in dumped(corrected) and "2017-2023 → 2019-2023" in dumped(corrected)
    chunk_ids = app.assistant.index.store.chunk_ids_by_document([MANDATAIRES])[MANDATAIRES]
    passages = app.assistant.index.store.chunks_by_id(chunk_ids).values()
    assert {chunk.metadata["periods"] for chunk in passages} == {"2019-2023"}

    before = say(app, chat, QUESTION)
    assert ORIGINAL_TITLE in dumped(before)  # still there: it is cited

    removed = say(app, chat, f"sources retirer {number}")
    assert "retiré de la base" in dumped(removed)
    assert app.assistant.index.store.document(MANDATAIRES) is None
    assert f"[{number}]" not in dumped(say(app, chat, "sources"))

    after = say(app, new_personal_chat_id(), QUESTION, user=PIERRE)
    assert ORIGINAL_TITLE not in dumped(after) and MANDATAIRES not in dumped(after)
    with SourceRegistry(database_path(app.home)) as registry:
        source = registry.get(number)
        assert source.removed and source.removed_by == USER_AAD
        assert [h.action for h in registry.history(number)][-1] == "removed"
