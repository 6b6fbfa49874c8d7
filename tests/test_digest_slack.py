"""Digests through Slack: the `/alliances digest …` commands as signed requests to a running
`alliances serve` app, the digests it posts to the Slack stand-in, with a controlled clock
driving the scheduler (its jobs are built but paused: the test says when time passes)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from standins.servers import (
    ADMIN,
    USER,
    FakeAssistant,
    InProcessServer,
    server_environment,
    wait_until_ready,
)
from standins.slack_api import SlackSender
from test_digest_support import (
    DigestSlackStandIn,
    FakeClock,
    digest_messages,
    local,
    seed_week,
)

from bot.digests.install import DIGESTS
from bot.server import create_app
from bot.settings import load_settings
from bot.slack.digest_blocks import posted_part

_channels = itertools.count(1)


def new_channel() -> str:
    return f"C0DS{next(_channels):06d}"


class DigestApp:
    """A server under test, its clock and what talks to it."""

    def __init__(self, server: InProcessServer, standin: DigestSlackStandIn, home: Path,
                 clock: FakeClock):  # fmt: skip
        self.server = server
        self.standin = standin
        self.sender = SlackSender(server.events_url, standin)
        self.home = home
        self.clock = clock

    @property
    def service(self) -> Any:
        return self.server.web_app[DIGESTS]

    def command(self, text: str, *, channel: str, user: str = USER) -> dict[str, Any]:
        """`/alliances <text>`; returns the private reply posted to its response_url."""
        sent, url = self.sender.command(text, user=user, channel=channel)
        assert sent.status == 200 and sent.response_body == ""
        posts = self.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
        assert len(posts) == 1
        return posts[0].body

    def run_pending(self) -> list[Any]:
        future = asyncio.run_coroutine_threadsafe(
            self.service.scheduler.run_pending(self.clock.datetime), self.server._loop
        )
        return future.result(30)


@pytest.fixture(scope="module")
def standin() -> Iterator[DigestSlackStandIn]:
    with DigestSlackStandIn() as running:
        yield running


@pytest.fixture()
def start(standin: DigestSlackStandIn, tmp_path: Path) -> Iterator[Callable[..., DigestApp]]:
    started: list[InProcessServer] = []

    def start_server(home: Path | None = None, clock: FakeClock | None = None) -> DigestApp:
        home = home or tmp_path / "home"
        clock = clock or FakeClock(local(2025, 6, 2, 8).timestamp())
        environ = server_environment(standin, home, admins=ADMIN)
        fake = FakeAssistant()
        web_app = create_app(load_settings(environ), assistant_factory=lambda: fake)
        web_app[DIGESTS].clock = clock
        web_app[DIGESTS].paused = True  # jobs built, time driven by the test
        server = InProcessServer(web_app).start()
        started.append(server)
        wait_until_ready(server.url, 30)
        return DigestApp(server, standin, home, clock)

    yield start_server
    standin.reset_failures()
    for server in started:
        server.stop()


def text_of(body: dict[str, Any]) -> str:
    parts = [body.get("text") or ""]
    for block in body.get("blocks") or []:
        parts.append(str((block.get("text") or {}).get("text", "")))
        parts += [str(element.get("text", "")) for element in block.get("elements") or []]
    return "\n".join(parts)


# --- subscribing ---------------------------------------------------------------------------


def test_subscribe_then_the_weekly_digest_is_posted_once(start) -> None:
    app = start()
    channel = new_channel()
    ids = seed_week(app.home, app.clock, week_of=local(2025, 5, 26, 9))
    reply = app.command("digest abonner tous les lundis à 9 h région:Mauricie", channel=channel)
    text = text_of(reply)
    assert reply["response_type"] == "ephemeral"
    assert (
        "✅ C'est noté : ce canal recevra le résumé des projets chaque lundi à 9 h (heure du "
        "Québec), pour la région Mauricie." in text
    )
    assert "Prochain envoi : lundi 2 juin 2025 à 9 h." in text
    assert "« Rien de nouveau cette semaine » (`vide:ignorer` pour ne rien publier)" in text
    (subscription,) = app.service.store.subscriptions(channel=channel)
    assert app.service.scheduler.jobs() == {subscription.id: "0 9 * * 1"}
    assert subscription.created_by == USER

    assert app.run_pending() == []  # 8:00: nothing owed yet
    app.clock.set(local(2025, 6, 2, 9))
    assert [r.outcome for r in app.run_pending()] == ["posted"]
    app.clock.advance(minutes=30)
    assert [r.outcome for r in app.run_pending()] == ["already"]
    (message,) = digest_messages(app.standin, channel)
    assert "Résumé de la semaine — Mauricie" in text_of(message)
    assert f"#{ids['garden']} Les maraîchers du cœur" in text_of(message)

    # "Voir" on a project of the digest shows its card, privately.
    button = next(b["accessory"] for b in message["blocks"] if "accessory" in b)
    _sent, url = app.sender.click(
        {"action_id": button["action_id"], "value": button["value"], "block_id": "x"},
        user=USER,
        channel=channel,
        message=message,
    )
    (card,) = app.standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
    assert "Cuisine collective" in text_of(card.body)  # MRC de Maskinongé comes first
    assert card.body["response_type"] == "ephemeral"


def test_bad_schedules_get_a_clear_message_and_nothing_is_stored(start) -> None:
    app = start()
    channel = new_channel()
    reply = app.command("digest abonner lundo 9h", channel=channel)
    text = text_of(reply)
    assert "⚠️ Je ne comprends pas « lundo » dans l'horaire « lundo 9h ». Vouliez-vous dire " \
        "« lundi » ?" in text  # fmt: skip
    assert "Exemples : « lundi 9h », « chaque jour 8h30 », « tous les vendredis à 16 h »" in text
    assert "la syntaxe cron « 0 9 * * 1 »" in text
    reply = app.command("digest abonner", channel=channel)
    assert "Précisez l'horaire : `/alliances digest abonner lundi 9h`" in text_of(reply)
    reply = app.command("digest abonner 0 9 1 * 1", channel=channel)
    assert "à la fois le jour du mois et le jour de la semaine" in text_of(reply)
    reply = app.command("digest abonner lundi 9h région:Mauricy", channel=channel)
    assert "Région inconnue : « Mauricy ». Vouliez-vous dire : Mauricie" in text_of(reply)
    reply = app.command("digest abonner lundi 9h vide:peut-être", channel=channel)
    assert "`vide:ignorer`" in text_of(reply)
    reply = app.command("digest abonnez", channel=channel)
    assert "Sous-commande inconnue : « abonnez »" in text_of(reply)
    assert app.service.store.subscriptions(channel=channel) == []


def test_the_preview_matches_what_is_then_posted(start) -> None:
    app = start()
    channel = new_channel()
    app.command("digest abonner lundi 9h région:Mauricie", channel=channel)
    seed_week(app.home, app.clock, week_of=local(2025, 6, 2, 9))
    app.clock.set(local(2025, 6, 6, 16))
    preview = app.command("digest", channel=channel)
    note = preview["blocks"][0]["elements"][0]["text"]
    assert note.startswith("👀 Aperçu du prochain résumé, qui partira ")
    assert "lundi 9 juin 2025 à 9 h (chaque lundi à 9 h)" in note
    assert preview["response_type"] == "ephemeral"
    assert digest_messages(app.standin, channel) == []  # a preview posts nothing
    app.clock.set(local(2025, 6, 9, 9))
    app.run_pending()
    (message,) = digest_messages(app.standin, channel)
    assert message["blocks"] == posted_part(preview["blocks"])
    assert message["text"] == preview["text"]
    assert "Du 2 juin 2025 au 9 juin 2025" in text_of(message)


def test_an_empty_week_follows_the_policy_set_in_chat(start) -> None:
    app = start()
    quiet, skipping = new_channel(), new_channel()
    app.command("digest abonner lundi 9h", channel=quiet)
    reply = app.command("digest abonner lundi 9h vide:ignorer", channel=skipping)
    assert "Période sans nouveauté : rien n'est publié" in text_of(reply)
    app.clock.set(local(2025, 6, 2, 9, 5))
    outcomes = {r.delivery.channel: r.outcome for r in app.run_pending()}
    assert outcomes == {quiet: "posted", skipping: "skipped"}
    (message,) = digest_messages(app.standin, quiet)
    assert "Rien de nouveau cette semaine." in text_of(message)
    assert "toutes les régions" in text_of(message)
    assert digest_messages(app.standin, skipping) == []


def test_change_and_unsubscribe_update_the_jobs(start) -> None:
    app = start()
    channel = new_channel()
    app.command("digest abonner lundi 9h", channel=channel)
    reply = app.command("digest abonner en semaine 7h45", channel=channel)
    assert "(Remplace l'horaire précédent : chaque lundi à 9 h.)" in text_of(reply)
    (subscription,) = app.service.store.subscriptions(channel=channel)
    app.standin.wait_for(lambda s: app.service.scheduler.jobs().get(subscription.id)
                         == "45 7 * * 1-5")  # fmt: skip
    reply = app.command("digest désabonner", channel=channel)
    assert "ce canal ne recevra plus le résumé des projets (en semaine à 7 h 45)" in text_of(reply)
    assert "`/alliances digest abonner en semaine 7h45`" in text_of(reply)
    app.standin.wait_for(lambda s: subscription.id not in app.service.scheduler.jobs())
    app.clock.set(local(2025, 6, 3, 7, 45))
    assert app.run_pending() == []
    assert digest_messages(app.standin, channel) == []
    reply = app.command("digest désabonner", channel=channel)
    assert "n'était pas abonné" in text_of(reply)


def test_post_now_is_for_administrators(start) -> None:
    app = start()
    channel = new_channel()
    reply = app.command("digest maintenant", channel=channel, user=USER)
    assert "Seuls les administrateurs de l'assistant peuvent publier" in text_of(reply)
    assert digest_messages(app.standin, channel) == []
    reply = app.command("digest maintenant", channel=channel, user=ADMIN)
    assert "✅ Résumé publié dans ce canal (0 projet)." in text_of(reply)
    (message,) = digest_messages(app.standin, channel)
    assert "Rien de nouveau" in text_of(message)
    (delivery,) = app.service.store.deliveries(channel=channel)
    assert delivery.kind == "manual" and delivery.period_key.startswith("manual:slack:command:")


def test_english_subscription_and_help(start) -> None:
    app = start()
    channel = new_channel()
    reply = app.command("digest subscribe every friday at 4pm region:Estrie", channel=channel)
    assert (
        "✅ Done: this channel will receive the project digest every Friday at 4pm (Québec "
        "time), for Estrie." in text_of(reply)
    )
    assert "Next digest: Friday, June 6, 2025 at 4pm." in text_of(reply)
    reply = app.command("digest aide", channel=channel)
    assert "`/alliances digest abonner <horaire> [région:…] [vide:ignorer]`" in text_of(reply)
    reply = app.command("aide", channel=channel)
    assert "`/alliances digest abonner lundi 9h [région:…]`" in text_of(reply)
    assert "`/alliances digest aide` : les résumés en détail" in text_of(reply)


def test_a_restart_rebuilds_the_jobs_and_catches_up(start, tmp_path) -> None:
    home = tmp_path / "restart-home"
    clock = FakeClock(local(2025, 6, 2, 8).timestamp())
    app = start(home, clock)
    channel = new_channel()
    app.command("digest abonner lundi 9h région:Mauricie", channel=channel)
    (subscription,) = app.service.store.subscriptions(channel=channel)
    app.server.stop()  # down over Monday 9:00
    clock.set(local(2025, 6, 2, 10, 30))
    again = start(home, clock)
    assert again.service.scheduler.jobs() == {subscription.id: "0 9 * * 1"}
    assert [r.outcome for r in again.run_pending()] == ["posted"]  # 1.5 h late
    assert len(digest_messages(again.standin, channel)) == 1
