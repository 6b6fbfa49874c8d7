"""A document's whole life in the knowledge base, end to end through Slack: signed events,
button clicks and `/alliances` commands sent over HTTP to `alliances serve`'s web
application (in this process, the real Assistant over a copy of the ingested knowledge
base); the Slack stand-in serves the shared files' bytes at their private URL to the bot
token only. A curator shares a PDF and a Word document and adds both; a question only the
PDF answers cites it; `sources` lists both, `sources corriger` changes the Word document's
title (`sources voir` shows it), `sources retirer` removes the PDF, and the same question
now gets « Je ne trouve pas la réponse ».
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from slack_fixtures import ask, click, command, share, shown
from standins.servers import RunningSlackApp
from upload_files import ABSTENTION, Journey, journey_documents, uploaded_numbers

from bot.slack.upload_blocks import ACTION_UPLOAD_ADD

pytest_plugins = ["slack_fixtures"]
pytestmark = pytest.mark.slow  # the real index: embeds the new documents, answers questions


@pytest.fixture()
def app(start_curated: Callable[..., tuple[RunningSlackApp, Any]]) -> tuple[RunningSlackApp, Any]:
    return start_curated()


def test_share_add_ask_list_correct_remove_then_the_assistant_abstains(app) -> None:
    app, _ = app
    for name, data, title in journey_documents():
        channel, offer, file = share(app, name, data)
        assert f"Ajouter « {title} » à la base de connaissances ?" in shown(offer), shown(offer)
        assert app.standin.downloads[-1] == (file["id"], 200)  # the bot token was accepted
        added, posts = click(app, channel, offer, ACTION_UPLOAD_ADD)
        assert "Indexation en cours" in json.dumps(posts[0], ensure_ascii=False)
        assert "✅ Ajouté à la base" in shown(added) and title in shown(added), shown(added)

    answer = ask(app, Journey.PDF_QUESTION)
    assert ABSTENTION not in answer, answer
    assert Journey.PDF_TITLE in answer and Journey.PDF_FACT in answer, answer

    numbers = uploaded_numbers(app.home)
    pdf, docx = numbers[Journey.PDF_TITLE], numbers[Journey.DOCX_TITLE]
    listing = shown(command(app, "sources"))
    assert f"*[{pdf}]* {Journey.PDF_TITLE}" in listing, listing
    assert f"*[{docx}]* {Journey.DOCX_TITLE}" in listing, listing

    corrected = command(
        app, f'sources corriger {docx} titre:"{Journey.DOCX_CORRECTED_TITLE}" région:Gaspésie'
    )
    assert f"✅ Document [{docx}] corrigé" in shown(corrected), shown(corrected)
    card = shown(command(app, f"sources voir {docx}"))
    assert f"[{docx}] {Journey.DOCX_CORRECTED_TITLE}" in card, card
    assert "Gaspésie" in card and "Corrigé à la main" in card, card

    removed = command(app, f"sources retirer {pdf}")
    assert f"Document [{pdf}] retiré de la base" in shown(removed), shown(removed)
    assert f"[{pdf}]" not in shown(command(app, "sources"))

    again = ask(app, Journey.PDF_QUESTION)
    assert Journey.PDF_TITLE not in again and Journey.PDF_FACT not in again, again
    assert ABSTENTION in again, again
