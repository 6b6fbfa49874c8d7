"""A document's whole life in the knowledge base, end to end through Teams: activities
posted over HTTP to /api/messages of `alliances serve`'s web application (in this process,
the real Assistant over a copy of the ingested knowledge base); the Bot Connector stand-in
serves the shared files' bytes at their `downloadUrl` and records what the bot sends and
updates. A curator shares a PDF and a Word document (the Word one with an English message)
and clicks Ajouter / Add: the bot posts « Indexation en cours… » (“Indexing…”) and updates
that message with what it recorded. A question only the PDF answers cites it; `sources`
lists both, `sources corriger` changes the Word document's title (`sources voir` shows it),
`sources retirer` removes the PDF, and the same question now gets « Je ne trouve pas la
réponse ».
"""

from __future__ import annotations

import pytest
from standins.teams_connector import PIERRE, new_personal_chat_id
from teams_fixtures import RunningTeamsApp, decide, dumped, say, share
from upload_files import ABSTENTION, Journey, journey_documents, uploaded_numbers

pytest_plugins = ["teams_fixtures"]
pytestmark = pytest.mark.slow  # the real index: embeds the new documents, answers questions


@pytest.fixture()
def app(curator_app: RunningTeamsApp) -> RunningTeamsApp:
    return curator_app


def test_share_add_ask_list_correct_remove_then_the_assistant_abstains(app) -> None:
    chat = new_personal_chat_id()
    (pdf_name, pdf_data, _), (docx_name, docx_data, _) = journey_documents()

    offer = share(app, chat, pdf_name, pdf_data)
    assert f"Ajouter « {Journey.PDF_TITLE} » à la base de connaissances ?" in dumped(offer)
    progress, added = decide(app, offer, "Ajouter")
    assert progress.text == f"⏳ Indexation en cours… « {Journey.PDF_TITLE} »", progress.text
    assert added.method == "PUT" and added.id == progress.id  # the same message, updated
    assert "✅ Ajouté à la base" in dumped(added) and Journey.PDF_TITLE in dumped(added)

    offer = share(app, chat, docx_name, docx_data, "Here is our new report, please add it")
    assert f"Add “{Journey.DOCX_TITLE}” to the knowledge base?" in dumped(offer), dumped(offer)
    progress, added = decide(app, offer, "Add")
    assert progress.text == f"⏳ Indexing “{Journey.DOCX_TITLE}”…", progress.text
    assert added.method == "PUT" and added.id == progress.id
    assert "✅ Added to the knowledge base" in dumped(added), dumped(added)

    answer = say(app, new_personal_chat_id(), Journey.PDF_QUESTION, user=PIERRE, timeout=180)
    assert ABSTENTION not in dumped(answer), dumped(answer)
    assert Journey.PDF_TITLE in dumped(answer) and Journey.PDF_FACT in dumped(answer)

    numbers = uploaded_numbers(app.home)
    pdf, docx = numbers[Journey.PDF_TITLE], numbers[Journey.DOCX_TITLE]
    listing = dumped(say(app, chat, "sources"))
    assert f"[{pdf}] {Journey.PDF_TITLE}" in listing and f"[{docx}] {Journey.DOCX_TITLE}" in listing

    corrected = say(
        app, chat, f'sources corriger {docx} titre:"{Journey.DOCX_CORRECTED_TITLE}" région:Gaspésie'
    )
    assert f"Document [{docx}] corrigé" in dumped(corrected), dumped(corrected)
    card = dumped(say(app, chat, f"sources voir {docx}"))
    assert f"[{docx}] {Journey.DOCX_CORRECTED_TITLE}" in card and "Gaspésie" in card, card

    removed = say(app, chat, f"sources retirer {pdf}")
    assert f"Document [{pdf}] retiré de la base" in dumped(removed), dumped(removed)
    assert f"[{pdf}]" not in dumped(say(app, chat, "sources"))

    again = dumped(say(app, new_personal_chat_id(), Journey.PDF_QUESTION, user=PIERRE))
    assert Journey.PDF_TITLE not in again and Journey.PDF_FACT not in again, again
    assert ABSTENTION in again, again
