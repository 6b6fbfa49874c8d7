"""The digest service: the stores, the deliverer and the scheduler of one process, with the
operations the chat commands and the CLI share. `SubscriptionService`, its base, is what any
kind of scheduled post shares (the gaps report's service is another).

    service = DigestService(home, posters={"slack": SlackPoster(client)})
    await service.start()                       # `alliances serve` (bot/digests/install.py)
    service.subscribe(...) / unsubscribe(...)   # chat commands (any thread)
    service.preview("slack", "C123")            # what the next digest would say
    await service.post_now(target, key)         # `digest maintenant`, `alliances digest --post`

`clock` (epoch seconds) is read through the service everywhere (stores, deliverer,
scheduler), so a test can replace `service.clock` before the server starts.

Settings (config file, optional):

```toml
[digests]
empty_week = "message"   # or "skip": the default empty-period policy of new subscriptions
```
"""

from __future__ import annotations

import asyncio
import logging
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.digests.content import DigestReply
from bot.digests.delivery import DeliveryResult, DigestDeliverer, Poster, Target
from bot.digests.schedule import Schedule
from bot.digests.scheduler import DigestScheduler, default_period, target_of
from bot.digests.store import EMPTY_POLICIES, DigestStore, Subscription
from knowledge.paths import database_path
from knowledge.projects import ProjectStore

log = logging.getLogger(__name__)


class DigestSettingsError(ValueError):
    """A bad `[digests]` section in the config file (French message)."""


@dataclass(frozen=True)
class DigestSettings:
    empty_policy: str = "message"  # default for new subscriptions


def load_digest_settings(config_file: Path | None) -> DigestSettings:
    """The `[digests]` section of the config file (bot.settings reads the rest)."""
    if config_file is None or not Path(config_file).exists():
        return DigestSettings()
    with Path(config_file).open("rb") as handle:
        config = tomllib.load(handle)
    section = config.get("digests", {})
    if not isinstance(section, dict):
        raise DigestSettingsError(f"{config_file} : la section [digests] doit être une table.")
    policy = section.get("empty_week", "message")
    if policy not in EMPTY_POLICIES:
        raise DigestSettingsError(
            f"{config_file} : [digests] empty_week vaut « message » (publier « Rien de nouveau "
            f"cette semaine ») ou « skip » (ne rien publier), pas « {policy} »."
        )
    return DigestSettings(empty_policy=policy)


class SubscriptionService:
    """Scheduled posts for one process: their store of subscriptions and deliveries, the
    deliverer and the scheduler, with the operations the chat commands share. The digests
    are one kind of post (`DigestService`), the gaps report another (bot/gaps/delivery.py).

    A subclass sets `clock` before it opens its store with `clock=self._epoch` (the store
    reads the clock as it opens), so that a test can replace `clock` afterwards everywhere.
    """

    clock: Callable[[], float]

    def __init__(self, store: DigestStore, deliverer: DigestDeliverer):
        self.store = store
        self.deliverer = deliverer
        self.scheduler = DigestScheduler(store, deliverer, clock=self._epoch)
        self.paused = False  # tests: build the jobs but let them drive run_pending
        self.loop: asyncio.AbstractEventLoop | None = None

    def _epoch(self) -> float:
        return self.clock()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    @property
    def posters(self) -> dict[str, Poster]:
        return self.deliverer.posters

    # lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.scheduler.start(paused=self.paused)

    async def stop(self) -> None:
        await self.scheduler.stop()

    def close(self) -> None:
        self.store.close()

    # subscriptions (blocking; any thread) -----------------------------------------------------

    def subscribe(
        self,
        *,
        platform: str,
        channel: str,
        schedule: Schedule,
        schedule_text: str,
        language: str,
        user: str,
        team_id: str | None = None,
        region: str | None = None,
        empty_policy: str | None = None,
    ) -> tuple[Subscription, Subscription | None]:
        """Subscribe a conversation, or change its subscription; returns it and the one it
        replaces. Without `empty_policy`: `default_empty_policy`."""
        subscription, previous = self.store.subscribe(
            platform=platform,
            channel=channel,
            schedule=schedule.to_cron(),
            schedule_text=schedule_text,
            region=region,
            empty_policy=empty_policy or self.default_empty_policy(platform, channel),
            language=language,
            user=user,
            team_id=team_id,
        )
        self.scheduler.notify_changed()
        return subscription, previous

    def default_empty_policy(self, platform: str, channel: str) -> str:
        """The empty-period policy of a subscription that names none."""
        return "message"

    def unsubscribe(self, platform: str, channel: str) -> Subscription | None:
        previous = self.store.unsubscribe(platform, channel)
        self.scheduler.notify_changed()
        return previous

    def subscription(self, platform: str, channel: str) -> Subscription | None:
        return self.store.subscription(platform, channel)

    def next_fire(self, subscription: Subscription) -> datetime | None:
        return self.scheduler.next_fire(subscription, self.now())


class DigestService(SubscriptionService):
    """Digests for one process (the server, or one CLI run)."""

    def __init__(
        self,
        home: Path | str,
        *,
        posters: dict[str, Poster] | None = None,
        clock: Callable[[], float] = time.time,
        settings: DigestSettings | None = None,
    ):
        self.home = Path(home)
        self.clock = clock
        self.settings = settings or DigestSettings()
        store = DigestStore.open(self.home, clock=self._epoch)
        self.projects = ProjectStore(database_path(self.home))
        super().__init__(
            store, DigestDeliverer(store, self.projects, dict(posters or {}), clock=self._epoch)
        )

    def close(self) -> None:
        super().close()
        self.projects.close()

    def default_empty_policy(self, platform: str, channel: str) -> str:
        """A re-subscription keeps its policy; a new one takes the `[digests]` setting."""
        return previous_policy(self.store, platform, channel) or self.settings.empty_policy

    # previews ----------------------------------------------------------------------------------

    def preview(
        self,
        platform: str,
        channel: str,
        *,
        language: str = "fr",
        region: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> DigestReply:
        """The next digest of a conversation as it stands now (private). Without a
        subscription: the last seven days, for `region` (or all)."""
        now = self.now()
        subscription = self.store.subscription(platform, channel)
        if subscription is not None:
            period = self.scheduler.current_period(subscription, now)
            if period is not None:
                start, end = period
                target = target_of(subscription)
                return self.deliverer.build(
                    target,
                    start,
                    end,
                    preview=True,
                    private=True,
                    next_fire=end,
                    schedule_text=_schedule_words(subscription),
                    notes=notes,
                )
        start, end = default_period(now)
        target = Target(platform, channel, region=region, language=language)
        return self.deliverer.build(target, start, end, preview=True, private=True, notes=notes)

    # posting now --------------------------------------------------------------------------------

    async def post_now(
        self,
        platform: str,
        channel: str,
        *,
        period_key: str,
        kind: str = "manual",
        language: str = "fr",
        region: str | None = None,
        start: datetime | None = None,
        force: bool = True,
    ) -> DeliveryResult:
        """Post a conversation's digest now, once for `period_key`: the period in progress
        of its subscription (or the last seven days), or [start, now) when `start` is given.
        The next scheduled digest is not changed."""
        now = self.now()
        subscription = await asyncio.to_thread(self.store.subscription, platform, channel)
        if subscription is not None:
            target = target_of(subscription)
            period = self.scheduler.current_period(subscription, now)
            begin = period[0] if period is not None else default_period(now)[0]
        else:
            target = Target(platform, channel, region=region, language=language)
            begin = default_period(now)[0]
        return await self.deliverer.deliver(
            target,
            period_key=period_key,
            start=start or begin,
            end=now,
            kind=kind,
            force=force,
        )

    def run_in_loop(self, coroutine: Any, timeout: float = 60.0) -> Any:
        """Run a coroutine on the server's loop from a worker thread, and wait for it."""
        if self.loop is None or self.loop.is_closed():
            coroutine.close()
            raise RuntimeError("the digest service is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


def previous_policy(store: DigestStore, platform: str, channel: str) -> str | None:
    """The empty-period policy a re-subscription keeps when none is given."""
    existing = store.subscription(platform, channel)
    return existing.empty_policy if existing is not None else None


def _schedule_words(subscription: Subscription) -> str:
    from bot.digests.schedule import parse_schedule

    return parse_schedule(subscription.schedule).describe(subscription.language)
