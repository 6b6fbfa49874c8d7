"""The Teams door over real HTTP: activities posted to /api/messages of a running server →
the Agents SDK → the shared chat core → replies captured by the Bot Connector stand-in.

The server is `bot.server.create_app` on 127.0.0.1 (in this process, ephemeral port) with an
injected assistant (answers can be made slow, failing or long); the journeys with the real
Assistant in a real `alliances serve` process are in test_teams_serve.py.
"""

from __future__ import annotations

import asyncio

import pytest
from standins.servers import FakeAssistant, get_json
from standins.teams_connector import (
    ADMIN,
    APP_ID,
    BOT_ID,
    PIERRE,
    TENANT_ID,
    USER_AAD,
    new_channel_id,
    new_personal_chat_id,
    other_key,
)

from bot.chat import INTERNAL_ERROR_TEXT, NoticeReply
from bot.state import State
from bot.teams import TEAMS_DOOR, send_proactive
from bot.teams import cards as kit
from bot.teams.references import ConversationReferences

pytest_plugins = ["teams_fixtures"]

MAURICIE = "Qui est le mandataire en Mauricie ?"
CONSORTIUM = "Consortium en développement social de la Mauricie"
ESTRIE = "La Table des MRC de l’Estrie"
SOURCE_TITLE = "Alliances pour la solidarité : mandataires et projets par région"


def thread_of(channel: str, message_id: str) -> str:
    return f"{channel};messageid={message_id}"


def feedback_rows(app) -> list[dict]:
    state = State.open(app.home)
    try:
        return state.feedback()
    finally:
        state.close()


# --- answering ----------------------------------------------------------------------------


def test_channel_mention_gets_an_adaptive_card_with_citations(start_teams) -> None:
    app = start_teams()
    channel = new_channel_id()
    activity, sent = app.sender.channel_message(channel, MAURICIE)
    assert sent.status == 202 and sent.elapsed_s < 1.0
    conversation = thread_of(channel, activity["id"])
    (reply,) = app.standin.wait_messages(conversation)
    assert reply.reply_to_id == activity["id"]  # a reply in the message's thread
    (card,) = reply.cards
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert CONSORTIUM in card["body"][0]["text"]
    texts = reply.text
    assert "**Sources**" in texts
    assert f"[1] [{SOURCE_TITLE}](https://www.quebec.ca/alliances-pour-la-solidarite)" in texts
    assert "— Mauricie" in texts
    up, down = card["actions"]
    assert up["type"] == down["type"] == "Action.Submit"
    assert up["data"][kit.ACTION_KEY] == kit.ACTION_FEEDBACK and up["data"]["vote"] == "up"
    assert reply.activity["from"]["id"] == BOT_ID
    # the mention was removed before the question reached the core
    assert app.assistant.calls[0]["question"] == MAURICIE
    # typing was shown while working
    assert app.standin.typing(conversation)


def test_personal_chat_is_answered_without_mention(start_teams) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    activity, sent = app.sender.personal_message(chat, MAURICIE)
    assert sent.status == 202
    (reply,) = app.standin.wait_messages(chat)
    assert reply.reply_to_id == activity["id"]
    assert CONSORTIUM in reply.text


def test_follow_up_in_a_personal_chat_uses_the_earlier_turns(start_teams) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    app.sender.personal_message(chat, "Quel organisme est mandataire de l'Alliance en Mauricie ?")
    app.standin.wait_messages(chat)
    app.sender.personal_message(chat, "et en Estrie ?")
    first, second = app.standin.wait_messages(chat, count=2)
    assert CONSORTIUM in first.text
    assert ESTRIE in second.text
    history = app.assistant.calls[1]["history"]
    assert [turn.role for turn in history] == ["user", "assistant"]
    assert "Mauricie" in history[0].text


def test_follow_up_in_a_channel_thread(start_teams) -> None:
    """Mentioned again in the thread, or not (with ChannelMessage.Read.Group Teams sends the
    thread's messages without mention): the thread's turns are the context."""
    app = start_teams()
    channel = new_channel_id()
    root, _ = app.sender.channel_message(channel, MAURICIE)
    conversation = thread_of(channel, root["id"])
    app.standin.wait_messages(conversation)
    app.sender.channel_message(channel, "et en Estrie ?", thread_id=root["id"], mention=False)
    app.standin.wait_messages(conversation, count=2)
    app.sender.channel_message(channel, "et en Mauricie ?", thread_id=root["id"], user=PIERRE)
    replies = app.standin.wait_messages(conversation, count=3)
    assert ESTRIE in replies[1].text and CONSORTIUM in replies[2].text
    assert all(reply.reply_to_id for reply in replies)


def test_channel_messages_for_people_are_ignored(start_teams) -> None:
    app = start_teams()
    channel = new_channel_id()
    activity, sent = app.sender.channel_message(channel, "Bonne réunion à tous", mention=False)
    assert sent.status == 202
    app.standin.quiet()
    assert not app.standin.messages(thread_of(channel, activity["id"]))
    assert not app.assistant.calls


def test_repeated_delivery_is_answered_once(start_teams) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    activity, _ = app.sender.personal_message(chat, MAURICIE)
    assert app.sender.post(activity).status == 202
    app.standin.wait_messages(chat)
    app.standin.quiet()
    assert len(app.standin.messages(chat)) == 1


def test_slow_answer_is_acknowledged_at_once(start_teams) -> None:
    app = start_teams(FakeAssistant(delay_s=2.0))
    chat = new_personal_chat_id()
    _, sent = app.sender.personal_message(chat, MAURICIE)
    assert sent.status == 202 and sent.elapsed_s < 1.0
    (reply,) = app.standin.wait_messages(chat)
    assert CONSORTIUM in reply.text
    typing = app.standin.typing(chat)
    assert typing and typing[0].at < reply.at


def test_internal_error_gives_the_french_message(start_teams) -> None:
    app = start_teams(FakeAssistant(fail_with=RuntimeError("boom")))
    chat = new_personal_chat_id()
    app.sender.personal_message(chat, MAURICIE)
    (reply,) = app.standin.wait_messages(chat)
    assert reply.activity["text"] == "⚠️ " + INTERNAL_ERROR_TEXT
    assert "boom" not in reply.text


def test_unknown_plan_is_a_clear_french_error(start_teams) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    app.sender.personal_message(chat, "plan:PAGIPS Qui est le mandataire en Mauricie ?")
    (reply,) = app.standin.wait_messages(chat)
    assert reply.activity["text"].startswith("⚠️ ") and "PAGIEPS" in reply.text


def test_long_answer_is_split_over_cards_never_rejected(start_teams) -> None:
    long_text = " ".join(f"Phrase numéro {n} d'une très longue réponse." for n in range(1500))
    app = start_teams(FakeAssistant(answer_text=long_text))
    chat = new_personal_chat_id()
    app.sender.personal_message(chat, "Racontez tout sur les Alliances")
    replies = app.standin.wait_for(
        lambda s: (found := s.messages(chat)) and found[-1].cards[0].get("actions") and found
    )
    assert len(replies) >= 3
    assert "Phrase numéro 1499" in replies[-1].text or "Phrase numéro 1499" in "".join(
        r.text for r in replies
    )
    assert not app.standin.rejected


# --- commands -----------------------------------------------------------------------------


def test_help_and_config_commands_come_from_the_core(start_teams) -> None:
    app = start_teams()
    channel = new_channel_id()
    help_message, _ = app.sender.channel_message(channel, "aide")
    (reply,) = app.standin.wait_messages(thread_of(channel, help_message["id"]))
    assert "**Alliances pour la solidarité — l'assistant documentaire**" in reply.text
    assert "`config région ‹région›`" in reply.text
    assert "/alliances" not in reply.text

    refused, _ = app.sender.channel_message(channel, "config région Estrie")
    (reply,) = app.standin.wait_messages(thread_of(channel, refused["id"]))
    assert reply.text.startswith("⚠️ Seuls les administrateurs")
    assert USER_AAD in reply.text

    bound, _ = app.sender.channel_message(channel, "config région Estrie", user=ADMIN)
    (reply,) = app.standin.wait_messages(thread_of(channel, bound["id"]))
    assert "région Estrie" in reply.text

    question, _ = app.sender.channel_message(channel, "Qui est le mandataire ?")
    (reply,) = app.standin.wait_messages(thread_of(channel, question["id"]))
    assert ESTRIE in reply.text
    assert "Filtres : région Estrie (réglage du canal)" in reply.text
    assert app.assistant.calls[-1]["region"] == "Estrie"


# --- feedback -----------------------------------------------------------------------------


def test_feedback_buttons_are_stored_with_platform_teams(start_teams) -> None:
    app = start_teams()
    channel = new_channel_id()
    root, _ = app.sender.channel_message(channel, MAURICIE)
    conversation = thread_of(channel, root["id"])
    (answer,) = app.standin.wait_messages(conversation)
    up, down = answer.cards[0]["actions"]

    _, sent = app.sender.card_submit(answer, up["data"])
    assert sent.status == 202
    thanks = app.standin.wait_messages(conversation, count=2)[-1]
    assert thanks.activity["text"] == kit.FEEDBACK_THANKS
    (row,) = feedback_rows(app)
    assert row["platform"] == "teams" and row["vote"] == "up"
    assert row["user"] == USER_AAD and row["channel"] == channel
    assert row["question"] == MAURICIE and CONSORTIUM in row["answer"]
    assert row["sources"][0]["title"] == SOURCE_TITLE

    # 👎 replaces the vote and asks for an optional comment
    app.sender.card_submit(answer, down["data"])
    form = app.standin.wait_messages(conversation, count=3)[-1]
    (comment_card,) = form.cards
    assert comment_card["body"][1]["type"] == "Input.Text"
    submit = comment_card["actions"][0]["data"] | {"comment": "Il manque la date."}
    app.sender.card_submit(form, submit)
    done = app.standin.wait_messages(conversation, count=4)[-1]
    assert done.activity["text"] == kit.COMMENT_THANKS
    (row,) = feedback_rows(app)
    assert row["vote"] == "down" and row["comment"] == "Il manque la date."


def test_feedback_on_an_unknown_answer_says_so(start_teams) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    app.sender.personal_message(
        chat, "", value={kit.ACTION_KEY: kit.ACTION_FEEDBACK, "vote": "up", "answer_id": "nope"}
    )
    (reply,) = app.standin.wait_messages(chat)
    assert reply.activity["text"] == kit.FEEDBACK_FAILED
    assert not feedback_rows(app)


def test_registered_card_actions_become_text_commands(start_teams, monkeypatch) -> None:
    """The hook for the project form: a card action registered by name is turned
    into a text command and handled by the chat core like typed text."""
    monkeypatch.setitem(
        kit.CARD_ACTIONS, "test_form", lambda data: f"config région {data['region']}"
    )
    app = start_teams()
    chat = new_personal_chat_id()
    form = {kit.ACTION_KEY: "test_form", "region": "Estrie"}
    app.sender.personal_message(chat, "", value=form, user=ADMIN)
    (reply,) = app.standin.wait_messages(chat)
    assert "région Estrie" in reply.text


# --- installation and proactive messages --------------------------------------------------


def test_installation_is_remembered_and_a_proactive_message_delivered(start_teams) -> None:
    app = start_teams()
    channel = new_channel_id()
    _, sent = app.sender.installed_in_team(channel)
    assert sent.status == 202
    (welcome,) = app.standin.wait_messages(channel)
    assert "Mentionnez-moi" in welcome.text

    door = app.web_app[TEAMS_DOOR]
    (stored,) = [c for c in door.conversations() if c.conversation_id == channel]
    assert stored.kind == "channel" and stored.team_name == "Alliances Mauricie"
    assert stored.reference.service_url == app.standin.service_url
    assert stored.reference.conversation.tenant_id == TENANT_ID

    digest = NoticeReply("*Nouveautés de la semaine*\n• Projet X : terminé")
    ids = run_coroutine(app.server, send_proactive(app.web_app, channel, digest))
    posted = app.standin.wait_messages(channel, count=2)[-1]
    assert ids == [posted.id]
    assert posted.reply_to_id is None  # a new post in the channel, not a reply
    assert posted.path.endswith(f"/v3/conversations/{channel}/activities")
    assert "**Nouveautés de la semaine**" in posted.text

    # an answer in a thread of that channel refreshes the reference, not the thread's
    root, _ = app.sender.channel_message(channel, MAURICIE)
    app.standin.wait_messages(thread_of(channel, root["id"]))
    assert door.references.get(channel).reference.conversation.id == channel

    app.sender.removed_from_team(channel)
    app.standin.quiet()
    with pytest.raises(LookupError):
        run_coroutine(app.server, send_proactive(app.web_app, channel, "Bonjour"))


def test_references_survive_a_restart(start_teams) -> None:
    app = start_teams()
    chat = new_personal_chat_id()
    app.sender.installation_update(chat)
    app.standin.quiet()
    app.server.stop()
    references = ConversationReferences(app.home / "state.db")
    try:
        stored = references.get(chat)
        assert stored is not None and stored.kind == "personal" and stored.installed
    finally:
        references.close()


# --- authentication -----------------------------------------------------------------------


def test_proactive_message_with_authentication(start_teams) -> None:
    app = start_teams(auth=True)
    chat = new_personal_chat_id()
    _, sent = app.sender.installation_update(chat)
    assert sent.status == 202
    app.standin.quiet()
    ids = run_coroutine(app.server, send_proactive(app.web_app, chat, "Le résumé de la semaine"))
    (posted,) = app.standin.wait_messages(chat)
    assert ids == [posted.id] and posted.text == "Le résumé de la semaine"
    assert posted.authorization.startswith("Bearer ") and not app.standin.rejected
    app.sender.installation_update(chat, "remove")
    app.standin.quiet()
    with pytest.raises(LookupError):
        run_coroutine(app.server, send_proactive(app.web_app, chat, "encore"))


def test_authentication_on_rejects_bad_tokens_and_accepts_good_ones(start_teams) -> None:
    app = start_teams(auth=True)
    status, body = get_json(f"{app.url}/healthz")
    assert status == 200 and body["doors"] == ["teams"]
    chat = new_personal_chat_id()
    standin = app.standin

    forged = standin.channel_token(key=other_key())
    wrong_audience = standin.channel_token(audience="00000000-0000-0000-0000-000000000000")
    expired = standin.channel_token(expires_in=-3600)
    wrong_issuer = standin.channel_token(issuer="https://evil.example.com")
    for token in (False, "not-a-jwt", forged, wrong_audience, expired, wrong_issuer):
        activity, _ = app.sender.personal_message(chat, MAURICIE, send=False)
        rejected = app.sender.post(activity, token=token)
        assert rejected.status == 401, token
    standin.quiet()
    assert not standin.messages(chat) and not standin.rejected
    assert not app.assistant.calls

    activity, sent = app.sender.personal_message(chat, MAURICIE)  # the good token
    assert sent.status == 202
    (reply,) = standin.wait_messages(chat)
    assert CONSORTIUM in reply.text
    # the reply carried a connector token from the bot's own credentials
    assert reply.authorization.startswith("Bearer ")
    assert standin.token_requests[0]["client_id"] == APP_ID
    assert standin.token_requests[0]["scope"] == "https://api.botframework.com/.default"


def test_anonymous_requests_are_refused_when_credentials_are_set(start_teams) -> None:
    app = start_teams(auth=True)
    chat = new_personal_chat_id()
    activity, _ = app.sender.personal_message(chat, MAURICIE, send=False)
    sent = app.sender.post(activity, token=False)
    assert sent.status == 401 and "Authorization" in sent.body
    app.standin.quiet()
    assert not app.standin.messages(chat)


def test_slack_and_teams_share_one_server_and_one_core(start_teams, tmp_path) -> None:
    from standins.servers import server_environment
    from standins.slack_api import SlackStandIn

    with SlackStandIn() as slack:
        extra = server_environment(slack, tmp_path / "unused")
        extra.pop("ALLIANCES_HOME")
        extra.pop("ALLIANCES_ADMINS")
        app = start_teams(extra_environment=extra)
        status, body = get_json(f"{app.url}/healthz")
        assert status == 200 and body["doors"] == ["slack", "teams-anonymous"]
        chat = new_personal_chat_id()
        app.sender.personal_message(chat, MAURICIE)
        app.standin.wait_messages(chat)
        app.server.stop()


def test_project_update_from_teams_is_seen_from_slack(start_teams, tmp_path) -> None:
    """The project commands are ChatCore commands: typed in Teams they write the
    same store Slack reads. Runs once `bot.projects` is part of the server."""
    pytest.importorskip("bot.projects")
    from standins.servers import USER, server_environment, wait_answers
    from standins.slack_api import SlackSender, SlackStandIn

    with SlackStandIn() as slack:
        extra = server_environment(slack, tmp_path / "unused")
        extra.pop("ALLIANCES_HOME")
        extra.pop("ALLIANCES_ADMINS")
        extra["ALLIANCES_EDITORS"] = ADMIN.aad_object_id
        app = start_teams(extra_environment=extra)
        chat = new_personal_chat_id()
        commands = (
            'projet nouveau "Jardins de Trois-Rivières" région:Mauricie',
            'projet maj "Jardins de Trois-Rivières" 14 familles inscrites cet automne',
        )
        for number, command in enumerate(commands, 1):
            app.sender.personal_message(chat, command, user=ADMIN)
            app.standin.wait_messages(chat, count=number)
        replies = app.standin.messages(chat)
        assert "Jardins de Trois-Rivières" in replies[0].text
        assert "14 familles inscrites" in replies[1].text

        sender = SlackSender(f"{app.url}/slack/events", slack)
        event, _ = sender.user_writes(
            "C0TEAMSPRJ", USER, 'projet voir "Jardins de Trois-Rivières"', as_mention=True
        )
        (answer,) = wait_answers(slack, "C0TEAMSPRJ", event["ts"])
        seen = answer["text"] + str(answer.get("blocks"))
        assert "14 familles inscrites" in seen and "Admin Alliances" in seen
        app.server.stop()


def run_coroutine(server, coroutine):
    return asyncio.run_coroutine_threadsafe(coroutine, server._loop).result(30)
