"""Projects end to end through Slack: signed `/projet` commands, modal submissions and button
clicks sent over HTTP to `alliances serve`'s web application (in this process, the real
Assistant over a copy of the ingested knowledge base), Slack's Web API and response_urls
played by the stand-in; then a colleague's question answered from the update just logged.
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standins.project_transcript import record_project_journey
from standins.servers import (
    OTHER_USER,
    USER,
    InProcessServer,
    RunningSlackApp,
    message_text,
    new_channel,
    server_environment,
    wait_answers,
    wait_until_ready,
)
from standins.slack_api import SlackSender, SlackStandIn

from bot.server import create_app
from bot.settings import load_settings
from bot.slack.project_blocks import ACTION_PICK, ACTION_SHOW, VIEW_NEW_PROJECT
from knowledge.paths import database_path
from knowledge.projects import ProjectStore

pytest_plugins = ["slack_fixtures"]

GROUP = "S0EDITORS"
GROUP_MEMBER = "U0GROUP01"
PROJECT = "/projet"


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory,
    shipped_home: Path,
    encoder: Any,
    slack_standin: SlackStandIn,
) -> Iterator[RunningSlackApp]:
    """`alliances serve`'s application with editors (a user and a Slack user group) and the
    real Assistant over a private copy of the ingested data folder."""
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    home = tmp_path_factory.mktemp("projects-serve") / "home"
    shutil.copytree(shipped_home, home)
    environ = {
        **server_environment(slack_standin, home),
        "ALLIANCES_EDITORS": f"{USER},{GROUP}",
    }
    slack_standin.usergroups[GROUP] = [GROUP_MEMBER]
    assistant = Assistant(KnowledgeIndex(home, encoder=encoder, chroma_url=""))
    server = InProcessServer(
        create_app(load_settings(environ), assistant_factory=lambda: assistant)
    ).start()
    try:
        wait_until_ready(server.url, 120)
        yield RunningSlackApp(
            server, slack_standin, SlackSender(server.events_url, slack_standin), home
        )
    finally:
        server.stop()


@pytest.fixture()
def store(app: RunningSlackApp) -> Iterator[ProjectStore]:
    with ProjectStore(database_path(app.home)) as opened:
        yield opened


def run(
    app: RunningSlackApp,
    text: str,
    *,
    user: str = USER,
    channel: str | None = None,
    user_name: str | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Send `/projet <text>`; returns what was sent and the private reply posted back."""
    sent, url = app.sender.command(
        text,
        user=user,
        channel=channel or new_channel(),
        command=PROJECT,
        user_name=user_name,
    )
    assert sent.status == 200 and sent.elapsed_s < 1.5, (sent.status, sent.response_body)
    post = app.standin.wait_for(
        lambda s: [p for p in s.response_posts if p.url == url], timeout=30
    )[0]
    assert post.body["response_type"] == "ephemeral"
    return sent, post.body


def created_id(reply: dict[str, Any]) -> int:
    text = message_text(reply)
    return int(text.split("(#", 1)[1].split(")", 1)[0])


# --- creating -----------------------------------------------------------------------------


def test_create_by_modal_with_errors_under_the_fields(app: RunningSlackApp, store) -> None:
    channel = new_channel()
    views_before = len(app.standin.views)
    sent, url = app.sender.command("nouveau", user=USER, channel=channel, command=PROJECT)
    assert sent.status == 200
    view = app.standin.wait_for(lambda s: s.views[views_before:])[0]
    assert view["callback_id"] == VIEW_NEW_PROJECT
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert {"name", "region", "budget", "status", "start_date", "end_date"} <= set(blocks)
    options = [o["value"] for o in blocks["region"]["element"]["options"]]
    assert "Mauricie" in options and "CSSSPNQL" in options
    opened = app.standin.calls_to("views.open")[-1].args
    assert opened["trigger_id"] == urllib.parse.parse_qs(sent.body)["trigger_id"][0]

    def values(**fields: str) -> dict[str, Any]:
        state = {
            "name": {"name": {"type": "plain_text_input", "value": "Jardins partagés du Cap"}},
            "region": {
                "region": {"type": "static_select", "selected_option": {"value": "Mauricie"}}
            },
        }
        for name, value in fields.items():
            if name.endswith("_date"):
                state[name] = {name: {"type": "datepicker", "selected_date": value}}
            else:
                state[name] = {name: {"type": "plain_text_input", "value": value}}
        return state

    count = store.count()
    refused = app.sender.submit_view(
        view,
        values(budget="-40 000 $", start_date="2025-06-01", end_date="2025-01-01"),
        user=USER,
    )
    assert refused.status == 200
    answer = json.loads(refused.response_body)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"budget", "end_date"}
    assert "négatif" in answer["errors"]["budget"]
    assert store.count() == count  # nothing written

    accepted = app.sender.submit_view(view, values(budget="40 000,50 $"), user=USER)
    assert accepted.status == 200 and accepted.response_body == ""  # the modal closes
    confirmation = app.standin.wait_for(
        lambda s: [p for p in s.response_posts if p.url == url], timeout=30
    )[0]
    assert "Projet créé" in message_text(confirmation.body)
    assert "Jardins partagés du Cap" in message_text(confirmation.body)
    (project,) = store.find("Jardins partagés du Cap").exact
    assert project.budget_cents == 4_000_050 and project.created_by == USER


def test_an_absurd_budget_in_the_modal_is_a_field_error(app: RunningSlackApp, store) -> None:
    views_before = len(app.standin.views)
    app.sender.command("nouveau", user=USER, channel=new_channel(), command=PROJECT)
    view = app.standin.wait_for(lambda s: s.views[views_before:])[0]
    count = store.count()
    state = {
        "name": {"name": {"type": "plain_text_input", "value": "Budget fou"}},
        "region": {"region": {"type": "static_select", "selected_option": {"value": "Estrie"}}},
        "budget": {
            "budget": {"type": "plain_text_input", "value": "10000000000000000000000000000 $"}
        },
    }
    refused = app.sender.submit_view(view, state, user=USER)
    answer = json.loads(refused.response_body)
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"budget"}
    assert "Montant trop élevé (budget)" in answer["errors"]["budget"]
    assert "10 000 000 000 $" in answer["errors"]["budget"].replace("\u00a0", " ")
    assert store.count() == count


def test_no_form_for_a_non_editor(app: RunningSlackApp) -> None:
    views_before = len(app.standin.views)
    _, reply = run(app, "nouveau", user=OTHER_USER)
    assert "Seuls les rédacteurs" in message_text(reply)
    app.standin.quiet(0.3)
    assert len(app.standin.views) == views_before


# --- the journey: create, update, then a question -----------------------------------------


def test_update_then_a_question_is_answered_from_it(
    app: RunningSlackApp, store, tmp_path: Path
) -> None:
    """The issue's outcome: `/projet maj …`, a confirmation card, then "Où en sont les
    maraîchers du cœur ?" answered from the update, citing its author and date."""
    steps, markdown = record_project_journey(app, new_channel())
    created, logged, asked = steps

    (reply,) = created.posts
    assert "✅ Projet créé" in message_text(reply.body)
    assert "40\u00a0000\u00a0$" in message_text(reply.body)
    (project,) = store.find("Les maraîchers du cœur").exact

    (reply,) = logged.posts
    text = message_text(reply.body)
    assert "Mise à jour enregistrée" in text and f"({project.reference})" in text
    assert "> 12 jeunes inscrits pour la saison; plateau ouvert le 3 juin" in text
    assert "à venir → en cours" in text
    assert "les questions en tiennent compte dès maintenant" in text
    (update,) = store.updates(project.id)
    assert update.author == USER and update.author_name == "marie.tremblay"
    assert store.get(project.id).status == "en cours"  # type: ignore[union-attr]

    (answer,) = asked.messages
    assert "12 jeunes inscrits pour la saison" in answer["text"]
    sources = message_text(answer)
    assert "Les maraîchers du cœur — mise à jour du" in sources
    assert f"(marie.tremblay, {update.local_date.isoformat()})" in sources
    assert "X-Slack-Signature: v0=" in markdown
    (tmp_path / "projects-transcript.md").write_text(markdown, encoding="utf-8")


def test_show_list_and_the_show_button(app: RunningSlackApp) -> None:
    _, created = run(app, 'nouveau "Cuisine collective des Forges" région:Mauricie')
    project_id = created_id(created)
    run(app, f"maj #{project_id} Trois ateliers donnés, 24 familles personnes:24 montant:1 200 $")
    _, card = run(app, f"voir #{project_id}")
    header = card["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == f"Cuisine collective des Forges (#{project_id})"
    text = message_text(card)
    assert "Dernières mises à jour" in text and "Trois ateliers donnés" in text
    assert "Personnes rejointes : 24" in text and "1\u00a0200\u00a0$" in text

    channel = new_channel()
    _, listing = run(app, "liste région:Mauricie", channel=channel)
    assert listing["blocks"][0]["text"]["text"].startswith("Projets — Mauricie (")
    row = next(
        block
        for block in listing["blocks"]
        if "Cuisine collective des Forges" in (block.get("text") or {}).get("text", "")
    )
    button = row["accessory"]
    assert button["action_id"] == ACTION_SHOW
    _, url = app.sender.click(button, user=OTHER_USER, channel=channel, ephemeral=True)
    shown = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])[0]
    assert shown.body["blocks"][0]["text"]["text"].startswith("Cuisine collective des Forges")


def test_an_ambiguous_name_gives_a_pick_list(app: RunningSlackApp, store) -> None:
    first = created_id(run(app, 'nouveau "Lucioles Val-d\'Or" région:Abitibi')[1])
    second = created_id(run(app, 'nouveau "Lucioles Rouyn" région:Abitibi')[1])
    channel = new_channel()
    _, choice = run(app, 'maj "Lucioles" 5 familles accompagnées', channel=channel)
    assert "Plusieurs projets correspondent à « Lucioles »" in message_text(choice)
    buttons = [b["accessory"] for b in choice["blocks"] if b.get("accessory")]
    assert [b["action_id"] for b in buttons] == [ACTION_PICK, ACTION_PICK]
    assert store.updates(first) == [] and store.updates(second) == []  # nothing guessed
    pick = next(b for b in buttons if b["value"].endswith(f":{second}"))
    _, url = app.sender.click(pick, user=USER, channel=channel, ephemeral=True)
    done = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])[0]
    assert done.body["replace_original"] is True
    assert "Mise à jour enregistrée" in message_text(done.body)
    assert [u.text for u in store.updates(second)] == ["5 familles accompagnées"]
    assert store.updates(first) == []


# --- who may write ------------------------------------------------------------------------


def test_a_non_editor_is_refused_and_nothing_is_written(app: RunningSlackApp, store) -> None:
    project_id = created_id(run(app, 'nouveau "Halte-répit Shawinigan" région:Mauricie')[1])
    audit = len(store.audit())
    _, refused = run(app, f"maj #{project_id} Ouverture reportée", user=OTHER_USER)
    text = message_text(refused)
    assert refused["blocks"][0]["text"]["text"].startswith("⚠️ Seuls les rédacteurs")
    assert OTHER_USER in text
    assert "ALLIANCES_EDITORS" in text
    assert len(store.audit()) == audit
    _, card = run(app, f"voir #{project_id}", user=OTHER_USER)  # reading is open to all
    assert "Halte-répit Shawinigan" in message_text(card)


def test_members_of_an_editor_user_group_may_write(app: RunningSlackApp, store) -> None:
    _, created = run(app, 'nouveau "Friperie solidaire" région:Estrie', user=GROUP_MEMBER)
    assert "Projet créé" in message_text(created)
    calls = app.standin.calls_to("usergroups.users.list")
    assert calls and calls[-1].args["usergroup"] == GROUP


def test_nobody_may_write_without_editors(start_server) -> None:
    bare = start_server()  # no ALLIANCES_EDITORS
    _, reply = run(bare, 'nouveau "Jardin" région:Estrie')
    text = message_text(reply)
    assert "Aucun rédacteur n'est configuré" in text
    assert "ALLIANCES_EDITORS" in text and USER in text


# --- never twice, never silently wrong ----------------------------------------------------


def test_a_retried_command_is_logged_once(app: RunningSlackApp, store) -> None:
    project_id = created_id(run(app, 'nouveau "Popote roulante" région:Mauricie')[1])
    channel = new_channel()
    sent, url = app.sender.command(
        f"maj #{project_id} 40 repas livrés", user=USER, channel=channel, command=PROJECT
    )
    retried = app.sender.post(
        sent.body,
        "application/x-www-form-urlencoded",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert sent.status == retried.status == 200
    app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    app.standin.quiet(0.5)
    assert len([p for p in app.standin.response_posts if p.url == url]) == 1
    assert [u.text for u in store.updates(project_id)] == ["40 repas livrés"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ('nouveau "Jardin" région:Mauricy', "Vouliez-vous dire : Mauricie"),
        ('nouveau "Jardin" région:CSSPNQL', "Vouliez-vous dire : CSSSPNQL"),
        ("maj #{id} 12 jeunes montant:-5 $", "Montant négatif"),
        ("maj #{id} 12 jeunes montant:12,500 $", "Montant illisible"),
        ("maj #{id} 12 jeunes montant:10000000000000000000000000000 $", "Montant trop élevé"),
        ("maj #{id} 12 jeunes personnes:" + "9" * 40, "Nombre de personnes trop élevé"),
        ('nouveau "Jardin" région:Estrie budget:99999999999999999999 G$', "Montant trop élevé"),
        ("maj #{id} 12 jeunes statut:presque", "Statut inconnu : « presque »"),
        ("maj #99999 12 jeunes", "Aucun projet ne porte le numéro #99999"),
        ('maj "Projet fantôme" 12 jeunes', "Aucun projet ne s'appelle"),
        ("maj #{id}", "texte de la mise à jour est vide"),
        ("maj #{id} " + "très long texte " * 300, "trop long"),
    ],
)
def test_bad_input_gets_a_clear_private_message(
    app: RunningSlackApp, store, command: str, message: str
) -> None:
    found = store.find("Popote des erreurs").exact
    project_id = (
        found[0].id
        if found
        else created_id(run(app, 'nouveau "Popote des erreurs" région:Mauricie')[1])
    )
    audit = len(store.audit())
    _, reply = run(app, command.replace("{id}", str(project_id)))
    text = message_text(reply)
    assert reply["blocks"][0]["text"]["text"].startswith("⚠️") and message in text, text
    assert len(store.audit()) == audit


def test_project_commands_by_mention_too(app: RunningSlackApp) -> None:
    project_id = created_id(run(app, 'nouveau "Comptoir alimentaire" région:Estrie')[1])
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, f"projet voir #{project_id}", as_mention=True)
    (card,) = wait_answers(app.standin, channel, event["ts"])
    assert card["blocks"][0]["text"]["text"] == f"Comptoir alimentaire (#{project_id})"
