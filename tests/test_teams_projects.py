"""Projects in Teams: the project replies as Adaptive Cards, the creation form
as a card whose errors come back next to the fields, the pick-list's buttons, and writes that
happen once however often Teams delivers them.

Activities are posted over HTTP to /api/messages of `alliances serve`'s web application (in
this process, an injected assistant); the Bot Connector stand-in records what the bot sends,
including the cards it updates in place (PUT …/activities/{id}). The same journey seen from
Slack is test_teams_door.py::test_project_update_from_teams_is_seen_from_slack.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from microsoft_agents.activity import Activity
from standins.teams_connector import (
    ADMIN_AAD,
    BOT_ID,
    PIERRE,
    TENANT_ID,
    USER_AAD,
    Received,
    new_channel_id,
    new_personal_chat_id,
)

from bot.projects import (
    ProjectCardReply,
    ProjectFormReply,
    ProjectListReply,
    ProjectSummary,
    project_form,
)
from bot.teams import cards as kit
from bot.teams import project_cards as pc
from bot.teams import render
from bot.teams.messages import chat_request, place_of
from knowledge.paths import database_path
from knowledge.projects import Project, ProjectStore, ProjectUpdate

pytest_plugins = ["teams_fixtures"]

EDITORS = {"ALLIANCES_EDITORS": f"{USER_AAD},{ADMIN_AAD}"}
JARDINS = "Jardins de Trois-Rivières"


@pytest.fixture()
def app(start_teams):
    return start_teams(extra_environment=EDITORS)


@pytest.fixture()
def store(app) -> Iterator[ProjectStore]:
    with ProjectStore(database_path(app.home)) as opened:
        yield opened


# --- helpers ------------------------------------------------------------------------------


def strings(element: Any) -> str:
    """Every string of a card (text blocks, facts, inputs, buttons), for searching; no-break
    spaces (amounts) as spaces."""
    if isinstance(element, str):
        return element.replace("\xa0", " ").replace("\u202f", " ")
    if isinstance(element, dict):
        return "\n".join(strings(value) for value in element.values())
    if isinstance(element, list):
        return "\n".join(strings(value) for value in element)
    return ""


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(element: Any) -> None:
        if isinstance(element, dict):
            if element.get("type") == "Action.Submit":
                found.append(element)
            for value in element.values():
                walk(value)
        elif isinstance(element, list):
            for value in element:
                walk(value)

    walk(card)
    return found


def error_under(card: dict[str, Any], field: str) -> str | None:
    """The error message shown right under an input, if any."""
    body = card["body"]
    index = next(i for i, e in enumerate(body) if e.get("id") == field)
    following = body[index + 1] if index + 1 < len(body) else {}
    if following.get("type") == "TextBlock" and following.get("color") == "Attention":
        return following["text"]
    return None


def updates_of(app, conversation: str, activity_id: str) -> list[Received]:
    return [
        item
        for item in app.standin.messages(conversation)
        if item.method == "PUT" and item.id == activity_id
    ]


def wait_update(app, conversation: str, activity_id: str, count: int = 1) -> Received:
    """The `count`-th in-place update of a message the bot sent."""
    found = app.standin.wait_for(
        lambda _s: (
            len(updates_of(app, conversation, activity_id)) >= count
            and updates_of(app, conversation, activity_id)
        )
    )
    return found[count - 1]


def posts(app, conversation: str) -> list[Received]:
    return [item for item in app.standin.messages(conversation) if item.method == "POST"]


def wait_posts(app, conversation: str, count: int) -> list[Received]:
    return app.standin.wait_for(
        lambda _s: len(found := posts(app, conversation)) >= count and found
    )


def say(app, chat: str, text: str, *, user=None) -> Received:
    """A message in a personal chat, and the bot's (first) reply to it."""
    options = {"user": user} if user is not None else {}
    activity, sent = app.sender.personal_message(chat, text, **options)
    assert sent.status == 202
    return app.standin.wait_for(
        lambda _s: [r for r in posts(app, chat) if r.reply_to_id == activity["id"]]
    )[0]


def open_form(app, chat: str) -> tuple[Received, dict[str, Any]]:
    form = say(app, chat, "projet nouveau")
    (card,) = form.cards
    return form, card


def submit_data(card: dict[str, Any], **values: str) -> dict[str, Any]:
    """What Teams sends for a click on "Créer": the action's data and the inputs' values."""
    (create,) = [b for b in card["actions"] if b["data"][kit.ACTION_KEY] == pc.ACTION_FORM]
    return create["data"] | {name: "" for name in inputs(card)} | values


# --- the form -----------------------------------------------------------------------------


def test_projet_nouveau_shows_the_form_card(app) -> None:
    chat = new_personal_chat_id()
    form, card = open_form(app, chat)
    assert card["type"] == "AdaptiveCard" and "Nouveau projet" in form.text
    fields = inputs(card)
    assert list(fields) == [field.name for field in project_form().fields]
    assert fields["name"]["type"] == "Input.Text" and fields["name"]["isRequired"]
    assert fields["name"]["label"] == "Nom du projet"
    region = fields["region"]
    assert region["type"] == "Input.ChoiceSet" and region["isRequired"]
    assert {"title": "CSSSPNQL", "value": "CSSSPNQL"} in region["choices"]
    assert fields["status"]["value"] == "à venir"
    assert fields["start_date"]["type"] == fields["end_date"]["type"] == "Input.Date"
    assert fields["description"]["isMultiline"]
    create, cancel = card["actions"]
    assert create["type"] == cancel["type"] == "Action.Submit"
    assert create["title"] == "Créer" and cancel["associatedInputs"] == "none"


def test_form_with_errors_comes_back_with_the_messages_next_to_the_fields(app, store) -> None:
    chat = new_personal_chat_id()
    form, card = open_form(app, chat)
    data = submit_data(
        card,
        name=JARDINS,
        region="Mauricie",
        budget="-40 000 $",
        start_date="2025-06-01",
        end_date="2025-05-01",
        promoter="Coopérative Le Pivot",
    )
    _, sent = app.sender.card_submit(form, data)
    assert sent.status == 202 and sent.elapsed_s < 1.0
    updated = wait_update(app, chat, form.id)
    (again,) = updated.cards
    assert "Rien n'a été enregistré" in strings(again)
    assert "Montant négatif (budget)" in error_under(again, "budget")
    assert "précède le début" in error_under(again, "end_date")
    assert error_under(again, "name") is None and error_under(again, "region") is None
    fields = inputs(again)  # what was typed is kept
    assert (
        fields["name"]["value"] == JARDINS and fields["promoter"]["value"] == "Coopérative Le Pivot"
    )
    assert fields["budget"]["value"] == "-40 000 $"
    assert store.count() == 0
    assert len(posts(app, chat)) == 1  # the card was updated, nothing new was posted

    # corrected in the same card: created, and the form becomes the confirmation
    fixed = data | {"budget": "40 000 $", "end_date": "2026-05-01"}
    app.sender.card_submit(updated, fixed)
    confirmation = wait_update(app, chat, form.id, count=2)
    text = strings(confirmation.cards[0])
    assert f"Projet créé : **{JARDINS}** (#1)" in text
    assert "Mauricie" in text and "40 000 $" in text and "Coopérative Le Pivot" in text
    assert "Par Marie Tremblay" in text
    (project,) = store.projects()
    assert project.name == JARDINS and project.budget_cents == 4_000_000
    assert project.created_by == USER_AAD and project.created_by_name == "Marie Tremblay"
    assert project.platform == "teams" and project.end_date == "2026-05-01"

    # the same form clicked again (a second click, a stale card): nothing more is created
    app.sender.card_submit(updated, fixed | {"name": "Autre nom"})
    replayed = wait_update(app, chat, form.id, count=3)
    assert "déjà été reçue" in strings(replayed.cards[0])
    assert store.count() == 1


def test_an_absurd_budget_is_a_field_error_not_an_internal_error(app, store) -> None:
    chat = new_personal_chat_id()
    form, card = open_form(app, chat)
    count = store.count()
    huge = "10000000000000000000000000000 $"
    app.sender.card_submit(form, submit_data(card, name="Budget fou", region="Estrie", budget=huge))
    (again,) = wait_update(app, chat, form.id).cards
    message = error_under(again, "budget") or ""
    assert "Montant trop élevé (budget)" in message, strings(again)
    assert "10 000 000 000 $" in message.replace("\u00a0", " ")  # the limit is said
    assert "erreur interne" not in strings(again)
    assert inputs(again)["budget"]["value"] == huge and store.count() == count


def test_form_missing_region_and_duplicate_name(app, store) -> None:
    chat = new_personal_chat_id()
    say(app, chat, f'projet nouveau "{JARDINS}" région:Mauricie')
    form, card = open_form(app, chat)
    app.sender.card_submit(form, submit_data(card, name=JARDINS))
    missing = wait_update(app, chat, form.id).cards[0]
    assert "Précisez la région" in error_under(missing, "region")
    app.sender.card_submit(form, submit_data(card, name=JARDINS, region="Mauricie"))
    duplicate = wait_update(app, chat, form.id, count=2).cards[0]
    assert "Un projet porte déjà ce nom en Mauricie : #1" in error_under(duplicate, "name")
    assert "**maj #1 …**" in error_under(duplicate, "name")  # no code spans in cards
    assert store.count() == 1


def test_form_cancelled(app, store) -> None:
    chat = new_personal_chat_id()
    form, card = open_form(app, chat)
    (cancel,) = [b for b in card["actions"] if b["data"][kit.ACTION_KEY] == pc.ACTION_FORM_CANCEL]
    app.sender.card_submit(form, cancel["data"])
    closed = wait_update(app, chat, form.id)
    assert "Création annulée" in closed.text and not closed.cards
    assert store.count() == 0


def test_form_in_a_channel_thread_is_updated_in_its_thread(app, store) -> None:
    channel = new_channel_id()
    root, _ = app.sender.channel_message(channel, "projet nouveau")
    thread = f"{channel};messageid={root['id']}"
    (form,) = app.standin.wait_messages(thread)
    # Teams: the click is a message of the thread replying to the card
    activity, _ = app.sender.channel_message(
        channel,
        "",
        thread_id=root["id"],
        mention=False,
        value=submit_data(form.cards[0], name=JARDINS, region="Mauricie"),
        send=False,
    )
    activity["replyToId"] = form.id
    assert app.sender.post(activity).status == 202
    confirmation = wait_update(app, thread, form.id)
    assert confirmation.path.endswith(f"/v3/conversations/{thread}/activities/{form.id}")
    assert "Projet créé" in confirmation.text
    assert store.projects()[0].created_by_name == "Marie Tremblay"


def test_non_editors_get_no_form_and_cannot_submit_one(app, store) -> None:
    chat = new_personal_chat_id()
    refused = say(app, chat, "projet nouveau", user=PIERRE)
    assert refused.text.startswith("⚠️ Seuls les rédacteurs") and not refused.cards
    form, card = open_form(app, chat)  # Marie's form, submitted by Pierre
    app.sender.card_submit(form, submit_data(card, name=JARDINS, region="Mauricie"), user=PIERRE)
    (reply,) = [r for r in wait_posts(app, chat, 3)[2:]]
    assert reply.text.startswith("⚠️ Seuls les rédacteurs") and PIERRE.aad_object_id in reply.text
    assert not updates_of(app, chat, form.id)  # the form stays usable
    assert store.count() == 0


# --- typed commands -----------------------------------------------------------------------


def test_update_from_teams_then_show_and_list(app, store) -> None:
    chat = new_personal_chat_id()
    created = say(app, chat, f'projet nouveau "{JARDINS}" région:Mauricie budget:40 000 $')
    assert f"Projet créé : **{JARDINS}** (#1)" in created.text
    logged = say(
        app,
        chat,
        f'projet maj "{JARDINS}" 14 familles inscrites cet automne statut:en cours '
        "montant:1 200 $ personnes:14",
    )
    (card,) = logged.cards
    text = strings(card)
    assert "Mise à jour enregistrée" in text and "14 familles inscrites cet automne" in text
    assert "à venir → en cours" in text and "1 200 $" in text
    (update,) = store.updates(1)
    assert update.author == USER_AAD and update.author_name == "Marie Tremblay"
    assert update.platform == "teams" and update.channel == chat

    shown = say(app, chat, "projet voir #1")
    text = strings(shown.cards[0])
    assert f"{JARDINS} (#1)" in text and "Dernières mises à jour" in text
    assert "Marie Tremblay" in text and "14 familles inscrites cet automne" in text
    assert "Dépensé (cumul des mises à jour)" in text

    listed = say(app, chat, "projet liste région:Mauricie")
    (show,) = buttons(listed.cards[0])
    assert show["title"] == "Voir" and f"**#1** {JARDINS}" in listed.text
    app.sender.card_submit(listed, show["data"])
    card_reply = wait_posts(app, chat, 5)[-1]
    assert "14 familles inscrites cet automne" in strings(card_reply.cards[0])


def test_a_redelivered_activity_logs_once(app, store) -> None:
    chat = new_personal_chat_id()
    say(app, chat, f'projet nouveau "{JARDINS}" région:Mauricie')
    activity, _ = app.sender.personal_message(chat, "projet maj #1 14 familles inscrites")
    app.sender.post(activity)  # Teams delivers it again
    wait_posts(app, chat, 2)
    app.standin.quiet()
    assert len(posts(app, chat)) == 2
    (update,) = store.updates(1)
    (audit,) = [row for row in store.audit(1) if row.update_id == update.id]
    assert audit.request_key == f"teams:{chat}:{activity['id']}"

    # even when the door forgot the delivery (events pruned), the store does not log twice
    with sqlite3.connect(app.home / "state.db") as db:
        db.execute("DELETE FROM events")
    app.sender.post(activity)
    replayed = wait_posts(app, chat, 3)[-1]
    assert "déjà été reçue" in replayed.text
    assert len(store.updates(1)) == 1


# --- the pick-list ------------------------------------------------------------------------


def test_pick_list_click_chooses_once(app, store) -> None:
    chat = new_personal_chat_id()
    say(app, chat, 'projet nouveau "Jardin collectif" région:Mauricie')
    say(app, chat, 'projet nouveau "Jardin collectif" région:Estrie')
    choice = say(app, chat, 'projet maj "Jardin collectif" 10 bénévoles ce samedi')
    (card,) = choice.cards
    assert "Plusieurs projets correspondent à « Jardin collectif »" in choice.text
    assert "Rien n'est enregistré avant votre choix" in choice.text
    mauricie, estrie = buttons(card)
    assert mauricie["title"] == "Choisir" and mauricie["data"]["project_id"] == 1
    assert estrie["data"]["project_id"] == 2
    assert store.updates(1) == [] and store.updates(2) == []

    # someone else's click does not complete it
    app.sender.card_submit(choice, estrie["data"], user=PIERRE)
    refusal = wait_posts(app, chat, 4)[-1]
    assert "appartient à la personne qui a lancé la commande" in refusal.text

    app.sender.card_submit(choice, estrie["data"])
    picked = wait_update(app, chat, choice.id)
    assert "Mise à jour enregistrée — **Jardin collectif** (#2)" in picked.text
    assert "10 bénévoles ce samedi" in picked.text
    (update,) = store.updates(2)
    assert update.author_name == "Marie Tremblay" and store.updates(1) == []

    app.sender.card_submit(choice, mauricie["data"])  # a second click: nothing more
    again = wait_update(app, chat, choice.id, count=2)
    assert "déjà été reçue" in again.text
    assert len(store.updates(2)) == 1 and store.updates(1) == []


# --- rendering, without a server ----------------------------------------------------------


def _project(**fields: Any) -> Project:
    return Project(
        **{
            "id": 3,
            "name": "Les maraîchers du cœur",
            "region": "Mauricie",
            "status": "en cours",
            "created_at": "2025-06-03T14:00:00+00:00",
            "created_by": USER_AAD,
            "created_by_name": "Marie Tremblay",
            "platform": "teams",
            **fields,
        }
    )


def _size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def test_long_project_cards_stay_within_a_teams_message() -> None:
    project = _project(description="Description. " * 300)
    updates = tuple(
        ProjectUpdate(
            n, 3, USER_AAD, f"Mise à jour {n}. " + "x" * 2990, "2025-06-04T14:00:00+00:00"
        )
        for n in range(5)
    )
    (activity,) = render(ProjectCardReply(project, updates, 12, None))
    card = activity.attachments[0].content
    assert _size(card) <= kit.CARD_BYTES_LIMIT
    assert "Mise à jour 0." in strings(card)

    many = tuple(
        ProjectSummary(_project(id=n, name=f"Projet numéro {n} " + "n" * 150), 2, None)
        for n in range(40)
    )
    listed = render(ProjectListReply(many, 55, {"region": "Mauricie"}))
    assert len(listed) >= 2
    cards = [activity.attachments[0].content for activity in listed]
    assert all(_size(card) <= kit.CARD_BYTES_LIMIT for card in cards)
    assert sum(len(buttons(card)) for card in cards) == 40
    assert "Liste abrégée" in strings(cards[-1])


def test_the_form_speaks_english_when_asked_in_english() -> None:
    (activity,) = render(ProjectFormReply(project_form("en"), "en"))
    card = activity.attachments[0].content
    assert card["body"][0]["text"] == "New project"
    assert [a["title"] for a in card["actions"]] == ["Create", "Cancel"]
    assert card["actions"][0]["data"][pc.LANGUAGE_KEY] == "en"
    assert inputs(card)["name"]["errorMessage"] == "Required"
    assert pc.show_command({"project_id": 12, "language": "en"}) == "project show #12"
    assert pc.show_command({"project_id": "12"}) == "projet voir #12"


def test_teams_requests_carry_an_idempotency_key_and_the_author_name() -> None:
    activity = Activity.model_validate(
        {
            "type": "message",
            "id": "1710000000042",
            "channelId": "msteams",
            "serviceUrl": "https://smba.trafficmanager.net/amer/",
            "from": {"id": "29:1abc", "name": "Marie Tremblay", "aadObjectId": USER_AAD},
            "recipient": {"id": BOT_ID, "name": "Alliances"},
            "conversation": {
                "id": "19:chan@thread.tacv2;messageid=1710000000000",
                "conversationType": "channel",
                "tenantId": TENANT_ID,
            },
            "channelData": {"channel": {"id": "19:chan@thread.tacv2"}},
            "text": "projet maj #1 texte",
        }
    )
    request = chat_request(activity, place_of(activity), "projet maj #1 texte")
    assert request.request_id == "teams:19:chan@thread.tacv2:1710000000042"
    assert request.user_name == "Marie Tremblay" and request.user_id == USER_AAD
