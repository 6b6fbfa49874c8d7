"""Digests in Teams: subscribed by a message in a channel, delivered as an Adaptive Card by
a proactive message through the Teams connector stand-in, with a controlled clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standins.servers import FakeAssistant, InProcessServer, wait_until_ready
from standins.teams_connector import TeamsSender, new_channel_id
from test_digest_support import FakeClock, local, seed_week

from bot.digests.install import DIGESTS
from bot.server import create_app
from bot.settings import load_settings

pytest_plugins = ["teams_fixtures"]


@pytest.fixture()
def teams_app(teams_standin, tmp_path: Path) -> Iterator[dict[str, Any]]:
    from teams_fixtures import teams_environment  # loaded as a plugin first (pytest_plugins)

    home = tmp_path / "home"
    clock = FakeClock(local(2025, 6, 2, 8).timestamp())
    teams_standin.reset()
    teams_standin.expect_token = False
    fake = FakeAssistant()
    web_app = create_app(
        load_settings(teams_environment(teams_standin, home)), assistant_factory=lambda: fake
    )
    web_app[DIGESTS].clock = clock
    web_app[DIGESTS].paused = True
    server = InProcessServer(web_app).start()
    wait_until_ready(server.url, 30)
    sender = TeamsSender(f"{server.url}/api/messages", teams_standin)
    yield {"server": server, "standin": teams_standin, "sender": sender, "home": home,
           "clock": clock, "service": web_app[DIGESTS]}  # fmt: skip
    server.stop()
    teams_standin.reset()


def test_a_teams_channel_receives_its_digest_as_an_adaptive_card(teams_app) -> None:
    standin, sender, clock = teams_app["standin"], teams_app["sender"], teams_app["clock"]
    channel = new_channel_id()
    sender.installed_in_team(channel)
    standin.wait_messages(channel)  # the welcome message
    ids = seed_week(teams_app["home"], clock, week_of=local(2025, 5, 26, 9))

    root, _ = sender.channel_message(channel, "digest abonner lundi 9h région:Mauricie")
    thread = f"{channel};messageid={root['id']}"
    (confirmation,) = standin.wait_messages(thread)
    assert "C'est noté : ce canal recevra le résumé des projets chaque lundi à 9 h" in (
        confirmation.text
    )
    assert "`/alliances" not in confirmation.text  # Teams commands have no slash prefix
    (subscription,) = teams_app["service"].store.subscriptions(channel=channel)
    assert subscription.platform == "teams"

    clock.set(local(2025, 6, 2, 9))
    service = teams_app["service"]
    results = asyncio.run_coroutine_threadsafe(
        service.scheduler.run_pending(clock.datetime), teams_app["server"]._loop
    ).result(30)
    assert [r.outcome for r in results] == ["posted"]
    posted = standin.wait_messages(channel, count=2)[-1]
    assert posted.reply_to_id is None  # a new post in the channel
    assert results[0].message_id == posted.id
    (card,) = posted.cards
    assert card["type"] == "AdaptiveCard"
    assert "Résumé de la semaine — Mauricie" in posted.text
    assert "**📍 MRC des Chenaux**" in posted.text
    assert f"**#{ids['garden']} Les maraîchers du cœur** · en cours" in posted.text
    assert "12\u00a0500\u00a0$ dépensés" in posted.text
    actions = [
        action
        for element in _walk(card)
        if element.get("type") == "ActionSet"
        for action in element["actions"]
    ]
    assert {a["title"] for a in actions} == {f"Voir #{ids['garden']}", f"Voir #{ids['kitchen']}"}

    # Exactly once: a second run, or a restart, posts nothing more.
    clock.advance(minutes=20)
    again = asyncio.run_coroutine_threadsafe(
        service.scheduler.run_pending(clock.datetime), teams_app["server"]._loop
    ).result(30)
    assert [r.outcome for r in again] == ["already"]
    assert len(standin.messages(channel)) == 2

    # "Voir #…" answers with the project's card.
    garden = next(a for a in actions if a["title"] == f"Voir #{ids['garden']}")
    sender.card_submit(posted, garden["data"])
    reply = standin.wait_for(
        lambda s: [m for m in s.messages() if "maraîchers" in m.text and m is not posted]
    )
    assert reply


def test_the_teams_preview_is_a_card_for_the_asker(teams_app) -> None:
    standin, sender = teams_app["standin"], teams_app["sender"]
    channel = new_channel_id()
    sender.installed_in_team(channel)
    standin.wait_messages(channel)
    root, _ = sender.channel_message(channel, "digest")
    (preview,) = standin.wait_messages(f"{channel};messageid={root['id']}")
    assert "👀 Aperçu : ce canal n'est pas abonné aux résumés." in preview.text
    assert "digest abonner lundi 9h" in preview.text
    assert "Du 26 mai 2025 au 2 juin 2025\nRien de nouveau cette semaine." in preview.text


def _walk(element: Any) -> Iterator[dict[str, Any]]:
    if isinstance(element, dict):
        yield element
        for value in element.values():
            yield from _walk(value)
    elif isinstance(element, list):
        for value in element:
            yield from _walk(value)
