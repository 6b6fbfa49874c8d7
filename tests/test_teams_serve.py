"""End to end: a real `alliances serve` process (`python -m bot.cli serve`) with the Teams door
authenticated, the real Assistant over the shipped knowledge base, and the Bot Connector, the
Microsoft Entra token issuer and the Bot Framework's OpenID configuration played by the
stand-in on 127.0.0.1. Starting the process (models, warm-up) takes several seconds: slow.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from standins.servers import SubprocessServer, get_json
from standins.teams_connector import (
    PIERRE,
    TeamsSender,
    TeamsStandIn,
    new_channel_id,
    new_personal_chat_id,
    other_key,
)
from teams_fixtures import RunningTeamsApp, teams_environment

pytestmark = pytest.mark.slow

MAURICIE = "Quel organisme est mandataire de l'Alliance pour la solidarité en Mauricie ?"
CONSORTIUM = "Consortium en développement social de la Mauricie"
ESTRIE = "La Table des MRC de l’Estrie"
SOURCE_TITLE = "Alliances pour la solidarité : mandataires et projets par région"


@pytest.fixture(scope="module")
def teams_serve(
    tmp_path_factory: pytest.TempPathFactory, shipped_home: Path
) -> Iterator[RunningTeamsApp]:
    home = tmp_path_factory.mktemp("teams-serve") / "home"
    shutil.copytree(shipped_home, home)
    with TeamsStandIn() as standin:
        standin.expect_token = True
        environ = teams_environment(standin, home, auth=True)
        server = SubprocessServer(environ, home.parent / "serve.log").start()
        try:
            sender = TeamsSender(
                f"{server.url}/api/messages", standin, token=standin.channel_token()
            )
            yield RunningTeamsApp(server, standin, sender, home)
        finally:
            server.stop()


def test_healthz_lists_the_teams_door(teams_serve) -> None:
    status, body = get_json(f"{teams_serve.url}/healthz")
    assert status == 200 and body == {"status": "ready", "doors": ["teams"]}


def test_channel_mention_then_follow_up(teams_serve) -> None:
    app = teams_serve
    channel = new_channel_id()
    root, sent = app.sender.channel_message(channel, MAURICIE)
    assert sent.status == 202 and sent.elapsed_s < 3.0
    conversation = f"{channel};messageid={root['id']}"
    (answer,) = app.standin.wait_messages(conversation, timeout=60)
    assert answer.reply_to_id == root["id"]
    assert CONSORTIUM in answer.text and "**Sources**" in answer.text
    assert SOURCE_TITLE in answer.text and "— Mauricie" in answer.text
    assert [a["title"] for a in answer.cards[0]["actions"]] == ["👍 Utile", "👎 Pas utile"]

    app.sender.channel_message(channel, "et en Estrie ?", thread_id=root["id"], user=PIERRE)
    follow_up = app.standin.wait_messages(conversation, count=2, timeout=60)[-1]
    assert ESTRIE in follow_up.text


def test_personal_chat_and_follow_up(teams_serve) -> None:
    app = teams_serve
    chat = new_personal_chat_id()
    app.sender.personal_message(chat, MAURICIE)
    app.standin.wait_messages(chat, timeout=60)
    app.sender.personal_message(chat, "et en Estrie ?")
    first, second = app.standin.wait_messages(chat, count=2, timeout=60)
    assert CONSORTIUM in first.text and ESTRIE in second.text
    assert first.authorization.startswith("Bearer ") and not app.standin.rejected


def test_bad_token_is_rejected_and_nothing_is_posted(teams_serve) -> None:
    app = teams_serve
    chat = new_personal_chat_id()
    activity, _ = app.sender.personal_message(chat, MAURICIE, send=False)
    forged = app.standin.channel_token(key=other_key())
    assert app.sender.post(activity, token=forged).status == 401
    assert app.sender.post(activity, token=False).status == 401
    app.standin.quiet(1.0)
    assert not app.standin.messages(chat)
