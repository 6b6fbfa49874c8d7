"""Fixtures for the Slack tests, loaded by them with `pytest_plugins = ["slack_fixtures"]`.

- `slack_standin`: the Slack Web API stand-in on 127.0.0.1, for the session;
- `start_server`: starts `alliances serve`'s web application in this process (127.0.0.1,
  ephemeral port) with an injected assistant (and, when given, a chat state and a `prepare`
  step run on the application before it starts), stopped after the test;
- `start_curated`: `start_server` with the real Assistant over a private copy of the ingested
  data folder, the test user a curator;
- `real_serve`: a real `python -m bot.cli serve` process with the real Assistant over a copy of
  the ingested data folder (`shipped_home` from tests/conftest.py), pointed at its own stand-in.

And helpers for the journeys: `command` (`/alliances …` and its private reply), `ask` (a
question in a mention, and the answer), `share` / `buttons` / `click` (a file shared in a
direct message, the offer's buttons, a click on one), `shown` (what a person reads).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from standins.servers import (
    ADMIN,
    OTHER_USER,
    USER,
    FakeAssistant,
    InProcessServer,
    RunningSlackApp,
    SubprocessServer,
    message_text,
    new_channel,
    server_environment,
    wait_answers,
    wait_until_ready,
)
from standins.slack_api import SlackSender, SlackStandIn

from bot.server import create_app
from bot.settings import load_settings
from bot.state import State

# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def slack_standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture()
def start_server(
    slack_standin: SlackStandIn, tmp_path: Path
) -> Iterator[Callable[..., RunningSlackApp]]:
    """Start the server in-process with an injected assistant; stopped after the test."""
    started: list[InProcessServer] = []

    def start(
        assistant: Any = None,
        *,
        admins: str = ADMIN,
        streaming: bool = True,
        home: Path | None = None,
        wait_ready: bool = True,
        socket_mode: bool = False,
        extra_environment: dict[str, str] | None = None,
        state: State | None = None,
        prepare: Callable[[web.Application], None] | None = None,
    ) -> RunningSlackApp:
        home = home or tmp_path / f"home{len(started)}"
        environ = server_environment(
            slack_standin, home, admins=admins, streaming=streaming, socket_mode=socket_mode
        )
        environ |= extra_environment or {}
        fake = assistant if assistant is not None else FakeAssistant()
        web_app = create_app(
            load_settings(environ),
            assistant_factory=lambda: fake,
            socket_mode=socket_mode,
            state=state,
        )
        if prepare is not None:
            prepare(web_app)  # before the server starts: clocks, paused schedulers…
        server = InProcessServer(web_app).start()
        started.append(server)
        if wait_ready:
            wait_until_ready(server.url, 30)
        sender = SlackSender(server.events_url, slack_standin)
        return RunningSlackApp(server, slack_standin, sender, home)

    yield start
    slack_standin.reset_failures()
    for server in started:
        server.stop()


@pytest.fixture()
def start_curated(
    home_copy: Path, encoder: Any, start_server: Callable[..., RunningSlackApp]
) -> Callable[..., tuple[RunningSlackApp, Any]]:
    """Start the server with the real Assistant over a private copy of the ingested data
    folder (`home_copy`), the test user a curator; `extra_environment` on top."""

    def start(extra_environment: dict[str, str] | None = None) -> tuple[RunningSlackApp, Any]:
        from bot.assistant import Assistant
        from retrieval.index import KnowledgeIndex

        assistant = Assistant(KnowledgeIndex(home_copy, encoder=encoder, chroma_url=""))
        running = start_server(
            assistant,
            home=home_copy,
            wait_ready=False,
            extra_environment={"ALLIANCES_CURATORS": USER, **(extra_environment or {})},
        )
        wait_until_ready(running.url, 120)
        return running, assistant

    return start


@pytest.fixture(scope="module")
def real_serve(
    tmp_path_factory: pytest.TempPathFactory, shipped_home: Path
) -> Iterator[RunningSlackApp]:
    """A real `alliances serve` process with the real Assistant over an ingested data folder."""
    home = tmp_path_factory.mktemp("serve-home") / "home"
    shutil.copytree(shipped_home, home)
    with SlackStandIn() as standin:
        environ = server_environment(standin, home)
        server = SubprocessServer(environ, home.parent / "serve.log").start()
        try:
            yield RunningSlackApp(server, standin, SlackSender(server.events_url, standin), home)
        finally:
            server.stop()


# --- helpers ------------------------------------------------------------------------------


def shown(message: dict[str, Any]) -> str:
    """What a person reads in a message: its text and its blocks (as JSON)."""
    return message_text(message) + json.dumps(message.get("blocks"), ensure_ascii=False)


def command(app: RunningSlackApp, text: str, *, user: str = USER) -> dict[str, Any]:
    """`/alliances <text>`; the private reply posted back to the response_url."""
    sent, url = app.sender.command(text, user=user, channel=new_channel())
    assert sent.status == 200, (sent.status, sent.response_body)
    post = app.standin.wait_for(
        lambda s: [p for p in s.response_posts if p.url == url], timeout=120
    )[0]
    assert post.body["response_type"] == "ephemeral"
    return post.body


def ask(app: RunningSlackApp, question: str) -> str:
    """`question` in a mention by another person; what the answer shows."""
    channel = new_channel()
    event, _ = app.sender.user_writes(channel, OTHER_USER, question, as_mention=True)
    (answer,) = wait_answers(app.standin, channel, event["ts"], timeout=120)
    return shown(answer)


def share(
    app: RunningSlackApp, name: str, data: bytes, *, user: str = USER, **options: Any
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """`user` shares a file in a new direct message: the channel, the bot's first message
    there, and the file."""
    channel = new_channel("D")
    file = app.standin.add_file(name, data, user=user, **options)
    _, sent = app.sender.user_shares(channel, user, file)
    assert sent.status == 200, (sent.status, sent.response_body)
    message = app.standin.wait_for(lambda s: s.bot_messages(channel), timeout=60)[0]
    return channel, message, file


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A message's buttons by action id."""
    return {
        element["action_id"]: element
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    }


def click(
    app: RunningSlackApp, channel: str, message: dict[str, Any], action_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Click a button of an offer: the last message posted to the click's response_url
    (past « Indexation en cours… »), and all of them."""
    button = buttons(message)[action_id]
    action = {"action_id": action_id, "block_id": "alliances_upload", "value": button["value"]}
    sent, url = app.sender.click(action, user=USER, channel=channel, message=message)
    assert sent.status == 200, (sent.status, sent.response_body)
    final = app.standin.wait_for(
        lambda s: [
            p
            for p in s.response_posts
            if p.url == url and "⏳" not in json.dumps(p.body, ensure_ascii=False)
        ],
        timeout=180,
    )
    posts = [p.body for p in app.standin.response_posts if p.url == url]
    return final[-1].body, posts
