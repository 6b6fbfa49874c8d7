"""`alliances digest`: the project digests from the command line, for those who schedule with
cron rather than `alliances serve`.

    alliances digest                           # print every subscription's digest (dry run)
    alliances digest --channel C0123 --post    # post it (once per period)
    alliances digest --since 2025-06-01        # the period from that date to now

The period, for each subscription (or `--channel`):
- with `--since DATE`: from that day (0 h, Québec time) to now;
- else, for a subscribed conversation: the period its schedule closed last (the same period,
  under the same key, as the server's scheduler: a digest posted by either is not posted again
  by the other); a crontab line at the subscription's time (`0 9 * * 1 alliances digest
  --post`) posts it;
- else (a channel without subscription): since the last digest posted there, or the last seven
  days.

`--post` posts with the Slack bot token (SLACK_BOT_TOKEN, SLACK_API_URL) exactly once per
period (bot/digests/delivery.py); the empty-period policy of the subscription applies. Teams
digests need the Teams door of `alliances serve` and are left to it. Exit status: 0, 1 when a
digest could not be posted, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta
from typing import Any

USAGE_ERROR = 2
RUNTIME_ERROR = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--channel", help="un canal (identifiant Slack C…, ou Teams 19:…)")
    parser.add_argument(
        "--since", help="début de la période (2025-06-01, 01/06/2025 ou « 1er juin 2025 »)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--post", action="store_true", help="publier (une fois par période)")
    mode.add_argument("--dry-run", action="store_true", help="afficher sans publier (par défaut)")


def run(args: argparse.Namespace) -> int:
    from bot.settings import load_settings

    settings = load_settings()
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Any) -> int:
    from bot.digests.content import digest_text
    from bot.digests.delivery import SlackPoster, Target
    from bot.digests.schedule import TIME_ZONE
    from bot.digests.scheduler import fire_key, schedule_of, target_of
    from bot.digests.service import DigestService, load_digest_settings
    from bot.digests.store import iso_utc
    from knowledge.projects import ProjectInputError, parse_date

    since = None
    if args.since:
        try:
            day = parse_date(args.since, "start_date")
        except ProjectInputError as error:
            print(f"alliances: --since : {error}", file=sys.stderr)
            return USAGE_ERROR
        since = datetime.fromisoformat(day).replace(tzinfo=TIME_ZONE)

    service = DigestService(settings.home, settings=load_digest_settings(settings.config_file))
    client = None
    try:
        subscriptions = service.store.subscriptions(channel=args.channel)
        targets: list[tuple[Target, Any]] = [(target_of(sub), sub) for sub in subscriptions]
        if args.channel and not targets:
            targets = [(Target("slack", args.channel), None)]
        if not targets:
            print("Aucun abonnement aux résumés (voir `/alliances digest aide`).")
            return 0
        if args.post and any(target.platform == "slack" for target, _ in targets):
            if settings.slack is None:
                print(
                    "alliances: --post demande SLACK_BOT_TOKEN (et SLACK_API_URL pour GovSlack).",
                    file=sys.stderr,
                )
                return USAGE_ERROR
            from slack_sdk.web.async_client import AsyncWebClient

            client = AsyncWebClient(
                token=settings.slack.bot_token, base_url=settings.slack.api_url, timeout=15
            )
            service.posters["slack"] = SlackPoster(client)
        now = service.now()
        status = 0
        for target, subscription in targets:
            label = f"{target.platform}:{target.channel}"
            if since is not None:
                start, end = since, now
                key = f"cli:{iso_utc(start)}:{iso_utc(now.replace(second=0, microsecond=0))}"
            elif subscription is not None:
                schedule = schedule_of(subscription)
                end = schedule.previous_fire(now) or now
                start = schedule.period_ending(end)
                key = fire_key(end)
            else:
                last = service.store.last_posted(target.platform, target.channel)
                end = now
                start = (
                    datetime.fromisoformat(last.period_end)
                    if last is not None
                    else now - timedelta(days=7)
                )
                key = f"cli:{iso_utc(now.replace(second=0, microsecond=0))}"
            if not args.post:
                reply = service.deliverer.build(target, start, end)
                print(f"# {label}")
                print(digest_text(reply))
                print()
                continue
            if target.platform != "slack":
                print(f"{label} : ignoré (les résumés Teams sont publiés par `alliances serve`).")
                continue
            result = await service.deliverer.deliver(
                target, period_key=key, start=start, end=end, kind="cli"
            )
            print(f"{label} : {_outcome(result)}")
            if result.outcome in ("failed", "retry"):
                status = RUNTIME_ERROR
        return status
    finally:
        service.close()
        if client is not None and getattr(client, "session", None) is not None:
            await client.session.close()


def _outcome(result: Any) -> str:
    outcome = result.outcome
    if outcome in ("posted", "resumed"):
        count = len(result.reply.digest.items) if result.reply else 0
        return f"publié (message {result.message_id}, {count} projet{'s' if count > 1 else ''})"
    return {
        "already": f"déjà publié (message {result.message_id})",
        "skipped": "rien de nouveau : rien publié (vide:ignorer)",
        "busy": "en cours de publication par un autre processus",
        "retry": f"échec pour l'instant ({result.error}) ; relancez plus tard",
        "failed": f"échec ({result.error})",
    }.get(outcome, outcome)
