"""Digests in `alliances serve`: one call from bot/server.py once the doors are mounted.

    service = install_digests(chat, settings, web_app)
    web_app[DIGESTS]                     # the DigestService (tests set `.clock`, `.paused`)

It registers the `digest` command in the chat core, gives the deliverer a poster per door
(Slack: the door's Web API client; Teams: `bot.teams.send_proactive`, with the Adaptive Card
renderer of bot/teams/digest_cards.py), starts the scheduler with the server and stops it
before the stores close.

Slack's `/alliances digest …` commands are taken by a Bolt middleware (in this module) before
the generic `/alliances` listener: same request, same chat core, but a `DigestReply` comes back
as the digest's own Block Kit (the preview shows exactly the blocks that will be posted),
which the generic listener would flatten to text. Every other reply is sent the generic way.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.chat import (
    INTERNAL_ERROR_TEXT,
    PLATFORM_SLACK,
    ChatRequest,
    ChatService,
    Conversation,
    NoticeReply,
)
from bot.digests.commands import DigestCommands, is_digest_text
from bot.digests.content import DigestReply
from bot.digests.delivery import SlackPoster, TeamsPoster
from bot.digests.service import DigestService, SubscriptionService, load_digest_settings

log = logging.getLogger(__name__)

EXTENSION = "digests"  # key in ChatService.extensions
DIGESTS: web.AppKey[DigestService] = web.AppKey("digests", DigestService)


def install_digests(chat: ChatService, settings: Any, web_app: web.Application) -> DigestService:
    """Register `digest`, connect the doors' posters, run the scheduler with the server."""
    from bot.server import SLACK_DOOR  # bot.server calls this function: already imported

    service = DigestService(settings.home, settings=load_digest_settings(settings.config_file))
    commands = DigestCommands(
        service,
        chat.state,
        is_admin=chat.core.is_admin,
        admins_configured=lambda: bool(chat.core.admins),
    )
    chat.core.register(commands.command())
    chat.extensions[EXTENSION] = commands
    web_app[DIGESTS] = service

    slack_door = web_app.get(SLACK_DOOR)
    if slack_door is not None:
        service.posters[PLATFORM_SLACK] = SlackPoster(slack_door.app.client)
        slack_door.app.use(_slack_digest_middleware(chat))
    if getattr(settings, "teams", None) is not None:
        import bot.teams.digest_cards  # noqa: F401  (registers the Adaptive Card renderer)

        service.posters["teams"] = TeamsPoster(web_app)
    run_with_server(service, chat, web_app)
    return service


def run_with_server(
    service: SubscriptionService, chat: ChatService, web_app: web.Application
) -> None:
    """Start a service's scheduler with the server; at cleanup, stop it, let the commands
    still running finish, then close its stores (the gaps report's wiring uses it too)."""

    async def start(_app: web.Application) -> None:
        await service.start()

    async def stop(_app: web.Application) -> None:
        await service.stop()
        await chat.drain()  # commands still running finish first (drain is idempotent)
        service.close()

    web_app.on_startup.append(start)
    web_app.on_cleanup.append(stop)


# --- Slack: /alliances digest … --------------------------------------------------------------


def _slack_digest_middleware(chat: ChatService) -> Any:
    from slack_bolt.response import BoltResponse

    from bot.slack.listeners import COMMAND
    from bot.slack.messages import plain_text

    async def digest_commands(body: dict, next: Any, respond: Any, context: Any) -> Any:
        if body.get("command") != COMMAND or not is_digest_text(body.get("text") or ""):
            return await next()
        request = ChatRequest(
            text=plain_text(body.get("text", ""), context.bot_user_id),
            user_id=body.get("user_id", ""),
            conversation=Conversation(
                PLATFORM_SLACK,
                body.get("channel_id", ""),
                is_direct=body.get("channel_name") == "directmessage",
                team_id=body.get("team_id"),
            ),
            private=True,
            surface="command",
            request_id=f"slack:command:{body.get('trigger_id')}",
            user_name=body.get("user_name"),
        )
        chat.spawn(_answer_digest_command(chat, request, respond), name="slack-digest")
        return BoltResponse(status=200, body="")  # the acknowledgement

    return digest_commands


async def _answer_digest_command(chat: ChatService, request: ChatRequest, respond: Any) -> None:
    from bot.slack import blocks as kit
    from bot.slack.delivery import respond_privately
    from bot.slack.digest_blocks import digest_blocks, notification_text

    try:
        reply = await chat.handle(request)
    except Exception:
        log.exception("the /alliances digest command failed")
        reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error", private=True)
    try:
        if isinstance(reply, DigestReply):
            await respond(
                text=notification_text(reply),
                blocks=digest_blocks(reply)[: kit.BLOCKS_PER_MESSAGE],
                response_type="ephemeral",
                replace_original=False,
            )
        else:
            await respond_privately(respond, reply)
    except Exception:
        log.exception("could not send the /alliances digest reply")
        try:
            await respond(text=INTERNAL_ERROR_TEXT, response_type="ephemeral")
        except Exception:
            log.exception("could not send the error message either")
