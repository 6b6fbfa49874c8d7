"""The digest scheduler inside `alliances serve`: APScheduler's AsyncIOScheduler, Québec time.

- One cron job per subscription (`digest:<id>`, the subscription's CronTrigger), rebuilt from
  the subscriptions stored in SQLite at start-up and re-synchronised whenever a subscription
  changes (`notify_changed`, called by the chat commands) and every minute (changes made by
  another process or the CLI).
- A maintenance job every minute runs `run_pending`: for each subscription, the latest fire
  time still owed (at or before now, not before the schedule was set, at most `catch_up_s`
  ago) is delivered if it was not — so a fire missed while the server was down (or a post
  interrupted by a crash, once its lease has run out) goes out when it comes back, within the
  catch-up window. Deliveries are exactly-once (bot/digests/delivery.py), so a job and the
  maintenance run, or two servers, can never post a period twice.

Time comes from `clock` (epoch seconds): tests drive `run_pending(now)` with a controlled
clock; APScheduler only decides when to wake up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.digests.delivery import DeliveryResult, DigestDeliverer, Target
from bot.digests.schedule import TIME_ZONE, Schedule, parse_schedule
from bot.digests.store import DigestStore, Subscription, iso_utc

log = logging.getLogger(__name__)
# APScheduler logs every run of every job at INFO (the catch-up runs each minute).
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)

CATCH_UP_S = 6 * 3600.0  # a fire missed by less than this is delivered late
MAINTENANCE_S = 60.0
JOB_PREFIX = "digest:"
MAINTENANCE_JOB = "digest-maintenance"


def target_of(subscription: Subscription) -> Target:
    return Target(
        platform=subscription.platform,
        channel=subscription.channel,
        region=subscription.region,
        empty_policy=subscription.empty_policy,
        language=subscription.language,
        subscription_id=subscription.id,
    )


def schedule_of(subscription: Subscription) -> Schedule:
    return parse_schedule(subscription.schedule)


def fire_key(fire: datetime) -> str:
    """The period key of a scheduled digest: its fire time in UTC."""
    return "fire:" + iso_utc(fire)


class DigestScheduler:
    """Cron jobs for the subscriptions, and the catch-up of owed digests."""

    def __init__(
        self,
        store: DigestStore,
        deliverer: DigestDeliverer,
        *,
        clock: Callable[[], float] = time.time,
        time_zone: ZoneInfo = TIME_ZONE,
        catch_up_s: float = CATCH_UP_S,
        maintenance_s: float = MAINTENANCE_S,
    ):
        self.store = store
        self.deliverer = deliverer
        self.clock = clock
        self.time_zone = time_zone
        self.catch_up_s = catch_up_s
        self.maintenance_s = maintenance_s
        self.scheduler = AsyncIOScheduler(timezone=time_zone)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._schedules: dict[int, str] = {}  # subscription id → cron of its job
        self._run_lock = asyncio.Lock()
        self._running: set[asyncio.Task] = set()

    # lifecycle -------------------------------------------------------------------------

    async def start(self, *, paused: bool = False) -> None:
        """Build the jobs from the stored subscriptions and start; `paused` builds them
        without running any (tests drive `run_pending` themselves)."""
        self._loop = asyncio.get_running_loop()
        self.scheduler.add_job(
            self._maintenance,
            IntervalTrigger(seconds=self.maintenance_s, timezone=self.time_zone),
            id=MAINTENANCE_JOB,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        self.sync_jobs()
        self.scheduler.start(paused=paused)
        if not paused:
            self._loop.create_task(self._maintenance(), name="digest-catch-up")
        log.info("digest scheduler started: %d subscription(s)", len(self._schedules))

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop scheduling; let the deliveries under way finish (or cancel them)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        running = [task for task in self._running if not task.done()]
        if running:
            _done, pending = await asyncio.wait(running, timeout=timeout)
            for task in pending:
                task.cancel()

    def notify_changed(self) -> None:
        """A subscription changed (callable from any thread): re-synchronise the jobs."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.sync_jobs)

    # jobs ------------------------------------------------------------------------------

    def sync_jobs(self) -> None:
        """Make the cron jobs match the stored subscriptions (added, changed, removed)."""
        try:
            subscriptions = {sub.id: sub for sub in self.store.subscriptions()}
        except Exception:
            log.exception("could not read the digest subscriptions")
            return
        for subscription_id in list(self._schedules):
            if subscription_id not in subscriptions:
                self._remove_job(subscription_id)
        for subscription in subscriptions.values():
            if self._schedules.get(subscription.id) == subscription.schedule:
                continue
            try:
                trigger = schedule_of(subscription).trigger(self.time_zone)
            except ValueError:
                log.error("subscription %s has an unreadable schedule %r",
                          subscription.id, subscription.schedule)  # fmt: skip
                continue
            self.scheduler.add_job(
                self._fire,
                trigger,
                args=[subscription.id],
                id=f"{JOB_PREFIX}{subscription.id}",
                name=f"digest {subscription.platform}:{subscription.channel}",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=int(self.catch_up_s),
            )
            self._schedules[subscription.id] = subscription.schedule

    def _remove_job(self, subscription_id: int) -> None:
        self._schedules.pop(subscription_id, None)
        job = self.scheduler.get_job(f"{JOB_PREFIX}{subscription_id}")
        if job is not None:
            job.remove()

    def jobs(self) -> dict[int, str]:
        """Subscription id → the cron schedule of its job (what is scheduled now)."""
        return dict(self._schedules)

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _fire(self, subscription_id: int) -> None:
        self._track()
        subscription = await asyncio.to_thread(self.store.subscription_by_id, subscription_id)
        if subscription is None:
            return
        try:
            await self._deliver_owed(subscription, self.now())
        except Exception:
            log.exception("the digest of subscription %s failed", subscription_id)

    async def _maintenance(self) -> None:
        self._track()
        self.sync_jobs()
        try:
            await self.run_pending()
        except Exception:
            log.exception("the digest catch-up run failed")

    # what is owed ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def owed_fire(self, subscription: Subscription, now: datetime) -> datetime | None:
        """The latest fire time of a subscription still owed at `now`, if any."""
        fire = schedule_of(subscription).previous_fire(now, self.time_zone)
        if fire is None or fire.timestamp() < subscription.schedule_since:
            return None
        if (now - fire).total_seconds() > self.catch_up_s:
            return None
        return fire

    async def run_pending(self, now: datetime | None = None) -> list[DeliveryResult]:
        """Deliver every owed digest (those not yet delivered, or resumable); returns what
        was done for each subscription that had one owed."""
        async with self._run_lock:
            moment = now or self.now()
            subscriptions = await asyncio.to_thread(self.store.subscriptions)
            results = []
            for subscription in subscriptions:
                try:
                    result = await self._deliver_owed(subscription, moment)
                except Exception:
                    log.exception("the digest of subscription %s failed", subscription.id)
                    continue
                if result is not None:
                    results.append(result)
            return results

    async def _deliver_owed(
        self, subscription: Subscription, now: datetime
    ) -> DeliveryResult | None:
        fire = self.owed_fire(subscription, now)
        if fire is None:
            return None
        start = schedule_of(subscription).period_ending(fire, self.time_zone)
        result = await self.deliverer.deliver(
            target_of(subscription), period_key=fire_key(fire), start=start, end=fire
        )
        if result.outcome not in ("already", "busy"):
            log.info(
                "digest %s for %s:%s: %s%s",
                fire_key(fire),
                subscription.platform,
                subscription.channel,
                result.outcome,
                f" ({result.error})" if result.error else "",
            )
        return result

    def next_fire(self, subscription: Subscription, now: datetime) -> datetime | None:
        return schedule_of(subscription).next_fire(now, self.time_zone)

    def current_period(
        self, subscription: Subscription, now: datetime
    ) -> tuple[datetime, datetime] | None:
        """The period the next digest will cover: [last fire at or before now, next fire)."""
        schedule = schedule_of(subscription)
        following = schedule.next_fire(now, self.time_zone)
        if following is None:
            return None
        return schedule.period_ending(following, self.time_zone), following


def default_period(now: datetime, days: int = 7) -> tuple[datetime, datetime]:
    """The period of a digest without a subscription: the last `days` days."""
    return now - timedelta(days=days), now
