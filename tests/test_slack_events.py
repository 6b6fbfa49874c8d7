"""The Slack door over real HTTP: signed requests → slack-bolt → listeners → the Web API stand-in.

The server is `bot.server.create_app` on 127.0.0.1 (in this process, ephemeral port) with an
injected assistant, so that answers can be made slow, failing or long. The journeys with the
real Assistant in a real `alliances serve` process are in test_slack_serve.py.
"""

from __future__ import annotations

import json
import time

import pytest
from standins.servers import (
    ADMIN,
    OTHER_USER,
    SEARCHING,
    USER,
    FakeAssistant,
    finished_answers,
    get_json,
    message_text,
    new_channel,
    wait_answers,
)
from standins.slack_api import slack_signature

from bot.chat import INTERNAL_ERROR_TEXT, NOT_READY_TEXT
from bot.slack import blocks as kit
from bot.slack.messages import GREETING
from bot.state import State

pytest_plugins = ["slack_fixtures"]

MAURICIE = "Qui est le mandataire en Mauricie ?"
CONSORTIUM = "Consortium en développement social de la Mauricie"


def calls_in(standin, method: str, channel: str, key: str = "channel") -> list:
    return [call for call in standin.calls_to(method) if call.args.get(key) == channel]


# --- answering ----------------------------------------------------------------------------


def test_mention_is_answered_in_its_thread_by_streaming(start_server) -> None:
    app = start_server()
    channel = new_channel()
    event, sent = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    assert sent.status == 200 and sent.elapsed_s < 1.0
    (answer,) = wait_answers(app.standin, channel, event["ts"])
    assert CONSORTIUM in answer["text"]
    sources = message_text(answer)
    assert "[1] <https://www.quebec.ca/alliances-pour-la-solidarite|" in sources
    start = calls_in(app.standin, "chat.startStream", channel)[0].args
    assert start["thread_ts"] == event["ts"]
    assert start["recipient_user_id"] == USER and start["recipient_team_id"] == "T0ALLIANCE"
    assert calls_in(app.standin, "chat.stopStream", channel)[0].args["blocks"][-1]["type"] == (
        "actions"
    )


def test_mention_and_message_events_for_one_message_give_one_answer(start_server) -> None:
    app = start_server()
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    # Slack also sends the same message as a `message` event (message.channels).
    app.sender.event({**event, "type": "message", "channel_type": "channel"})
    wait_answers(app.standin, channel, event["ts"])
    app.standin.quiet()
    assert len(finished_answers(app.standin, channel)) == 1


def test_thread_follow_up_without_mention_uses_the_thread(start_server) -> None:
    fake = FakeAssistant()
    app = start_server(fake)
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    wait_answers(app.standin, channel, event["ts"])
    _follow, sent = app.sender.user_writes(channel, USER, "et en Estrie ?", thread_ts=event["ts"])
    assert sent.status == 200
    answers = wait_answers(app.standin, channel, event["ts"], count=2)
    assert "La Table des MRC de l’Estrie" in answers[-1]["text"]
    history = fake.calls[-1]["history"]
    assert next((turn.role, turn.text) for turn in history) == ("user", MAURICIE)
    assert history[1].role == "assistant" and CONSORTIUM in history[1].text
    assert calls_in(app.standin, "conversations.replies", channel)[-1].args["ts"] == event["ts"]


def test_follow_up_when_slack_cannot_give_the_thread(start_server) -> None:
    app = start_server()
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    wait_answers(app.standin, channel, event["ts"])
    app.standin.fail("conversations.replies", "missing_scope", times=1)
    app.sender.user_writes(channel, USER, "et en Estrie ?", thread_ts=event["ts"])
    answers = wait_answers(app.standin, channel, event["ts"], count=2)
    assert "Estrie" in answers[-1]["text"]  # from the turns the bot remembered


def test_messages_not_for_the_bot_are_ignored(start_server) -> None:
    app = start_server()
    channel = new_channel()
    top, _ = app.sender.user_writes(channel, USER, "Bonjour l'équipe")
    app.sender.user_writes(channel, OTHER_USER, "Salut", thread_ts=top["ts"])
    bot_thread, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    wait_answers(app.standin, channel, bot_thread["ts"])
    app.sender.user_writes(channel, USER, "<@U0PIERRE1> tu as vu ?", thread_ts=bot_thread["ts"])
    app.sender.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": channel,
            "channel_type": "channel",
            "ts": "1.2",
            "message": {"text": "x"},
        }
    )
    app.sender.event(
        {
            "type": "message",
            "bot_id": "B0OTHER",
            "text": "autre bot",
            "channel": channel,
            "channel_type": "channel",
            "ts": "1.3",
            "thread_ts": bot_thread["ts"],
        }
    )
    app.standin.quiet()
    assert len(finished_answers(app.standin, channel)) == 1


def test_direct_message_is_posted_then_updated(start_server) -> None:
    app = start_server()
    channel = new_channel("D")
    _event, sent = app.sender.user_writes(channel, USER, MAURICIE, channel_type="im")
    assert sent.status == 200
    (answer,) = wait_answers(app.standin, channel)
    assert CONSORTIUM in message_text(answer) and "thread_ts" not in answer
    posted = calls_in(app.standin, "chat.postMessage", channel)
    assert posted[0].args["text"] == SEARCHING
    assert calls_in(app.standin, "chat.update", channel)[0].args["ts"] == answer["ts"]


def test_direct_follow_up_at_top_level_uses_recent_turns(start_server) -> None:
    fake = FakeAssistant()
    app = start_server(fake)
    channel = new_channel("D")
    app.sender.user_writes(channel, USER, MAURICIE, channel_type="im")
    wait_answers(app.standin, channel)
    app.sender.user_writes(channel, USER, "et en Estrie ?", channel_type="im")
    answers = wait_answers(app.standin, channel, count=2)
    assert "Estrie" in message_text(answers[-1])


def test_assistant_pane(start_server) -> None:
    app = start_server()
    channel = new_channel("D")
    thread = "1700000000.000001"
    app.sender.event(
        {
            "type": "assistant_thread_started",
            "assistant_thread": {
                "user_id": USER,
                "channel_id": channel,
                "thread_ts": thread,
                "context": {},
            },
            "event_ts": thread,
        }
    )
    prompts = app.standin.wait_for(
        lambda s: calls_in(s, "assistant.threads.setSuggestedPrompts", channel, "channel_id")
    )
    assert next(p["title"] for p in prompts[0].args["prompts"]) == "Mandataire en Mauricie"
    assert all("?" in p["message"] or "." in p["message"] for p in prompts[0].args["prompts"])
    greeting = app.standin.bot_messages(channel, thread)[0]
    assert greeting["text"] == GREETING

    app.sender.event(
        {
            "type": "assistant_thread_context_changed",
            "assistant_thread": {
                "user_id": USER,
                "channel_id": channel,
                "thread_ts": thread,
                "context": {"channel_id": "C123"},
            },
            "event_ts": thread,
        }
    )
    app.sender.user_writes(channel, USER, MAURICIE, thread_ts=thread, channel_type="im")
    answers = app.standin.wait_for(
        lambda s: [m for m in finished_answers(s, channel, thread) if CONSORTIUM in m["text"]]
    )
    assert answers
    status = calls_in(app.standin, "assistant.threads.setStatus", channel, "channel_id")
    assert status[0].args["status"] == "Je cherche dans les documents…"
    title = calls_in(app.standin, "assistant.threads.setTitle", channel, "channel_id")
    assert title[0].args["title"] == MAURICIE
    # The greeting is not taken for an earlier answer.
    assert calls_in(app.standin, "chat.startStream", channel)


# --- streaming fallbacks and long answers -------------------------------------------------


def test_streaming_unavailable_falls_back_to_post_then_update(start_server) -> None:
    app = start_server()
    channel = new_channel()
    app.standin.fail("chat.startStream", "unknown_method")
    first, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    (answer,) = wait_answers(app.standin, channel, first["ts"])
    assert CONSORTIUM in message_text(answer)
    # Known unavailable now: the next answer is a placeholder, then an update.
    second, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    (answer,) = wait_answers(app.standin, channel, second["ts"])
    placeholder = [
        c
        for c in calls_in(app.standin, "chat.postMessage", channel)
        if c.args.get("thread_ts") == second["ts"]
    ]
    assert placeholder[0].args["text"] == SEARCHING
    assert any(c.args["ts"] == answer["ts"] for c in calls_in(app.standin, "chat.update", channel))
    assert len(calls_in(app.standin, "chat.startStream", channel)) == 1


def test_stream_failing_midway_is_finished_by_update(start_server) -> None:
    app = start_server(FakeAssistant(answer_text="Une réponse assez longue. " * 60))
    channel = new_channel()
    app.standin.fail("chat.stopStream", "streaming_state_conflict", times=1)
    _event, _ = app.sender.user_writes(channel, USER, "Une question ?", as_mention=True)
    updated = app.standin.wait_for(lambda s: calls_in(s, "chat.update", channel))
    assert updated[0].args["blocks"][0]["text"]["text"].startswith("Une réponse assez longue.")
    assert updated[0].args["blocks"][-1]["type"] == "actions"


def test_streaming_disabled_in_config_posts_then_updates(start_server) -> None:
    app = start_server(streaming=False)
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    (answer,) = wait_answers(app.standin, channel, event["ts"])
    assert CONSORTIUM in message_text(answer)
    assert not calls_in(app.standin, "chat.startStream", channel)


@pytest.mark.parametrize("streaming", [True, False])
def test_long_answer_is_split_not_rejected(start_server, streaming: bool) -> None:
    paragraph = "Les Alliances pour la solidarité financent des projets dans chaque région. " * 30
    long_text = "\n\n".join([paragraph.strip()] * 8)  # ~18,000 characters
    app = start_server(FakeAssistant(answer_text=long_text), streaming=streaming)
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, "Tout sur les Alliances ?", as_mention=True)
    answers = wait_answers(app.standin, channel, event["ts"])
    if streaming:
        assert answers[0]["text"] == long_text  # streamed in pieces, nothing lost
        appends = calls_in(app.standin, "chat.appendStream", channel)
        assert len(appends) >= 3
    else:
        sections = [b for b in answers[0]["blocks"] if b["type"] == "section"]
        assert len(sections) >= 6
        assert all(len(b["text"]["text"]) <= kit.SECTION_LIMIT for b in sections)
    chat_calls = [
        c
        for c in app.standin.calls
        if c.method.startswith("chat.") and c.args.get("channel") == channel
    ]
    # The stand-in rejects sections over 3,000 characters, like Slack: nothing was rejected.
    assert chat_calls and all(c.result["ok"] for c in chat_calls)


# --- never silent -------------------------------------------------------------------------


def test_slow_answer_is_acknowledged_in_time(start_server) -> None:
    fake = FakeAssistant(delay_s=3.5)
    app = start_server(fake)
    channel = new_channel()
    event, sent = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    assert sent.status == 200
    assert sent.elapsed_s < 1.0, sent.elapsed_s  # Slack's limit is 3 s
    (answer,) = wait_answers(app.standin, channel, event["ts"], timeout=20)
    assert CONSORTIUM in answer["text"]
    assert answer["ts"] > event["ts"]
    started = app.standin.calls_to("chat.startStream")[-1].at
    assert started - sent.at > 3.0  # the answer really took longer than Slack's 3 s


def test_internal_error_posts_the_french_message_in_the_thread(start_server, caplog) -> None:
    app = start_server(FakeAssistant(fail_with=RuntimeError("index corrompu")))
    channel = new_channel()
    event, sent = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    assert sent.status == 200
    (message,) = wait_answers(app.standin, channel, event["ts"])
    assert INTERNAL_ERROR_TEXT in message_text(message)
    assert "index corrompu" not in message_text(message)
    assert any(
        "index corrompu" in (r.exc_text or "") or "index corrompu" in str(r.exc_info)
        for r in caplog.records
    )


def test_web_api_failure_while_posting_still_tells_the_user(start_server) -> None:
    app = start_server(streaming=False)
    channel = new_channel()
    app.standin.fail("chat.update", "internal_error", times=1)
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    answers = wait_answers(app.standin, channel, event["ts"])
    assert CONSORTIUM in message_text(answers[-1])  # posted after the failed update


# --- requests that must not be processed --------------------------------------------------


def test_bad_signature_is_refused_and_nothing_is_posted(start_server) -> None:
    app = start_server()
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True, send=False)
    sent = app.sender.event(event, signature="v0=" + "0" * 64)
    assert sent.status == 401
    forged = app.sender.event(
        event, signature=slack_signature("not-the-secret", str(int(time.time())), "{}")
    )
    assert forged.status == 401
    app.standin.quiet()
    assert app.standin.bot_messages(channel) == []
    assert not [c for c in app.standin.calls if channel in json.dumps(c.args)]


def test_old_timestamp_is_refused(start_server) -> None:
    app = start_server()
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True, send=False)
    sent = app.sender.event(event, timestamp=int(time.time()) - 6 * 60)  # correctly signed
    assert sent.status == 401
    recent = app.sender.event(event, timestamp=int(time.time()) - 4 * 60)
    assert recent.status == 200
    wait_answers(app.standin, channel, event["ts"])


def test_retries_give_exactly_one_answer_even_after_a_restart(start_server, tmp_path) -> None:
    home = tmp_path / "restart-home"
    app = start_server(home=home)
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True, send=False)
    statuses = [
        app.sender.event(event, event_id="EvRETRY0001", retry_num=retry).status
        for retry in (None, 1, 2)
    ]
    assert statuses == [200, 200, 200]
    wait_answers(app.standin, channel, event["ts"])
    app.standin.quiet()
    assert len(finished_answers(app.standin, channel)) == 1

    app.server.stop()
    again = start_server(home=home)
    assert again.sender.event(event, event_id="EvRETRY0001", retry_num=3).status == 200
    app.standin.quiet()
    assert len(finished_answers(app.standin, channel)) == 1
    assert State(home / "state.db").seen_event("event:EvRETRY0001")


def test_url_verification(start_server) -> None:
    app = start_server()
    sent = app.sender.post(
        json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"}),
        "application/json",
    )
    assert sent.status == 200 and "abc123" in sent.response_body


# --- slash command, buttons, forms --------------------------------------------------------


def test_slash_command_answers_privately_with_a_share_button(start_server) -> None:
    app = start_server()
    channel = new_channel()
    sent, response_url = app.sender.command(MAURICIE, user=USER, channel=channel)
    assert sent.status == 200 and sent.elapsed_s < 1.0
    post = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == response_url])[0]
    assert post.body["response_type"] == "ephemeral"
    assert CONSORTIUM in message_text(post.body)
    actions = post.body["blocks"][-1]["elements"]
    share = next(a for a in actions if a["action_id"] == kit.ACTION_SHARE)

    clicked, click_url = app.sender.click(share, user=USER, channel=channel, ephemeral=True)
    assert clicked.status == 200
    shared = wait_answers(app.standin, channel)[0]
    assert CONSORTIUM in message_text(shared) and f"Partagé par <@{USER}>" in message_text(shared)
    assert not any(a["action_id"] == kit.ACTION_SHARE for a in shared["blocks"][-1]["elements"])
    deleted = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == click_url])
    assert deleted[0].body["delete_original"] is True
    # A follow-up in the thread of the shared answer is understood.
    app.sender.user_writes(channel, OTHER_USER, "et en Estrie ?", thread_ts=shared["ts"])
    follow = wait_answers(app.standin, channel, shared["ts"], count=2)  # the parent, the answer
    assert "La Table des MRC de l’Estrie" in follow[-1]["text"]


def test_share_where_the_bot_is_not_a_member_uses_the_response_url(start_server) -> None:
    app = start_server()
    channel = new_channel()
    _, response_url = app.sender.command(MAURICIE, user=USER, channel=channel)
    post = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == response_url])
    share = post[0].body["blocks"][-1]["elements"][-1]
    app.standin.fail("chat.postMessage", "not_in_channel", times=1)
    _, click_url = app.sender.click(share, user=USER, channel=channel, ephemeral=True)
    posts = app.standin.wait_for(
        lambda s: len(found := [p for p in s.response_posts if p.url == click_url]) >= 2 and found
    )
    assert posts[0].body["response_type"] == "in_channel"
    assert posts[1].body["delete_original"] is True


def test_feedback_clicks_are_stored(start_server) -> None:
    app = start_server()
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    (answer,) = wait_answers(app.standin, channel, event["ts"])
    buttons = answer["blocks"][-1]["elements"]
    up = next(b for b in buttons if b["action_id"] == kit.ACTION_FEEDBACK_UP)
    down = next(b for b in buttons if b["action_id"] == kit.ACTION_FEEDBACK_DOWN)

    sent, url = app.sender.click(up, user=OTHER_USER, channel=channel, message=answer)
    assert sent.status == 200
    thanks = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    assert "Merci" in thanks[0].body["text"] and thanks[0].body["response_type"] == "ephemeral"
    state = State(app.home / "state.db")
    (row,) = state.feedback()
    assert row["vote"] == "up" and row["user"] == OTHER_USER and row["channel"] == channel
    assert row["question"] == MAURICIE and CONSORTIUM in row["answer"]
    assert row["sources"][0]["section"] == "Mauricie" and row["platform"] == "slack"

    app.sender.click(down, user=OTHER_USER, channel=channel, message=answer)
    # The stand-in serves the whole session: take this click's feedback modal, not a view a
    # job of an earlier test opened late.
    view = app.standin.wait_for(
        lambda s: [
            v for v in s.views
            if v.get("callback_id") == kit.VIEW_FEEDBACK_COMMENT
            and v.get("private_metadata") == up["value"]
        ]
    )[-1]
    assert view["private_metadata"] == up["value"]
    app.sender.submit_view(
        view,
        {"comment": {"comment": {"type": "plain_text_input", "value": "Il manque le lien"}}},
        user=OTHER_USER,
    )
    (row,) = state.feedback()
    assert row["vote"] == "down" and row["comment"] == "Il manque le lien"


def test_feedback_on_an_unknown_answer_says_so(start_server) -> None:
    app = start_server()
    channel = new_channel()
    button = {"action_id": kit.ACTION_FEEDBACK_UP, "value": "nope", "block_id": "b"}
    _, url = app.sender.click(button, user=USER, channel=channel, message={"ts": "1.1"})
    post = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    assert "n'a pas pu être enregistré" in post[0].body["text"]


# --- channel settings ---------------------------------------------------------------------


def test_channel_config_by_admin_then_questions_default_to_the_region(start_server) -> None:
    fake = FakeAssistant()
    app = start_server(fake)
    channel = new_channel()
    _, url = app.sender.command("config région Mauricie", user=ADMIN, channel=channel)
    post = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    assert "région Mauricie" in message_text(post[0].body)

    event, _ = app.sender.user_writes(channel, USER, "Qui est le mandataire ?", as_mention=True)
    (answer,) = wait_answers(app.standin, channel, event["ts"])
    assert fake.calls[-1]["region"] == "Mauricie"
    assert "Filtres : région Mauricie (réglage du canal)" in message_text(answer)


def test_channel_config_refused_to_non_admin(start_server) -> None:
    app = start_server()
    channel = new_channel()
    _, url = app.sender.command("config région Mauricie", user=OTHER_USER, channel=channel)
    post = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    assert post[0].body["response_type"] == "ephemeral"
    assert "Seuls les administrateurs" in message_text(post[0].body)
    assert State(app.home / "state.db").channel_settings("slack", channel).region is None

    # Asked by mention in the channel, the refusal is ephemeral too.
    _event, _ = app.sender.user_writes(
        channel, OTHER_USER, "config région Mauricie", as_mention=True
    )
    ephemeral = app.standin.wait_for(lambda s: calls_in(s, "chat.postEphemeral", channel))
    assert ephemeral[0].args["user"] == OTHER_USER
    assert "Seuls les administrateurs" in ephemeral[0].args["text"]
    app.standin.quiet()
    assert app.standin.bot_messages(channel) == []


def test_channel_config_refused_when_no_admin_is_configured(start_server) -> None:
    app = start_server(admins="")
    channel = new_channel()
    _, url = app.sender.command("config région Mauricie", user=ADMIN, channel=channel)
    post = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    text = message_text(post[0].body)
    assert "Aucun administrateur" in text and "ALLIANCES_ADMINS" in text


def test_help_and_unknown_command(start_server) -> None:
    app = start_server()
    channel = new_channel()
    _, url = app.sender.command("", user=USER, channel=channel)
    post = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    assert "/alliances config région" in message_text(post[0].body)
    _, url = app.sender.command("confg", user=USER, channel=channel)
    post = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    assert "Commande inconnue" in message_text(post[0].body)


# --- readiness ----------------------------------------------------------------------------


def test_healthz_reports_ready_only_after_ingestion(start_server) -> None:
    app = start_server(FakeAssistant(ready_delay_s=2.0), wait_ready=False)
    status, body = get_json(f"{app.url}/healthz")
    assert status == 503 and body["status"] == "starting" and body["doors"] == ["slack"]
    channel = new_channel()
    event, sent = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    assert sent.status == 200 and sent.elapsed_s < 1.0  # acknowledged while still ingesting
    (answer,) = wait_answers(app.standin, channel, event["ts"], timeout=20)
    assert CONSORTIUM in answer["text"]
    assert get_json(f"{app.url}/healthz")[0] == 200


def test_ingestion_failure_is_reported(start_server) -> None:
    class Broken(FakeAssistant):
        def ensure_ready(self) -> None:
            raise OSError("disque plein")

    app = start_server(Broken(), wait_ready=False)
    deadline = time.monotonic() + 10
    while get_json(f"{app.url}/healthz")[1]["status"] == "starting":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    status, body = get_json(f"{app.url}/healthz")
    assert status == 503 and body["status"] == "error" and "disque plein" in body["error"]
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    (message,) = wait_answers(app.standin, channel, event["ts"])
    assert NOT_READY_TEXT in message_text(message)


# --- Socket Mode --------------------------------------------------------------------------


def test_socket_mode(start_server) -> None:
    app = start_server(socket_mode=True)
    app.standin.wait_for(lambda s: s.socket_connections)
    opened = app.standin.calls_to("apps.connections.open")
    assert opened and opened[-1].result["ok"]
    assert app.sender.post("{}", "application/json").status in (404, 405)  # no HTTP door

    channel = new_channel()
    event, _ = app.sender.user_writes(channel, USER, MAURICIE, as_mention=True, send=False)
    body = app.sender.event_body(event, "EvSOCKET0001")
    envelope = app.standin.send_envelope(body)
    acks = app.standin.wait_for(
        lambda s: [a for a in s.socket_acks if a.get("envelope_id") == envelope]
    )
    assert acks
    (answer,) = wait_answers(app.standin, channel, event["ts"])
    assert CONSORTIUM in answer["text"]

    again = app.standin.send_envelope(body)  # redelivered: acknowledged, not answered again
    app.standin.wait_for(lambda s: [a for a in s.socket_acks if a.get("envelope_id") == again])
    app.standin.quiet()
    assert len(finished_answers(app.standin, channel)) == 1

    command = {
        "command": "/alliances",
        "text": "aide",
        "user_id": USER,
        "channel_id": channel,
        "team_id": "T0ALLIANCE",
        "trigger_id": "9.9.socket",
        "response_url": app.standin.new_response_url(),
    }
    app.standin.send_envelope(command, kind="slash_commands")
    post = app.standin.wait_for(
        lambda s: [p for p in s.response_posts if p.url == command["response_url"]]
    )
    assert "/alliances config région" in message_text(post[0].body)
