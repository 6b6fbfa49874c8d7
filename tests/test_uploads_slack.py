"""Adding a document by sharing it, end to end through Slack: signed events and button
clicks sent over HTTP to `alliances serve`'s web application (in this process, the real
Assistant over a copy of the ingested knowledge base); the Slack stand-in serves the
files' bytes at their private URL to the bot token only (`files.info`,
`url_private_download`). A curator shares a PDF and a Word document in a direct message,
clicks Ajouter, and a question only the new document answers cites it; the same file
again is « déjà dans la base »; a new version replaces the old one; a non-curator's file
and a bad file are refused and leave nothing behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from slack_fixtures import ask, buttons, click, share, shown
from standins.servers import OTHER_USER, USER, RunningSlackApp
from upload_files import docx_bytes, pdf_bytes

from bot.slack.upload_blocks import ACTION_UPLOAD_ADD, ACTION_UPLOAD_CANCEL
from knowledge.paths import database_path
from knowledge.sources import SourceRegistry

pytest_plugins = ["slack_fixtures"]
pytestmark = pytest.mark.slow  # the real index: embeds the new documents, answers questions

PDF_TITLE = "Racines partagées : bilan des jardins collectifs de Lotbinière"
PDF_LINES = [
    "Le programme Racines partagées a soutenu quatorze jardins collectifs dans la MRC de "
    "Lotbinière en 2025.",
    "Le programme est coordonné par l'organisme Terre Commune Lotbinière, qui prête les "
    "outils et forme les bénévoles.",
    "Chaque jardin reçoit une aide de 3 500 $ pour les semences, le compost et l'eau.",
]
PDF_QUESTION = "Quel organisme coordonne le programme Racines partagées ?"
DOCX_TITLE = "Cuisines mobiles du Haut-Saint-Maurice : rapport d'étape"
DOCX_PARAGRAPHS = [
    "Le camion-cuisine La Marmite voyageuse visite neuf villages du Haut-Saint-Maurice "
    "chaque mois.",
    "Les ateliers de cuisine collective sont animés par la diététiste Odile Brassard.",
    "En 2025, la Marmite voyageuse a servi 4 200 repas à des familles à faible revenu.",
]
DOCX_QUESTION = "Combien de repas la Marmite voyageuse a-t-elle servis en 2025 ?"


@pytest.fixture()
def app(start_curated: Callable[..., tuple[RunningSlackApp, Any]]) -> tuple[RunningSlackApp, Any]:
    return start_curated({"ALLIANCES_MAX_UPLOAD_MB": "2"})


TRANSCRIPT: list[str] = []  # written to $ALLIANCES_UPLOAD_TRANSCRIPT when set (docs/sources.md)


def note(prompt: str, reply: dict[str, Any]) -> None:
    TRANSCRIPT.append(f"> {prompt}\n{reply.get('text', '')}\n")


def pending_folders(home: Path) -> list[Path]:
    root = home / "uploads" / "pending"
    return sorted(root.iterdir()) if root.is_dir() else []


def test_share_confirm_ask_duplicate_version_and_refusals(app) -> None:
    app, assistant = app
    home = app.home
    pdf = pdf_bytes(PDF_TITLE, PDF_LINES)
    before = ask(app, PDF_QUESTION)
    assert PDF_TITLE not in before

    # a curator shares a PDF in a DM: the offer, with Ajouter / Annuler
    channel, offer, file = share(app, "racines-partagees.pdf", pdf)
    note("[U0MARIE01 partage racines-partagees.pdf en message direct]", offer)
    assert f"Ajouter « {PDF_TITLE} » à la base de connaissances ?" in shown(offer)
    assert set(buttons(offer)) == {ACTION_UPLOAD_ADD, ACTION_UPLOAD_CANCEL}
    assert app.standin.downloads[-1] == (file["id"], 200)  # the bot token was accepted
    assert [c.args["file"] for c in app.standin.calls_to("files.info")][-1] == file["id"]
    assert len(pending_folders(home)) == 1

    added, posts = click(app, channel, offer, ACTION_UPLOAD_ADD)
    note("[clic sur Ajouter]", posts[0])
    note("[…]", added)
    assert "Indexation en cours" in json.dumps(posts[0], ensure_ascii=False)
    text = json.dumps(added, ensure_ascii=False)
    assert "✅ Ajouté à la base" in text and PDF_TITLE in text, text
    for label in ("Adresse (URL)", "Période(s)", "Régions", "Passages", "Ajouté par"):
        assert label in text, label
    assert f"<@{USER}>" in text
    assert pending_folders(home) == []
    stored = home / "uploads" / "racines-partagees.pdf"
    assert stored.read_bytes() == pdf
    with SourceRegistry(database_path(home)) as registry:
        source = registry.get(str(stored.resolve()))
        assert source is not None and source.added_by == USER and source.root == "uploads"
        assert [h.action for h in registry.history(source.number)] == ["added"]
    assert assistant.index.store.document(source.doc_id).chunk_count > 0

    after = ask(app, PDF_QUESTION)
    TRANSCRIPT.append(f"> {PDF_QUESTION}\n{after.split('[{', 1)[0].strip()}\n")
    assert PDF_TITLE in after and "Terre Commune" in after, after

    # the same for a Word document
    channel, offer, _ = share(
        app, "marmite-voyageuse.docx", docx_bytes(DOCX_TITLE, DOCX_PARAGRAPHS)
    )
    assert f"Ajouter « {DOCX_TITLE} »" in shown(offer)
    added, _ = click(app, channel, offer, ACTION_UPLOAD_ADD)
    assert "✅ Ajouté à la base" in json.dumps(added, ensure_ascii=False)
    answer = ask(app, DOCX_QUESTION)
    assert DOCX_TITLE in answer and "4 200 repas" in answer, answer

    # the same bytes again, under another name: already there, no buttons
    _, again, _ = share(app, "copie.pdf", pdf)
    note("[le même PDF partagé à nouveau, sous le nom copie.pdf]", again)
    assert f"Déjà dans la base : « {PDF_TITLE} »" in shown(again), shown(again)
    assert f"<@{USER}>" in shown(again) and not buttons(again)
    assert pending_folders(home) == []

    # a new version (same file name, other content): Remplacer, the old one leaves
    newer = pdf_bytes(PDF_TITLE, [*PDF_LINES[:2], "En 2026, chaque jardin reçoit 4 000 $."])
    channel, offer, _ = share(app, "racines-partagees.pdf", newer)
    note("[une nouvelle version de racines-partagees.pdf]", offer)
    assert f"Remplacer « {PDF_TITLE} » (ajouté par" in shown(offer), shown(offer)
    assert buttons(offer)[ACTION_UPLOAD_ADD]["text"]["text"] == "Remplacer"
    replaced, _ = click(app, channel, offer, ACTION_UPLOAD_ADD)
    note("[clic sur Remplacer]", replaced)
    assert "Nouvelle version ajoutée" in json.dumps(replaced, ensure_ascii=False)
    assert assistant.index.store.document(source.doc_id) is None
    with SourceRegistry(database_path(home)) as registry:
        old = registry.get(source.number)
        assert old.removed and old.removed_by == USER
        assert [h.action for h in registry.history(source.number)] == ["added", "removed"]
        newest = registry.get(str((home / "uploads" / "racines-partagees-2.pdf").resolve()))
        assert newest is not None and not newest.removed
    assert stored.is_file()  # the old file stays

    # Annuler: the pending file is deleted
    channel, offer, _ = share(
        app, "note.md", "# Note de passage\n\nUne note à ne pas garder.\n".encode()
    )
    cancelled, _ = click(app, channel, offer, ACTION_UPLOAD_CANCEL)
    note("[note.md partagé, clic sur Annuler]", cancelled)
    assert "Ajout annulé" in json.dumps(cancelled, ensure_ascii=False)
    assert pending_folders(home) == []

    # a non-curator's file: a polite notice, nothing downloaded, nothing kept
    downloads = len(app.standin.downloads)
    _, notice, _ = share(app, "mon-rapport.pdf", pdf_bytes("Autre", ["Texte."]), user=OTHER_USER)
    note("[U0PIERRE1, qui n'est pas responsable, partage mon-rapport.pdf]", notice)
    assert "Seuls les responsables de la base" in shown(notice)
    assert len(app.standin.downloads) == downloads and pending_folders(home) == []

    # bad files: a picture named .pdf; a file bigger than announced; a failed download
    with SourceRegistry(database_path(home)) as registry:
        count = len(registry.list(include_removed=True))
    _, refused, _ = share(app, "affiche.pdf", b"\x89PNG\r\n\x1a\n" + bytes(200))
    note("[affiche.pdf, une image PNG]", refused)
    assert "n'a pas été ajouté" in shown(refused) and "image PNG" in shown(refused)
    _, refused, _ = share(app, "gros.txt", b"mot " * (800 * 1024), size=1000)
    note("[gros.txt, 3,1 Mo annoncés comme 1 Ko ; limite 2 Mo]", refused)
    assert "trop volumineux" in shown(refused) and "2 Mo" in shown(refused)
    _, refused, _ = share(app, "perdu.pdf", pdf, status=500)
    note("[perdu.pdf, dont le téléchargement échoue (HTTP 500)]", refused)
    assert "n'a pas pu être téléchargé" in shown(refused)
    assert pending_folders(home) == []
    with SourceRegistry(database_path(home)) as registry:
        assert len(registry.list(include_removed=True)) == count
    if os.environ.get("ALLIANCES_UPLOAD_TRANSCRIPT"):
        Path(os.environ["ALLIANCES_UPLOAD_TRANSCRIPT"]).write_text(
            "\n".join(TRANSCRIPT), encoding="utf-8"
        )
