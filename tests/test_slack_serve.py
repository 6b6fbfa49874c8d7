"""End to end: a real `alliances serve` process (`python -m bot.cli serve`) with the real
Assistant over the shipped knowledge base, Slack's Web API played by the stand-in on
127.0.0.1, and every event, slash command and click sent as a real, really signed HTTP request.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from standins.servers import (
    OTHER_USER,
    USER,
    SubprocessServer,
    finished_answers,
    get_json,
    message_text,
    new_channel,
    server_environment,
    wait_answers,
)
from standins.slack_api import SlackSender, SlackStandIn
from standins.transcript import record_scenarios

from bot.slack import blocks as kit
from bot.state import State

pytest_plugins = ["slack_fixtures"]

MAURICIE = "Qui est le mandataire de l'Alliance en Mauricie ?"
CONSORTIUM = "Consortium en développement social de la Mauricie"
ESTRIE_MANDATAIRE = "La Table des MRC de l’Estrie"
SOURCE_TITLE = "Alliances pour la solidarité : mandataires et projets par région"


def test_healthz_is_ready(real_serve) -> None:
    status, body = get_json(f"{real_serve.url}/healthz")
    assert status == 200 and body == {"status": "ready", "doors": ["slack"]}


def test_mention_gets_a_threaded_answer_with_citations(real_serve) -> None:
    channel = new_channel()
    event, sent = real_serve.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    assert sent.status == 200 and sent.elapsed_s < 3.0
    (answer,) = wait_answers(real_serve.standin, channel, event["ts"], timeout=60)
    assert answer["thread_ts"] == event["ts"]
    assert CONSORTIUM in answer["text"] and "[1]" in answer["text"]
    sources = answer["blocks"][0]["text"]["text"]
    assert sources.startswith("*Sources*\n[1] ") and SOURCE_TITLE in sources
    assert "— Mauricie" in sources
    assert answer["blocks"][-1]["block_id"] == kit.BLOCK_FEEDBACK


def test_thread_follow_up_without_mention(real_serve) -> None:
    channel = new_channel()
    event, _ = real_serve.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    wait_answers(real_serve.standin, channel, event["ts"], timeout=60)
    _, sent = real_serve.sender.user_writes(
        channel, OTHER_USER, "et en Estrie ?", thread_ts=event["ts"]
    )
    assert sent.status == 200
    answers = wait_answers(real_serve.standin, channel, event["ts"], count=2, timeout=60)
    assert ESTRIE_MANDATAIRE in answers[-1]["text"]
    assert CONSORTIUM not in answers[-1]["text"]


def test_direct_message(real_serve) -> None:
    channel = new_channel("D")
    _, sent = real_serve.sender.user_writes(channel, USER, MAURICIE, channel_type="im")
    assert sent.status == 200
    (answer,) = wait_answers(real_serve.standin, channel, timeout=60)
    assert CONSORTIUM in message_text(answer)


def test_slash_command_is_private_and_can_be_shared(real_serve) -> None:
    channel = new_channel()
    sent, response_url = real_serve.sender.command(
        "Qui est le mandataire en Estrie ?", user=USER, channel=channel
    )
    assert sent.status == 200 and sent.elapsed_s < 3.0
    post = real_serve.standin.wait_for(
        lambda s: [p for p in s.response_posts if p.url == response_url], timeout=60
    )[0]
    assert post.body["response_type"] == "ephemeral"
    assert ESTRIE_MANDATAIRE in message_text(post.body)
    assert real_serve.standin.bot_messages(channel) == []  # nothing public yet
    share = next(
        b for b in post.body["blocks"][-1]["elements"] if b["action_id"] == kit.ACTION_SHARE
    )
    real_serve.sender.click(share, user=USER, channel=channel, ephemeral=True)
    (shared,) = wait_answers(real_serve.standin, channel, timeout=30)
    assert ESTRIE_MANDATAIRE in message_text(shared)


def test_feedback_click_is_stored(real_serve) -> None:
    channel = new_channel()
    event, _ = real_serve.sender.user_writes(channel, USER, MAURICIE, as_mention=True)
    (answer,) = wait_answers(real_serve.standin, channel, event["ts"], timeout=60)
    up = answer["blocks"][-1]["elements"][0]
    sent, _ = real_serve.sender.click(up, user=OTHER_USER, channel=channel, message=answer)
    assert sent.status == 200

    def stored():
        rows = State(real_serve.home / "state.db").feedback()
        return [row for row in rows if row["channel"] == channel]

    deadline = time.monotonic() + 10
    while not stored():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    (row,) = stored()
    assert row["vote"] == "up" and row["user"] == OTHER_USER and row["platform"] == "slack"
    assert row["question"] == MAURICIE and CONSORTIUM in row["answer"]
    assert row["sources"][0]["section"] == "Mauricie"


def test_bad_signature_and_old_timestamp_are_rejected(real_serve) -> None:
    channel = new_channel()
    event, _ = real_serve.sender.user_writes(channel, USER, MAURICIE, as_mention=True, send=False)
    assert real_serve.sender.event(event, signature="v0=" + "f" * 64).status == 401
    assert real_serve.sender.event(event, timestamp=int(time.time()) - 301).status == 401
    real_serve.standin.quiet(1.0)
    assert real_serve.standin.bot_messages(channel) == []


def test_retries_answer_once(real_serve) -> None:
    channel = new_channel()
    event, _ = real_serve.sender.user_writes(channel, USER, MAURICIE, as_mention=True, send=False)
    deliveries = [
        real_serve.sender.event(event, event_id="EvSERVE0RETRY", retry_num=retry)
        for retry in (None, 1, 2)
    ]
    assert [d.status for d in deliveries] == [200, 200, 200]
    assert all(d.elapsed_s < 3.0 for d in deliveries)
    wait_answers(real_serve.standin, channel, event["ts"], timeout=60)
    real_serve.standin.quiet(1.0)
    assert len(finished_answers(real_serve.standin, channel)) == 1


@pytest.mark.slow
def test_a_retry_after_a_restart_is_not_answered_again(real_serve) -> None:
    """Restarting the process costs ~6 s (model loading and warm-up): marked slow. The same
    behaviour is covered quickly in-process by test_slack_events.py."""
    channel = new_channel()
    event, _ = real_serve.sender.user_writes(channel, USER, MAURICIE, as_mention=True, send=False)
    assert real_serve.sender.event(event, event_id="EvSERVE1RETRY").status == 200
    wait_answers(real_serve.standin, channel, event["ts"], timeout=60)

    real_serve.server.restart()
    late = real_serve.sender.event(event, event_id="EvSERVE1RETRY", retry_num=3)
    assert late.status == 200
    real_serve.standin.quiet(1.5)
    assert len(finished_answers(real_serve.standin, channel)) == 1


def test_transcript_of_mention_follow_up_and_retry(real_serve, tmp_path: Path) -> None:
    steps, markdown = record_scenarios(real_serve)
    mention, follow_up, retried = steps
    assert CONSORTIUM in message_text(mention.messages[0])
    assert ESTRIE_MANDATAIRE in message_text(follow_up.messages[0])
    assert len(retried.sent) == 3 and len(retried.messages) == 1
    assert [s.headers.get("X-Slack-Retry-Num") for s in retried.sent] == [None, "1", "2"]
    assert "chat.startStream" in markdown and "X-Slack-Signature: v0=" in markdown
    (tmp_path / "slack-transcript.md").write_text(markdown, encoding="utf-8")


@pytest.mark.slow
def test_empty_data_folder_is_ingested_before_ready(tmp_path: Path) -> None:
    """`alliances serve` on an empty ALLIANCES_HOME: acknowledges at once, reports 503 until
    the shipped knowledge base is ingested, then answers (about 30 s: marked slow)."""
    with SlackStandIn() as standin:
        home = tmp_path / "empty-home"
        server = SubprocessServer(server_environment(standin, home), tmp_path / "serve.log")
        server.start(wait_ready=False)
        try:
            status, body = get_json(f"{server.url}/healthz")
            assert status == 503 and body["status"] == "starting"
            sender = SlackSender(server.events_url, standin)
            channel = new_channel()
            event, sent = sender.user_writes(channel, USER, MAURICIE, as_mention=True)
            assert sent.status == 200 and sent.elapsed_s < 3.0
            (answer,) = wait_answers(standin, channel, event["ts"], timeout=600)
            assert CONSORTIUM in answer["text"]
            assert get_json(f"{server.url}/healthz")[0] == 200
        finally:
            server.stop()
