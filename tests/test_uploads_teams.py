"""Adding a document by sharing it, end to end through Teams: a personal-chat message with
a file download info attachment posted to /api/messages (the stand-in serves the bytes at
its `downloadUrl`), the offer card's Ajouter button submitted, then a question only the
new document answers cites it. A non-curator's file is refused."""

from __future__ import annotations

import pytest
from standins.teams_connector import MARIE, PIERRE, USER_AAD, new_personal_chat_id
from teams_fixtures import RunningTeamsApp, decide, dumped, reply_to, say, share
from upload_files import pdf_bytes

from bot.teams import upload_cards as uc
from knowledge.paths import database_path
from knowledge.sources import SourceRegistry

pytest_plugins = ["teams_fixtures"]
pytestmark = pytest.mark.slow  # the real index: embeds the new document, answers a question

TITLE = "Racines partagées : bilan des jardins collectifs de Lotbinière"
LINES = [
    "Le programme Racines partagées a soutenu quatorze jardins collectifs dans la MRC de "
    "Lotbinière en 2025.",
    "Le programme est coordonné par l'organisme Terre Commune Lotbinière, qui prête les "
    "outils et forme les bénévoles.",
]
QUESTION = "Quel organisme coordonne le programme Racines partagées ?"


@pytest.fixture()
def app(curator_app: RunningTeamsApp) -> RunningTeamsApp:
    return curator_app


def test_share_confirm_then_the_question_cites_it(app) -> None:
    chat = new_personal_chat_id()
    offer = share(app, chat, "racines-partagees.pdf", pdf_bytes(TITLE, LINES))
    (card,) = offer.cards
    assert f"Ajouter « {TITLE} » à la base de connaissances ?" in dumped(offer)
    add, cancel = card["actions"]
    assert (add["title"], cancel["title"]) == ("Ajouter", "Annuler")
    assert add["data"]["alliances_action"] == uc.ACTION_UPLOAD and add["data"]["decision"] == "add"
    assert app.standin.downloads[-1][1] == 200

    refused, _ = decide(app, offer, "Ajouter", user=PIERRE)
    assert "Seuls les responsables" in refused.text and "⏳" not in refused.text

    progress, added = decide(app, offer, "Ajouter")
    assert f"⏳ Indexation en cours… « {TITLE} »" in progress.text, progress.text
    assert added.method == "PUT" and added.id == progress.id  # the same message, updated
    assert "✅ Ajouté à la base" in dumped(added) and "Passages" in dumped(added), dumped(added)
    # Teams shows the person who added it by name, not by Entra object id
    assert MARIE.name in dumped(added) and USER_AAD not in dumped(added), dumped(added)
    with SourceRegistry(database_path(app.home)) as registry:
        (source,) = [s for s in registry.list() if s.root == "uploads"]
        assert source.title == TITLE and source.added_by == USER_AAD

    answer = say(app, new_personal_chat_id(), QUESTION, user=PIERRE, timeout=180)
    assert TITLE in dumped(answer) and "Terre Commune" in dumped(answer), dumped(answer)

    # a non-curator's file: a polite notice, nothing downloaded
    downloads = len(app.standin.downloads)
    other = app.standin.add_file("autre.pdf", pdf_bytes("Autre", ["Texte."]))
    activity, _ = app.sender.personal_message(chat, "", attachments=[other], user=PIERRE)
    assert "Seuls les responsables" in reply_to(app, chat, activity["id"], timeout=180).text
    assert len(app.standin.downloads) == downloads
