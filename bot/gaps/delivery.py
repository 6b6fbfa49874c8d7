"""The weekly gaps report, posted where an administrator subscribed it, exactly once per
period: the digest machinery (bot/digests/) with another content.

- subscriptions and deliveries: a `DigestStore` of its own, `$ALLIANCES_HOME/gap_reports.db`
  (same tables, same claim protocol; a conversation may then have both a project digest and
  a gaps report, and their periods never collide);
- `GapDeliverer`: the `DigestDeliverer` whose content is the gaps report of the period;
- `GapSlackPoster`: Slack's poster with the report's blocks, under its own metadata event
  type (`alliances_gaps`), so that looking for a message after a crash never mistakes a
  project digest for a report; Teams uses the digests' `TeamsPoster` as is (the report's
  Adaptive Card is registered by bot/teams/gap_cards.py);
- `DigestScheduler`: the same cron jobs and catch-up run, over these subscriptions.

`GapReportService`, a `SubscriptionService` (bot/digests/service.py), holds them for one
process; `clock` and `encoder` are read through it, so a test can replace both before the
server starts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.digests.delivery import DigestDeliverer, Poster, SlackPoster, Target
from bot.digests.service import SubscriptionService
from bot.digests.store import DigestStore, iso_utc
from bot.gaps.render import GapReportReply
from bot.gaps.report import EncoderProvider, GapReport, QuestionEncoder, build_gap_report
from bot.state import State

log = logging.getLogger(__name__)

STORE_FILE = "gap_reports.db"
EVENT_TYPE = "alliances_gaps"  # Slack message metadata event type of gaps reports


def gap_store_path(home: Path | str) -> Path:
    return Path(home) / STORE_FILE


class GapDeliverer(DigestDeliverer):
    """Posts gaps reports exactly once per (conversation, period) (see DigestDeliverer)."""

    def __init__(
        self,
        store: DigestStore,
        reports: Callable[[datetime, datetime, str], GapReport],
        posters: dict[str, Poster],
        **options: Any,
    ):
        super().__init__(store, None, posters, **options)  # type: ignore[arg-type]
        self.reports = reports

    def build(self, target: Target, start: datetime, end: datetime, **_reply: Any) -> Any:
        """The report of [start, end), as the message posted in the conversation."""
        return GapReportReply(self.reports(start, end, target.language), private=False)

    def is_empty(self, reply: Any) -> bool:
        return reply.report.empty

    def item_count(self, reply: Any) -> int:
        return len(reply.report.themes) + len(reply.report.closed)


class GapSlackPoster(SlackPoster):
    """Posts gaps reports to Slack (one message of at most 50 blocks)."""

    event_type = EVENT_TYPE

    def message(self, reply: Any) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        from bot.slack.gap_blocks import gap_report_blocks, notification_text

        report = reply.report
        period = {"period_start": iso_utc(report.start), "period_end": iso_utc(report.end)}
        return notification_text(reply), gap_report_blocks(reply), period


class GapReportService(SubscriptionService):
    """Gaps reports for one process: on demand, and posted on their schedules."""

    def __init__(
        self,
        home: Path | str,
        state: State,
        *,
        encoder: EncoderProvider | None = None,
        posters: dict[str, Poster] | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.state = state
        self.encoder = encoder
        self.clock = clock
        store = DigestStore(gap_store_path(home), clock=self._epoch)
        super().__init__(
            store, GapDeliverer(store, self._report_for, dict(posters or {}), clock=self._epoch)
        )

    # reports (blocking) -------------------------------------------------------------------

    def report(self, start: datetime, end: datetime, language: str = "fr") -> GapReport:
        return build_gap_report(self.state, start, end, encoder=self._encoder, language=language)

    def report_since(self, since: timedelta, language: str = "fr") -> GapReport:
        """The report of the last `since`, up to now."""
        now = self.now()
        return self.report(now - since, now, language)

    def _report_for(self, start: datetime, end: datetime, language: str) -> GapReport:
        return self.report(start, end, language)

    def _encoder(self) -> QuestionEncoder:
        if self.encoder is None:
            raise RuntimeError("no encoder to group the questions by theme")
        return self.encoder()
