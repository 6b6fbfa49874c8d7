"""Fixtures for the Teams tests, loaded with `pytest_plugins = ["teams_fixtures"]`.

- `teams_standin`: the Bot Connector / token issuer / OpenID stand-in on 127.0.0.1 (session);
- `start_teams`: starts `alliances serve`'s web application in this process (127.0.0.1,
  ephemeral port) with the Teams door — anonymous, or authenticated against the stand-in —
  and an injected assistant; stopped after the test;
- `teams_environment`: the environment variables of such a server (also for real processes);
- `curator_app`: such a server with the real Assistant over a private copy of the ingested
  data folder, the personal chats' user a curator;
- `reply_to` / `dumped`: the bot's reply to an activity, and what a person reads in it;
- `say`: a message in a personal chat and the bot's reply; `share` / `decide`: a file shared
  in a personal chat (the offer card), and a click on one of its buttons.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from standins.servers import FakeAssistant, InProcessServer, wait_until_ready
from standins.teams_connector import (
    ADMIN_AAD,
    APP_ID,
    APP_PASSWORD,
    MARIE,
    TENANT_ID,
    USER_AAD,
    Received,
    TeamsSender,
    TeamsStandIn,
    TeamsUser,
)

from bot.server import create_app
from bot.settings import load_settings


def teams_environment(
    standin: TeamsStandIn, home: Path, *, auth: bool = False, admins: str = ADMIN_AAD
) -> dict[str, str]:
    """A server with only the Teams door: anonymous (ALLIANCES_TEAMS_ALLOW_ANONYMOUS=1), or
    with the bot's credentials, its token authority and the Bot Framework's OpenID
    configuration all played by the stand-in."""
    environ = {
        "ALLIANCES_HOME": str(home),
        "ALLIANCES_CHROMA_URL": "",
        "ALLIANCES_ADMINS": admins,
    }
    if auth:
        environ |= {
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID,
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": APP_PASSWORD,
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": TENANT_ID,
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHORITY": standin.authority,
            "ALLIANCES_TEAMS_OPENID_METADATA_URL": standin.openid_metadata_url,
        }
    else:
        environ["ALLIANCES_TEAMS_ALLOW_ANONYMOUS"] = "1"
    return environ


@dataclass
class RunningTeamsApp:
    """A server under test and what talks to it."""

    server: Any
    standin: TeamsStandIn
    sender: TeamsSender
    home: Path
    assistant: Any = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def web_app(self) -> Any:
        return self.server.web_app


@pytest.fixture(scope="session")
def teams_standin() -> Iterator[TeamsStandIn]:
    with TeamsStandIn() as standin:
        yield standin


@pytest.fixture()
def start_teams(
    teams_standin: TeamsStandIn, tmp_path: Path
) -> Iterator[Callable[..., RunningTeamsApp]]:
    """Start the server in-process with the Teams door and an injected assistant."""
    started: list[InProcessServer] = []

    def start(
        assistant: Any = None,
        *,
        auth: bool = False,
        admins: str = ADMIN_AAD,
        extra_environment: dict[str, str] | None = None,
        wait_ready: bool = True,
    ) -> RunningTeamsApp:
        home = tmp_path / f"home{len(started)}"
        environ = teams_environment(teams_standin, home, auth=auth, admins=admins)
        environ |= extra_environment or {}
        fake = assistant if assistant is not None else FakeAssistant()
        teams_standin.reset()
        teams_standin.expect_token = auth
        web_app = create_app(load_settings(environ), assistant_factory=lambda: fake)
        server = InProcessServer(web_app).start()
        started.append(server)
        if wait_ready:
            wait_until_ready(server.url, 30)
        token = teams_standin.channel_token() if auth else None
        sender = TeamsSender(f"{server.url}/api/messages", teams_standin, token=token)
        return RunningTeamsApp(server, teams_standin, sender, home, fake)

    yield start
    for server in started:
        server.stop()
    teams_standin.reset()


@pytest.fixture()
def curator_app(
    start_teams: Callable[..., RunningTeamsApp], shipped_home: Path, encoder: Any, tmp_path: Path
) -> RunningTeamsApp:
    """The server with the real Assistant over a private copy of the ingested data folder
    (`app.home`), the personal chats' user (USER_AAD) a curator."""
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex

    home = tmp_path / "ingested"
    shutil.copytree(shipped_home, home)
    assistant = Assistant(KnowledgeIndex(home, encoder=encoder, chroma_url=""))
    running = start_teams(
        assistant,
        extra_environment={"ALLIANCES_HOME": str(home), "ALLIANCES_CURATORS": USER_AAD},
    )
    running.home = home
    return running


def reply_to(
    app: RunningTeamsApp, chat: str, activity_id: str, *, timeout: float = 120
) -> Received:
    """The bot's (first) reply to an activity of a chat."""
    return app.standin.wait_for(
        lambda s: [
            r
            for r in s.messages(chat)
            if r.method == "POST" and r.reply_to_id == activity_id and r.type == "message"
        ],
        timeout=timeout,
    )[0]


def dumped(received: Received) -> str:
    """A reply's text and cards (as JSON), to look for what a person reads."""
    return received.text + "\n" + json.dumps(received.cards, ensure_ascii=False)


def say(
    app: RunningTeamsApp, chat: str, text: str, *, user: TeamsUser = MARIE, timeout: float = 120
) -> Received:
    """A message in a personal chat, and the bot's (first) reply to it."""
    activity, sent = app.sender.personal_message(chat, text, user=user)
    assert sent.status == 202
    return reply_to(app, chat, activity["id"], timeout=timeout)


def share(app: RunningTeamsApp, chat: str, name: str, data: bytes, text: str = "") -> Received:
    """A curator shares a file in a personal chat (with `text`); the bot's reply (the offer
    card)."""
    attachment = app.standin.add_file(name, data)
    activity, sent = app.sender.personal_message(chat, text, attachments=[attachment])
    assert sent.status == 202
    return reply_to(app, chat, activity["id"], timeout=180)


def decide(
    app: RunningTeamsApp, offer: Received, title: str, *, user: TeamsUser = MARIE
) -> tuple[Received, Received]:
    """A click on the offer card's button titled `title`: the bot's first reply to it (for
    Ajouter / Remplacer, « Indexation en cours… »), and the result — that reply once the
    bot updated it, or a later reply when it sent the result as a new message."""
    (card,) = offer.cards
    (action,) = [action for action in card["actions"] if action["title"] == title]
    clicked, sent = app.sender.card_submit(offer, action["data"], user=user)
    assert sent.status in (200, 202)
    chat = offer.conversation_id
    first = reply_to(app, chat, clicked["id"], timeout=180)

    def result(standin: TeamsStandIn) -> list[Received]:
        updates = [r for r in standin.received if r.method == "PUT" and r.id == first.id]
        replies = [
            r
            for r in standin.messages(chat)
            if r.method == "POST" and r.reply_to_id == clicked["id"]
        ]
        return updates or replies[1:] or ([first] if "⏳" not in first.text else [])

    return first, app.standin.wait_for(result, timeout=180)[-1]
