"""Digest delivery with a controlled clock: weekly firing, exactly once across restarts and
concurrent schedulers, empty-period policies, retries, catch-up, and the scheduler's jobs.
Posting goes to the Slack stand-in over HTTP with the real slack_sdk client."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from standins.slack_api import TOKEN
from test_digest_support import (
    DigestSlackStandIn,
    FakeClock,
    add_update,
    digest_messages,
    local,
    seed_week,
)

from bot.digests.content import DigestReply
from bot.digests.delivery import DeliveryResult, PostRefused, SlackPoster
from bot.digests.schedule import parse_schedule
from bot.digests.scheduler import fire_key
from bot.digests.service import (
    DigestService,
    DigestSettings,
    DigestSettingsError,
    load_digest_settings,
)
from bot.digests.store import DigestStore, marker_for
from bot.slack.digest_blocks import digest_blocks, posted_part

ADMIN = "U0ADMIN01"
_channels = itertools.count(1)


def new_channel() -> str:
    return f"C0DG{next(_channels):06d}"


@pytest.fixture(scope="module")
def standin() -> Any:
    with DigestSlackStandIn() as running:
        yield running


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock(local(2025, 6, 2, 8).timestamp())  # Monday 2 June 2025, 8:00


def service_for(home: Path, clock: FakeClock, standin: DigestSlackStandIn) -> DigestService:
    service = DigestService(home, clock=clock)
    service.posters["slack"] = SlackPoster(
        AsyncWebClient(token=TOKEN, base_url=standin.api_url, timeout=10)
    )
    return service


def subscribe(
    service: DigestService, channel: str, schedule: str = "lundi 9h", **options: Any
) -> Any:
    subscription, _ = service.subscribe(
        platform="slack",
        channel=channel,
        schedule=parse_schedule(schedule),
        schedule_text=schedule,
        region=options.get("region", "Mauricie"),
        empty_policy=options.get("empty_policy"),
        language=options.get("language", "fr"),
        user=ADMIN,
    )
    return subscription


def run(service: DigestService, clock: FakeClock) -> list[DeliveryResult]:
    return asyncio.run(service.scheduler.run_pending(clock.datetime))


def texts(message: dict[str, Any]) -> str:
    return "\n".join(
        str((block.get("text") or {}).get("text", ""))
        + "".join(str(e.get("text", "")) for e in block.get("elements") or [])
        for block in message.get("blocks") or []
    )


# --- firing ---------------------------------------------------------------------------------


def test_a_weekly_subscription_fires_once_per_week(tmp_path, clock, standin) -> None:
    channel = new_channel()
    service = service_for(tmp_path, clock, standin)
    ids = seed_week(tmp_path, clock, week_of=local(2025, 5, 26, 9))
    subscription = subscribe(service, channel)
    add_update(tmp_path, clock, ids["garden"], "Récolte partagée", local(2025, 6, 5, 14))

    outcomes = []
    while clock.datetime < local(2025, 6, 16, 12):  # two weeks, checked every half hour
        outcomes += [result.outcome for result in run(service, clock)]
        clock.advance(minutes=30)

    posted = digest_messages(standin, channel)
    assert len(posted) == 3 and outcomes.count("posted") == 3
    assert set(outcomes) == {"posted", "already"}  # later checks find it done
    deliveries = service.store.deliveries(channel=channel)
    assert [d.period_key for d in deliveries] == [
        fire_key(local(2025, 6, 2, 9)),
        fire_key(local(2025, 6, 9, 9)),
        fire_key(local(2025, 6, 16, 9)),
    ]
    assert all(d.state == "posted" and d.subscription_id == subscription.id for d in deliveries)
    assert [d.message_id for d in deliveries] == [m["ts"] for m in posted]

    first = texts(posted[0])
    assert "Résumé de la semaine — Mauricie" in first
    assert "Du 26 mai 2025 au 2 juin 2025" in first
    assert "2 nouveaux projets · 2 mises à jour · 1 changement de statut" in first
    assert "12\u00a0500\u00a0$ dépensés · 20 personnes rejointes" in first
    assert "*📍 MRC de Maskinongé*" in first and "*📍 MRC des Chenaux*" in first
    assert first.index("Maskinongé") < first.index("Chenaux")  # grouped, sorted by MRC
    assert "Transport solidaire" not in first  # Estrie
    assert f"*#{ids['garden']} Les maraîchers du cœur* · en cours" in first
    assert "statut : à venir → en cours" in first
    assert "Marie Tremblay : 12 jeunes inscrits pour la saison" in first
    buttons = [b["accessory"] for b in posted[0]["blocks"] if "accessory" in b]
    assert {b["action_id"] for b in buttons} == {"alliances_project_show"}
    assert {b["value"] for b in buttons} == {f"{ids['garden']}:fr", f"{ids['kitchen']}:fr"}
    assert "Récolte partagée" in texts(posted[1]) and "Maskinongé" not in texts(posted[1])
    assert "Rien de nouveau cette semaine." in texts(posted[2])
    assert posted[0]["metadata"]["event_payload"]["marker"] == marker_for(
        "slack", channel, fire_key(local(2025, 6, 2, 9))
    )
    service.close()


def test_an_empty_week_follows_the_policy(tmp_path, clock, standin) -> None:
    service = service_for(tmp_path, clock, standin)
    quiet, skipping = new_channel(), new_channel()
    subscribe(service, quiet)  # default: "message"
    subscribe(service, skipping, empty_policy="skip")
    clock.set(local(2025, 6, 2, 9, 1))
    outcomes = {r.delivery.channel: r.outcome for r in run(service, clock)}
    assert outcomes == {quiet: "posted", skipping: "skipped"}
    (message,) = digest_messages(standin, quiet)
    assert "Rien de nouveau cette semaine." in texts(message)
    assert message["text"].endswith("Rien de nouveau cette semaine.")
    assert digest_messages(standin, skipping) == []
    assert service.store.deliveries(channel=skipping)[0].state == "skipped"
    clock.advance(hours=1)
    assert {r.outcome for r in run(service, clock)} == {"already"}  # skipped is final
    service.close()


def test_a_fire_missed_while_down_is_caught_up_within_the_window(tmp_path, clock, standin):
    service = service_for(tmp_path, clock, standin)
    late, too_late = new_channel(), new_channel()
    subscribe(service, late)
    subscribe(service, too_late, "lundi 2h")
    clock.set(local(2025, 6, 9, 11))  # down from Monday 8:00 to 11:00 a week later
    outcomes = {r.delivery.channel: r.outcome for r in run(service, clock)}
    assert outcomes == {late: "posted"}  # 2 h late: sent; 9 h late: too late
    assert digest_messages(standin, too_late) == []
    # A subscription made after Monday 9:00 owes nothing for that Monday.
    fresh = new_channel()
    subscribe(service, fresh)
    clock.advance(minutes=5)
    assert [r for r in run(service, clock) if r.delivery.channel == fresh] == []
    service.close()


# --- exactly once ---------------------------------------------------------------------------


class SimulatedCrash(BaseException):
    """The process dies (not an Exception: nothing catches it)."""


class CrashAfterPosting(SlackPoster):
    """Slack stores the message, then the process dies before recording its ts."""

    async def post(self, channel: str, reply: DigestReply, marker: str) -> str:
        await super().post(channel, reply, marker)
        raise SimulatedCrash


class CrashBeforeAnswer(SlackPoster):
    """The process dies while the request is on its way (Slack never received it)."""

    async def post(self, channel: str, reply: DigestReply, marker: str) -> str:
        raise SimulatedCrash


def test_a_restart_mid_post_resumes_without_posting_twice(tmp_path, clock, standin) -> None:
    channel = new_channel()
    first = service_for(tmp_path, clock, standin)
    seed_week(tmp_path, clock, week_of=local(2025, 5, 26, 9))
    subscribe(first, channel)
    first.posters["slack"] = CrashAfterPosting(first.posters["slack"].client)
    clock.set(local(2025, 6, 2, 9))
    with pytest.raises(SimulatedCrash):
        run(first, clock)
    (message,) = digest_messages(standin, channel)
    (delivery,) = first.store.deliveries(channel=channel)
    assert delivery.state == "posting" and delivery.message_id is None
    first.close()

    restarted = service_for(tmp_path, clock, standin)  # a new process on the same file
    clock.advance(minutes=1)
    assert [r.outcome for r in run(restarted, clock)] == ["busy"]  # the lease still runs
    clock.advance(minutes=5)
    (result,) = run(restarted, clock)
    assert result.outcome == "resumed" and result.message_id == message["ts"]
    assert digest_messages(standin, channel) == [message]  # found, not posted again
    assert standin.calls_to("conversations.history")[-1].args["include_all_metadata"]
    (delivery,) = restarted.store.deliveries(channel=channel)
    assert (delivery.state, delivery.message_id) == ("posted", message["ts"])
    clock.advance(hours=1)
    assert [r.outcome for r in run(restarted, clock)] == ["already"]
    restarted.close()


def test_a_post_that_never_reached_slack_is_posted_once_after_the_restart(
    tmp_path, clock, standin
) -> None:
    channel = new_channel()
    first = service_for(tmp_path, clock, standin)
    subscribe(first, channel)
    first.posters["slack"] = CrashBeforeAnswer(first.posters["slack"].client)
    clock.set(local(2025, 6, 2, 9))
    with pytest.raises(SimulatedCrash):
        run(first, clock)
    first.close()
    assert digest_messages(standin, channel) == []
    restarted = service_for(tmp_path, clock, standin)
    clock.advance(minutes=6)
    (result,) = run(restarted, clock)
    assert result.outcome == "posted"
    assert len(digest_messages(standin, channel)) == 1
    restarted.close()


def test_two_schedulers_on_one_database_post_once(tmp_path, clock, standin) -> None:
    channels = [new_channel() for _ in range(4)]
    one, two = service_for(tmp_path, clock, standin), service_for(tmp_path, clock, standin)
    for channel in channels:
        subscribe(one, channel)
    seed_week(tmp_path, clock, week_of=local(2025, 5, 26, 9))
    standin.hold["chat.postMessage"] = 0.3  # posting is slow: the other one is there meanwhile
    try:
        for moment in (local(2025, 6, 2, 9), local(2025, 6, 2, 9, 1), local(2025, 6, 9, 9)):

            async def both(moment=moment) -> list[DeliveryResult]:
                results = await asyncio.gather(
                    one.scheduler.run_pending(moment), two.scheduler.run_pending(moment)
                )
                return [result for batch in results for result in batch]

            outcomes = [result.outcome for result in asyncio.run(both())]
            assert outcomes.count("posted") == (0 if moment.minute == 1 else 4), outcomes
    finally:
        standin.hold.clear()
    for channel in channels:
        assert len(digest_messages(standin, channel)) == 2  # two weeks, once each
        deliveries = one.store.deliveries(channel=channel)
        assert [d.state for d in deliveries] == ["posted", "posted"]
    one.close()
    two.close()


# --- failures ---------------------------------------------------------------------------------


def test_a_refused_post_is_retried_and_a_permanent_refusal_given_up(tmp_path, clock, standin):
    service = service_for(tmp_path, clock, standin)
    channel = new_channel()
    subscribe(service, channel)
    clock.set(local(2025, 6, 2, 9))
    standin.fail("chat.postMessage", "ratelimited", times=1)
    (result,) = run(service, clock)
    assert result.outcome == "retry" and result.error == "ratelimited"
    assert result.delivery.state == "claimed"  # refused: nothing exists, no need to look
    clock.advance(minutes=1)
    assert [r.outcome for r in run(service, clock)] == ["busy"]  # waits for the retry time
    clock.advance(minutes=2)
    assert [r.outcome for r in run(service, clock)] == ["posted"]
    assert len(digest_messages(standin, channel)) == 1

    service.unsubscribe("slack", channel)
    gone = new_channel()
    subscribe(service, gone)
    clock.set(local(2025, 6, 9, 9))
    standin.fail("chat.postMessage", "not_in_channel", times=1)
    outcomes = {r.delivery.channel: (r.outcome, r.error) for r in run(service, clock)}
    assert outcomes[gone] == ("failed", "not_in_channel")
    clock.advance(minutes=10)
    assert {r.delivery.channel: r.outcome for r in run(service, clock)}[gone] == "already"
    assert digest_messages(standin, gone) == []
    service.close()


class TeamsLikePoster:
    """A poster that cannot read the channel back, and dies after sending once."""

    platform = "teams"
    can_search = False

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.crash = True

    async def post(self, channel: str, reply: DigestReply, marker: str) -> str:
        self.sent.append(channel)
        if self.crash:
            raise SimulatedCrash
        return "activity-1"

    async def find(self, channel: str, marker: str, since: float) -> None:
        return None


def test_without_a_way_to_read_back_an_interrupted_post_is_not_repeated(tmp_path, clock):
    service = DigestService(tmp_path, clock=clock)
    poster = TeamsLikePoster()
    service.posters["teams"] = poster
    service.subscribe(
        platform="teams",
        channel="19:abc@thread.tacv2",
        schedule=parse_schedule("lundi 9h"),
        schedule_text="lundi 9h",
        region=None,
        empty_policy=None,
        language="fr",
        user=ADMIN,
    )
    clock.set(local(2025, 6, 2, 9))
    with pytest.raises(SimulatedCrash):
        run(service, clock)
    poster.crash = False
    clock.advance(minutes=6)
    (result,) = run(service, clock)
    assert (result.outcome, result.error) == ("failed", "uncertain")
    assert poster.sent == ["19:abc@thread.tacv2"]  # at most once
    service.close()


def test_a_slack_refusal_is_a_post_refused() -> None:
    error = PostRefused("not_in_channel", permanent=True)
    assert error.permanent and str(error) == "not_in_channel"


# --- preview and jobs ---------------------------------------------------------------------------


def test_the_preview_is_what_is_then_posted(tmp_path, clock, standin) -> None:
    channel = new_channel()
    service = service_for(tmp_path, clock, standin)
    seed_week(tmp_path, clock, week_of=local(2025, 6, 2, 9))
    subscribe(service, channel)
    clock.set(local(2025, 6, 6, 17))  # Friday: the digest of Monday 9 June so far
    preview = service.preview("slack", channel)
    assert preview.preview and preview.next_fire == local(2025, 6, 9, 9)
    blocks = digest_blocks(preview)
    assert "lundi 9 juin 2025 à 9 h (chaque lundi à 9 h)" in str(blocks[0])
    clock.set(local(2025, 6, 9, 9))
    run(service, clock)
    (message,) = digest_messages(standin, channel)
    assert message["blocks"] == posted_part(blocks)
    service.close()


def test_jobs_are_built_from_the_subscriptions_and_follow_their_changes(tmp_path, clock) -> None:
    async def scenario() -> None:
        service = DigestService(tmp_path, clock=clock)
        service.paused = True
        first = subscribe(service, "C0JOBS0001")
        await service.start()
        scheduler = service.scheduler.scheduler
        job = scheduler.get_job(f"digest:{first.id}")
        assert "day_of_week='mon'" in str(job.trigger) and "hour='9'" in str(job.trigger)
        assert str(job.trigger.timezone) == "America/Toronto"
        second = subscribe(service, "C0JOBS0002", "en semaine 7h45")
        subscribe(service, "C0JOBS0001", "chaque jour 8h30")  # changed
        await asyncio.sleep(0.05)
        assert service.scheduler.jobs() == {first.id: "30 8 * * *", second.id: "45 7 * * 1-5"}
        assert "hour='8'" in str(scheduler.get_job(f"digest:{first.id}").trigger)
        service.unsubscribe("slack", "C0JOBS0002")
        await asyncio.sleep(0.05)
        assert scheduler.get_job(f"digest:{second.id}") is None
        assert scheduler.get_job("digest-maintenance") is not None
        await service.stop()
        service.close()

        restarted = DigestService(tmp_path, clock=clock)  # rebuilt at start-up
        restarted.paused = True
        await restarted.start()
        assert restarted.scheduler.jobs() == {first.id: "30 8 * * *"}
        await restarted.stop()
        restarted.close()

    asyncio.run(scenario())


def test_the_tables_live_in_the_main_database_with_their_own_version(tmp_path) -> None:
    store = DigestStore.open(tmp_path)
    assert store.path == tmp_path / "alliances.db"
    assert store.schema_version() == 1
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == 0
    store.close()
    DigestStore.open(tmp_path).close()  # reopening migrates nothing twice


def test_a_subscription_keeps_its_schedule_start_when_only_the_region_changes(
    tmp_path, clock
) -> None:
    service = DigestService(tmp_path, clock=clock)
    first = subscribe(service, "C0KEEP0001")
    clock.advance(hours=2)
    again = subscribe(service, "C0KEEP0001", region="Estrie", empty_policy="skip")
    assert again.id == first.id and again.schedule_since == first.schedule_since
    assert (again.region, again.empty_policy) == ("Estrie", "skip")
    kept = subscribe(service, "C0KEEP0001", region="Estrie")
    assert kept.empty_policy == "skip"  # a re-subscription keeps the policy unless given
    moved = subscribe(service, "C0KEEP0001", "mardi 9h")
    assert moved.schedule_since == clock.now
    assert service.preview("slack", "C0KEEP0001").digest.end - timedelta(days=7) == (
        service.preview("slack", "C0KEEP0001").digest.start
    )
    service.close()


def test_the_default_empty_week_policy_comes_from_the_config_file(tmp_path, clock) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[digests]\nempty_week = "skip"\n', encoding="utf-8")
    service = DigestService(tmp_path, clock=clock, settings=load_digest_settings(config))
    assert subscribe(service, "C0CONF0001").empty_policy == "skip"
    assert subscribe(service, "C0CONF0002", empty_policy="message").empty_policy == "message"
    service.close()
    config.write_text('[digests]\nempty_week = "jamais"\n', encoding="utf-8")
    with pytest.raises(DigestSettingsError, match="empty_week vaut « message »"):
        load_digest_settings(config)
    assert load_digest_settings(None) == DigestSettings()
