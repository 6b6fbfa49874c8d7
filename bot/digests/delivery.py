"""Posting a digest exactly once per (conversation, period), whatever crashes or runs twice.

The protocol (one delivery row per period; see bot/digests/store.py):

1. **Claim** in one `BEGIN IMMEDIATE` transaction: insert the row (state `claimed`, a fresh
   claim token, a lease of `lease_s`), or find it. Posted / skipped / failed: nothing to do.
   Claimed or posting with a running lease: another process has it, nothing to do. Lease run
   out (its process died, or a retry is due): take it over by swapping the token.
2. **Build** the content (from the project store, for [start, end)); an empty period under
   the "skip" policy is marked `skipped` and nothing is sent.
3. **Look before re-posting.** A row taken over in state `posting` may have been posted just
   before its process died. On Slack every digest is posted with a deterministic marker in
   its message metadata (`event_type` "alliances_digest", payload `marker`); the new owner
   reads the channel (`conversations.history` with `include_all_metadata`, since the first
   claim) and, when the marker is there, records that message instead of posting again.
   Teams offers bots no way to read a channel back: a Teams row found in `posting` is marked
   `failed` ("may have been posted") — a digest missed rather than doubled.
4. **Mark `posting`** (committed) just before calling the platform, then post with the marker.
5. **Record** `posted` with the message id (Slack ts, Teams activity ids) — a compare-and-set
   on the claim token, so an owner whose lease was taken over cannot overwrite the new one.
   A refusal from the platform (an error answer: nothing was posted) puts the row back in
   `claimed` for a retry after `retry_s`; a permanent refusal (not in the channel, channel
   gone) marks it `failed`; a failure without an answer (timeout, connection lost) leaves it
   in `posting`, so the retry looks for the message first. After `max_attempts`: `failed`.

Two processes firing the same period: one inserts the row, the other finds it owned (busy) or
done. A restart in the middle: the row stays `claimed`/`posting` until its lease runs out,
then the next run resumes it (step 3) — at once when the owner was a process of this host
that no longer runs (`store.owner_gone`). The lease (`lease_s`, 5 minutes) is far longer
than a post takes (the Slack client times out after 15 s), so a live owner is never
overtaken.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.digests.content import DigestReply, build_digest
from bot.digests.store import Delivery, DigestStore, iso_utc
from knowledge.projects import ProjectStore

log = logging.getLogger(__name__)

EVENT_TYPE = "alliances_digest"  # Slack message metadata event type of digests
LEASE_S = 300.0
RETRY_S = 120.0
MAX_ATTEMPTS = 5
HISTORY_PAGES = 5  # conversations.history pages (200 messages each) searched for a marker
_PERMANENT_SLACK_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "restricted_action",
    "msg_too_long",
    "invalid_blocks",
    "invalid_metadata_format",
}


class PostRefused(Exception):
    """The platform answered with an error: nothing was posted. `permanent`: retrying the
    same message will not help (not in the channel, channel gone…)."""

    def __init__(self, error: str, *, permanent: bool):
        super().__init__(error)
        self.error = error
        self.permanent = permanent


class Poster(Protocol):
    """Posts digests to one platform."""

    platform: str
    can_search: bool  # whether `find` can tell if a marker was posted

    async def post(self, channel: str, reply: DigestReply, marker: str) -> str:
        """Post; return the message id. Raise PostRefused when the platform refused."""
        ...

    async def find(self, channel: str, marker: str, since: float) -> str | None:
        """The id of the message posted with `marker` since `since` (epoch), or None."""
        ...


@dataclass(frozen=True)
class Target:
    """Where a digest goes and what it covers."""

    platform: str
    channel: str
    region: str | None = None
    empty_policy: str = "message"
    language: str = "fr"
    subscription_id: int | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """What `deliver` did: `posted` (now), `resumed` (found already posted after a crash),
    `skipped` (empty period, skip policy), `already` (done before), `busy` (another process
    has it), `retry` (failed for now, will be retried), `failed` (given up)."""

    outcome: Literal["posted", "resumed", "skipped", "already", "busy", "retry", "failed"]
    delivery: Delivery | None
    message_id: str | None = None
    error: str | None = None
    reply: DigestReply | None = None


def process_owner() -> str:
    """Who claims: host, process id and a random part (a restarted process is another)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DigestDeliverer:
    """Builds and posts digests exactly once per (conversation, period key)."""

    def __init__(
        self,
        store: DigestStore,
        projects: ProjectStore,
        posters: dict[str, Poster],
        *,
        clock: Callable[[], float] = time.time,
        owner: str | None = None,
        lease_s: float = LEASE_S,
        retry_s: float = RETRY_S,
        max_attempts: int = MAX_ATTEMPTS,
    ):
        self.store = store
        self.projects = projects
        self.posters = posters
        self.clock = clock
        self.owner = owner or process_owner()
        self.lease_s = lease_s
        self.retry_s = retry_s
        self.max_attempts = max_attempts

    def build(self, target: Target, start: datetime, end: datetime, **reply: Any) -> DigestReply:
        """The digest of [start, end) for a target (blocking: SQLite). A deliverer of other
        content (the gaps report) overrides `build`, `is_empty` and `item_count`."""
        digest = build_digest(
            self.projects, start, end, region=target.region, language=target.language
        )
        return DigestReply(digest, **reply)

    def is_empty(self, reply: Any) -> bool:
        """Whether a built reply has nothing to say (the empty-period policy applies)."""
        return reply.digest.empty

    def item_count(self, reply: Any) -> int:
        """What a delivery records as its number of items."""
        return len(reply.digest.items)

    async def deliver(
        self,
        target: Target,
        *,
        period_key: str,
        start: datetime,
        end: datetime,
        kind: str = "scheduled",
        force: bool = False,
    ) -> DeliveryResult:
        """Post the digest of [start, end) to the target once for `period_key`. `force`
        posts an empty digest even under the "skip" policy (an explicit request)."""
        poster = self.posters.get(target.platform)
        claim = await asyncio.to_thread(
            self.store.claim,
            platform=target.platform,
            channel=target.channel,
            period_key=period_key,
            period_start=iso_utc(start),
            period_end=iso_utc(end),
            kind=kind,
            owner=self.owner,
            lease_s=self.lease_s,
            subscription_id=target.subscription_id,
        )
        delivery = claim.delivery
        if claim.outcome == "done":
            return DeliveryResult("already", delivery, delivery.message_id)
        if claim.outcome == "busy":
            return DeliveryResult("busy", delivery)
        if poster is None:
            failed = await asyncio.to_thread(
                self.store.mark_failed, delivery, f"no {target.platform} door in this process"
            )
            return DeliveryResult("failed", failed, error="platform not configured")
        reply = await asyncio.to_thread(self.build, target, start, end)
        if self.is_empty(reply) and target.empty_policy == "skip" and not force:
            skipped = await asyncio.to_thread(self.store.mark_skipped, delivery, "empty period")
            return DeliveryResult("skipped", skipped, reply=reply)
        if delivery.state == "posting":
            resumed = await self._resume(poster, delivery, reply)
            if resumed is not None:
                return resumed
        return await self._post(poster, target, delivery, reply)

    async def _resume(
        self, poster: Poster, delivery: Delivery, reply: DigestReply
    ) -> DeliveryResult | None:
        """A message may exist: find it (Slack), or give up (Teams). None: post it."""
        if not poster.can_search:
            log.warning(
                "digest %s for %s may have been posted before a crash; %s cannot be read "
                "back, so it is not posted again",
                delivery.period_key,
                delivery.channel,
                poster.platform,
            )
            failed = await asyncio.to_thread(
                self.store.mark_failed, delivery, "interrupted while posting; may have been posted"
            )
            return DeliveryResult("failed", failed, error="uncertain", reply=reply)
        try:
            found = await poster.find(delivery.channel, delivery.marker, delivery.first_claimed_at)
        except PostRefused as error:
            if error.permanent:
                failed = await asyncio.to_thread(
                    self.store.mark_failed, delivery, f"cannot check the channel: {error.error}"
                )
                return DeliveryResult("failed", failed, error=error.error, reply=reply)
            return await self._retry(delivery, f"history: {error.error}", sent=True)
        except Exception as error:
            log.warning("could not read %s back: %s", delivery.channel, error)
            return await self._retry(delivery, f"history: {error}", sent=True)
        if found is None:
            return None
        log.info(
            "digest %s for %s had been posted (%s)", delivery.period_key, delivery.channel, found
        )
        posted = await asyncio.to_thread(
            self.store.mark_posted, delivery, found, items=self.item_count(reply)
        )
        return DeliveryResult("resumed", posted, found, reply=reply)

    async def _post(
        self, poster: Poster, target: Target, delivery: Delivery, reply: DigestReply
    ) -> DeliveryResult:
        posting = await asyncio.to_thread(self.store.mark_posting, delivery, lease_s=self.lease_s)
        if posting is None:  # the lease was taken over meanwhile
            return DeliveryResult("busy", delivery)
        try:
            message_id = await poster.post(target.channel, reply, delivery.marker)
        except PostRefused as error:
            log.warning("digest for %s refused: %s", target.channel, error.error)
            if error.permanent:
                failed = await asyncio.to_thread(self.store.mark_failed, posting, error.error)
                return DeliveryResult("failed", failed, error=error.error, reply=reply)
            return await self._retry(posting, error.error, sent=False)
        except Exception as error:
            log.warning("posting the digest to %s failed: %r", target.channel, error)
            return await self._retry(posting, repr(error), sent=True)
        posted = await asyncio.to_thread(
            self.store.mark_posted, posting, message_id, items=self.item_count(reply)
        )
        if posted is None:
            log.error(
                "digest %s for %s was posted (%s) after its claim was taken over",
                delivery.period_key,
                target.channel,
                message_id,
            )
        return DeliveryResult("posted", posted or posting, message_id, reply=reply)

    async def _retry(self, delivery: Delivery, error: str, *, sent: bool) -> DeliveryResult:
        if delivery.attempts >= self.max_attempts:
            failed = await asyncio.to_thread(self.store.mark_failed, delivery, error)
            return DeliveryResult("failed", failed, error=error)
        released = await asyncio.to_thread(
            self.store.release, delivery, error, retry_in_s=self.retry_s, sent=sent
        )
        return DeliveryResult("retry", released, error=error)


# --- the posters --------------------------------------------------------------------------


class SlackPoster:
    """Posts digests with the Slack door's Web API client (chat.postMessage), each carrying
    its marker in the message metadata; finds them back with conversations.history."""

    platform = "slack"
    can_search = True
    event_type = EVENT_TYPE  # the metadata event type its messages carry and `find` reads

    def __init__(self, client: Any):
        self.client = client  # slack_sdk AsyncWebClient

    def message(self, reply: Any) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        """The message of a reply: its text, its blocks, and the metadata payload besides
        the marker (a poster of other content overrides this and `event_type`)."""
        from bot.slack.digest_blocks import digest_blocks, notification_text

        digest = reply.digest
        period = {"period_start": iso_utc(digest.start), "period_end": iso_utc(digest.end)}
        return notification_text(reply), digest_blocks(reply), period

    async def post(self, channel: str, reply: DigestReply, marker: str) -> str:
        from slack_sdk.errors import SlackApiError

        text, blocks, payload = self.message(reply)
        try:
            response = await self.client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                metadata={
                    "event_type": self.event_type,
                    "event_payload": {"marker": marker, **payload},
                },
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            code = str(error.response.get("error") or "error")
            raise PostRefused(code, permanent=code in _PERMANENT_SLACK_ERRORS) from error
        return str(response["ts"])

    async def find(self, channel: str, marker: str, since: float) -> str | None:
        from slack_sdk.errors import SlackApiError

        cursor = None
        try:
            for _ in range(HISTORY_PAGES):
                response = await self.client.conversations_history(
                    channel=channel,
                    oldest=f"{max(since - 3600, 0):.6f}",  # an hour of clock skew allowed
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
                for message in response.get("messages") or []:
                    metadata = message.get("metadata") or {}
                    payload = metadata.get("event_payload") or {}
                    if (
                        metadata.get("event_type") == self.event_type
                        and payload.get("marker") == marker
                    ):
                        return str(message["ts"])
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except SlackApiError as error:
            code = str(error.response.get("error") or "error")
            raise PostRefused(code, permanent=code in _PERMANENT_SLACK_ERRORS) from error
        return None


class TeamsPoster:
    """Posts digests to stored Teams conversations through `bot.teams.send_proactive`
    (rendered by bot/teams/digest_cards.py). Teams cannot be read back (`can_search` False)."""

    platform = "teams"
    can_search = False

    def __init__(self, web_app: Any):
        self.web_app = web_app

    async def post(self, channel: str, reply: DigestReply, marker: str) -> str:
        import aiohttp

        from bot.teams import send_proactive

        try:
            ids = await send_proactive(self.web_app, channel, reply)
        except LookupError as error:  # not installed there (any more)
            raise PostRefused(str(error), permanent=True) from error
        except aiohttp.ClientResponseError as error:  # the connector answered with an error
            raise PostRefused(
                f"{error.status} {error.message}"[:300], permanent=error.status in (400, 403, 404)
            ) from error
        return ",".join(ids) or "sent"

    async def find(self, channel: str, marker: str, since: float) -> str | None:
        return None
