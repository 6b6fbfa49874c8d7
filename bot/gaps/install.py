"""The gaps report in `alliances serve`: one call from bot/server.py once the doors are mounted.

    service = install_gaps(chat, settings, web_app)
    web_app[GAPS]      # the GapReportService (tests set `.clock`, `.encoder`, `.paused`)

It registers the `lacunes` / `gaps` command in the chat core, groups questions with the
assistant's own encoder (once the knowledge base is ready), gives the deliverer a poster per
door (Slack: the door's Web API client; Teams: `bot.teams.send_proactive` with the Adaptive
Card of bot/teams/gap_cards.py), starts the scheduler with the server and stops it before
the stores close.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.chat import PLATFORM_SLACK, PLATFORM_TEAMS, ChatService
from bot.digests.delivery import TeamsPoster
from bot.digests.install import run_with_server
from bot.gaps.commands import GapCommands
from bot.gaps.delivery import GapReportService, GapSlackPoster
from bot.gaps.report import EncoderProvider, QuestionEncoder

log = logging.getLogger(__name__)

EXTENSION = "gaps"  # key in ChatService.extensions
GAPS: web.AppKey[GapReportService] = web.AppKey("gaps", GapReportService)


def assistant_encoder(chat: ChatService) -> EncoderProvider:
    """The encoder of the assistant's index (what the questions were searched with)."""

    def encoder() -> QuestionEncoder:
        index = getattr(chat.core.assistant, "index", None)
        if index is None:
            raise RuntimeError("the knowledge base is not ready: no encoder to group questions")
        return index.encoder

    return encoder


def install_gaps(chat: ChatService, settings: Any, web_app: web.Application) -> GapReportService:
    """Register `lacunes`, connect the doors' posters, run the scheduler with the server."""
    from bot.server import SLACK_DOOR  # bot.server calls this function: already imported

    service = GapReportService(settings.home, chat.state, encoder=assistant_encoder(chat))
    commands = GapCommands(
        service,
        is_admin=chat.core.is_admin,
        admins_configured=lambda: bool(chat.core.admins),
    )
    chat.core.register(commands.command())
    chat.extensions[EXTENSION] = commands
    web_app[GAPS] = service

    slack_door = web_app.get(SLACK_DOOR)
    if slack_door is not None:
        service.posters[PLATFORM_SLACK] = GapSlackPoster(slack_door.app.client)
    if getattr(settings, "teams", None) is not None:
        import bot.teams.gap_cards  # noqa: F401  (registers the Adaptive Card renderer)

        service.posters[PLATFORM_TEAMS] = TeamsPoster(web_app)
    run_with_server(service, chat, web_app)
    return service
